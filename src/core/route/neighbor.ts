/**
 * Answers to address resolution in router mode: tinc pretends every address owned by another
 * node sits behind a neighbour whose MAC is the asker's own MAC with the last byte flipped, so a
 * TAP interface can be used without NOARP. Both answers are built in place in the request frame.
 *
 * ```
 *  ARP for Ethernet/IPv4 (RFC 826), after the 14-byte Ethernet header:
 *  0        2        4    5    6        8              14       18             24       28
 *  +--------+--------+----+----+--------+--------------+--------+--------------+--------+
 *  | htype 1| ptype  |hlen|plen|  op    | sender MAC   |sender IP| target MAC  |target IP|
 *  |        | 0x0800 | 6  | 4  | 1 req  |              |        |              |        |
 *  +--------+--------+----+----+--------+--------------+--------+--------------+--------+
 *
 *  Neighbor Solicitation / Advertisement (RFC 4861), after Ethernet (14) and IPv6 (40):
 *  0      1      2          4                8                  24       26   32
 *  +------+------+----------+----------------+------------------+--------+----+---
 *  | type | code | checksum | flags/reserved | target address   | option: type|len=1| MAC
 *  | 135/136     |          | NA: 0x40000000 |                  | 1 = source LLA, 2 = target LLA
 *  +------+------+----------+----------------+------------------+--------+----+---
 * ```
 * @module
 */
import { finishChecksum, ipv6PseudoSum, readU16, sumWords, writeU16, writeU32 } from "./checksum.ts";
import {
  ARP_BODY,
  ETH_HEADER,
  ETHERTYPE_IPV4,
  IP6_DST,
  IP6_HOP_LIMIT,
  IP6_NEXT_HEADER,
  IP6_PAYLOAD_LENGTH,
  IP6_SRC,
  IPV6_HEADER,
  PROTO_ICMPV6,
} from "./frame.ts";

/** Offset of the ARP target protocol address in the frame. */
export const ARP_TARGET_IP = ETH_HEADER + 24;
/** Offset of the ICMPv6 header of a frame without a VLAN tag. */
export const ICMP6_START = ETH_HEADER + IPV6_HEADER;
/** Offset of the Neighbor Solicitation target address. */
export const NS_TARGET = ICMP6_START + 8;
export const ND_NEIGHBOR_SOLICIT = 135;
export const ND_NEIGHBOR_ADVERT = 136;
const NS_BODY = 24;
const OPT_SOURCE_LLA = 1;
const OPT_TARGET_LLA = 2;

/** Why an ARP packet is not a request we answer; "" when it is one. */
export type ArpProblem = "" | "too-short" | "not-request";

/** Checks for an Ethernet/IPv4 ARP request (tinc answers nothing else). */
export function arpRequestProblem(frame: Uint8Array, length: number): ArpProblem {
  if (length < ETH_HEADER + ARP_BODY) return "too-short";
  const a = ETH_HEADER;
  if (
    readU16(frame, a) !== 1 || readU16(frame, a + 2) !== ETHERTYPE_IPV4 || frame[a + 4] !== 6 ||
    frame[a + 5] !== 4 || readU16(frame, a + 6) !== 1
  ) return "not-request";
  return "";
}

/** Points the frame back at the requester: destination = requester, source = its MAC with the last byte flipped. */
function answerFromFakeNeighbour(frame: Uint8Array): void {
  for (let i = 0; i < 6; i++) frame[i] = frame[6 + i]!;
  frame[11] = frame[11]! ^ 0xff;
}

/** Rewrites a valid ARP request (see {@link arpRequestProblem}) into the reply, in place. */
export function turnArpRequestIntoReply(frame: Uint8Array): void {
  answerFromFakeNeighbour(frame);
  const a = ETH_HEADER;
  for (let i = 0; i < 4; i++) {
    const targetIp = frame[a + 24 + i]!;
    frame[a + 24 + i] = frame[a + 14 + i]!;
    frame[a + 14 + i] = targetIp;
  }
  for (let i = 0; i < 6; i++) {
    frame[a + 18 + i] = frame[a + 8 + i]!;
    frame[a + 8 + i] = frame[6 + i]!;
  }
  writeU16(frame, a + 6, 2);
}

/** Outcome of checking a Neighbor Solicitation. */
export type SolicitationCheck = "with-lla" | "without-lla" | "too-short" | "malformed" | "bad-checksum";

/**
 * Validates a Neighbor Solicitation in an untagged frame: length, type, checksum over the IPv6
 * pseudo-header and the whole ICMPv6 payload, and option framing. Tells whether it carries a
 * source link-layer address (then the answer carries a target link-layer address).
 */
export function checkNeighborSolicitation(frame: Uint8Array, length: number): SolicitationCheck {
  if (length < ICMP6_START + NS_BODY) return "too-short";
  const payload = readU16(frame, ETH_HEADER + IP6_PAYLOAD_LENGTH);
  if (payload < NS_BODY || ICMP6_START + payload > length) return "malformed";
  if (frame[ETH_HEADER + IP6_NEXT_HEADER] !== PROTO_ICMPV6 || frame[ICMP6_START] !== ND_NEIGHBOR_SOLICIT) {
    return "malformed";
  }
  const pseudo = ipv6PseudoSum(frame, ETH_HEADER, payload, PROTO_ICMPV6);
  if (sumWords(frame, ICMP6_START, payload, pseudo) !== 0xffff) return "bad-checksum";
  let withLla = false;
  // Each option is at least 8 bytes, so the walk ends within payload/8 steps.
  for (let at = NS_BODY; at < payload;) {
    if (at + 2 > payload) return "malformed";
    const type = frame[ICMP6_START + at]!;
    const size = frame[ICMP6_START + at + 1]! * 8;
    if (size === 0 || at + size > payload) return "malformed";
    if (type === OPT_SOURCE_LLA && size === 8) withLla = true;
    at += size;
  }
  return withLla ? "with-lla" : "without-lla";
}

/**
 * Rewrites a checked Neighbor Solicitation into the solicited Neighbor Advertisement, in place,
 * and returns the new frame length (never longer than the solicitation).
 */
export function turnSolicitationIntoAdvertisement(frame: Uint8Array, withLla: boolean): number {
  answerFromFakeNeighbour(frame);
  const ip = ETH_HEADER;
  for (let i = 0; i < 16; i++) {
    frame[ip + IP6_DST + i] = frame[ip + IP6_SRC + i]!;
    frame[ip + IP6_SRC + i] = frame[NS_TARGET + i]!;
  }
  const payload = NS_BODY + (withLla ? 8 : 0);
  writeU16(frame, ip + IP6_PAYLOAD_LENGTH, payload);
  frame[ip + IP6_HOP_LIMIT] = 255;
  const icmp = ICMP6_START;
  frame[icmp] = ND_NEIGHBOR_ADVERT;
  frame[icmp + 1] = 0;
  writeU16(frame, icmp + 2, 0);
  writeU32(frame, icmp + 4, 0x40000000);
  if (withLla) {
    frame[icmp + NS_BODY] = OPT_TARGET_LLA;
    frame[icmp + NS_BODY + 1] = 1;
    for (let i = 0; i < 6; i++) frame[icmp + NS_BODY + 2 + i] = frame[6 + i]!;
  }
  const pseudo = ipv6PseudoSum(frame, ip, payload, PROTO_ICMPV6);
  writeU16(frame, icmp + 2, finishChecksum(sumWords(frame, icmp, payload, pseudo)));
  return icmp + payload;
}
