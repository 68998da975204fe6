/**
 * ClampMSS: lowers the Maximum Segment Size option of TCP segments so that the peer never sends
 * segments too big for the tunnel (tinc route.c clamp_mss; spec §7). The new MSS is the MTU minus
 * everything before the TCP payload (link header, IP header, 20-byte TCP header); the TCP checksum
 * is patched incrementally (RFC 1624).
 *
 * ```
 *  TCP header (RFC 9293)                              MSS option
 *  0              16             32                   +------+------+--------------+
 *  | src port     | dst port     |                    | kind | len  | MSS (16 bit) |
 *  | sequence number             |                    |  2   |  4   |              |
 *  | acknowledgment number       |                    +------+------+--------------+
 *  |off|rsv|flags | window       |  off = header words; options fill bytes 20..off*4
 *  | checksum     | urgent ptr   |  kind 0 = end, 1 = no-op, others: kind, length, data
 *  | options ...                 |
 * ```
 * @module
 */
import { readU16, updateChecksum, writeU16 } from "./checksum.ts";
import {
  ETHERTYPE_IPV4,
  ETHERTYPE_IPV6,
  innerEthertype,
  IP4_FLAGS_OFFSET,
  IP4_OFFSET_MASK,
  IP4_PROTOCOL,
  IP6_NEXT_HEADER,
  IPV4_HEADER,
  IPV6_HEADER,
  networkOffset,
  PROTO_TCP,
  TCP_HEADER,
} from "./frame.ts";

const TCP_CHECKSUM = 16;
const OPT_END = 0;
const OPT_NOP = 1;
const OPT_MSS = 2;

/** Offset of the TCP header in the frame, or -1 when the frame is not a first TCP segment. */
export function tcpOffset(frame: Uint8Array, length: number): number {
  if (length < 14) return -1;
  const ip = networkOffset(frame, length);
  const type = innerEthertype(frame, length);
  if (type === ETHERTYPE_IPV4) {
    if (length < ip + IPV4_HEADER || frame[ip + IP4_PROTOCOL] !== PROTO_TCP) return -1;
    // Only the first fragment holds the TCP header.
    if ((readU16(frame, ip + IP4_FLAGS_OFFSET) & IP4_OFFSET_MASK) !== 0) return -1;
    const headerLength = (frame[ip]! & 0x0f) * 4;
    return headerLength < IPV4_HEADER ? -1 : ip + headerLength;
  }
  if (type === ETHERTYPE_IPV6) {
    if (length < ip + IPV6_HEADER || frame[ip + IP6_NEXT_HEADER] !== PROTO_TCP) return -1;
    return ip + IPV6_HEADER;
  }
  return -1;
}

/**
 * Offset of the MSS option's 16-bit value in the TCP header at `tcp`, or -1. Stops at the end
 * option or at the first malformed option, like a receiver would.
 */
export function findMssValue(frame: Uint8Array, length: number, tcp: number): number {
  if (length < tcp + TCP_HEADER) return -1;
  const optionsLength = (frame[tcp + 12]! >> 4) * 4 - TCP_HEADER;
  if (optionsLength <= 0 || tcp + TCP_HEADER + optionsLength > length) return -1;
  const start = tcp + TCP_HEADER;
  // Every step advances by at least one byte, so the walk is bounded by optionsLength (<= 40).
  for (let at = 0; at < optionsLength;) {
    const kind = frame[start + at]!;
    if (kind === OPT_END) return -1;
    if (kind === OPT_NOP) {
      at++;
      continue;
    }
    if (at + 2 > optionsLength) return -1;
    const size = frame[start + at + 1]!;
    if (size < 2 || at + size > optionsLength) return -1;
    if (kind === OPT_MSS) return size === 4 ? start + at + 2 : -1;
    at += size;
  }
  return -1;
}

function swapBytes(word: number): number {
  return ((word & 0xff) << 8) | (word >>> 8);
}

/**
 * Lowers the MSS option of a TCP segment in the frame to `mtu - (offset of TCP payload)` when it
 * is larger, patching the TCP checksum. Returns the new MSS, or 0 when nothing changed.
 */
export function clampMss(frame: Uint8Array, length: number, mtu: number): number {
  const tcp = tcpOffset(frame, length);
  if (tcp < 0) return 0;
  const value = findMssValue(frame, length, tcp);
  if (value < 0) return 0;
  const oldMss = readU16(frame, value);
  const newMss = mtu - tcp - TCP_HEADER;
  if (newMss <= 0 || oldMss <= newMss) return 0;
  writeU16(frame, value, newMss);
  // An option at an odd offset straddles two checksum words; its bytes then add in swapped order.
  const odd = (value - tcp) % 2 === 1;
  const checksum = readU16(frame, tcp + TCP_CHECKSUM);
  const patched = odd
    ? updateChecksum(checksum, swapBytes(oldMss), swapBytes(newMss))
    : updateChecksum(checksum, oldMss, newMss);
  writeU16(frame, tcp + TCP_CHECKSUM, patched);
  return newMss;
}
