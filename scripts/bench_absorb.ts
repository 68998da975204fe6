// One engine learning a whole mesh: the per-node CPU cost behind mesh convergence, without the
// simulator. A node with three authenticated peers (--bypass-security) receives every subnet and
// edge of a random N-node mesh (default 1,000) as 1.0 lines, 100 to a chunk, each chunk first
// from one peer (new lines: parsed, stored, forwarded to the other two, graph run once per chunk)
// and then again from a second peer (duplicates: dropped by the past-request cache). Prints the
// median over rounds of the time per new line and per duplicate. A benchmark: it never fails on
// a time.
//   node_modules/.bin/bun scripts/bench_absorb.ts [NODES] [ROUNDS]
import { Engine } from "../src/core/node/engine.ts";
import { type HostConfig, withDefaults } from "../src/core/node/config.ts";
import { inertEffects } from "../src/core/node/effects.ts";
import { formatSubnet } from "../src/core/subnet/subnet_text.ts";
import { randomMesh } from "../test/sim/mesh.ts";

const count = Number(process.argv[2] ?? 1000);
const rounds = Number(process.argv[3] ?? 15);
const spec = randomMesh(count, Math.floor(count / 2), 7);
const me = spec.names[0]!;
const peers = spec.names.slice(1, 4);
const hosts = new Map<string, HostConfig>(
  spec.names.map((n) => [n, { addresses: [], subnets: n === me ? spec.subnets.get(n)! : [] }]),
);

const lines: string[] = [];
let nonce = 1;
for (const n of spec.names) {
  for (const s of spec.subnets.get(n)!) lines.push(`10 ${(nonce++).toString(16)} ${n} ${formatSubnet(s)}`);
}
for (const l of spec.links) {
  lines.push(`12 ${(nonce++).toString(16)} ${l.a} ${l.b} ${spec.ip.get(l.b)} 655 c ${l.weightAB}`);
  lines.push(`12 ${(nonce++).toString(16)} ${l.b} ${l.a} ${spec.ip.get(l.a)} 655 c ${l.weightBA}`);
}
const encoder = new TextEncoder();
const chunks: Uint8Array[] = [];
for (let i = 0; i < lines.length; i += 100) {
  chunks.push(encoder.encode(lines.slice(i, i + 100).join("\n") + "\n"));
}

let sentWrites = 0;
const effects = inertEffects({ sendMeta: () => void sentWrites++, connect: () => 1 });
function round(): { newUs: number; dupUs: number; reachable: number } {
  let seed = 1;
  const engine = new Engine(withDefaults({ name: me, hosts, debugLevel: 0 }), effects, {
    nextU32: () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0),
  });
  engine.start(0);
  peers.forEach((p, i) => {
    engine.onMetaConnected(1, 10 + i, {
      outgoing: false,
      peerAddress: { host: `192.0.2.${i + 1}`, port: 655 },
    });
    engine.onMetaData(1, 10 + i, encoder.encode(`0 ${p} 17\n4 655 20 8\n`));
  });
  let newMs = 0;
  let dupMs = 0;
  chunks.forEach((chunk, i) => {
    const t0 = performance.now();
    engine.onMetaData(2 + i, 10, chunk);
    const t1 = performance.now();
    engine.onMetaData(2 + i, 11, chunk);
    dupMs += performance.now() - t1;
    newMs += t1 - t0;
  });
  const reachable = engine.view().nodes.filter((n) => n.reachable).length;
  return { newUs: (newMs * 1000) / lines.length, dupUs: (dupMs * 1000) / lines.length, reachable };
}

const results = Array.from({ length: rounds }, round);
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
console.log(
  JSON.stringify({
    nodes: count,
    lines: lines.length,
    rounds,
    reachable: results.at(-1)!.reachable,
    newLineUsMedian: Number(median(results.map((r) => r.newUs)).toFixed(2)),
    duplicateUsMedian: Number(median(results.map((r) => r.dupUs)).toFixed(2)),
    meshMsMedian: Number(median(results.map((r) => (r.newUs + r.dupUs) * lines.length / 1000)).toFixed(1)),
  }),
);
