/**
 * tinc's own base64 (spec tinc-1.1-sptps.md §1.10), used for Ed25519 keys, PEM bodies and the
 * SPTPS records carried in REQ_KEY/ANS_KEY. The alphabet is the standard one, but each 3-byte
 * group is read as a little-endian 24-bit number and emitted low 6 bits first, and there is no
 * padding:
 *
 * ```
 *   bytes   b0        b1        b2
 *   value   v = b0 | b1 << 8 | b2 << 16
 *   chars   A[v & 63]  A[v >> 6 & 63]  A[v >> 12 & 63]  A[v >> 18 & 63]
 *   tail    1 byte -> 2 chars, 2 bytes -> 3 chars
 * ```
 *
 * The URL-safe flavour (`-`, `_`) is used in invitation URLs; the decoder accepts both.
 * @module
 */

const STANDARD = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const URL_SAFE = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/** Character code → 6-bit value, -1 for characters outside both alphabets. */
const DECODE: Int8Array = (() => {
  const table = new Int8Array(256).fill(-1);
  for (let i = 0; i < 64; i++) {
    table[STANDARD.charCodeAt(i)] = i;
    table[URL_SAFE.charCodeAt(i)] = i;
  }
  return table;
})();

function encodeWith(alphabet: string, bytes: Uint8Array): string {
  let out = "";
  for (let i = 0; i < bytes.length; i += 3) {
    const left = bytes.length - i;
    const v = bytes[i]! | ((left > 1 ? bytes[i + 1]! : 0) << 8) | ((left > 2 ? bytes[i + 2]! : 0) << 16);
    const chars = left >= 3 ? 4 : left + 1;
    for (let c = 0; c < chars; c++) out += alphabet[(v >> (6 * c)) & 63];
  }
  return out;
}

/** Encodes bytes in tinc's base64 (standard alphabet, LSB-first, no padding). */
export function encodeTincBase64(bytes: Uint8Array): string {
  return encodeWith(STANDARD, bytes);
}

/** Encodes bytes in tinc's URL-safe base64 (`-` and `_`), as in invitation URLs. */
export function encodeTincBase64Url(bytes: Uint8Array): string {
  return encodeWith(URL_SAFE, bytes);
}

/** Length in characters of the tinc base64 text of `byteLength` bytes (32 bytes → 43). */
export function tincBase64Length(byteLength: number): number {
  return Math.floor(byteLength / 3) * 4 + [0, 2, 3][byteLength % 3]!;
}

/**
 * Decodes tinc base64 in either alphabet. Returns undefined for a character outside both
 * alphabets or a length that no byte string encodes to (4n + 1); never throws.
 */
export function decodeTincBase64(text: string): Uint8Array | undefined {
  if (text.length % 4 === 1) return undefined;
  const out = new Uint8Array(Math.floor(text.length / 4) * 3 + [0, 0, 1, 2][text.length % 4]!);
  let o = 0;
  for (let i = 0; i < text.length; i += 4) {
    const chars = Math.min(4, text.length - i);
    let v = 0;
    for (let c = 0; c < chars; c++) {
      const code = text.charCodeAt(i + c);
      const d = code < 256 ? DECODE[code]! : -1;
      if (d < 0) return undefined;
      v |= d << (6 * c);
    }
    for (let b = 0; b < chars - 1; b++) out[o++] = (v >> (8 * b)) & 0xff;
  }
  return out;
}
