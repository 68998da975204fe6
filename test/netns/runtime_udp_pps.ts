/**
 * Loopback receive rate of the runtime's UDP endpoints: a separate process (runtime_udp_blast.ts,
 * libc sendto in a loop) sends COUNT 64-byte datagrams; we count what the endpoint delivers and
 * over how long. "bun" = udp.ts (Bun.udpSocket), "ffi" = udp_ffi.ts (recvmmsg Worker), both with
 * the same 4 MiB receive buffer where settable. Prints one JSON line. Not a test: a figure.
 *   bun runtime_udp_pps.ts [COUNT] [bun|ffi]
 * @module
 */
import { spawn } from "node:child_process";
import { join } from "node:path";
import { openUdp } from "../../src/runtime/udp.ts";
import { openUdpFfi } from "../../src/runtime/udp_ffi.ts";

const count = Math.min(Number(process.argv[2] ?? "200000"), 5_000_000);
const kind = process.argv[3] === "ffi" ? "ffi" : "bun";
let received = 0;
let first = 0;
let last = 0;
const open = kind === "ffi"
  ? (o: Parameters<typeof openUdp>[0]) => openUdpFfi({ ...o, receiveBuffer: 4 << 20 })
  : openUdp;
const rx = await open({
  host: "127.0.0.1",
  port: 0,
  onDatagram: () => {
    last = performance.now();
    if (received++ === 0) first = last;
  },
});
const blaster = spawn(process.execPath, [
  join(import.meta.dir, "runtime_udp_blast.ts"),
  "127.0.0.1",
  String(rx.port),
  String(count),
], {
  stdio: "ignore",
});
const killer = setTimeout(() => blaster.kill("SIGKILL"), 30_000);
await new Promise((r) => blaster.on("exit", r));
clearTimeout(killer);
await new Promise((r) => setTimeout(r, 300));
rx.close();
console.log(JSON.stringify({
  kind,
  sent: count,
  received,
  receivedPerSecond: last > first ? Math.round((received - 1) / ((last - first) / 1000)) : 0,
  pmtuDiscovery: rx.pmtuDiscovery,
}));
process.exit(0);
