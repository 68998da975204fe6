// A three-node tinct mesh in network namespaces (root only):
//   bun scripts/demo.ts [--no-build]
// Builds the linux-x64 executable (unless --no-build), starts nodes a, b and c (b dials a, c
// dials b; authenticated with keys from `tinct generate-keys`, so the nodes speak tinc 1.1's SPTPS to
// each other), shows every node pinging every other over
// IPv4 and IPv6, measures TCP throughput from a to c through the tunnel, and removes the
// namespaces and processes again, also on Ctrl-C.
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Lab, type LabNode } from "../test/netns/lib/lab.ts";
import { transfer } from "../test/netns/lib/transfer.ts";

const root = join(import.meta.dir, "..");
const exe = join(root, "dist", "bin", "tinct-linux-x64");
const NAMES = ["a", "b", "c"];

function overlay4(i: number): string {
  return `10.251.0.${i}`;
}
function overlay6(i: number): string {
  return `fd00:251::${i}`;
}

/** tinc.conf, tinc-up, RSA and Ed25519 keys (tinct generate-keys), and every node's host file everywhere. */
function writeConfigs(base: string, nodes: LabNode[]): Map<string, string> {
  const dirs = new Map<string, string>();
  nodes.forEach((n, i) => {
    const dir = join(base, n.name);
    mkdirSync(join(dir, "hosts"), { recursive: true });
    const conf = [`Name = ${n.name}`, "Mode = router", `Interface = tinc${i + 1}`];
    if (i > 0) conf.push(`ConnectTo = ${nodes[i - 1]!.name}`);
    writeFileSync(join(dir, "tinc.conf"), conf.join("\n") + "\n");
    const up = [
      "#!/bin/sh",
      `ip addr add ${overlay4(i + 1)}/24 dev $INTERFACE`,
      `ip -6 addr add ${overlay6(i + 1)}/64 dev $INTERFACE nodad`,
      "ip link set $INTERFACE up",
    ];
    writeFileSync(join(dir, "tinc-up"), up.join("\n") + "\n");
    chmodSync(join(dir, "tinc-up"), 0o755);
    const host = [`Address = ${n.ip4}`, `Subnet = ${overlay4(i + 1)}/32`, `Subnet = ${overlay6(i + 1)}/128`];
    writeFileSync(join(dir, "hosts", n.name), host.join("\n") + "\n");
    const keys = spawnSync(exe, ["-c", dir, "generate-keys", "2048"], {
      encoding: "utf8",
      input: "",
      timeout: 120_000,
    });
    if (keys.status !== 0) throw new Error(`tinct generate-keys failed: ${keys.stderr}`);
    dirs.set(n.name, dir);
  });
  const hostFiles = nodes.map((n) =>
    [n.name, readFileSync(join(dirs.get(n.name)!, "hosts", n.name), "utf8")] as const
  );
  for (const dir of dirs.values()) {
    for (const [name, text] of hostFiles) writeFileSync(join(dir, "hosts", name), text);
  }
  return dirs;
}

async function main(): Promise<number> {
  if (process.getuid?.() !== 0) {
    console.error("The demo needs root (network namespaces and TUN devices): sudo npm run demo");
    return 1;
  }
  if (!process.argv.includes("--no-build") || !existsSync(exe)) {
    console.log("Building dist/bin/tinct-linux-x64 ...");
    const b = spawnSync(process.execPath, [join(root, "scripts", "build.ts"), "--host-only"], {
      cwd: root,
      stdio: "inherit",
      timeout: 600_000,
    });
    if (b.status !== 0) return 1;
  }
  const lab = new Lab("demo");
  const work = mkdtempSync(join(tmpdir(), "tinct-demo-"));
  const cleanup = async () => {
    await lab.destroy();
    rmSync(work, { recursive: true, force: true });
  };
  process.once("SIGINT", () => void cleanup().then(() => process.exit(130)));
  try {
    const nodes = NAMES.map((n) => lab.addNode(n));
    const dirs = writeConfigs(work, nodes);
    for (const n of nodes) {
      let log = "";
      lab.start(n.ns, [
        exe,
        "daemon",
        "-c",
        dirs.get(n.name)!,
        "-D",
        "-d1",
        `--pidfile=${join(work, `${n.name}.pid`)}`,
      ], {
        logTo: (s) => (log += s),
      });
      const ms = await lab.waitFor(`${n.name} ready`, () => log.includes("Ready"), 20_000, 50);
      console.log(`node ${n.name}: up in ${ms} ms (namespace ${n.ns}, underlay ${n.ip4})`);
    }
    const t0 = Date.now();
    await lab.waitFor("a reaches c", () => lab.ping(nodes[0]!.ns, overlay4(3), 1, 1), 30_000, 200);
    console.log(`mesh converged: a reaches c ${Date.now() - t0} ms after c started\n`);
    const dump = spawnSync(exe, ["--pidfile", join(work, "a.pid"), "dump", "nodes"], {
      encoding: "utf8",
      timeout: 10_000,
    });
    console.log(`tinct dump nodes (on a):\n${dump.stdout || dump.stderr}`);
    for (const [i, from] of nodes.entries()) {
      for (const [j, to] of nodes.entries()) {
        if (i === j) continue;
        for (const target of [overlay4(j + 1), overlay6(j + 1)]) {
          const r = lab.exec(from.ns, ["ping", "-c", "3", "-i", "0.2", "-W", "2", "-q", target], 20_000);
          const rtt = /= [\d.]+\/([\d.]+)\//.exec(r.stdout)?.[1];
          console.log(
            `  ${from.name} -> ${to.name} ${target.padEnd(12)} ${
              r.status === 0 ? `ok, avg ${rtt} ms` : "FAILED"
            }`,
          );
        }
      }
    }
    console.log("\nWaiting 8 s for path MTU discovery to settle, then 50 MB from a to c ...");
    await Bun.sleep(8000);
    const t = await transfer(lab, nodes[0]!, nodes[2]!, overlay4(3), 50_000_000);
    const intact = t.sent === t.received;
    console.log(`  a -> c: ${t.mbit.toFixed(0)} Mbit/s, ${intact ? "checksums match" : "CHECKSUM MISMATCH"}`);
    return intact ? 0 : 1;
  } finally {
    await cleanup();
    console.log("\nnamespaces and processes removed");
  }
}

process.exitCode = await main();
