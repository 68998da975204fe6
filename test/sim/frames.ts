/**
 * Ethernet frames for the simulator tests: IPv4 and IPv6 packets to a given destination,
 * carrying a 32-bit tag right after the IP header so that a frame can be followed hop by hop.
 *
 * ```
 *  0        12    14                       14+hdr      +4
 *  | MACs=0 | type | IPv4 (20) or IPv6 (40) | TAG (u32) | padding |
 * ```
 * @module
 */
import type { Subnet } from "../../src/core/subnet/subnet.ts";

export function ipv4Frame(dst: Uint8Array, tag: number): Uint8Array {
  const f = new Uint8Array(14 + 20 + 8);
  f[12] = 0x08;
  f[14] = 0x45;
  f[22] = 64;
  f[23] = 17;
  f.set([10, 99, 0, 1], 26);
  f.set(dst, 30);
  new DataView(f.buffer).setUint32(34, tag);
  return f;
}

export function ipv6Frame(dst: Uint8Array, tag: number): Uint8Array {
  const f = new Uint8Array(14 + 40 + 8);
  f[12] = 0x86;
  f[13] = 0xdd;
  f[14] = 0x60;
  f[20] = 17;
  f[21] = 64;
  f[22] = 0xfd;
  f.set(dst, 38);
  new DataView(f.buffer).setUint32(54, tag);
  return f;
}

/** A frame to the first host address inside `s`, tagged. */
export function frameInto(s: Subnet, tag: number): Uint8Array {
  const a = s.address.slice();
  a[a.length - 1] = (a[a.length - 1]! | 1) & 0xff;
  return s.kind === "ipv6" ? ipv6Frame(a, tag) : ipv4Frame(a, tag);
}

/** The tag of a frame built above, or -1. */
export function tagOf(frame: Uint8Array): number {
  const type = frame.length >= 14 ? (frame[12]! << 8) | frame[13]! : 0;
  const off = type === 0x0800 ? 34 : type === 0x86dd ? 54 : -1;
  if (off < 0 || frame.length < off + 4) return -1;
  return new DataView(frame.buffer, frame.byteOffset).getUint32(off);
}
