/**
 * LZO1X encoders: a fast greedy one (level 10, the role of lzo1x_1_compress) and a slower
 * better-ratio one (level 11, the role of lzo1x_999_compress). Neither is byte-identical to
 * liblzo2; both emit valid LZO1X streams (format in lzo1x_decompress.ts), which is all a peer's
 * lzo1x_decompress_safe needs.
 *
 * Instructions this encoder emits (a subset of the format):
 *
 * ```
 *  first literal run      [17+n] lit*n                    n ≤ 238
 *                         or 0000LLLL [ext] lit*n          (as any literal run)
 *  literal run (n ≥ 4)    0000LLLL [ext] lit*n             L = n-3, or L = 0 and ext = n-18
 *  1..3 literals          stored in the S bits of the match before them
 *  match, d ≤ 2048, 3..8  (len-1)<<5 | (d-1)&7 <<2 | S,  (d-1)>>3              (2 bytes)
 *  match, d ≤ 16384       001LLLLL [ext] LE16((d-1)<<2 | S)                      (3+ bytes)
 *  match, d ≤ 49151       0001HLLL [ext] LE16(((d-16384)&0x3fff)<<2 | S), H = (d-16384)>>14
 *  end of stream          11 00 00
 * ```
 *
 * Both encoders keep their tables between calls and never clear them: a table entry stores
 * `position + epoch`, and the epoch moves past every earlier call's positions, so stale entries
 * read as negative positions. One encoder object per thread; it is not reentrant.
 * @module
 */

/** The largest distance LZO1X can express (M4: 16384 + 16384 + 16383). */
const MAX_DISTANCE = 0xbfff;
const M2_MAX_DISTANCE = 0x0800;
const M3_MAX_DISTANCE = 0x4000;
const EPOCH_LIMIT = 0x3fff_ffff;

/** Worst-case LZO1X output for `n` input bytes from these encoders (all literals plus headers). */
export function lzo1xBound(n: number): number {
  return n + Math.ceil(n / 255) + 8;
}

/**
 * Writes the literal run src[from, to) at `op` given the S-bit position of the previous match
 * (-1 when there is none). Returns the new output position, or -1 if `dst` is too small.
 */
function emitLiterals(
  src: Uint8Array,
  from: number,
  to: number,
  dst: Uint8Array,
  op: number,
  sPos: number,
): number {
  const n = to - from;
  if (n === 0) return op;
  const cap = dst.length;
  if (n <= 3 && sPos >= 0) {
    if (op + n > cap) return -1;
    dst[sPos] = dst[sPos]! | n;
  } else if (op === 0 && n <= 238) {
    if (op + 1 + n > cap) return -1;
    dst[op++] = 17 + n;
  } else {
    // n ≥ 4 here: at the start of a stream, 1..3 literals fit the first-byte form above.
    if (op + 1 + Math.ceil(n / 255) + n > cap) return -1;
    if (n <= 18) {
      dst[op++] = n - 3;
    } else {
      dst[op++] = 0;
      op = emitExtension(dst, op, n - 18);
    }
  }
  if (n > 32) {
    dst.set(src.subarray(from, to), op);
    op += n;
  } else {
    for (let k = from; k < to; k++) dst[op++] = src[k]!;
  }
  return op;
}

/** Writes `rem` (≥ 1) as zero bytes worth 255 each and a closing non-zero byte. */
function emitExtension(dst: Uint8Array, op: number, rem: number): number {
  while (rem > 255) {
    dst[op++] = 0;
    rem -= 255;
  }
  dst[op++] = rem;
  return op;
}

/** Bytes the match (len, dist) costs on the wire. */
function matchCost(len: number, dist: number): number {
  if (len <= 8 && dist <= M2_MAX_DISTANCE) return 2;
  const inline = dist <= M3_MAX_DISTANCE ? 33 : 9;
  return len <= inline ? 3 : 3 + Math.ceil((len - inline) / 255);
}

/** Where the S bits of the match just written live (module state: no allocation per match). */
let lastSPos = -1;

/**
 * Writes a match of `len` ≥ 3 bytes at distance `dist` (1..49151) at `op`; sets `lastSPos`.
 * Returns the new output position, or -1 if `dst` is too small.
 */
function emitMatch(dst: Uint8Array, op: number, len: number, dist: number): number {
  if (op + 4 + Math.ceil(len / 255) > dst.length) return -1;
  if (len <= 8 && dist <= M2_MAX_DISTANCE) {
    const d = dist - 1;
    lastSPos = op;
    dst[op++] = ((len - 1) << 5) | ((d & 7) << 2);
    dst[op++] = d >> 3;
    return op;
  }
  let w: number;
  if (dist <= M3_MAX_DISTANCE) {
    if (len <= 33) {
      dst[op++] = 32 | (len - 2);
    } else {
      dst[op++] = 32;
      op = emitExtension(dst, op, len - 33);
    }
    w = (dist - 1) << 2;
  } else {
    const d = dist - 0x4000;
    const h = (d >> 14) << 3;
    if (len <= 9) {
      dst[op++] = 16 | h | (len - 2);
    } else {
      dst[op++] = 16 | h;
      op = emitExtension(dst, op, len - 9);
    }
    w = (d & 0x3fff) << 2;
  }
  lastSPos = op;
  dst[op++] = w & 0xff;
  dst[op++] = w >> 8;
  return op;
}

/** Appends trailing literals and the end-of-stream marker; -1 if `dst` is too small. */
function finish(src: Uint8Array, litStart: number, dst: Uint8Array, op: number, sPos: number): number {
  op = emitLiterals(src, litStart, src.length, dst, op, sPos);
  if (op < 0 || op + 3 > dst.length) return -1;
  dst[op++] = 0x11;
  dst[op++] = 0;
  dst[op++] = 0;
  return op;
}

function read32(src: Uint8Array, i: number): number {
  return src[i]! | (src[i + 1]! << 8) | (src[i + 2]! << 16) | (src[i + 3]! << 24);
}

/** Length of the common run of src[a..] and src[b..] (a < b), up to the end of `src`. */
function commonLength(src: Uint8Array, a: number, b: number): number {
  const end = src.length;
  let n = 0;
  while (b + n < end && src[a + n] === src[b + n]) n++;
  return n;
}

/** The fast greedy encoder (level 10). */
export class Lzo1xFastEncoder {
  static readonly HASH_BITS = 13;
  private readonly table = new Int32Array(1 << Lzo1xFastEncoder.HASH_BITS);
  private epoch = 1;

  /** Compresses `src` into `dst`; returns the stream length, or -1 if `dst` is too small. */
  compress(src: Uint8Array, dst: Uint8Array): number {
    const n = src.length;
    if (this.epoch + n + 1 > EPOCH_LIMIT) {
      this.table.fill(0);
      this.epoch = 1;
    }
    const epoch = this.epoch;
    this.epoch += n + 1;
    const table = this.table;
    const shift = 32 - Lzo1xFastEncoder.HASH_BITS;
    let op = 0;
    let sPos = -1;
    let litStart = 0;
    let i = 1;
    if (n >= 4) table[Math.imul(read32(src, 0), 0x9e3779b1) >>> shift] = epoch;
    // Each turn advances i by ≥ 1 and stops 3 bytes before the end, so the loop is bounded by n.
    while (i + 4 <= n) {
      const v = read32(src, i);
      const h = Math.imul(v, 0x9e3779b1) >>> shift;
      const cand = table[h]! - epoch;
      table[h] = i + epoch;
      if (cand < 0 || i - cand > MAX_DISTANCE || read32(src, cand) !== v) {
        // Skip faster through incompressible data, as LZ-family fast encoders do.
        i += 1 + ((i - litStart) >> 5);
        continue;
      }
      let start = i;
      let from = cand;
      while (from > 0 && start > litStart && src[from - 1] === src[start - 1]) {
        from--;
        start--;
      }
      const len = (i - start) + 4 + commonLength(src, cand + 4, i + 4);
      op = emitLiterals(src, litStart, start, dst, op, sPos);
      if (op < 0) return -1;
      op = emitMatch(dst, op, len, start - from);
      if (op < 0) return -1;
      sPos = lastSPos;
      i = start + len;
      litStart = i;
      if (i + 4 <= n) table[Math.imul(read32(src, i - 1), 0x9e3779b1) >>> shift] = i - 1 + epoch;
    }
    return finish(src, litStart, dst, op, sPos);
  }
}

/**
 * The better-ratio encoder (level 11): every position enters a hash chain over 3-byte prefixes,
 * each position takes the most profitable of up to `depth` candidates (bytes saved after the
 * instruction's own cost), and a match is deferred by one byte when the next position saves more
 * (lazy matching). Slower than level 10, smaller output; not the lzo1x_999 algorithm itself.
 */
export class Lzo1xBestEncoder {
  static readonly HASH_BITS = 14;
  static readonly WINDOW = 0x10000;
  private readonly head = new Int32Array(1 << Lzo1xBestEncoder.HASH_BITS);
  private readonly prev = new Int32Array(Lzo1xBestEncoder.WINDOW);
  private epoch = 1;
  private bestLen = 0;
  private bestDist = 0;

  /** `depth` bounds the candidates examined per position (time per byte is O(depth)). */
  constructor(private readonly depth = 64) {}

  /** Compresses `src` into `dst`; returns the stream length, or -1 if `dst` is too small. */
  compress(src: Uint8Array, dst: Uint8Array): number {
    const n = src.length;
    if (this.epoch + n + 1 > EPOCH_LIMIT) {
      this.head.fill(0);
      this.prev.fill(0);
      this.epoch = 1;
    }
    const epoch = this.epoch;
    this.epoch += n + 1;
    let op = 0;
    let sPos = -1;
    let litStart = 0;
    let inserted = 0;
    let i = 0;
    // Each turn moves i forward by ≥ 1, so the loop is bounded by n.
    while (i + 3 <= n) {
      inserted = this.insertUpTo(src, inserted, i, epoch);
      const gain = this.search(src, i, epoch);
      if (gain <= 0) {
        i++;
        continue;
      }
      const len = this.bestLen;
      const dist = this.bestDist;
      if (i + 4 <= n) {
        inserted = this.insertUpTo(src, inserted, i + 1, epoch);
        if (this.search(src, i + 1, epoch) > gain + 1) {
          i++;
          continue;
        }
      }
      op = emitLiterals(src, litStart, i, dst, op, sPos);
      if (op < 0) return -1;
      op = emitMatch(dst, op, len, dist);
      if (op < 0) return -1;
      sPos = lastSPos;
      i += len;
      litStart = i;
    }
    return finish(src, litStart, dst, op, sPos);
  }

  /** Enters positions [from, to] into the chains; returns the next position to enter. */
  private insertUpTo(src: Uint8Array, from: number, to: number, epoch: number): number {
    const n = src.length;
    const shift = 32 - Lzo1xBestEncoder.HASH_BITS;
    for (let p = from; p <= to && p + 3 <= n; p++) {
      const h = Math.imul(src[p]! | (src[p + 1]! << 8) | (src[p + 2]! << 16), 0x9e3779b1) >>> shift;
      this.prev[p & (Lzo1xBestEncoder.WINDOW - 1)] = this.head[h]!;
      this.head[h] = p + epoch;
    }
    return Math.max(from, to + 1);
  }

  /**
   * Finds the most profitable match for position i (already entered); stores it in
   * bestLen/bestDist and returns its gain (bytes saved), ≤ 0 when no match pays.
   */
  private search(src: Uint8Array, i: number, epoch: number): number {
    const n = src.length;
    let bestGain = 0;
    this.bestLen = 0;
    this.bestDist = 0;
    let cand = this.prev[i & (Lzo1xBestEncoder.WINDOW - 1)]! - epoch;
    for (let steps = 0; steps < this.depth && cand >= 0; steps++) {
      const dist = i - cand;
      if (dist > MAX_DISTANCE || dist <= 0) break;
      if (src[cand + this.bestLen] === src[i + this.bestLen] || this.bestLen === 0) {
        const len = commonLength(src, cand, i);
        if (len >= 3) {
          const gain = len - matchCost(len, dist);
          if (gain > bestGain) {
            bestGain = gain;
            this.bestLen = len;
            this.bestDist = dist;
            if (i + len >= n) break;
          }
        }
      }
      cand = this.prev[cand & (Lzo1xBestEncoder.WINDOW - 1)]! - epoch;
    }
    return bestGain;
  }
}
