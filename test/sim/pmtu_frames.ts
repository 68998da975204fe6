/**
 * IPv4 frames for the path-MTU tests: a well-formed packet of a given length with DF set or
 * clear (the router fragments or refuses it by its header), the reassembly of the fragments a
 * node received, and the next-hop MTU of an ICMP "fragmentation needed" error.
 *
 * ```
 *  0        12     14                                  34        38
 *  | MACs=0 | 0800 | IPv4: 45 00 len id flags ttl 17 … | TAG u32 | payload … |
 *  ICMP error: | eth | IPv4 (20) | 03 04 csum 0000 MTU(u16) | original header … |
 * ```
 * @module
 */
import { internetChecksum } from "../../src/core/route/checksum.ts";

/** An IPv4/UDP-numbered frame of exactly `length` bytes to 10.61.0.`dst`, tagged, DF as asked. */
export function ipv4Sized(dst: number, tag: number, length: number, df: boolean): Uint8Array {
  const f = new Uint8Array(length);
  const view = new DataView(f.buffer);
  f[12] = 0x08;
  f[14] = 0x45;
  view.setUint16(16, length - 14);
  view.setUint16(18, tag & 0xffff);
  if (df) f[20] = 0x40;
  f[22] = 64;
  f[23] = 17;
  f.set([10, 61, 0, 99], 26);
  f.set([10, 61, 0, dst], 30);
  view.setUint16(24, internetChecksum(f, 14, 20));
  view.setUint32(34, tag);
  for (let i = 38; i < length; i++) f[i] = (i * 7 + tag) & 0xff;
  return f;
}

/** The IP payloads of `fragments` (IPv4 frames) joined by fragment offset; undefined on a gap. */
export function reassembleIpv4(fragments: Uint8Array[]): Uint8Array | undefined {
  const pieces = fragments.map((f) => {
    const view = new DataView(f.buffer, f.byteOffset);
    const ihl = (f[14]! & 0x0f) * 4;
    const total = view.getUint16(16);
    const flags = view.getUint16(20);
    return { at: (flags & 0x1fff) * 8, more: (flags & 0x2000) !== 0, data: f.subarray(14 + ihl, 14 + total) };
  }).sort((a, b) => a.at - b.at);
  const last = pieces.at(-1);
  if (last === undefined || last.more) return undefined;
  const out = new Uint8Array(last.at + last.data.length);
  let next = 0;
  for (const p of pieces) {
    if (p.at !== next) return undefined;
    out.set(p.data, p.at);
    next = p.at + p.data.length;
  }
  return out;
}

/** The next-hop MTU of an ICMP destination-unreachable/fragmentation-needed frame, else undefined. */
export function fragNeededMtu(frame: Uint8Array): number | undefined {
  if (frame.length < 42 || frame[12] !== 0x08 || frame[13] !== 0x00 || frame[23] !== 1) return undefined;
  const icmp = 14 + (frame[14]! & 0x0f) * 4;
  if (frame[icmp] !== 3 || frame[icmp + 1] !== 4) return undefined;
  return (frame[icmp + 6]! << 8) | frame[icmp + 7]!;
}
