// Tunnel throughput and latency benchmark (root; a script, never a test): the same namespace pair
// carries, in interleaved rounds, tincd 1.0.36 ↔ tincd 1.0.36, wireguard-go ↔ wireguard-go and
// (when built) tinct ↔ tinct, each measured with iperf3 (TCP) and ping; ratios against the best peer.
//   bun scripts/bench_tunnel.ts [--rounds 3] [--seconds 5] [--only tincd,tinct,tinct-sptps,wireguard-go]
// tinct runs the built dist/bin/tinct-linux-x64 (bun scripts/build.ts --host-only first); both tinc
// implementations use their default crypto (RSA auth, aes-256-cbc + HMAC-SHA256/4 packets).
import { type ChildProcess, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Lab, type LabNode } from "../test/netns/lib/lab.ts";
import { exchangeHostFiles, overlay4, writeTincNode } from "../test/netns/lib/tincd.ts";

const argv = process.argv.slice(2);
const opt = (name: string, dflt: string) => (argv.includes(name) ? argv[argv.indexOf(name) + 1]! : dflt);
const rounds = Number(opt("--rounds", "3"));
const seconds = Number(opt("--seconds", "5"));
const only = new Set(opt("--only", "tincd,tinct,tinct-sptps,wireguard-go").split(","));
const tinctBinary = join(import.meta.dir, "..", "dist", "bin", "tinct-linux-x64");

interface Contender {
  name: string;
  up(lab: Lab, a: LabNode, b: LabNode, work: string): Promise<{ target: string; down: () => Promise<void> }>;
}

/** A pair of tinc-protocol daemons with default (authenticated, aes-256-cbc/sha256) settings. */
function tincPair(
  name: string,
  argv: (dir: string, pidfile: string) => string[],
  prepare: (dir: string) => void = () => {},
): Contender {
  return {
    name,
    async up(lab, a, b, work) {
      const dirs = new Map([["a", join(work, `${name}-a`)], ["b", join(work, `${name}-b`)]]);
      writeTincNode(dirs.get("a")!, { name: "a", index: 1, underlayIp: a.ip4, connectTo: ["b"] });
      writeTincNode(dirs.get("b")!, { name: "b", index: 2, underlayIp: b.ip4 });
      for (const dir of dirs.values()) prepare(dir);
      exchangeHostFiles(dirs);
      const procs = [b, a].map((n) =>
        lab.start(n.ns, argv(dirs.get(n.name)!, join(work, `${name}-${n.name}.pid`)))
      );
      await lab.waitFor(`${name} tunnel`, () => lab.ping(a.ns, overlay4(2), 1, 1), 30_000, 300);
      // Let PMTU discovery finish so the data goes over UDP, not TCP.
      await Bun.sleep(4000);
      return {
        target: overlay4(2),
        down: async () => void (await Promise.all(procs.map((p) => lab.stop(p)))),
      };
    },
  };
}

const tincd = tincPair("tincd", (dir, pid) => ["tincd", "-c", dir, "-D", `--pidfile=${pid}`]);
const tinct = tincPair("tinct", (dir, pid) => [tinctBinary, "daemon", "-c", dir, "-D", `--pidfile=${pid}`]);
/** tinct with Ed25519 keys as well: tinc 1.1's SPTPS between the two (ChaCha20-Poly1305 records). */
const tinctSptps = tincPair(
  "tinct-sptps",
  (dir, pid) => [tinctBinary, "daemon", "-c", dir, "-D", `--pidfile=${pid}`],
  (dir) => {
    const r = spawnSync(tinctBinary, ["-c", dir, "generate-ed25519-keys"], { input: "", timeout: 30_000 });
    if (r.status !== 0) throw new Error(`tinct generate-ed25519-keys failed: ${r.stderr}`);
  },
);

const wireguardGo: Contender = {
  name: "wireguard-go",
  async up(lab, a, b, work) {
    const keys = [a, b].map(() => {
      const priv = lab.exec(a.ns, ["wg", "genkey"]).stdout.trim();
      const pub = lab.exec(a.ns, ["wg", "pubkey"], 5000, priv + "\n").stdout.trim();
      return { priv, pub };
    });
    const procs: ChildProcess[] = [];
    for (const [i, n] of [a, b].entries()) {
      const peer = [a, b][1 - i]!;
      // wireguard-go's control socket lives in /var/run/wireguard, shared by all namespaces: unique names.
      const dev = `wgt${n.name}`;
      const keyFile = join(work, `wg-${n.name}.key`);
      writeFileSync(keyFile, keys[i]!.priv + "\n");
      procs.push(lab.start(n.ns, ["wireguard-go", "-f", dev], { env: { WG_PROCESS_FOREGROUND: "1" } }));
      await lab.waitFor(dev, () => lab.exec(n.ns, ["ip", "link", "show", dev]).status === 0, 10_000, 100);
      lab.nsExec(n.ns, [
        "wg",
        "set",
        dev,
        "listen-port",
        "51820",
        "private-key",
        keyFile,
        "peer",
        keys[1 - i]!.pub,
        "endpoint",
        `${peer.ip4}:51820`,
        "allowed-ips",
        `10.252.0.${2 - i}/32`,
      ]);
      lab.nsExec(n.ns, ["ip", "addr", "add", `10.252.0.${i + 1}/24`, "dev", dev]);
      lab.nsExec(n.ns, ["ip", "link", "set", dev, "up"]);
    }
    await lab.waitFor("wireguard tunnel", () => lab.ping(a.ns, "10.252.0.2", 1, 1), 20_000, 300);
    return {
      target: "10.252.0.2",
      down: async () => {
        await Promise.all(procs.map((p) => lab.stop(p)));
        for (const n of [a, b]) lab.exec(n.ns, ["ip", "link", "del", `wgt${n.name}`]);
      },
    };
  },
};

function iperf(lab: Lab, a: LabNode, b: LabNode, target: string): number {
  const server = lab.start(b.ns, ["iperf3", "-s", "-1"]);
  Bun.sleepSync(300);
  const r = lab.exec(a.ns, ["iperf3", "-c", target, "-t", String(seconds), "-J"], (seconds + 20) * 1000);
  void lab.stop(server);
  if (r.status !== 0) throw new Error(`iperf3 failed: ${r.stderr || r.stdout.slice(0, 400)}`);
  const j = JSON.parse(r.stdout) as { end: { sum_received: { bits_per_second: number } } };
  return j.end.sum_received.bits_per_second / 1e6;
}

function pingRtt(lab: Lab, a: LabNode, target: string): number {
  const r = lab.exec(a.ns, ["ping", "-c", "20", "-i", "0.05", "-q", target], 30_000);
  const m = /= [\d.]+\/([\d.]+)\//.exec(r.stdout);
  return m ? Number(m[1]) : NaN;
}

const contenders = [tincd, tinct, tinctSptps, wireguardGo].filter((c) => only.has(c.name));
const lab = new Lab("bench");
const work = mkdtempSync(join(tmpdir(), "tinct-bench-"));
const results = new Map<string, { mbit: number[]; rtt: number[] }>();
try {
  const a = lab.addNode("a");
  const b = lab.addNode("b");
  for (let round = 1; round <= rounds; round++) {
    for (const c of contenders) {
      const t = await c.up(lab, a, b, work);
      try {
        const mbit = iperf(lab, a, b, t.target);
        const rtt = pingRtt(lab, a, t.target);
        const r = results.get(c.name) ?? { mbit: [], rtt: [] };
        r.mbit.push(mbit);
        r.rtt.push(rtt);
        results.set(c.name, r);
        console.log(`round ${round} ${c.name}: ${mbit.toFixed(0)} Mbit/s, ping ${rtt.toFixed(3)} ms`);
      } finally {
        await t.down();
        rmSync(join(work, `${c.name}-a`), { recursive: true, force: true });
        rmSync(join(work, `${c.name}-b`), { recursive: true, force: true });
      }
    }
  }
} finally {
  await lab.destroy();
  rmSync(work, { recursive: true, force: true });
}
const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;
const best = Math.max(...[...results.values()].map((r) => median(r.mbit)));
console.log(`\nmedian of ${rounds} interleaved rounds, iperf3 TCP ${seconds} s, same namespace pair:`);
for (const [name, r] of results) {
  console.log(
    `${name.padEnd(14)} ${median(r.mbit).toFixed(0).padStart(6)} Mbit/s  (${
      (median(r.mbit) / best).toFixed(2)
    }× best)  ping ${median(r.rtt).toFixed(3)} ms`,
  );
}
