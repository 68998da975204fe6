/**
 * Hand-built frames for the routing tests, with checksums computed by code that shares nothing
 * with checksum.ts (a modulo-65535 sum over a word list), so the tests check the router against
 * an independent reference. Not used by the engine.
 * @module
 */

/** RFC 1071 checksum computed as a plain modulo-0xFFFF sum of the big-endian words. */
export function referenceChecksum(...parts: Uint8Array[]): number {
  const bytes: number[] = [];
  for (const p of parts) {
    for (const b of p) bytes.push(b);
    // Each part but the last is whole words in every use here; pad odd parts like a network stack would.
    if (p.length % 2 === 1 && p !== parts[parts.length - 1]) bytes.push(0);
  }
  if (bytes.length % 2 === 1) bytes.push(0);
  let total = 0;
  for (let i = 0; i < bytes.length; i += 2) total += bytes[i]! * 256 + bytes[i + 1]!;
  let folded = total % 0xffff;
  if (folded === 0 && total !== 0) folded = 0xffff;
  return 0xffff - folded;
}

/** True when the data (checksum field included) verifies under the reference sum. */
export function referenceVerifies(...parts: Uint8Array[]): boolean {
  const c = referenceChecksum(...parts);
  return c === 0 || c === 0xffff;
}

export function concat(...parts: ArrayLike<number>[]): Uint8Array<ArrayBuffer> {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

export function u16(v: number): number[] {
  return [(v >> 8) & 0xff, v & 0xff];
}

export function u32(v: number): number[] {
  return [(v >>> 24) & 0xff, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff];
}

export function word(bytes: Uint8Array, at: number): number {
  return bytes[at]! * 256 + bytes[at + 1]!;
}

/** Parses "10.1.2.3". */
export function ip4(text: string): Uint8Array<ArrayBuffer> {
  return new Uint8Array(text.split(".").map((x) => Number(x)));
}

/** Parses a full or "::"-abbreviated IPv6 address. */
export function ip6(text: string): Uint8Array<ArrayBuffer> {
  const [head, tail] = text.includes("::") ? text.split("::") : [text, undefined];
  const h = head ? head.split(":") : [];
  const t = tail ? tail.split(":") : [];
  const groups = tail === undefined ? h : [...h, ...Array(8 - h.length - t.length).fill("0"), ...t];
  const out = new Uint8Array(16);
  groups.forEach((g, i) => {
    const v = parseInt(g, 16);
    out[2 * i] = v >> 8;
    out[2 * i + 1] = v & 0xff;
  });
  return out;
}

export function mac(text: string): Uint8Array<ArrayBuffer> {
  return new Uint8Array(text.split(":").map((x) => parseInt(x, 16)));
}

export const ETHERTYPE = { ipv4: 0x0800, arp: 0x0806, ipv6: 0x86dd, vlan: 0x8100 } as const;

/** An Ethernet frame; `vlan` inserts an 802.1Q tag with that TCI. */
export function ethernet(
  dst: Uint8Array,
  src: Uint8Array,
  type: number,
  payload: Uint8Array,
  vlan?: number,
): Uint8Array<ArrayBuffer> {
  const tag = vlan === undefined ? [] : [...u16(ETHERTYPE.vlan), ...u16(vlan)];
  return concat(dst, src, tag, u16(type), payload);
}

export interface Ipv4Fields {
  src: Uint8Array;
  dst: Uint8Array;
  protocol: number;
  payload: Uint8Array;
  ttl?: number;
  tos?: number;
  id?: number;
  /** Flags and fragment offset word (0x4000 = DF). */
  flagsOffset?: number;
  options?: Uint8Array;
}

/** An IPv4 packet with a correct header checksum. */
export function ipv4(f: Ipv4Fields): Uint8Array<ArrayBuffer> {
  const options = f.options ?? new Uint8Array(0);
  const hl = 20 + options.length;
  const header = concat(
    [0x40 | (hl / 4), f.tos ?? 0],
    u16(hl + f.payload.length),
    u16(f.id ?? 0x1234),
    u16(f.flagsOffset ?? 0),
    [f.ttl ?? 64, f.protocol, 0, 0],
    f.src,
    f.dst,
    options,
  );
  const c = referenceChecksum(header);
  header[10] = c >> 8;
  header[11] = c & 0xff;
  return concat(header, f.payload);
}

export interface Ipv6Fields {
  src: Uint8Array;
  dst: Uint8Array;
  nextHeader: number;
  payload: Uint8Array;
  hopLimit?: number;
}

export function ipv6(f: Ipv6Fields): Uint8Array<ArrayBuffer> {
  return concat(
    u32(0x60000000),
    u16(f.payload.length),
    [f.nextHeader, f.hopLimit ?? 64],
    f.src,
    f.dst,
    f.payload,
  );
}

export function pseudo4(
  src: Uint8Array,
  dst: Uint8Array,
  protocol: number,
  length: number,
): Uint8Array<ArrayBuffer> {
  return concat(src, dst, [0, protocol], u16(length));
}

export function pseudo6(
  src: Uint8Array,
  dst: Uint8Array,
  nextHeader: number,
  length: number,
): Uint8Array<ArrayBuffer> {
  return concat(src, dst, u32(length), [0, 0, 0, nextHeader]);
}

/** A TCP segment with the given options (padded to 4 bytes with end-of-options) and checksum. */
export function tcp(
  pseudo: (length: number) => Uint8Array,
  options: number[],
  payload: Uint8Array = new Uint8Array(0),
  flags = 0x02,
): Uint8Array<ArrayBuffer> {
  const opts = [...options];
  while (opts.length % 4 !== 0) opts.push(0);
  const offset = (20 + opts.length) / 4;
  const seg = concat(
    u16(40000),
    u16(80),
    u32(1),
    u32(0),
    [offset << 4, flags],
    u16(65535),
    [0, 0],
    u16(0),
    opts,
    payload,
  );
  const c = referenceChecksum(pseudo(seg.length), seg);
  seg[16] = c >> 8;
  seg[17] = c & 0xff;
  return seg;
}

/** An ICMPv6 message with its checksum. */
export function icmp6(src: Uint8Array, dst: Uint8Array, body: Uint8Array): Uint8Array<ArrayBuffer> {
  const msg = body.slice();
  msg[2] = 0;
  msg[3] = 0;
  const c = referenceChecksum(pseudo6(src, dst, 58, msg.length), msg);
  msg[2] = c >> 8;
  msg[3] = c & 0xff;
  return msg;
}

/** Neighbor Solicitation body for `target`, optionally with a source link-layer address option. */
export function neighborSolicitation(target: Uint8Array, sourceMac?: Uint8Array): Uint8Array<ArrayBuffer> {
  const option = sourceMac ? concat([1, 1], sourceMac) : new Uint8Array(0);
  return concat([135, 0, 0, 0, 0, 0, 0, 0], target, option);
}

/** An Ethernet/IPv4 ARP request. */
export function arpRequest(
  senderMac: Uint8Array,
  senderIp: Uint8Array,
  targetIp: Uint8Array,
): Uint8Array<ArrayBuffer> {
  return concat(u16(1), u16(0x0800), [6, 4], u16(1), senderMac, senderIp, [0, 0, 0, 0, 0, 0], targetIp);
}

/** A payload of `n` bytes with a recognisable pattern. */
export function pattern(n: number, seed = 0): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = (i * 7 + seed) & 0xff;
  return out;
}
