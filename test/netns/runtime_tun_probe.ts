/**
 * Run inside a network namespace by runtime_tun_test.ts: opens a TUN or TAP device with the
 * runtime's code, addresses it, and answers pings through it from the reader Worker's ring, so
 * both directions (read through the ring, write back) are exercised. Prints one JSON line.
 *   bun runtime_tun_probe.ts tun|tap ping
 *   bun runtime_tun_probe.ts tun flood COUNT     (UDP blast into the device; frames/s through the ring)
 * @module
 */
import { spawn, spawnSync } from "node:child_process";
import { openTun } from "../../src/runtime/tun_open.ts";
import { startTunReader } from "../../src/runtime/tun_reader.ts";
import type { TunMode } from "../../src/runtime/tun.ts";
import { join } from "node:path";
import { readFileSync } from "node:fs";

const mode = (process.argv[2] ?? "tun") as TunMode;
const action = process.argv[3] ?? "ping";
const count = Number(process.argv[4] ?? "20000");
const FAKE_MAC = [0x02, 0, 0, 0, 0, 0x77];
const PEER = [10, 77, 0, 2];

function ip(...args: string[]): void {
  const r = spawnSync("ip", args, { encoding: "utf8", timeout: 5000 });
  if (r.status !== 0) throw new Error(`ip ${args.join(" ")}: ${r.stderr}`);
}

function checksum(b: Uint8Array, start: number, end: number): number {
  let sum = 0;
  for (let i = start; i < end; i += 2) sum += (b[i]! << 8) | (i + 1 < end ? b[i + 1]! : 0);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

const isPeer = (f: Uint8Array, at: number) => PEER.every((v, i) => f[at + i] === v);

// Turns an ICMP echo request frame into the reply, in a copy.
function echoReply(frame: Uint8Array, length: number): Uint8Array {
  const r = frame.slice(0, length);
  const ihl = (r[14]! & 0x0f) * 4;
  const src = r.slice(26, 30);
  r.copyWithin(26, 30, 34);
  r.set(src, 30);
  r[14 + ihl] = 0; // echo reply
  r[14 + ihl + 2] = 0;
  r[14 + ihl + 3] = 0;
  const c = checksum(r, 14 + ihl, length);
  r[14 + ihl + 2] = c >> 8;
  r[14 + ihl + 3] = c & 0xff;
  r.copyWithin(6, 0, 6); // TAP: reply comes from the peer MAC to the sender
  r.set(frame.subarray(6, 12), 0);
  r.set(FAKE_MAC, 6);
  return r;
}

function arpReply(frame: Uint8Array): Uint8Array {
  const r = new Uint8Array(42);
  r.set(frame.subarray(6, 12), 0);
  r.set(FAKE_MAC, 6);
  r.set([0x08, 0x06, 0, 1, 0x08, 0, 6, 4, 0, 2], 12);
  r.set(FAKE_MAC, 22);
  r.set(PEER, 28);
  r.set(frame.subarray(22, 32), 32); // sender MAC + IP become the target
  return r;
}

const dev = openTun(
  mode === "tun" ? { mode } : { mode, name: `tinctap${process.pid % 1000}`, mtu: 1400, oneQueue: true },
);
const mtu = Number(readFileSync(`/sys/class/net/${dev.name}/mtu`, "utf8"));
ip("addr", "add", "10.77.0.1/24", "dev", dev.name);
ip("-6", "addr", "add", "fd77::1/64", "dev", dev.name, "nodad");
ip("link", "set", dev.name, "up");

const headers = new Set<string>();
const ethertypes: Record<string, number> = {};
let echoRequests = 0;
let writeErrors = 0;
let firstAt = 0;
let lastAt = 0;
let frames = 0;

const reader = await startTunReader(dev, {
  onFrame(slot, length) {
    frames++;
    if (action === "flood") {
      if (firstAt === 0) firstAt = performance.now();
      lastAt = performance.now();
      return;
    }
    const type = (slot[12]! << 8) | slot[13]!;
    const key = type.toString(16).padStart(4, "0");
    ethertypes[key] = (ethertypes[key] ?? 0) + 1;
    if (mode === "tun") headers.add(Buffer.from(slot.subarray(0, 14)).toString("hex"));
    if (type === 0x0806 && slot[21] === 1 && isPeer(slot, 38)) {
      const reply = arpReply(slot);
      if (dev.write(reply) !== reply.length) writeErrors++;
    } else if (
      type === 0x0800 && slot[23] === 1 && isPeer(slot, 30) && slot[14 + (slot[14]! & 15) * 4] === 8
    ) {
      echoRequests++;
      const reply = echoReply(slot, length);
      if (dev.write(reply) !== reply.length) writeErrors++;
    }
  },
});

function wait(cmd: string, args: string[], timeoutMs: number): Promise<number> {
  return new Promise((resolve) => {
    const p = spawn(cmd, args, { stdio: "ignore" });
    const t = setTimeout(() => p.kill("SIGKILL"), timeoutMs);
    p.on("exit", (code) => {
      clearTimeout(t);
      resolve(code ?? -1);
    });
  });
}

const result: Record<string, unknown> = { name: dev.name, mode, mtu };
if (action === "ping") {
  result.ping4 = await wait("ping", ["-c", "3", "-i", "0.2", "-W", "2", "10.77.0.2"], 10_000);
  result.ping6 = await wait("ping", ["-6", "-c", "1", "-W", "1", "fd77::2"], 5_000);
} else {
  const blast = join(import.meta.dir, "runtime_udp_blast.ts");
  const t0 = performance.now();
  result.blast = await wait(process.execPath, [blast, "10.77.0.2", "9", String(count)], 60_000);
  result.blastMs = Math.round(performance.now() - t0);
  await new Promise((r) => setTimeout(r, 300));
}
await reader.stop();
dev.close();
Object.assign(result, {
  frames,
  echoRequests,
  writeErrors,
  ethertypes,
  headers: [...headers].slice(0, 8),
  stats: reader.stats(),
  framesPerSecond: lastAt > firstAt ? Math.round((frames - 1) / ((lastAt - firstAt) / 1000)) : 0,
});
console.log(JSON.stringify(result));
process.exit(0);
