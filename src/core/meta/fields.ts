/**
 * Field scanners for meta-protocol lines, with the leniency of tinc's `sscanf` parsing: any run
 * of C whitespace separates fields, leading whitespace is skipped, and fields past the ones a
 * request uses are ignored. Each numeric field must be a whole token (stricter than `sscanf`,
 * which would stop at the first bad character and read the rest as the next field).
 * @module
 */

/** `%2048s`: the longest token tinc reads into a name, address or key buffer. */
export const MAX_TOKEN_LENGTH = 2048;

/** Splits a line into tokens separated by runs of C whitespace (`isspace`: space, \t, \n, \v,
 * \f, \r); no empty tokens. One pass by hand: every received request goes through here. */
export function tokenize(line: string): string[] {
  const out: string[] = [];
  let start = -1;
  for (let i = 0; i < line.length; i++) {
    const ch = line.charCodeAt(i);
    if (ch === 32 || (ch >= 9 && ch <= 13)) {
      if (start >= 0) {
        out.push(line.substring(start, i));
        start = -1;
      }
    } else if (start < 0) start = i;
  }
  if (start >= 0) out.push(line.substring(start));
  return out;
}

/** A field value or the reason it is unusable. */
export type FieldResult<T> = { ok: true; value: T } | { ok: false; reason: string };

const DECIMAL = /^[+-]?[0-9]+$/;
const HEX = /^[+-]?(?:0[xX])?[0-9a-fA-F]+$/;
const NAME = /^[A-Za-z0-9_]+$/;
const HEX_STRING = /^[0-9a-fA-F]*$/;

/** Whether `name` is a valid tinc node name: non-empty `[A-Za-z0-9_]+` (check_id). */
export function isValidName(name: string): boolean {
  return NAME.test(name);
}

/** `%d` into a C int: optional sign, decimal digits, within int32. */
export function scanInt(token: string | undefined, field: string): FieldResult<number> {
  if (token === undefined) return { ok: false, reason: `missing field ${field}` };
  if (!DECIMAL.test(token)) return { ok: false, reason: `bad ${field}: not a decimal integer` };
  const value = Number.parseInt(token, 10);
  if (value > 0x7fffffff || value < -0x80000000) return { ok: false, reason: `bad ${field}: out of range` };
  return { ok: true, value };
}

/** `%x` into an unsigned 32-bit int: optional `0x`, hex digits, at most 0xffffffff. */
export function scanHex32(token: string | undefined, field: string): FieldResult<number> {
  if (token === undefined) return { ok: false, reason: `missing field ${field}` };
  if (!HEX.test(token)) return { ok: false, reason: `bad ${field}: not hexadecimal` };
  let digits = token;
  let negative = false;
  if (digits.startsWith("+") || digits.startsWith("-")) {
    negative = digits.startsWith("-");
    digits = digits.slice(1);
  }
  if (digits.startsWith("0x") || digits.startsWith("0X")) digits = digits.slice(2);
  digits = digits.replace(/^0+(?=.)/, "");
  if (digits.length > 8) return { ok: false, reason: `bad ${field}: out of range` };
  const magnitude = Number.parseInt(digits, 16);
  // C's strtoul negates modulo 2^32 for a leading minus; keep that so `-1` stays representable.
  return { ok: true, value: negative ? (-magnitude) >>> 0 : magnitude };
}

/** `%*x` for a nonce that tinc skips: any hex token; the value is informational only. */
export function scanNonce(token: string | undefined): FieldResult<number> {
  if (token === undefined) return { ok: false, reason: "missing field NONCE" };
  // What tinc sends: up to 8 plain hex digits, read without a regex.
  if (token.length <= 8) {
    let value = 0;
    let i = 0;
    for (; i < token.length; i++) {
      const nibble = hexDigit(token.charCodeAt(i));
      if (nibble < 0) break;
      value = value * 16 + nibble;
    }
    if (i === token.length && i > 0) return { ok: true, value };
  }
  if (!HEX.test(token)) return { ok: false, reason: "bad NONCE: not hexadecimal" };
  // A skipped field can be arbitrarily long; keep its low 32 bits so the value stays exact.
  const first = token.charCodeAt(0);
  const prefixed = first === 43 || first === 45 || (first === 48 && (token.charCodeAt(1) | 0x20) === 120);
  const digits = prefixed ? token.replace(/^[+-]?(?:0[xX])?/, "") : token;
  const low = digits.length > 8 ? digits.slice(-8) : digits;
  return { ok: true, value: Number.parseInt(low, 16) >>> 0 };
}

/** The value of one hex digit character, or -1. */
function hexDigit(ch: number): number {
  if (ch >= 48 && ch <= 57) return ch - 48;
  const lower = ch | 0x20;
  return lower >= 97 && lower <= 102 ? lower - 87 : -1;
}

/** `%2048s`: any token up to the length limit. */
export function scanToken(token: string | undefined, field: string): FieldResult<string> {
  if (token === undefined) return { ok: false, reason: `missing field ${field}` };
  if (token.length > MAX_TOKEN_LENGTH) {
    return { ok: false, reason: `bad ${field}: longer than 2048 characters` };
  }
  return { ok: true, value: token };
}

/** A token that must be a valid node name. */
export function scanName(token: string | undefined, field: string): FieldResult<string> {
  const t = scanToken(token, field);
  if (!t.ok) return t;
  if (!isValidName(t.value)) return { ok: false, reason: `invalid name in ${field}` };
  return t;
}

/** A token that must be hexadecimal text (either case), e.g. a key or challenge. */
export function scanHexString(token: string | undefined, field: string): FieldResult<string> {
  const t = scanToken(token, field);
  if (!t.ok) return t;
  if (!HEX_STRING.test(t.value)) return { ok: false, reason: `bad ${field}: not hexadecimal` };
  return t;
}

/** `%hu`-style length: decimal 0..65535 (a sign or a larger value is refused, not wrapped). */
export function scanLength(token: string | undefined, field: string): FieldResult<number> {
  if (token === undefined) return { ok: false, reason: `missing field ${field}` };
  if (!/^\+?[0-9]+$/.test(token)) return { ok: false, reason: `bad ${field}: not an unsigned integer` };
  const value = Number.parseInt(token, 10);
  if (value > 0xffff) return { ok: false, reason: `bad ${field}: larger than 65535` };
  return { ok: true, value };
}

/** Renders bytes as tinc's bin2hex does: uppercase hex. */
export function bytesToHex(bytes: Uint8Array): string {
  let out = "";
  for (const b of bytes) out += HEX_DIGITS[b >> 4]! + HEX_DIGITS[b & 15]!;
  return out;
}

const HEX_DIGITS = "0123456789ABCDEF";

/** Decodes hex text of either case; null if the length is odd or a character is not hex. */
export function hexToBytes(hex: string): Uint8Array | null {
  if (hex.length % 2 !== 0 || !HEX_STRING.test(hex)) return null;
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}
