/**
 * TCP and UDP packets of a classic pcap file (what `tcpdump -w` writes on an Ethernet link) with
 * their captured payload bytes, and the TCP byte streams rebuilt per direction. Enough to read
 * the first bytes of tinc meta connections and UDP datagrams; the capture must use `-s 0` (or a
 * snap length that covers what is read).
 *
 * ```
 *  pcap file header (24)  then records: ts_sec(4) ts_usec(4) incl_len(4) orig_len(4) frame[incl_len]
 *  frame: dst(6) src(6) ethertype(2) | IPv4 (IHL*4) or IPv6 (40, no extension headers)
 *         | UDP: sport(2) dport(2) len(2) sum(2)         | payload
 *         | TCP: sport(2) dport(2) seq(4) ack(4) off(4 bits)... (off*4 bytes) | payload
 * ```
 */
import { readFileSync } from "node:fs";

/** One captured TCP segment or UDP datagram. */
export interface IpPacket {
  proto: "tcp" | "udp";
  src: string;
  dst: string;
  sport: number;
  dport: number;
  /** TCP sequence number of the first payload byte (0 for UDP). */
  seq: number;
  /** TCP SYN flag. */
  syn: boolean;
  /** Captured payload bytes (may be shorter than sent when the snap length cut it). */
  payload: Uint8Array;
}

function ip4(b: Uint8Array, at: number): string {
  return `${b[at]}.${b[at + 1]}.${b[at + 2]}.${b[at + 3]}`;
}

function ip6(v: DataView, at: number): string {
  const groups: string[] = [];
  for (let i = 0; i < 8; i++) groups.push(v.getUint16(at + 2 * i).toString(16));
  return groups.join(":");
}

/** Every IPv4/IPv6 TCP and UDP packet of the file, in capture order. */
export function readIpPackets(path: string): IpPacket[] {
  const bytes = new Uint8Array(readFileSync(path));
  if (bytes.length < 24) return [];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = view.getUint32(0, true);
  const little = magic === 0xa1b2c3d4 || magic === 0xa1b23c4d;
  if (!little && view.getUint32(0, false) !== 0xa1b2c3d4 && view.getUint32(0, false) !== 0xa1b23c4d) {
    throw new Error(`${path}: not a pcap file`);
  }
  if (view.getUint32(20, little) !== 1) throw new Error(`${path}: not an Ethernet capture`);
  const out: IpPacket[] = [];
  let at = 24;
  for (let i = 0; at + 16 <= bytes.length && i < 10_000_000; i++) {
    const incl = view.getUint32(at + 8, little);
    const frame = at + 16;
    const end = frame + incl;
    at = end;
    if (end > bytes.length) break; // the capture was stopped mid-record
    if (incl < 14) continue;
    const ethertype = view.getUint16(frame + 12);
    const l3 = frame + 14;
    let proto: number;
    let l4: number;
    let l3End: number;
    let src: string;
    let dst: string;
    if (ethertype === 0x0800 && end >= l3 + 20) {
      proto = bytes[l3 + 9]!;
      l4 = l3 + (bytes[l3]! & 0x0f) * 4;
      l3End = l3 + view.getUint16(l3 + 2);
      src = ip4(bytes, l3 + 12);
      dst = ip4(bytes, l3 + 16);
    } else if (ethertype === 0x86dd && end >= l3 + 40) {
      proto = bytes[l3 + 6]!;
      l4 = l3 + 40;
      l3End = l4 + view.getUint16(l3 + 4);
      src = ip6(view, l3 + 8);
      dst = ip6(view, l3 + 24);
    } else continue;
    const stop = Math.min(end, l3End);
    if (proto === 17 && l4 + 8 <= stop) {
      out.push({
        proto: "udp",
        src,
        dst,
        sport: view.getUint16(l4),
        dport: view.getUint16(l4 + 2),
        seq: 0,
        syn: false,
        payload: bytes.slice(l4 + 8, stop),
      });
    } else if (proto === 6 && l4 + 20 <= stop) {
      const dataAt = l4 + (bytes[l4 + 12]! >> 4) * 4;
      out.push({
        proto: "tcp",
        src,
        dst,
        sport: view.getUint16(l4),
        dport: view.getUint16(l4 + 2),
        seq: view.getUint32(l4 + 4),
        syn: (bytes[l4 + 13]! & 0x02) !== 0,
        payload: bytes.slice(Math.min(dataAt, stop), stop),
      });
    }
  }
  return out;
}

/** One direction of a TCP connection: `src:sport -> dst:dport` and its bytes in order. */
export interface TcpStream {
  src: string;
  dst: string;
  sport: number;
  dport: number;
  bytes: Uint8Array;
}

/**
 * The byte stream of each TCP direction, from its SYN on (directions whose SYN was not captured
 * are left out). Retransmitted bytes are placed by sequence number, so they count once.
 */
export function tcpStreams(packets: readonly IpPacket[], maxBytes = 1 << 20): TcpStream[] {
  const streams = new Map<string, { s: TcpStream; isn: number; chunks: Map<number, Uint8Array> }>();
  for (const p of packets) {
    if (p.proto !== "tcp") continue;
    const key = `${p.src}|${p.sport}|${p.dst}|${p.dport}`;
    if (p.syn) {
      streams.set(key, {
        s: { src: p.src, dst: p.dst, sport: p.sport, dport: p.dport, bytes: new Uint8Array(0) },
        isn: p.seq,
        chunks: new Map(),
      });
      continue;
    }
    const st = streams.get(key);
    if (st === undefined || p.payload.length === 0) continue;
    const offset = (p.seq - st.isn - 1) >>> 0;
    if (offset < maxBytes) st.chunks.set(offset, p.payload);
  }
  const out: TcpStream[] = [];
  for (const { s, chunks } of streams.values()) {
    const buf = new Uint8Array(maxBytes);
    let length = 0;
    for (const [offset, chunk] of [...chunks].sort((a, b) => a[0] - b[0])) {
      if (offset > length) break; // a gap: keep only the contiguous start
      const n = Math.min(chunk.length, maxBytes - offset);
      buf.set(chunk.subarray(0, n), offset);
      length = Math.max(length, offset + n);
    }
    out.push({ ...s, bytes: buf.slice(0, length) });
  }
  return out;
}
