/**
 * Subnet text forms (tinc's str2net / net2str), matching, equality and tree order.
 *
 * ```
 *   ipv4:  A.B.C.D[/LEN][#WEIGHT]           LEN 0..32, default 32
 *   ipv6:  X:X:X:X:X:X:X:X[/LEN][#WEIGHT]   LEN 0..128, default 128; "::" and a dotted-quad
 *                                            tail (::ffff:1.2.3.4) accepted
 *   mac:   H:H:H:H:H:H[#WEIGHT]             1-2 hex digits an octet; no /LEN
 *   WEIGHT: C int (%d), default 10
 *
 *   rendered by 1.0.36:  10.1.0.0/16#10   fd00:0:0:0:0:0:0:0/64#10   fe:fd:0:0:0:2#10
 *   rendered by 1.1:     10.1.0.0/16      fd00::/64                  fe:fd:00:00:00:02
 *                        (no /32 or /128, no #10, RFC 5952 "::", zero-padded MAC octets)
 * ```
 *
 * Host bits inside a network subnet are accepted here, as the meta protocol accepts them; only
 * configuration files refuse them (use {@link hasHostBits}).
 * @module
 */
import { DEFAULT_SUBNET_WEIGHT, type Subnet } from "./subnet.ts";
import type { ParseResult } from "../meta/requests.ts";

/** Which peer generation a text form is rendered for. */
export type Dialect = "1.0" | "1.1";

const DECIMAL_INT = /^[+-]?[0-9]+$/;
const IPV6_GROUP = /^[0-9a-fA-F]{1,4}$/;

function fail(reason: string): { ok: false; reason: string } {
  return { ok: false, reason };
}

function parseCInt(text: string): number | null {
  if (!DECIMAL_INT.test(text)) return null;
  const value = Number.parseInt(text, 10);
  return value > 0x7fffffff || value < -0x80000000 ? null : value;
}

/** Dotted quad, each octet 1–3 decimal digits up to 255 (scanned by hand: it runs for every
 * flooded ADD_SUBNET). */
function parseIpv4(text: string): Uint8Array | null {
  const out = new Uint8Array(4);
  let octet = 0;
  let value = 0;
  let digits = 0;
  for (let i = 0; i <= text.length; i++) {
    const ch = i < text.length ? text.charCodeAt(i) : 46;
    if (ch === 46) {
      if (digits === 0 || value > 255 || octet > 3) return null;
      out[octet++] = value;
      value = 0;
      digits = 0;
    } else if (ch >= 48 && ch <= 57 && digits < 3) {
      value = value * 10 + ch - 48;
      digits++;
    } else return null;
  }
  return octet === 4 ? out : null;
}

/** Six octets of 1–2 hex digits separated by `:`. */
function parseMac(text: string): Uint8Array | null {
  if (text.length > 17) return null;
  const out = new Uint8Array(6);
  let octet = 0;
  let value = 0;
  let digits = 0;
  for (let i = 0; i <= text.length; i++) {
    const ch = i < text.length ? text.charCodeAt(i) : 58;
    if (ch === 58) {
      if (digits === 0 || octet > 5) return null;
      out[octet++] = value;
      value = 0;
      digits = 0;
      continue;
    }
    const nibble = hexValue(ch);
    if (nibble < 0 || digits === 2) return null;
    value = value * 16 + nibble;
    digits++;
  }
  return octet === 6 ? out : null;
}

function hexValue(ch: number): number {
  if (ch >= 48 && ch <= 57) return ch - 48;
  const lower = ch | 0x20;
  return lower >= 97 && lower <= 102 ? lower - 87 : -1;
}

/** Parses the groups on one side of "::" (or the whole address); a dotted quad may end the last side. */
function parseIpv6Groups(text: string, mayEndInQuad: boolean): number[] | null {
  if (text === "") return [];
  const parts = text.split(":");
  const groups: number[] = [];
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i]!;
    if (mayEndInQuad && i === parts.length - 1 && part.includes(".")) {
      const quad = parseIpv4(part);
      if (!quad) return null;
      groups.push((quad[0]! << 8) | quad[1]!, (quad[2]! << 8) | quad[3]!);
    } else {
      if (!IPV6_GROUP.test(part)) return null;
      groups.push(Number.parseInt(part, 16));
    }
  }
  return groups;
}

function parseIpv6(text: string): Uint8Array | null {
  return parseIpv6Plain(text) ?? parseIpv6General(text);
}

/** The form 1.0 sends: eight groups of 1–4 hex digits, no `::`, no dotted quad (else null). */
function parseIpv6Plain(text: string): Uint8Array | null {
  const out = new Uint8Array(16);
  let group = 0;
  let value = 0;
  let digits = 0;
  for (let i = 0; i <= text.length; i++) {
    const ch = i < text.length ? text.charCodeAt(i) : 58;
    if (ch === 58) {
      if (digits === 0 || group > 7) return null;
      out[2 * group] = value >> 8;
      out[2 * group + 1] = value & 0xff;
      group++;
      value = 0;
      digits = 0;
      continue;
    }
    const nibble = hexValue(ch);
    if (nibble < 0 || digits === 4) return null;
    value = value * 16 + nibble;
    digits++;
  }
  return group === 8 ? out : null;
}

function parseIpv6General(text: string): Uint8Array | null {
  const halves = text.split("::");
  let groups: number[];
  if (halves.length === 1) {
    const all = parseIpv6Groups(text, true);
    if (!all || all.length !== 8) return null;
    groups = all;
  } else if (halves.length === 2) {
    const head = parseIpv6Groups(halves[0]!, false);
    const tail = parseIpv6Groups(halves[1]!, true);
    // "::" must stand for at least one zero group.
    if (!head || !tail || head.length + tail.length > 7) return null;
    groups = [...head, ...new Array<number>(8 - head.length - tail.length).fill(0), ...tail];
  } else {
    return null;
  }
  const out = new Uint8Array(16);
  groups.forEach((g, i) => {
    out[2 * i] = g >> 8;
    out[2 * i + 1] = g & 0xff;
  });
  return out;
}

/**
 * Parses a subnet as tinc's str2net does (both generations' forms).
 * @param text e.g. `10.1.0.0/16#10`, `fd00:61::6`, `02:00:00:00:00:07`
 * @returns the subnet, or a reason starting with "bad subnet"
 */
export function parseSubnet(text: string): ParseResult<Subnet> {
  let rest = text;
  let weight = DEFAULT_SUBNET_WEIGHT;
  const hash = rest.indexOf("#");
  if (hash >= 0) {
    const w = parseCInt(rest.slice(hash + 1));
    if (w === null) return fail("bad subnet: bad weight");
    weight = w;
    rest = rest.slice(0, hash);
  }
  let prefix: number | null = null;
  const slash = rest.indexOf("/");
  if (slash >= 0) {
    const p = parseCInt(rest.slice(slash + 1));
    if (p === null || p < 0) return fail("bad subnet: bad prefix length");
    prefix = p;
    rest = rest.slice(0, slash);
  }
  const mac = parseMac(rest);
  if (mac) {
    if (prefix !== null) return fail("bad subnet: prefix length not allowed for a MAC address");
    return { ok: true, value: { kind: "mac", address: mac, weight } };
  }
  const v4 = parseIpv4(rest);
  if (v4) {
    const len = prefix ?? 32;
    if (len > 32) return fail("bad subnet: IPv4 prefix length out of range");
    return { ok: true, value: { kind: "ipv4", address: v4, prefix: len, weight } };
  }
  if (rest.includes(":")) {
    const v6 = parseIpv6(rest);
    if (!v6) return fail("bad subnet: bad IPv6 address");
    const len = prefix ?? 128;
    if (len > 128) return fail("bad subnet: IPv6 prefix length out of range");
    return { ok: true, value: { kind: "ipv6", address: v6, prefix: len, weight } };
  }
  return fail("bad subnet: not an IPv4, IPv6 or MAC address");
}

function ipv6Groups(address: Uint8Array): number[] {
  const groups: number[] = [];
  for (let i = 0; i < 8; i++) groups.push(((address[2 * i] ?? 0) << 8) | (address[2 * i + 1] ?? 0));
  return groups;
}

/** RFC 5952 compression as 1.1 does it: the first longest run of two or more zero groups. */
function compressIpv6(groups: number[]): string {
  let bestStart = -1;
  let bestLength = 1;
  let runStart = -1;
  for (let i = 0; i < 8; i++) {
    if (groups[i] !== 0) {
      runStart = -1;
      continue;
    }
    if (runStart < 0) runStart = i;
    if (i - runStart + 1 > bestLength) {
      bestLength = i - runStart + 1;
      bestStart = runStart;
    }
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(":");
  return `${hex.slice(0, bestStart).join(":")}::${hex.slice(bestStart + bestLength).join(":")}`;
}

/**
 * Renders a subnet as tinc's net2str does.
 * @param dialect "1.0" (default): always `/len` (not for MAC) and `#weight`, 8 uncompressed IPv6
 *   groups, unpadded MAC octets. "1.1": `/len` only for non-host prefixes, `#weight` only when not
 *   10, compressed IPv6, two-digit MAC octets.
 */
export function formatSubnet(s: Subnet, dialect: Dialect = "1.0"): string {
  const modern = dialect === "1.1";
  let text: string;
  let prefixText = "";
  switch (s.kind) {
    case "mac":
      text = Array.from(s.address, (b) => modern ? b.toString(16).padStart(2, "0") : b.toString(16)).join(
        ":",
      );
      break;
    case "ipv4": {
      const a = s.address;
      text = `${a[0]}.${a[1]}.${a[2]}.${a[3]}`;
      if (!modern || s.prefix !== 32) prefixText = `/${s.prefix}`;
      break;
    }
    case "ipv6": {
      const groups = ipv6Groups(s.address);
      text = modern ? compressIpv6(groups) : groups.map((g) => g.toString(16)).join(":");
      if (!modern || s.prefix !== 128) prefixText = `/${s.prefix}`;
      break;
    }
  }
  const weightText = !modern || s.weight !== DEFAULT_SUBNET_WEIGHT ? `#${s.weight}` : "";
  return text + prefixText + weightText;
}

function prefixMatches(net: Uint8Array, addr: Uint8Array, prefix: number): boolean {
  const whole = prefix >> 3;
  for (let i = 0; i < whole; i++) if (net[i] !== addr[i]) return false;
  const bits = prefix & 7;
  if (bits === 0) return true;
  const mask = (0xff00 >> bits) & 0xff;
  return ((net[whole] ?? 0) & mask) === ((addr[whole] ?? 0) & mask);
}

/**
 * Whether `addr` lies in `s`: a 4-byte address against IPv4, 16 bytes against IPv6, 6 bytes
 * against a MAC (exact). Any other length never matches.
 */
export function subnetContains(s: Subnet, addr: Uint8Array): boolean {
  switch (s.kind) {
    case "mac":
      return addr.length === 6 && prefixMatches(s.address, addr, 48);
    case "ipv4":
      return addr.length === 4 && prefixMatches(s.address, addr, s.prefix);
    case "ipv6":
      return addr.length === 16 && prefixMatches(s.address, addr, s.prefix);
  }
}

/** Same kind, address bytes, prefix length and weight. */
export function subnetEquals(a: Subnet, b: Subnet): boolean {
  return compareSubnets(a, b) === 0;
}

const KIND_ORDER = { mac: 0, ipv4: 1, ipv6: 2 } as const;

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const d = a[i]! - b[i]!;
    if (d !== 0) return d;
  }
  return a.length - b.length;
}

/**
 * tinc's subnet tree order without the owner: kind (MAC, IPv4, IPv6), then prefix length
 * descending (longest first), then address bytes, then weight ascending (lower weight first).
 */
export function compareSubnets(a: Subnet, b: Subnet): number {
  if (a.kind !== b.kind) return KIND_ORDER[a.kind] - KIND_ORDER[b.kind];
  if (a.kind !== "mac" && b.kind !== "mac") {
    const d = b.prefix - a.prefix;
    if (d !== 0) return d;
  }
  const d = compareBytes(a.address, b.address);
  if (d !== 0) return d;
  return a.weight - b.weight;
}

/** Whether an IP subnet has address bits set past its prefix (config files refuse those). */
export function hasHostBits(s: Subnet): boolean {
  if (s.kind === "mac") return false;
  const whole = s.prefix >> 3;
  const bits = s.prefix & 7;
  for (let i = whole; i < s.address.length; i++) {
    const mask = i === whole ? 0xff >> bits : 0xff;
    if (((s.address[i] ?? 0) & mask) !== 0) return true;
  }
  return false;
}
