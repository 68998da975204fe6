/**
 * tinc 1.1's control protocol: the line codec shared by the daemon's control socket and the
 * `tinct` control CLI (spec tinc-1.1-sptps.md §3.2). Lines are ASCII, space-separated, one per
 * `\n`; numbers are decimal unless said otherwise.
 *
 * ```
 *  CLI                                   daemon
 *   │ ── 0 ^<cookie:64 hex> 0 ─────────▶ │   ID with '^' + cookie; the last field is the
 *   │ ◀──────────── 0 <name> 17.<minor> ─│   control version (0). The daemon's own ID line
 *   │ ◀──────────────────── 4 0 <pid> ───│   ACK: control version 0 and the daemon's pid
 *   │ ── 18 <type> [args] ─────────────▶ │   CONTROL request
 *   │ ◀──────────── 18 <type> <result> ──│   simple reply (0 = done)
 *   │ ◀──────────── 18 <type> <fields…> ─│   dump line, repeated …
 *   │ ◀──────────────────── 18 <type> ───│   … then the bare terminator
 *   │ ◀─────────────────────── 18 -1 ────│   unknown type (REQ_INVALID)
 * ```
 * A wrong cookie gets no answer: the daemon closes the socket.
 * @module
 */

/** Request code of the ID line. */
export const ID = 0;
/** Request code of the ACK line that completes the control handshake. */
export const ACK = 4;
/** Request code of every control request and reply. */
export const CONTROL = 18;
/** The control protocol version tinc 1.1 sends and expects (`TINC_CTL_VERSION_CURRENT`). */
export const CONTROL_VERSION = 0;

/** Control request types (`control_common.h`). */
export const ControlType = {
  INVALID: -1,
  STOP: 0,
  RELOAD: 1,
  RESTART: 2,
  DUMP_NODES: 3,
  DUMP_EDGES: 4,
  DUMP_SUBNETS: 5,
  DUMP_CONNECTIONS: 6,
  DUMP_GRAPH: 7,
  PURGE: 8,
  SET_DEBUG: 9,
  RETRY: 10,
  CONNECT: 11,
  DISCONNECT: 12,
  DUMP_TRAFFIC: 13,
  PCAP: 14,
  LOG: 15,
} as const;

/** One of {@link ControlType}'s values. */
export type ControlTypeValue = (typeof ControlType)[keyof typeof ControlType];

/** A parsed `18 TYPE ARGS…` line. */
export interface ControlLine {
  type: number;
  args: string[];
}

/** Splits a line on runs of blanks, as sscanf's `%s` does. */
export function fields(line: string): string[] {
  return line.split(/[ \t\r]+/).filter((f) => f.length > 0);
}

/** A whole decimal integer (optional sign), or undefined. sscanf's `%d` without trailing junk. */
export function parseDecimal(text: string | undefined): number | undefined {
  if (text === undefined || !/^[+-]?\d{1,15}$/.test(text)) return undefined;
  return Number.parseInt(text, 10);
}

/** Parses a control request or reply line; null when it is not `18 <int> …`. */
export function parseControlLine(line: string): ControlLine | null {
  const f = fields(line);
  if (parseDecimal(f[0]) !== CONTROL) return null;
  const type = parseDecimal(f[1]);
  if (type === undefined) return null;
  return { type, args: f.slice(2) };
}

/** `18 TYPE [ARGS…]`. */
export function formatControlLine(type: number, ...args: Array<string | number>): string {
  return [CONTROL, type, ...args].join(" ");
}

/** The client's first line: `0 ^COOKIE 0`. */
export function formatCookieLine(cookie: string): string {
  return `${ID} ^${cookie} ${CONTROL_VERSION}`;
}

/** Whether the first line a control client sent carries `cookie` (compared in full). */
export function checkCookieLine(line: string, cookie: string): boolean {
  const f = fields(line);
  if (f.length < 2 || parseDecimal(f[0]) !== ID) return false;
  const given = f[1]!;
  // An empty cookie would let "0 ^ 0" in; the daemon always has 64 digits.
  if (!given.startsWith("^") || cookie.length === 0) return false;
  return constantTimeEqual(given.slice(1), cookie);
}

/** String equality whose time does not depend on where the first difference is. */
function constantTimeEqual(a: string, b: string): boolean {
  let diff = a.length ^ b.length;
  const n = Math.max(a.length, b.length);
  for (let i = 0; i < n; i++) diff |= (a.charCodeAt(i) | 0) ^ (b.charCodeAt(i) | 0);
  return diff === 0;
}

/** The daemon's greeting: its ID line `0 NAME MAJOR.MINOR`. */
export function formatGreeting(name: string, major: number, minor: number): string {
  return `${ID} ${name} ${major}.${minor}`;
}

/** The daemon's handshake completion `4 0 PID`. */
export function formatHandshakeAck(pid: number): string {
  return `${ACK} ${CONTROL_VERSION} ${pid}`;
}

/** What the client reads from the two handshake lines. */
export type HandshakeReply = { ok: true; name: string; pid: number } | { ok: false; reason: string };

/**
 * Checks the greeting and ACK as the tinc CLI does: greeting `0 NAME N…` (only the leading
 * integer of the version is read), then `4 0 PID`.
 */
export function parseHandshake(greeting: string, ack: string): HandshakeReply {
  const g = fields(greeting);
  if (g.length < 3 || parseDecimal(g[0]) !== ID || !/^\d/.test(g[2]!)) {
    return { ok: false, reason: "Cannot read greeting from control socket" };
  }
  const a = fields(ack);
  const pid = parseDecimal(a[2]);
  if (parseDecimal(a[0]) !== ACK || parseDecimal(a[1]) !== CONTROL_VERSION || pid === undefined) {
    return { ok: false, reason: "Could not fully establish control socket connection" };
  }
  return { ok: true, name: g[1]!, pid };
}

/** The result of a simple request (`18 TYPE RESULT`), or undefined when the line is not one. */
export function parseResultLine(line: string, type: number): number | undefined {
  const c = parseControlLine(line);
  if (c === null || c.type !== type) return undefined;
  return parseDecimal(c.args[0]);
}

/** A 64-hex-digit cookie from 32 random bytes. */
export function formatCookie(random: Uint8Array): string {
  if (random.length !== 32) throw new RangeError("a control cookie takes 32 random bytes");
  return Array.from(random, (b) => b.toString(16).padStart(2, "0")).join("");
}
