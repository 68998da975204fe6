/**
 * A raw UDP generator for the TUN throughput check: COUNT datagrams of 64 bytes to HOST:PORT as
 * fast as libc sendto() goes (through the runtime's FFI binding, no event loop in between).
 *   bun runtime_udp_blast.ts HOST PORT COUNT
 * @module
 */
import { libc } from "../../src/runtime/libc.ts";

const [host = "10.77.0.2", port = "9", countArg = "10000"] = process.argv.slice(2);
const count = Math.min(Number(countArg), 5_000_000);
const c = libc();
const fd = c.socket(2, 2, 0);
const addr = new Uint8Array(16);
const dv = new DataView(addr.buffer);
dv.setUint16(0, 2, true);
dv.setUint16(2, Number(port), false);
addr.set(host.split(".").map(Number), 4);
const payload = new Uint8Array(64);
let sent = 0;
for (let i = 0; i < count; i++) {
  if (c.sendto(fd, payload, payload.length, 0, addr, 16) === payload.length) sent++;
}
c.close(fd);
console.error(`sent ${sent}/${count}`);
