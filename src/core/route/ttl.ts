/**
 * DecrementTTL: lowers the IPv4 TTL or IPv6 hop limit of packets arriving from other nodes, as a
 * router would, and reports when the packet must die instead (spec §7: time-exceeded "when it
 * would hit 0"). The IPv4 header checksum is patched incrementally (RFC 1624).
 * @module
 */
import { readU16, updateChecksum, writeU16 } from "./checksum.ts";
import {
  ETHERTYPE_IPV4,
  ETHERTYPE_IPV6,
  innerEthertype,
  IP4_CHECKSUM,
  IP4_PROTOCOL,
  IP4_TTL,
  IP6_HOP_LIMIT,
  IP6_NEXT_HEADER,
  IPV4_HEADER,
  IPV6_HEADER,
  networkOffset,
  PROTO_ICMP,
  PROTO_ICMPV6,
} from "./frame.ts";
import { ICMP6_TIME_EXCEEDED, ICMP_TIME_EXCEEDED } from "./icmp.ts";

/**
 * "decremented" (or not IP: left alone), "expired" (answer with time-exceeded), "expired-quietly"
 * (the packet is itself a time-exceeded error: never answer an error with an error), "too-short".
 */
export type TtlOutcome = "decremented" | "not-ip" | "expired" | "expired-quietly" | "too-short";

/** Decrements the TTL or hop limit in place. */
export function decrementTtl(frame: Uint8Array, length: number): TtlOutcome {
  if (length < 14) return "too-short";
  const ip = networkOffset(frame, length);
  const type = innerEthertype(frame, length);
  if (type === ETHERTYPE_IPV4) {
    if (length < ip + IPV4_HEADER) return "too-short";
    const ttl = frame[ip + IP4_TTL]!;
    if (ttl <= 1) {
      const icmp = ip + (frame[ip]! & 0x0f) * 4;
      const isTimeExceeded = frame[ip + IP4_PROTOCOL] === PROTO_ICMP && icmp < length &&
        frame[icmp] === ICMP_TIME_EXCEEDED;
      return isTimeExceeded ? "expired-quietly" : "expired";
    }
    const oldWord = readU16(frame, ip + IP4_TTL);
    frame[ip + IP4_TTL] = ttl - 1;
    const newWord = readU16(frame, ip + IP4_TTL);
    writeU16(frame, ip + IP4_CHECKSUM, updateChecksum(readU16(frame, ip + IP4_CHECKSUM), oldWord, newWord));
    return "decremented";
  }
  if (type === ETHERTYPE_IPV6) {
    if (length < ip + IPV6_HEADER) return "too-short";
    const hopLimit = frame[ip + IP6_HOP_LIMIT]!;
    if (hopLimit <= 1) {
      const icmp = ip + IPV6_HEADER;
      const isTimeExceeded = frame[ip + IP6_NEXT_HEADER] === PROTO_ICMPV6 && icmp < length &&
        frame[icmp] === ICMP6_TIME_EXCEEDED;
      return isTimeExceeded ? "expired-quietly" : "expired";
    }
    frame[ip + IP6_HOP_LIMIT] = hopLimit - 1;
    return "decremented";
  }
  return "not-ip";
}
