/**
 * A minimal reader for classic pcap files (what `tcpdump -w` writes), enough to list the UDP
 * datagrams of an Ethernet capture with their payload lengths. Snap length may be short: the
 * UDP header's length field, not the captured bytes, gives the payload size.
 *
 *   file header (24 bytes)                     record header (16 bytes), then incl_len bytes
 *   +-------+-----+-----+------+-----+----+     +--------+---------+----------+----------+
 *   | magic | maj | min | zone | sig |snap|     | ts_sec | ts_usec | incl_len | orig_len |
 *   | 4     | 2   | 2   | 4    | 4   | 4  |     | 4      | 4       | 4        | 4        |
 *   +-------+-----+-----+------+-----+----+     +--------+---------+----------+----------+
 *   then link type (4) closes the 24 bytes: magic 4 + ver 2+2 + zone 4 + sigfigs 4 + snaplen 4 + linktype 4.
 */
import { readFileSync } from "node:fs";

/** One captured UDP datagram. */
export interface UdpRecord {
  src: string;
  dst: string;
  sport: number;
  dport: number;
  /** UDP payload length in bytes (from the UDP header). */
  payload: number;
}

const LINKTYPE_ETHERNET = 1;

function ip4(b: Uint8Array, at: number): string {
  return `${b[at]}.${b[at + 1]}.${b[at + 2]}.${b[at + 3]}`;
}

function ip6(v: DataView, at: number): string {
  const groups: string[] = [];
  for (let i = 0; i < 8; i++) groups.push(v.getUint16(at + 2 * i).toString(16));
  return groups.join(":");
}

/** The UDP datagrams of a pcap file (Ethernet link type; IPv4 and IPv6 without extension headers). */
export function readUdpRecords(path: string): UdpRecord[] {
  const bytes = new Uint8Array(readFileSync(path));
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < 24) return [];
  const magic = view.getUint32(0, true);
  const little = magic === 0xa1b2c3d4 || magic === 0xa1b23c4d;
  if (!little && view.getUint32(0, false) !== 0xa1b2c3d4 && view.getUint32(0, false) !== 0xa1b23c4d) {
    throw new Error(`${path}: not a pcap file`);
  }
  const linkType = view.getUint32(20, little);
  if (linkType !== LINKTYPE_ETHERNET) throw new Error(`${path}: link type ${linkType}, not Ethernet`);
  const out: UdpRecord[] = [];
  let at = 24;
  for (let i = 0; at + 16 <= bytes.length && i < 10_000_000; i++) {
    const incl = view.getUint32(at + 8, little);
    const frame = at + 16;
    at = frame + incl;
    if (at > bytes.length) break; // truncated last record (capture killed mid-write)
    if (incl < 14) continue;
    const ethertype = view.getUint16(frame + 12);
    const l3 = frame + 14;
    let l4: number;
    let src: string;
    let dst: string;
    if (ethertype === 0x0800 && incl >= 14 + 20 + 8) {
      if (bytes[l3 + 9] !== 17) continue;
      l4 = l3 + (bytes[l3]! & 0x0f) * 4;
      src = ip4(bytes, l3 + 12);
      dst = ip4(bytes, l3 + 16);
    } else if (ethertype === 0x86dd && incl >= 14 + 40 + 8) {
      if (bytes[l3 + 6] !== 17) continue;
      l4 = l3 + 40;
      src = ip6(view, l3 + 8);
      dst = ip6(view, l3 + 24);
    } else continue;
    if (l4 + 8 > frame + incl) continue;
    out.push({
      src,
      dst,
      sport: view.getUint16(l4),
      dport: view.getUint16(l4 + 2),
      payload: view.getUint16(l4 + 4) - 8,
    });
  }
  return out;
}

/** Size of a tinc 1.0 datagram for a `len`-byte packet under a 16-byte-block CBC cipher with PKCS#7. */
export function legacyDatagramSize(len: number, macLength: number): number {
  return 16 * Math.ceil((len + 5) / 16) + macLength;
}

/** One captured UDP datagram with its payload bytes (as far as the snap length kept them). */
export interface UdpDatagram extends UdpRecord {
  bytes: Uint8Array;
}

/** The UDP datagrams of a pcap file whose payload was captured whole (IPv4 only). */
export function readUdpDatagrams(path: string): UdpDatagram[] {
  const bytes = new Uint8Array(readFileSync(path));
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: UdpDatagram[] = [];
  const records = readUdpRecords(path);
  if (records.length === 0) return out;
  const little = view.getUint32(0, true) === 0xa1b2c3d4 || view.getUint32(0, true) === 0xa1b23c4d;
  let at = 24;
  for (let i = 0; at + 16 <= bytes.length && i < 10_000_000; i++) {
    const incl = view.getUint32(at + 8, little);
    const frame = at + 16;
    at = frame + incl;
    if (at > bytes.length || incl < 14 + 20 + 8) continue;
    if (view.getUint16(frame + 12) !== 0x0800 || bytes[frame + 14 + 9] !== 17) continue;
    const l4 = frame + 14 + (bytes[frame + 14]! & 0x0f) * 4;
    const payload = view.getUint16(l4 + 4) - 8;
    if (l4 + 8 + payload > frame + incl) continue; // cut by the snap length
    out.push({
      src: ip4(bytes, frame + 14 + 12),
      dst: ip4(bytes, frame + 14 + 16),
      sport: view.getUint16(l4),
      dport: view.getUint16(l4 + 2),
      payload,
      bytes: bytes.slice(l4 + 8, l4 + 8 + payload),
    });
  }
  return out;
}
