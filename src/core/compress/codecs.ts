/**
 * The `Compressor` over all of tinc's levels: 0 (copy), 10/11 (LZO1X, pure), 12 (LZ4, pure), and
 * 1..9 delegated to a `ZlibCodec` the runtime provides (without one, those levels report
 * `unsupported-level`, which is what the engine tests in the pure core see).
 * @module
 */
import {
  type CompressFailure,
  type Compressor,
  type CompressResult,
  failure,
  MAX_LEVEL,
  success,
  type ZlibCodec,
} from "./compressor.ts";
import { lz4Bound, lz4Decompress, Lz4Encoder, Lz4Status } from "./lz4_block.ts";
import { Lzo1xBestEncoder, lzo1xBound, Lzo1xFastEncoder } from "./lzo1x_compress.ts";
import { lzo1xDecompress, LzoStatus } from "./lzo1x_decompress.ts";

/** Maps a negative LZO status to the port's failure reason. */
export function lzoFailure(status: number): CompressFailure {
  switch (status) {
    case LzoStatus.InputOverrun:
      return "input-overrun";
    case LzoStatus.OutputOverrun:
      return "output-overrun";
    case LzoStatus.LookbehindOverrun:
      return "lookbehind-overrun";
    case LzoStatus.InputNotConsumed:
      return "input-not-consumed";
    default:
      return "corrupt";
  }
}

/** Maps a negative LZ4 status to the port's failure reason. */
export function lz4Failure(status: number): CompressFailure {
  switch (status) {
    case Lz4Status.InputOverrun:
      return "input-overrun";
    case Lz4Status.OutputOverrun:
      return "output-overrun";
    case Lz4Status.LookbehindOverrun:
      return "lookbehind-overrun";
    default:
      return "corrupt";
  }
}

/** Options of `createCompressor`. */
export interface CompressorOptions {
  /** Levels 1..9; omitted in the pure core. */
  zlib?: ZlibCodec;
  /** Candidates examined per position by the level-11 encoder (default 64). */
  lzoBestDepth?: number;
}

/** The encoders' state (hash tables) lives in the returned object: one per thread. */
export function createCompressor(options: CompressorOptions = {}): Compressor {
  return new TincCompressor(options.zlib, options.lzoBestDepth ?? 64);
}

class TincCompressor implements Compressor {
  private readonly lzoFast = new Lzo1xFastEncoder();
  private readonly lzoBest: Lzo1xBestEncoder;
  private readonly lz4 = new Lz4Encoder();

  constructor(private readonly zlib: ZlibCodec | undefined, depth: number) {
    this.lzoBest = new Lzo1xBestEncoder(depth);
  }

  compress(level: number, data: Uint8Array, out?: Uint8Array): CompressResult {
    if (!Number.isInteger(level) || level < 0 || level > MAX_LEVEL) return failure("bad-level");
    if (level === 0) {
      const dst = out ?? new Uint8Array(data.length);
      if (dst.length < data.length) return failure("output-too-small");
      dst.set(data);
      return success(dst, data.length);
    }
    if (level <= 9) return this.zlib ? this.zlib.deflate(level, data, out) : failure("unsupported-level");
    if (level === 12) {
      const dst = out ?? new Uint8Array(lz4Bound(data.length));
      const n = this.lz4.compress(data, dst);
      return n < 0 ? failure("output-too-small") : success(dst, n);
    }
    const dst = out ?? new Uint8Array(lzo1xBound(data.length));
    const n = level === 10 ? this.lzoFast.compress(data, dst) : this.lzoBest.compress(data, dst);
    return n < 0 ? failure("output-too-small") : success(dst, n);
  }

  decompress(level: number, data: Uint8Array, maxLen: number, out?: Uint8Array): CompressResult {
    if (!Number.isInteger(level) || level < 0 || level > MAX_LEVEL) return failure("bad-level");
    const limit = Math.max(0, Math.min(maxLen, out ? out.length : maxLen));
    if (!Number.isSafeInteger(limit)) return failure("output-too-small", "maxLen is not a finite integer");
    if (level === 0) {
      if (data.length > limit) return failure("output-overrun");
      const dst = out ?? new Uint8Array(data.length);
      dst.set(data);
      return success(dst, data.length);
    }
    if (level <= 9) return this.zlib ? this.zlib.inflate(data, maxLen, out) : failure("unsupported-level");
    const dst = out ?? new Uint8Array(limit);
    if (level === 12) {
      const n = lz4Decompress(data, dst, limit);
      return n < 0 ? failure(lz4Failure(n)) : success(dst, n);
    }
    const n = lzo1xDecompress(data, dst, limit);
    return n < 0 ? failure(lzoFailure(n)) : success(dst, n);
  }
}
