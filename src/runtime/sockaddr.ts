/**
 * IPv4/IPv6 socket addresses as libc wants them, and back: numeric text only (resolve names with
 * dns.ts first). IPv6 text is written in RFC 5952 form (what node and Bun print), and an
 * IPv4-mapped address is reported as plain IPv4.
 *
 * ```
 *  sockaddr_in (16 bytes)             sockaddr_in6 (28 bytes)
 *  0      2      4        8      16   0      2      4         8               24        28
 *  +------+------+--------+------+    +------+------+---------+---------------+---------+
 *  |family| port | IPv4   | zero |    |family| port | flowinfo| IPv6 address  | scope_id|
 *  |      | (BE) |        |      |    |      | (BE) |         | (16 bytes)    |         |
 *  +------+------+--------+------+    +------+------+---------+---------------+---------+
 *  family: Linux u16 LE (AF_INET 2, AF_INET6 10); macOS u8 length then u8 family (2, 30)
 * ```
 * @module
 */
import { isIPv4, isIPv6 } from "node:net";

/** An address and port. */
export interface Peer {
  host: string;
  port: number;
}

/** Socket-address constants per OS. */
const LAYOUT: Record<string, { af6: number; bsd: boolean }> = {
  linux: { af6: 10, bsd: false },
  darwin: { af6: 30, bsd: true },
};
const AF_INET = 2;
/** Bytes reserved per address (sizeof(struct sockaddr_in6)). */
export const SOCKADDR_SIZE = 28;

/** AF_INET6 for an OS. */
export function af6(platform: string = process.platform): number {
  return (LAYOUT[platform] ?? LAYOUT.linux!).af6;
}

function setFamily(out: Uint8Array, family: number, length: number, platform: string): void {
  if ((LAYOUT[platform] ?? LAYOUT.linux!).bsd) {
    out[0] = length;
    out[1] = family;
  } else {
    out[0] = family & 0xff;
    out[1] = family >> 8;
  }
}

function family(view: Uint8Array, platform: string): number {
  return (LAYOUT[platform] ?? LAYOUT.linux!).bsd ? view[1]! : view[0]! | (view[1]! << 8);
}

/** Parses IPv6 text (with "::", embedded IPv4, numeric "%scope") to 16 bytes and a scope id. */
export function parseIpv6(text: string): { bytes: Uint8Array; scope: number } | null {
  const [addr = "", zone] = text.split("%", 2);
  if (!isIPv6(addr)) return null;
  let head = addr;
  let tail4: number[] = [];
  const lastColon = addr.lastIndexOf(":");
  if (addr.includes(".")) {
    tail4 = addr.slice(lastColon + 1).split(".").map(Number);
    head = addr.slice(0, lastColon + 1) + "0:0"; // placeholder groups for the IPv4 part
  }
  const [left = "", right] = head.split("::", 2);
  const l = left === "" ? [] : left.split(":");
  const r = right === undefined ? [] : right === "" ? [] : right.split(":");
  const groups = right === undefined
    ? l
    : [...l, ...new Array<string>(8 - l.length - r.length).fill("0"), ...r];
  if (groups.length !== 8) return null;
  const bytes = new Uint8Array(16);
  groups.forEach((g, i) => {
    const v = parseInt(g, 16);
    bytes[i * 2] = v >> 8;
    bytes[i * 2 + 1] = v & 0xff;
  });
  if (tail4.length === 4) bytes.set(tail4, 12);
  const scope = zone === undefined ? 0 : Number(zone);
  return Number.isInteger(scope) ? { bytes, scope } : null;
}

/** RFC 5952 text for 16 bytes; IPv4-mapped addresses come out as plain IPv4. */
export function formatIpv6(b: Uint8Array): string {
  let mapped = b[10] === 0xff && b[11] === 0xff;
  for (let i = 0; i < 10 && mapped; i++) if (b[i] !== 0) mapped = false;
  if (mapped) return `${b[12]}.${b[13]}.${b[14]}.${b[15]}`;
  const g: number[] = [];
  for (let i = 0; i < 8; i++) g.push((b[i * 2]! << 8) | b[i * 2 + 1]!);
  let bestStart = -1;
  let bestLen = 1; // a single zero group is never compressed
  for (let i = 0; i < 8;) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (xs: number[]) => xs.map((x) => x.toString(16)).join(":");
  if (bestStart < 0) return hex(g);
  return `${hex(g.slice(0, bestStart))}::${hex(g.slice(bestStart + bestLen))}`;
}

/**
 * Encodes host:port. With `v6Socket`, IPv4 hosts are written IPv4-mapped (for a dual-stack socket).
 * @returns the bytes (SOCKADDR_SIZE long) and the length to pass, or null for a non-numeric host
 */
export function encodeSockaddr(
  peer: Peer,
  v6Socket = false,
  platform: string = process.platform,
): { addr: Uint8Array; length: number } | null {
  const out = new Uint8Array(SOCKADDR_SIZE);
  const dv = new DataView(out.buffer);
  if (isIPv4(peer.host) && !v6Socket) {
    setFamily(out, AF_INET, 16, platform);
    dv.setUint16(2, peer.port, false);
    out.set(peer.host.split(".").map(Number), 4);
    return { addr: out, length: 16 };
  }
  const parsed = isIPv4(peer.host) ? parseIpv6(`::ffff:${peer.host}`) : parseIpv6(peer.host);
  if (!parsed) return null;
  setFamily(out, af6(platform), 28, platform);
  dv.setUint16(2, peer.port, false);
  out.set(parsed.bytes, 8);
  dv.setUint32(24, parsed.scope, true);
  return { addr: out, length: 28 };
}

/** Decodes a sockaddr_in/in6; null for another family. */
export function decodeSockaddr(view: Uint8Array, platform: string = process.platform): Peer | null {
  const f = family(view, platform);
  const port = (view[2]! << 8) | view[3]!;
  if (f === AF_INET) return { host: `${view[4]}.${view[5]}.${view[6]}.${view[7]}`, port };
  if (f === af6(platform)) return { host: formatIpv6(view.subarray(8, 24)), port };
  return null;
}
