/**
 * ICMP and ICMPv6 error messages that the router sends back toward a packet's source, and the
 * rate limit on them (tinc's route.c: at most 3 per clock second, shared by both families).
 *
 * An error reuses the offending frame's Ethernet header with the MACs swapped (an 802.1Q tag, if
 * any, stays), takes the original destination as its source address (tinc answers "as" the host
 * that could not be reached), uses TTL/hop limit 255 and quotes the start of the offending IP
 * packet so that the whole IP datagram stays within 576 bytes.
 *
 * ```
 *  ICMP error (RFC 792)                       ICMPv6 error (RFC 4443)
 *  +------+------+-----------+                +------+------+-----------+
 *  | type | code | checksum  |                | type | code | checksum  |
 *  +------+------+-----------+                +------+------+-----------+
 *  | unused  | next-hop MTU  |  (3/4 only)    | MTU or unused (32 bit)  |  (type 2: MTU)
 *  +-------------------------+                +-------------------------+
 *  | original IP header + data ...            | original packet ...     |
 * ```
 * @module
 */
import { finishChecksum, internetChecksum, ipv6PseudoSum, sumWords, writeU16, writeU32 } from "./checksum.ts";
import {
  ICMP_HEADER,
  IP4_CHECKSUM,
  IP4_DST,
  IP4_SRC,
  IP6_DST,
  IP6_SRC,
  IP_MSS,
  IPV4_HEADER,
  IPV6_HEADER,
  PROTO_ICMP,
  PROTO_ICMPV6,
} from "./frame.ts";

export const ICMP_DEST_UNREACH = 3;
export const ICMP_TIME_EXCEEDED = 11;
export const ICMP_NET_UNREACH = 0;
export const ICMP_FRAG_NEEDED = 4;
export const ICMP_NET_UNKNOWN = 6;
export const ICMP_NET_ANO = 9;
export const ICMP_EXC_TTL = 0;

export const ICMP6_DST_UNREACH = 1;
export const ICMP6_PACKET_TOO_BIG = 2;
export const ICMP6_TIME_EXCEEDED = 3;
export const ICMP6_DST_UNREACH_NOROUTE = 0;
export const ICMP6_DST_UNREACH_ADMIN = 1;
export const ICMP6_DST_UNREACH_ADDR = 3;
export const ICMP6_TIME_EXCEED_TRANSIT = 0;

/** At most `perSecond` errors in one clock second (tinc compares whole seconds, not a sliding window). */
export class IcmpRateLimiter {
  private second = Number.NEGATIVE_INFINITY;
  private count = 0;

  constructor(readonly perSecond = 3) {}

  /** Takes one token at `now` (ms); false when this second's budget is spent. */
  allow(now: number): boolean {
    const second = Math.floor(now / 1000);
    if (second === this.second) {
      if (this.count >= this.perSecond) return false;
    } else {
      this.second = second;
      this.count = 0;
    }
    this.count++;
    return true;
  }
}

function copyBytes(src: Uint8Array, from: number, dst: Uint8Array, to: number, length: number): void {
  for (let i = 0; i < length; i++) dst[to + i] = src[from + i]!;
}

function copyLinkHeaderSwapped(frame: Uint8Array, linkLength: number, out: Uint8Array): void {
  for (let i = 0; i < 6; i++) {
    out[i] = frame[6 + i]!;
    out[6 + i] = frame[i]!;
  }
  copyBytes(frame, 12, out, 12, linkLength - 12);
}

/**
 * Writes an ICMP error about the IPv4 packet in `frame` into `out` and returns the new frame's
 * length. `length` is how much of the frame counts as the offending packet (tinc truncates it to
 * the path MTU for "fragmentation needed", whose next-hop MTU is then `length - linkLength`).
 * Requires `length >= linkLength + 20` and `out.length >= linkLength + 576`.
 */
export function writeIcmpv4Error(
  frame: Uint8Array,
  length: number,
  linkLength: number,
  type: number,
  code: number,
  out: Uint8Array,
): number {
  const original = length - linkLength;
  const quoted = Math.max(0, Math.min(original, IP_MSS - IPV4_HEADER - ICMP_HEADER));
  const ip = linkLength;
  const icmp = ip + IPV4_HEADER;
  copyLinkHeaderSwapped(frame, linkLength, out);
  copyBytes(frame, ip, out, icmp + ICMP_HEADER, quoted);

  out[ip] = 0x45;
  out[ip + 1] = 0;
  writeU16(out, ip + 2, IPV4_HEADER + ICMP_HEADER + quoted);
  writeU32(out, ip + 4, 0);
  out[ip + 8] = 255;
  out[ip + 9] = PROTO_ICMP;
  writeU16(out, ip + IP4_CHECKSUM, 0);
  copyBytes(frame, ip + IP4_DST, out, ip + IP4_SRC, 4);
  copyBytes(frame, ip + IP4_SRC, out, ip + IP4_DST, 4);
  writeU16(out, ip + IP4_CHECKSUM, internetChecksum(out, ip, IPV4_HEADER));

  out[icmp] = type;
  out[icmp + 1] = code;
  writeU16(out, icmp + 2, 0);
  writeU16(out, icmp + 4, 0);
  const nextMtu = type === ICMP_DEST_UNREACH && code === ICMP_FRAG_NEEDED ? original : 0;
  writeU16(out, icmp + 6, nextMtu);
  writeU16(out, icmp + 2, internetChecksum(out, icmp, ICMP_HEADER + quoted));
  return icmp + ICMP_HEADER + quoted;
}

/**
 * Writes an ICMPv6 error about the IPv6 packet in `frame` into `out` and returns the new frame's
 * length. For Packet Too Big the MTU field is `length - linkLength`. Requires
 * `length >= linkLength + 40` and `out.length >= linkLength + 576`.
 */
export function writeIcmpv6Error(
  frame: Uint8Array,
  length: number,
  linkLength: number,
  type: number,
  code: number,
  out: Uint8Array,
): number {
  const original = length - linkLength;
  const quoted = Math.max(0, Math.min(original, IP_MSS - IPV6_HEADER - ICMP_HEADER));
  const ip = linkLength;
  const icmp = ip + IPV6_HEADER;
  copyLinkHeaderSwapped(frame, linkLength, out);
  copyBytes(frame, ip, out, icmp + ICMP_HEADER, quoted);

  writeU32(out, ip, 0x60000000);
  writeU16(out, ip + 4, ICMP_HEADER + quoted);
  out[ip + 6] = PROTO_ICMPV6;
  out[ip + 7] = 255;
  copyBytes(frame, ip + IP6_DST, out, ip + IP6_SRC, 16);
  copyBytes(frame, ip + IP6_SRC, out, ip + IP6_DST, 16);

  out[icmp] = type;
  out[icmp + 1] = code;
  writeU16(out, icmp + 2, 0);
  writeU32(out, icmp + 4, type === ICMP6_PACKET_TOO_BIG ? original : 0);
  const pseudo = ipv6PseudoSum(out, ip, ICMP_HEADER + quoted, PROTO_ICMPV6);
  writeU16(out, icmp + 2, finishChecksum(sumWords(out, icmp, ICMP_HEADER + quoted, pseudo)));
  return icmp + ICMP_HEADER + quoted;
}
