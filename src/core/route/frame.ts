/**
 * Field offsets and small readers for the frames tinc routes. The unit is always an Ethernet
 * frame; a Linux TUN read is turned into one whose MACs are zero (spec §4).
 *
 * ```
 *  Ethernet II                      with an 802.1Q tag
 *  0      6      12   14            0      6      12     14     16   18
 *  +------+------+----+---          +------+------+------+------+----+---
 *  | dst  | src  |type| payload     | dst  | src  |8100  | TCI  |type| payload
 *  +------+------+----+---          +------+------+------+------+----+---
 * ```
 * @module
 */

/** Ethernet header without a VLAN tag. */
export const ETH_HEADER = 14;
/** Extra bytes of an 802.1Q tag. */
export const VLAN_TAG = 4;
export const ETHERTYPE_IPV4 = 0x0800;
export const ETHERTYPE_ARP = 0x0806;
export const ETHERTYPE_IPV6 = 0x86dd;
export const ETHERTYPE_VLAN = 0x8100;

export const IPV4_HEADER = 20;
export const IPV6_HEADER = 40;
export const ICMP_HEADER = 8;
export const TCP_HEADER = 20;
/** Body of an ARP packet for Ethernet/IPv4 (RFC 826). */
export const ARP_BODY = 28;

export const PROTO_ICMP = 1;
export const PROTO_TCP = 6;
export const PROTO_ICMPV6 = 58;

/** Largest IP datagram every host must accept (RFC 791); the cap on an ICMP error's size. */
export const IP_MSS = 576;

/** The ethertype at bytes 12–13. */
export function outerEthertype(frame: Uint8Array): number {
  return (frame[12]! << 8) | frame[13]!;
}

/**
 * Where the network-layer header starts: 14, or 18 behind one 802.1Q tag. Pair with
 * {@link innerEthertype}. The caller has checked that the frame has at least 14 bytes.
 */
export function networkOffset(frame: Uint8Array, length: number): number {
  return outerEthertype(frame) === ETHERTYPE_VLAN && length >= ETH_HEADER + VLAN_TAG
    ? ETH_HEADER + VLAN_TAG
    : ETH_HEADER;
}

/** The ethertype of the payload, looking through one 802.1Q tag. */
export function innerEthertype(frame: Uint8Array, length: number): number {
  const outer = outerEthertype(frame);
  if (outer === ETHERTYPE_VLAN && length >= ETH_HEADER + VLAN_TAG) return (frame[16]! << 8) | frame[17]!;
  return outer;
}

/** True for group addresses (multicast and broadcast): the I/G bit of the first octet. */
export function isGroupMac(bytes: Uint8Array, offset: number): boolean {
  return (bytes[offset]! & 1) !== 0;
}

/** Exchanges the destination and source MAC addresses in place. */
export function swapMacs(frame: Uint8Array): void {
  for (let i = 0; i < 6; i++) {
    const t = frame[i]!;
    frame[i] = frame[6 + i]!;
    frame[6 + i] = t;
  }
}

/** A MAC address as one exact number (48 bits fit a double), for allocation-free map keys. */
export function macKey(bytes: Uint8Array, offset: number): number {
  return (bytes[offset]! * 0x10000000000) + (bytes[offset + 1]! * 0x100000000) +
    (((bytes[offset + 2]! << 24) | (bytes[offset + 3]! << 16) | (bytes[offset + 4]! << 8) |
      bytes[offset + 5]!) >>> 0);
}

/** The six bytes of a {@link macKey}. */
export function macFromKey(key: number): Uint8Array {
  const out = new Uint8Array(6);
  let k = key;
  for (let i = 5; i >= 0; i--) {
    out[i] = k % 256;
    k = Math.floor(k / 256);
  }
  return out;
}

/*
 * IPv4 header (RFC 791), offsets from its start:
 *
 *  0       4       8               16      19              31
 *  +-------+-------+---------------+-------------------------------+
 *  |version|  IHL  |      TOS      |          total length         |  0
 *  +-------+-------+---------------+-----+-------------------------+
 *  |         identification        |flags|     fragment offset     |  4
 *  +---------------+---------------+-----+-------------------------+
 *  |      TTL      |   protocol    |        header checksum        |  8
 *  +---------------+---------------+-------------------------------+
 *  |                        source address                         | 12
 *  |                      destination address                      | 16
 *  |                    options (IHL*4 - 20 bytes)                 | 20
 *  +---------------------------------------------------------------+
 *  flags: 0x4000 = DF, 0x2000 = MF; offset in units of 8 bytes.
 */
export const IP4_TOS = 1;
export const IP4_TOTAL_LENGTH = 2;
export const IP4_ID = 4;
export const IP4_FLAGS_OFFSET = 6;
export const IP4_TTL = 8;
export const IP4_PROTOCOL = 9;
export const IP4_CHECKSUM = 10;
export const IP4_SRC = 12;
export const IP4_DST = 16;
export const IP4_DF = 0x4000;
export const IP4_MF = 0x2000;
export const IP4_OFFSET_MASK = 0x1fff;

/*
 * IPv6 header (RFC 8200), offsets from its start:
 *
 *  0       4               12                              31
 *  +-------+---------------+-------------------------------+
 *  |version| traffic class |          flow label           |  0
 *  +-------+---------------+---------------+---------------+
 *  |        payload length         |  next hdr |  hop limit |  4
 *  +-------------------------------+---------------+-------+
 *  |                 source address (16 bytes)             |  8
 *  |              destination address (16 bytes)           | 24
 *  +-------------------------------------------------------+
 */
export const IP6_PAYLOAD_LENGTH = 4;
export const IP6_NEXT_HEADER = 6;
export const IP6_HOP_LIMIT = 7;
export const IP6_SRC = 8;
export const IP6_DST = 24;
