/**
 * How tinc reads the value of one entry: booleans (`yes`/`no`, any case), integers as C's
 * `sscanf("%d")` reads them, `atoi` for command-line numbers, case-insensitive keywords, and
 * `host [port]` pairs split at the first space.
 * @module
 */
import { foldCase } from "./parse.ts";

/** `yes`/`no`, ASCII case-insensitive; anything else is `undefined` (tinc logs and ignores it). */
export function parseBool(value: string): boolean | undefined {
  const v = foldCase(value);
  if (v === "yes") return true;
  if (v === "no") return false;
  return undefined;
}

const C_SPACE = /^[ \t\n\v\f\r]*/;
const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;

/**
 * The integer `sscanf(value, "%d")` stores: leading C whitespace skipped, an optional sign, then
 * at least one decimal digit; anything after the digits is ignored (`"10s"` is 10, `"0x10"` is 0).
 * No digits gives `undefined` ("Integer expected"). Values outside the C `int` range, where glibc's
 * result is not meaningful, also give `undefined`.
 */
export function parseCInt(value: string): number | undefined {
  const m = /^([+-]?)([0-9]+)/.exec(value.replace(C_SPACE, ""));
  if (!m) return undefined;
  const digits = m[2]!.replace(/^0+(?=\d)/, "");
  if (digits.length > 10) return undefined;
  const n = Number(digits) * (m[1] === "-" ? -1 : 1);
  return n < INT32_MIN || n > INT32_MAX ? undefined : n;
}

/**
 * C's `atoi`: like {@link parseCInt} but never fails (no digits gives 0). Out-of-range input
 * behaves as glibc does: strtol saturates at the 64-bit limits and the cast to `int` keeps the
 * low 32 bits (so a huge positive number becomes -1).
 */
export function cAtoi(value: string): number {
  const m = /^([+-]?)([0-9]+)/.exec(value.replace(C_SPACE, ""));
  if (!m) return 0;
  let n = BigInt(m[2]!);
  if (m[1] === "-") n = -n;
  const LONG_MAX = (1n << 63n) - 1n;
  const LONG_MIN = -(1n << 63n);
  if (n > LONG_MAX) n = LONG_MAX;
  if (n < LONG_MIN) n = LONG_MIN;
  return Number(BigInt.asIntN(32, n));
}

/** True for a string of decimal digits only (a numeric port). */
export function isDecimal(value: string): boolean {
  return /^[0-9]+$/.test(value);
}

/** Case-insensitive keyword lookup: returns the mapped value or `undefined`. */
export function parseKeyword<T>(value: string, table: Readonly<Record<string, T>>): T | undefined {
  const key = foldCase(value);
  return Object.hasOwn(table, key) ? table[key] : undefined;
}

/** `host [port]`: split at the first space (not tab), as tinc does with strchr(' '). */
export interface HostPort {
  host: string;
  /** `undefined` when no port was written; otherwise the text after the first space. */
  port: string | undefined;
}

/** Splits `Address`/`BindToAddress`/`ListenAddress` values. */
export function splitHostPort(value: string): HostPort {
  const space = value.indexOf(" ");
  if (space < 0) return { host: value, port: undefined };
  return { host: value.slice(0, space), port: value.slice(space + 1) };
}
