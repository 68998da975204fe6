/**
 * Packet compression with the receiver's level (spec 1.0 §4.2), around the Compressor port
 * (src/core/compress). A level the compressor cannot produce (zlib without the runtime's zlib
 * half) still gets a valid stream of its format holding the frame uncompressed, since the
 * receiver only has to decompress:
 *
 * ```
 *  levels 1-9, zlib (RFC 1950) with one stored deflate block:
 *   +------+------+------+---------+----------+------------+--------------------+
 *   | 0x78 | 0x01 | 0x01 | LEN(le) | ~LEN(le) | frame      | Adler-32(frame) BE |
 *   +------+------+------+---------+----------+------------+--------------------+
 *
 *  levels 10-11, LZO1X: one literal run, then the end-of-stream match (M4 with distance 0):
 *   +------------------------------------------+-------+------+------+
 *   | run length: 17+L (L ≤ 238), or          | frame | 0x11 | 0x00 | 0x00 |
 *   |   0x00, 0x00 × k, r  with L = 18+255k+r  |       |      |      |      |
 *   +------------------------------------------+-------+------+------+------+
 * ```
 * We announce a level for our own direction only if the compressor can undo it.
 * @module
 */
import type { Compressor } from "../../compress/compressor.ts";

/** Compresses `frame` for a receiver that asked for `level`; undefined if that cannot be done. */
export function compressForPeer(
  level: number,
  frame: Uint8Array,
  compressor?: Compressor,
): Uint8Array | undefined {
  if (level === 0) return frame;
  if (compressor !== undefined) {
    const r = compressor.compress(level, frame);
    if (r.ok) return r.out.subarray(0, r.length);
    if (r.reason !== "unsupported-level") return undefined;
  }
  return storedForm(level, frame);
}

/** Undoes our announced `level` on a received payload, at most `maxLen` bytes. */
export function decompressFromPeer(
  level: number,
  data: Uint8Array,
  maxLen: number,
  compressor?: Compressor,
): { frame: Uint8Array } | { drop: string } {
  if (level === 0) return { frame: data };
  if (compressor === undefined) return { drop: `no decompressor for level ${level}` };
  const r = compressor.decompress(level, data, maxLen);
  return r.ok ? { frame: r.out.subarray(0, r.length) } : { drop: `decompression failed: ${r.reason}` };
}

const decompressible = new WeakMap<Compressor, Map<number, boolean>>();

/** Whether we may announce `level`: the compressor round-trips a sample at that level. */
export function canDecompress(level: number, compressor?: Compressor): boolean {
  if (level === 0) return true;
  if (compressor === undefined || !Number.isInteger(level) || level < 0 || level > 11) return false;
  let known = decompressible.get(compressor);
  if (known === undefined) decompressible.set(compressor, known = new Map());
  let answer = known.get(level);
  if (answer === undefined) {
    const sample = new Uint8Array(64).map((_, i) => i & 7);
    const packed = compressor.compress(level, sample);
    const back = packed.ok ? compressor.decompress(level, packed.out.subarray(0, packed.length), 64) : packed;
    answer = back.ok && back.length === 64;
    known.set(level, answer);
  }
  return answer;
}

/** The uncompressed stream of a level's format, or undefined out of range. */
export function storedForm(level: number, frame: Uint8Array): Uint8Array | undefined {
  if (level === 0) return frame;
  if (level >= 1 && level <= 9) return zlibStored(frame);
  if (level === 10 || level === 11) return lzoLiterals(frame);
  return undefined;
}

const STORED_MAX = 65535;

function zlibStored(data: Uint8Array): Uint8Array | undefined {
  if (data.length > STORED_MAX) return undefined;
  const n = data.length;
  const out = new Uint8Array(2 + 5 + n + 4);
  out[0] = 0x78; // deflate, 32 KiB window
  out[1] = 0x01; // no dictionary, fastest; 0x7801 is a multiple of 31
  out[2] = 0x01; // BFINAL, BTYPE = stored
  out[3] = n & 0xff;
  out[4] = n >>> 8;
  out[5] = ~n & 0xff;
  out[6] = (~n >>> 8) & 0xff;
  out.set(data, 7);
  const a = adler32(data);
  const at = 7 + n;
  out[at] = a >>> 24;
  out[at + 1] = (a >>> 16) & 0xff;
  out[at + 2] = (a >>> 8) & 0xff;
  out[at + 3] = a & 0xff;
  return out;
}

function adler32(data: Uint8Array): number {
  let a = 1;
  let b = 0;
  for (let i = 0; i < data.length; i++) {
    a = (a + data[i]!) % 65521;
    b = (b + a) % 65521;
  }
  return ((b << 16) | a) >>> 0;
}

function lzoLiterals(data: Uint8Array): Uint8Array | undefined {
  const n = data.length;
  // A first literal run shorter than 4 cannot be encoded this way; frames are ≥ 14 bytes.
  if (n < 4) return undefined;
  const header: number[] = [];
  if (n <= 238) header.push(17 + n);
  else {
    let rest = n - 18;
    header.push(0);
    while (rest > 255) {
      header.push(0);
      rest -= 255;
    }
    header.push(rest);
  }
  const out = new Uint8Array(header.length + n + 3);
  out.set(header, 0);
  out.set(data, header.length);
  out.set([0x11, 0x00, 0x00], header.length + n);
  return out;
}
