/**
 * IPv4 fragmentation (RFC 791 §3.2) for packets too big for the path toward a node when the
 * sender allowed it (DF clear): tinc cuts them itself rather than dropping them.
 *
 * Every fragment repeats the frame's link header. The first keeps the whole IP header; later ones
 * keep only the options whose "copied" flag (0x80 in the option type) is set, padded to a 4-byte
 * boundary. Payload pieces are multiples of 8 bytes except the last; MF is set on all but the
 * last unless the original was itself a non-final fragment, and offsets continue from the original's.
 * @module
 */
import { internetChecksum, readU16, writeU16 } from "./checksum.ts";
import {
  IP4_CHECKSUM,
  IP4_FLAGS_OFFSET,
  IP4_MF,
  IP4_OFFSET_MASK,
  IP4_TOTAL_LENGTH,
  IPV4_HEADER,
} from "./frame.ts";

/** Why a packet could not be fragmented. */
export type FragmentProblem = "bad-header" | "length-mismatch" | "mtu-too-small";

/** Bytes of the options with the copied flag, in order, padded to a multiple of 4. */
function copiedOptions(frame: Uint8Array, ip: number, headerLength: number, out: Uint8Array): number {
  let n = 0;
  for (let at = IPV4_HEADER; at < headerLength;) {
    const type = frame[ip + at]!;
    if (type === 0) break;
    if (type === 1) {
      at++;
      continue;
    }
    if (at + 1 >= headerLength) break;
    const size = frame[ip + at + 1]!;
    if (size < 2 || at + size > headerLength) break;
    if (type & 0x80) { for (let i = 0; i < size; i++) out[n++] = frame[ip + at + i]!; }
    at += size;
  }
  while (n % 4 !== 0) out[n++] = 0;
  return n;
}

/**
 * Cuts the IPv4 packet behind `linkLength` bytes of link header into frames of at most `mtu`
 * bytes each (link header included). The packet's total length must match the frame.
 */
export function fragmentIpv4(
  frame: Uint8Array,
  length: number,
  linkLength: number,
  mtu: number,
): Uint8Array[] | FragmentProblem {
  const ip = linkLength;
  if (length < ip + IPV4_HEADER) return "bad-header";
  const headerLength = (frame[ip]! & 0x0f) * 4;
  if (headerLength < IPV4_HEADER || ip + headerLength > length) return "bad-header";
  const total = readU16(frame, ip + IP4_TOTAL_LENGTH);
  if (ip + total !== length || total < headerLength) return "length-mismatch";

  const options = new Uint8Array(40);
  const laterHeaderLength = IPV4_HEADER + copiedOptions(frame, ip, headerLength, options);
  const firstMax = Math.floor((mtu - linkLength - headerLength) / 8) * 8;
  const laterMax = Math.floor((mtu - linkLength - laterHeaderLength) / 8) * 8;
  const data = total - headerLength;
  if (firstMax < 8 || laterMax < 8 || data <= 0) return "mtu-too-small";

  const flagsOffset = readU16(frame, ip + IP4_FLAGS_OFFSET);
  const keptFlags = flagsOffset & ~IP4_OFFSET_MASK;
  const baseOffset = flagsOffset & IP4_OFFSET_MASK;
  const fragments: Uint8Array[] = [];
  for (let done = 0; done < data;) {
    const first = done === 0;
    const header = first ? headerLength : laterHeaderLength;
    const piece = Math.min(first ? firstMax : laterMax, data - done);
    const out = new Uint8Array(linkLength + header + piece);
    out.set(frame.subarray(0, ip + IPV4_HEADER), 0);
    if (first) out.set(frame.subarray(ip + IPV4_HEADER, ip + headerLength), ip + IPV4_HEADER);
    else out.set(options.subarray(0, header - IPV4_HEADER), ip + IPV4_HEADER);
    out[ip] = 0x40 | (header / 4);
    out.set(frame.subarray(ip + headerLength + done, ip + headerLength + done + piece), ip + header);
    writeU16(out, ip + IP4_TOTAL_LENGTH, header + piece);
    const more = done + piece < data ? IP4_MF : 0;
    writeU16(out, ip + IP4_FLAGS_OFFSET, keptFlags | more | ((baseOffset + done / 8) & IP4_OFFSET_MASK));
    writeU16(out, ip + IP4_CHECKSUM, 0);
    writeU16(out, ip + IP4_CHECKSUM, internetChecksum(out, ip, header));
    fragments.push(out);
    done += piece;
  }
  return fragments;
}
