/**
 * The runtime's `Compressor`: zlib levels 1..9 through node:zlib (zlib format, RFC 1950, as
 * tinc's compress2/uncompress), LZO (10, 11) and LZ4 (12) through the pure codecs of
 * src/core/compress.
 *
 * node:zlib's sync calls return a fresh Buffer, so levels 1..9 allocate once per packet and copy
 * into the caller's buffer; the LZO and LZ4 levels do not allocate when `out` is given.
 * @module
 */
import { deflateSync, inflateSync } from "node:zlib";
import {
  type Compressor,
  type CompressResult,
  createCompressor,
  failure,
  success,
  type ZlibCodec,
} from "../core/compress/mod.ts";

function errorCode(e: unknown): string {
  return typeof e === "object" && e !== null && "code" in e ? String((e as { code: unknown }).code) : "";
}

function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function deliver(bytes: Uint8Array, out: Uint8Array | undefined): CompressResult {
  if (!out) return success(bytes, bytes.length);
  if (out.length < bytes.length) return failure("output-too-small");
  out.set(bytes);
  return success(out, bytes.length);
}

/** zlib through node:zlib; never throws (errors become Results). */
export function createNodeZlibCodec(): ZlibCodec {
  return {
    deflate(level, data, out) {
      if (!Number.isInteger(level) || level < 1 || level > 9) return failure("bad-level");
      try {
        const z = deflateSync(data, { level });
        return deliver(new Uint8Array(z.buffer, z.byteOffset, z.length), out);
      } catch (e) {
        return failure("corrupt", `zlib deflate failed: ${errorMessage(e)}`);
      }
    },
    inflate(data, maxLen, out) {
      const limit = Math.min(maxLen, out ? out.length : maxLen);
      if (!Number.isSafeInteger(limit) || limit < 0) return failure("output-too-small");
      try {
        // maxOutputLength must be ≥ 1: ask for one byte more than allowed and check ourselves.
        const z = inflateSync(data, { maxOutputLength: limit + 1 });
        if (z.length > limit) return failure("output-overrun");
        return deliver(new Uint8Array(z.buffer, z.byteOffset, z.length), out);
      } catch (e) {
        const code = errorCode(e);
        if (code === "ERR_BUFFER_TOO_LARGE") return failure("output-overrun");
        if (code === "Z_BUF_ERROR") return failure("input-overrun", `zlib: ${errorMessage(e)}`);
        return failure("corrupt", `zlib: ${errorMessage(e)}`);
      }
    },
  };
}

/** The daemon's compressor: all levels 0..12. One per thread (the encoders keep hash tables). */
export function createRuntimeCompressor(): Compressor {
  return createCompressor({ zlib: createNodeZlibCodec() });
}
