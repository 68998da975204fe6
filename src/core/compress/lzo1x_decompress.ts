/**
 * A safe LZO1X decompressor: accepts exactly the streams liblzo2's `lzo1x_decompress_safe` accepts
 * (levels 10 and 11 share the stream format) and never reads or writes outside its buffers.
 *
 * The stream is a sequence of instructions. `state` is the number of literals the previous
 * instruction copied (0, 1..3, or 4 meaning "4 or more"); it changes what opcodes 0..15 mean.
 *
 * ```
 *  first byte only
 *    18..255        copy (byte-17) literals; state = min(4, byte-17)
 *  opcode          extra bytes       copies                                      then
 *    0000LLLL  s=0   [ext]            literals: 3+L, or 18+ext if L=0               state 4
 *    0000DDSS  s1-3  HHHHHHHH         2 bytes from distance 1 + D + (H<<2)          S literals
 *    0000DDSS  s=4   HHHHHHHH         3 bytes from distance 2049 + D + (H<<2)       S literals
 *    0001HLLL        [ext] LE16       2+L (L=0: 9+ext) from 16384 + (H<<14) + (LE16>>2);
 *                                     distance exactly 16384 = end of stream         S = LE16&3
 *    001LLLLL        [ext] LE16       2+L (L=0: 33+ext) from 1 + (LE16>>2)           S = LE16&3
 *    01LDDDSS        HHHHHHHH         3+L from 1 + D + (H<<3)                        S literals
 *    1LLDDDSS        HHHHHHHH         5+L from 1 + D + (H<<3)                        S literals
 *
 *  ext = 00 00 .. 00 NN: each zero byte adds 255, the final non-zero byte adds its value.
 *  end of stream = 11 00 00, which must be the last three bytes.
 * ```
 * @module
 */

/** lzo1x_decompress_safe's result codes (liblzo2's LZO_E_* numbering). */
export const LzoStatus = {
  Ok: 0,
  InputOverrun: -4,
  OutputOverrun: -5,
  LookbehindOverrun: -6,
  InputNotConsumed: -8,
} as const;

/**
 * Decompresses the LZO1X stream `src` into `dst[0, limit)` where limit = min(maxLen, dst.length).
 * Returns the decompressed length (≥ 0) or a negative `LzoStatus`. Never throws.
 */
export function lzo1xDecompress(src: Uint8Array, dst: Uint8Array, maxLen: number = dst.length): number {
  const inEnd = src.length;
  const outEnd = Math.min(maxLen, dst.length);
  let ip = 0;
  let op = 0;
  let state = 0;
  if (inEnd === 0) return LzoStatus.InputOverrun;
  const first = src[0]!;
  if (first > 17) {
    const n = first - 17;
    ip = 1;
    if (op + n > outEnd) return LzoStatus.OutputOverrun;
    if (ip + n > inEnd) return LzoStatus.InputOverrun;
    for (let k = 0; k < n; k++) dst[op++] = src[ip++]!;
    state = n < 4 ? n : 4;
  }
  // Each iteration decodes one instruction; the input shrinks by ≥ 1 byte per turn, so the loop ends.
  for (;;) {
    if (ip >= inEnd) return LzoStatus.InputOverrun;
    const t = src[ip++]!;
    let len: number;
    let dist: number;
    let trailing: number;
    if (t >= 64) {
      if (ip >= inEnd) return LzoStatus.InputOverrun;
      dist = 1 + ((t >> 2) & 7) + (src[ip++]! << 3);
      len = (t >> 5) + 1;
      trailing = t & 3;
    } else if (t >= 32) {
      len = t & 31;
      if (len === 0) {
        const ext = readExtension(src, ip, inEnd);
        if (ext < 0) return LzoStatus.InputOverrun;
        ip = extEnd;
        len = 31 + ext;
      }
      len += 2;
      if (ip + 2 > inEnd) return LzoStatus.InputOverrun;
      const w = src[ip]! | (src[ip + 1]! << 8);
      ip += 2;
      dist = 1 + (w >> 2);
      trailing = w & 3;
    } else if (t >= 16) {
      len = t & 7;
      if (len === 0) {
        const ext = readExtension(src, ip, inEnd);
        if (ext < 0) return LzoStatus.InputOverrun;
        ip = extEnd;
        len = 7 + ext;
      }
      len += 2;
      if (ip + 2 > inEnd) return LzoStatus.InputOverrun;
      const w = src[ip]! | (src[ip + 1]! << 8);
      ip += 2;
      dist = ((t & 8) << 11) + (w >> 2);
      if (dist === 0) {
        if (ip === inEnd) return op;
        return ip < inEnd ? LzoStatus.InputNotConsumed : LzoStatus.InputOverrun;
      }
      dist += 0x4000;
      trailing = w & 3;
    } else if (state === 0) {
      let n = t;
      if (n === 0) {
        const ext = readExtension(src, ip, inEnd);
        if (ext < 0) return LzoStatus.InputOverrun;
        ip = extEnd;
        n = 15 + ext;
      }
      n += 3;
      if (op + n > outEnd) return LzoStatus.OutputOverrun;
      if (ip + n > inEnd) return LzoStatus.InputOverrun;
      if (n > 32) {
        dst.set(src.subarray(ip, ip + n), op);
        op += n;
        ip += n;
      } else {
        for (let k = 0; k < n; k++) dst[op++] = src[ip++]!;
      }
      state = 4;
      continue;
    } else {
      if (ip >= inEnd) return LzoStatus.InputOverrun;
      dist = (state === 4 ? 2049 : 1) + (t >> 2) + (src[ip++]! << 2);
      len = state === 4 ? 3 : 2;
      trailing = t & 3;
    }
    if (dist > op) return LzoStatus.LookbehindOverrun;
    if (op + len > outEnd) return LzoStatus.OutputOverrun;
    // Byte by byte: a match may overlap the bytes it produces (distance < length repeats a run).
    let from = op - dist;
    for (let k = 0; k < len; k++) dst[op++] = dst[from++]!;
    if (trailing > 0) {
      if (op + trailing > outEnd) return LzoStatus.OutputOverrun;
      if (ip + trailing > inEnd) return LzoStatus.InputOverrun;
      for (let k = 0; k < trailing; k++) dst[op++] = src[ip++]!;
    }
    state = trailing;
  }
}

/** Where the last `readExtension` stopped (module state keeps the hot path free of allocations). */
let extEnd = 0;

/**
 * Reads a length extension at `ip`: zero bytes add 255 each, the closing non-zero byte its value.
 * Returns the sum and leaves the next position in `extEnd`, or -1 if the input ends first.
 */
function readExtension(src: Uint8Array, ip: number, inEnd: number): number {
  let sum = 0;
  while (ip < inEnd && src[ip] === 0) {
    sum += 255;
    ip++;
  }
  if (ip >= inEnd) return -1;
  sum += src[ip++]!;
  extEnd = ip;
  return sum;
}
