/**
 * Byte helpers shared by the legacy crypto: tinc's hex (uppercase out, either case in), base64
 * for PEM bodies, big-endian bigint conversion and a constant-time comparison.
 * @module
 */
import { err, ok, type Result } from "./result.ts";

const HEX_UPPER = "0123456789ABCDEF";

/** Encodes bytes as uppercase hex, as tinc's bin2hex prints keys, challenges and digests. */
export function toHexUpper(bytes: Uint8Array): string {
  let out = "";
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    out += HEX_UPPER[b >> 4]! + HEX_UPPER[b & 15]!;
  }
  return out;
}

function hexNibble(code: number): number {
  if (code >= 48 && code <= 57) return code - 48;
  if (code >= 65 && code <= 70) return code - 55;
  if (code >= 97 && code <= 102) return code - 87;
  return -1;
}

/** Decodes hex of either case; an odd length or a non-hex character is a failure. */
export function fromHex(text: string): Result<Uint8Array> {
  if (text.length % 2 !== 0) return err(`hex string has odd length ${text.length}`);
  const out = new Uint8Array(text.length / 2);
  for (let i = 0; i < out.length; i++) {
    const hi = hexNibble(text.charCodeAt(2 * i));
    const lo = hexNibble(text.charCodeAt(2 * i + 1));
    if (hi < 0 || lo < 0) return err(`invalid hex character near offset ${2 * i}`);
    out[i] = (hi << 4) | lo;
  }
  return ok(out);
}

/** Concatenates byte arrays into a fresh array. */
export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  let total = 0;
  for (const p of parts) total += p.length;
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/**
 * Compares two byte ranges in time that depends only on their length, so that a MAC check does
 * not reveal how many leading bytes matched.
 */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

/** Reads unsigned big-endian bytes as a bigint. */
export function bytesToBigInt(bytes: Uint8Array): bigint {
  let hex = "";
  for (let i = 0; i < bytes.length; i++) hex += bytes[i]!.toString(16).padStart(2, "0");
  return hex.length === 0 ? 0n : BigInt("0x" + hex);
}

/** Writes a non-negative bigint as exactly `length` big-endian bytes; fails if it does not fit. */
export function bigIntToBytes(value: bigint, length: number): Result<Uint8Array> {
  if (value < 0n) return err("negative integer");
  let hex = value.toString(16);
  if (hex.length % 2 === 1) hex = "0" + hex;
  if (hex.length / 2 > length) return err(`integer needs ${hex.length / 2} bytes, more than ${length}`);
  const out = new Uint8Array(length);
  const off = length - hex.length / 2;
  for (let i = 0; i < hex.length / 2; i++) {
    out[off + i] = (hexNibble(hex.charCodeAt(2 * i)) << 4) | hexNibble(hex.charCodeAt(2 * i + 1));
  }
  return ok(out);
}

/** Number of bits in a non-negative bigint (0 for 0). */
export function bitLength(value: bigint): number {
  return value === 0n ? 0 : value.toString(2).length;
}

const B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const B64_INDEX = (() => {
  const t = new Int16Array(128).fill(-1);
  for (let i = 0; i < B64.length; i++) t[B64.charCodeAt(i)] = i;
  return t;
})();

/** Encodes bytes as standard base64 with padding. */
export function toBase64(bytes: Uint8Array): string {
  let out = "";
  let i = 0;
  for (; i + 3 <= bytes.length; i += 3) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
    out += B64[n >> 18]! + B64[(n >> 12) & 63]! + B64[(n >> 6) & 63]! + B64[n & 63]!;
  }
  const rest = bytes.length - i;
  if (rest === 1) {
    const n = bytes[i]! << 16;
    out += B64[n >> 18]! + B64[(n >> 12) & 63]! + "==";
  } else if (rest === 2) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8);
    out += B64[n >> 18]! + B64[(n >> 12) & 63]! + B64[(n >> 6) & 63]! + "=";
  }
  return out;
}

/** Decodes standard base64, ignoring whitespace; any other stray character is a failure. */
export function fromBase64(text: string): Result<Uint8Array> {
  const clean = text.replace(/\s+/g, "");
  const body = clean.replace(/=+$/, "");
  if (clean.length - body.length > 2) return err("too much base64 padding");
  if (body.length % 4 === 1) return err("truncated base64");
  const out = new Uint8Array(Math.floor((body.length * 3) / 4));
  let acc = 0;
  let bits = 0;
  let at = 0;
  for (let i = 0; i < body.length; i++) {
    const c = body.charCodeAt(i);
    const v = c < 128 ? B64_INDEX[c]! : -1;
    if (v < 0) return err(`invalid base64 character at ${i}`);
    acc = (acc << 6) | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[at++] = (acc >> bits) & 0xff;
    }
  }
  return ok(out);
}
