/**
 * LZ4 block format (compression level 12, tinc 1.1 HEAD): a safe decoder that never reads or
 * writes outside its buffers, and a greedy encoder whose blocks liblz4's LZ4_decompress_safe
 * accepts.
 *
 * A block is a sequence of sequences; the last one has literals only and ends the block:
 *
 * ```
 *  +-------+--------------+-----------+---------+---------------+
 *  | token | [lit ext]    | literals  | offset  | [match ext]   |
 *  | LLLLMMMM             | L bytes   | LE16    |               |
 *  +-------+--------------+-----------+---------+---------------+
 *  literals = LLLL, or 15 + ext if LLLL = 15;  match = MMMM + 4, or 19 + ext if MMMM = 15
 *  ext = FF FF .. NN: every byte is added, a byte below 255 closes it.
 *  offset 1..65535 counts back from the current output position (0 is invalid).
 * ```
 *
 * liblz4's own end-of-block rules, which this encoder keeps: the last 5 bytes are literals and no
 * match starts within the last 12 bytes. The decoder is slightly more lenient than liblz4 there
 * (it accepts a match ending anywhere before the limit); everything liblz4 accepts, it accepts
 * with the same output.
 * @module
 */

/** Decoder result codes (negative = refused). */
export const Lz4Status = {
  InputOverrun: -1,
  OutputOverrun: -2,
  LookbehindOverrun: -3,
} as const;

const MIN_MATCH = 4;
const LAST_LITERALS = 5;
const MF_LIMIT = 12;
const MAX_OFFSET = 65535;

/** Worst-case LZ4 block size for `n` input bytes (LZ4_COMPRESSBOUND). */
export function lz4Bound(n: number): number {
  return n + Math.floor(n / 255) + 16;
}

/**
 * Decodes the LZ4 block `src` into `dst[0, limit)`, limit = min(maxLen, dst.length). Returns the
 * decoded length or a negative `Lz4Status`. Never throws.
 */
export function lz4Decompress(src: Uint8Array, dst: Uint8Array, maxLen: number = dst.length): number {
  const inEnd = src.length;
  const outEnd = Math.min(maxLen, dst.length);
  let ip = 0;
  let op = 0;
  // Each sequence consumes ≥ 1 input byte, so the loop is bounded by the input length.
  for (;;) {
    if (ip >= inEnd) return Lz4Status.InputOverrun;
    const token = src[ip++]!;
    let lit = token >> 4;
    if (lit === 15) {
      let b: number;
      do {
        if (ip >= inEnd) return Lz4Status.InputOverrun;
        b = src[ip++]!;
        lit += b;
      } while (b === 255);
    }
    if (ip + lit > inEnd) return Lz4Status.InputOverrun;
    if (op + lit > outEnd) return Lz4Status.OutputOverrun;
    if (lit > 32) {
      dst.set(src.subarray(ip, ip + lit), op);
      ip += lit;
      op += lit;
    } else {
      for (let k = 0; k < lit; k++) dst[op++] = src[ip++]!;
    }
    if (ip === inEnd) return op;
    if (ip + 2 > inEnd) return Lz4Status.InputOverrun;
    const offset = src[ip]! | (src[ip + 1]! << 8);
    ip += 2;
    if (offset === 0 || offset > op) return Lz4Status.LookbehindOverrun;
    let len = token & 15;
    if (len === 15) {
      let b: number;
      do {
        if (ip >= inEnd) return Lz4Status.InputOverrun;
        b = src[ip++]!;
        len += b;
      } while (b === 255);
    }
    len += MIN_MATCH;
    if (op + len > outEnd) return Lz4Status.OutputOverrun;
    // Byte by byte: offsets shorter than the match repeat the bytes just written.
    let from = op - offset;
    for (let k = 0; k < len; k++) dst[op++] = dst[from++]!;
  }
}

function read32(src: Uint8Array, i: number): number {
  return src[i]! | (src[i + 1]! << 8) | (src[i + 2]! << 16) | (src[i + 3]! << 24);
}

/** Writes a length remainder as 255-bytes and a closing byte below 255. */
function emitLength(dst: Uint8Array, op: number, rem: number): number {
  while (rem >= 255) {
    dst[op++] = 255;
    rem -= 255;
  }
  dst[op++] = rem;
  return op;
}

/** The greedy LZ4 block encoder. Keeps its hash table between calls (epoch trick, see LZO). */
export class Lz4Encoder {
  static readonly HASH_BITS = 12;
  private readonly table = new Int32Array(1 << Lz4Encoder.HASH_BITS);
  private epoch = 1;

  /** Compresses `src` into `dst`; returns the block length, or -1 if `dst` is too small. */
  compress(src: Uint8Array, dst: Uint8Array): number {
    const n = src.length;
    if (this.epoch + n + 1 > 0x3fff_ffff) {
      this.table.fill(0);
      this.epoch = 1;
    }
    const epoch = this.epoch;
    this.epoch += n + 1;
    const table = this.table;
    const shift = 32 - Lz4Encoder.HASH_BITS;
    const matchLimit = n - LAST_LITERALS;
    const lastStart = n - MF_LIMIT;
    let op = 0;
    let anchor = 0;
    let i = 0;
    // i grows by ≥ 1 per turn and stops before n - 12, so the loop is bounded by n.
    while (i < lastStart) {
      const v = read32(src, i);
      const h = Math.imul(v, 0x9e3779b1) >>> shift;
      const cand = table[h]! - epoch;
      table[h] = i + epoch;
      if (cand < 0 || i - cand > MAX_OFFSET || read32(src, cand) !== v) {
        i += 1 + ((i - anchor) >> 6);
        continue;
      }
      let start = i;
      let from = cand;
      while (from > 0 && start > anchor && src[from - 1] === src[start - 1]) {
        from--;
        start--;
      }
      let end = i + MIN_MATCH;
      let ref = cand + MIN_MATCH;
      while (end < matchLimit && src[ref] === src[end]) {
        end++;
        ref++;
      }
      op = this.emitSequence(src, anchor, start, end - start - MIN_MATCH, start - from, dst, op);
      if (op < 0) return -1;
      i = end;
      anchor = end;
      if (i - 2 >= 0 && i < lastStart) {
        table[Math.imul(read32(src, i - 2), 0x9e3779b1) >>> shift] = i - 2 + epoch;
      }
    }
    return this.emitSequence(src, anchor, n, -1, 0, dst, op);
  }

  /**
   * Writes literals src[from, to) and then, if `matchExtra` ≥ 0, a match of `matchExtra + 4`
   * bytes at `offset`. Returns the new output position, or -1 if `dst` is too small.
   */
  private emitSequence(
    src: Uint8Array,
    from: number,
    to: number,
    matchExtra: number,
    offset: number,
    dst: Uint8Array,
    op: number,
  ): number {
    const lit = to - from;
    if (op + 1 + Math.ceil((lit + 1) / 255) + lit + 2 + Math.ceil((matchExtra + 1) / 255) > dst.length) {
      return -1;
    }
    const tokenPos = op++;
    let token = (lit >= 15 ? 15 : lit) << 4;
    if (lit >= 15) op = emitLength(dst, op, lit - 15);
    if (lit > 32) {
      dst.set(src.subarray(from, to), op);
      op += lit;
    } else {
      for (let k = from; k < to; k++) dst[op++] = src[k]!;
    }
    if (matchExtra >= 0) {
      dst[op++] = offset & 0xff;
      dst[op++] = offset >> 8;
      token |= matchExtra >= 15 ? 15 : matchExtra;
      if (matchExtra >= 15) op = emitLength(dst, op, matchExtra - 15);
    }
    dst[tokenPos] = token;
    return op;
  }
}
