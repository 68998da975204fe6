/**
 * The "one node learning a mesh" workload shared by bench_absorb.ts (tinct alone) and
 * bench_absorb_tincd.ts (tinct against real tincd 1.0.36): every subnet and edge of a random
 * N-node mesh as tinc 1.0 lines, cut into chunks of 100, and one tinct round over them.
 *
 * ```
 *   "10 <nonce> <owner> <subnet>"                                   ADD_SUBNET, every subnet first
 *   "12 <nonce> <from> <to> <to's address> 655 c <weight>"          ADD_EDGE, both directions of each link
 * ```
 * Node 0 of the mesh is the learner; nodes 1..3 are the peers it hears the lines from.
 * @module
 */
import { Engine } from "../src/core/node/engine.ts";
import { type HostConfig, withDefaults } from "../src/core/node/config.ts";
import { inertEffects } from "../src/core/node/effects.ts";
import { formatSubnet } from "../src/core/subnet/subnet_text.ts";
import { type MeshSpec, randomMesh } from "../test/sim/mesh.ts";

/** Lines per chunk: what one peer's meta connection delivers to the learner in one read. */
export const LINES_PER_CHUNK = 100;

/** The mesh, its lines and their chunks. */
export interface AbsorbWorkload {
  spec: MeshSpec;
  /** Node 0: the node that learns the mesh. */
  learner: string;
  /** Nodes 1..3: the learner's direct peers. */
  peers: string[];
  /** The learner's hosts view: every node, only the learner with subnets. */
  hosts: Map<string, HostConfig>;
  lines: string[];
  /** `lines`, LINES_PER_CHUNK to a chunk, each line ending in `\n`. */
  chunks: Uint8Array[];
}

/** The same random mesh (seed 7, count/2 extra links) and lines for a given node count. */
export function absorbWorkload(count: number): AbsorbWorkload {
  const spec = randomMesh(count, Math.floor(count / 2), 7);
  const learner = spec.names[0]!;
  const peers = spec.names.slice(1, 4);
  const hosts = new Map<string, HostConfig>(
    spec.names.map((n) => [n, { addresses: [], subnets: n === learner ? spec.subnets.get(n)! : [] }]),
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
  for (let i = 0; i < lines.length; i += LINES_PER_CHUNK) {
    chunks.push(encoder.encode(lines.slice(i, i + LINES_PER_CHUNK).join("\n") + "\n"));
  }
  return { spec, learner, peers, hosts, lines, chunks };
}

/** One tinct round's figures. */
export interface TinctAbsorbRound {
  /** µs per line the first time it arrives (parsed, stored, forwarded, graph once per chunk). */
  newUs: number;
  /** µs per line arriving again from another peer (dropped by the past-request cache). */
  dupUs: number;
  /** Nodes the learner holds reachable at the end. */
  reachable: number;
}

/**
 * A fresh engine for the learner with its three peers authenticated (--bypass-security), fed
 * each chunk from peer 1 (timed as new) and then the same chunk from peer 2 (timed as duplicate).
 */
export function tinctAbsorbRound(w: AbsorbWorkload): TinctAbsorbRound {
  const encoder = new TextEncoder();
  let seed = 1;
  const engine = new Engine(
    withDefaults({ name: w.learner, hosts: w.hosts, debugLevel: 0 }),
    inertEffects({ connect: () => 1 }),
    { nextU32: () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) },
  );
  engine.start(0);
  w.peers.forEach((p, i) => {
    engine.onMetaConnected(1, 10 + i, {
      outgoing: false,
      peerAddress: { host: `192.0.2.${i + 1}`, port: 655 },
    });
    engine.onMetaData(1, 10 + i, encoder.encode(`0 ${p} 17\n4 655 20 8\n`));
  });
  let newMs = 0;
  let dupMs = 0;
  w.chunks.forEach((chunk, i) => {
    const t0 = performance.now();
    engine.onMetaData(2 + i, 10, chunk);
    const t1 = performance.now();
    engine.onMetaData(2 + i, 11, chunk);
    dupMs += performance.now() - t1;
    newMs += t1 - t0;
  });
  const reachable = engine.view().nodes.filter((n) => n.reachable).length;
  return { newUs: (newMs * 1000) / w.lines.length, dupUs: (dupMs * 1000) / w.lines.length, reachable };
}

/** The middle value (the upper one of an even count). */
export function median(xs: number[]): number {
  return [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
}
