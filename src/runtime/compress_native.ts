/**
 * The C compression libraries tincd itself links (liblzo2, zlib) and liblz4, through bun:ffi: the
 * oracles that prove the pure codecs interoperate, and the reference for the benchmark. Not used
 * by the daemon. Each loader throws an Error naming the Debian package to install when its
 * library cannot be opened.
 * @module
 */
import { dlopen, FFIType, ptr } from "bun:ffi";

/** One native (de)compression: the result length, or the library's negative/non-zero error code. */
export interface NativeResult {
  ok: boolean;
  /** Library status (LZO_E_*, Z_*, or the LZ4 return value when negative). */
  code: number;
  /** The output bytes (a copy) when ok. */
  data: Uint8Array;
}

/** liblzo2's LZO1X entry points. */
export interface NativeLzo {
  compress1(src: Uint8Array): NativeResult;
  compress999(src: Uint8Array): NativeResult;
  decompressSafe(src: Uint8Array, maxLen: number): NativeResult;
}

/** liblz4's block entry points. */
export interface NativeLz4 {
  compressDefault(src: Uint8Array): NativeResult;
  decompressSafe(src: Uint8Array, maxLen: number): NativeResult;
}

/** zlib's one-shot entry points. */
export interface NativeZlib {
  compress2(src: Uint8Array, level: number): NativeResult;
  uncompress(src: Uint8Array, maxLen: number): NativeResult;
}

/** LZO_VERSION of the 2.10 headers; lzo_init checks it and the type sizes below. */
const LZO_VERSION = 0x20a0;
const LZO1X_999_MEM_COMPRESS = 14 * 16384 * 2;
const LZO1X_1_MEM_COMPRESS = 16384 * 8;
/** Input copies get this much zeroed slack so a library never reads past our allocation. */
const SLACK = 64;

function open<T extends Record<string, { args: FFIType[]; returns: FFIType }>>(
  names: string[],
  pkg: string,
  symbols: T,
) {
  const errors: string[] = [];
  for (const name of names) {
    try {
      return dlopen(name, symbols);
    } catch (e) {
      errors.push(`${name}: ${(e as Error).message}`);
    }
  }
  throw new Error(
    `cannot load ${names.join(" or ")}; install the Debian package ${pkg} (${errors.join("; ")})`,
  );
}

function padded(src: Uint8Array): Uint8Array {
  const copy = new Uint8Array(src.length + SLACK);
  copy.set(src);
  return copy;
}

/** Opens liblzo2.so.2 and runs lzo_init (`__lzo_init_v2` with the LP64 type sizes). */
export function loadNativeLzo(): NativeLzo {
  const P = FFIType.ptr;
  const lib = open(["liblzo2.so.2", "/usr/lib/x86_64-linux-gnu/liblzo2.so.2"], "liblzo2-2", {
    __lzo_init_v2: { args: [FFIType.u32, ...Array<FFIType>(9).fill(FFIType.i32)], returns: FFIType.i32 },
    lzo1x_1_compress: { args: [P, FFIType.u64, P, P, P], returns: FFIType.i32 },
    lzo1x_999_compress: { args: [P, FFIType.u64, P, P, P], returns: FFIType.i32 },
    lzo1x_decompress_safe: { args: [P, FFIType.u64, P, P, P], returns: FFIType.i32 },
  }).symbols;
  // sizeof short, int, long, lzo_uint32_t, lzo_uint, dict_t, char*, lzo_voidp, lzo_callback_t.
  const init = lib.__lzo_init_v2(LZO_VERSION, 2, 4, 8, 4, 8, 8, 8, 8, 48);
  if (init !== 0) throw new Error(`lzo_init failed with ${init}`);
  const wrk = new Uint8Array(Math.max(LZO1X_999_MEM_COMPRESS, LZO1X_1_MEM_COMPRESS));
  const lenBox = new BigUint64Array(1);
  const compress = (fn: typeof lib.lzo1x_1_compress, src: Uint8Array): NativeResult => {
    const input = padded(src);
    const out = new Uint8Array(src.length + (src.length >> 4) + 64 + 3 + SLACK);
    lenBox[0] = BigInt(out.length);
    const code = fn(ptr(input), BigInt(src.length), ptr(out), ptr(lenBox), ptr(wrk));
    return { ok: code === 0, code, data: out.slice(0, Number(lenBox[0])) };
  };
  return {
    compress1: (src) => compress(lib.lzo1x_1_compress, src),
    compress999: (src) => compress(lib.lzo1x_999_compress, src),
    decompressSafe(src, maxLen) {
      const input = padded(src);
      const out = new Uint8Array(maxLen + SLACK);
      lenBox[0] = BigInt(maxLen);
      const code = lib.lzo1x_decompress_safe(ptr(input), BigInt(src.length), ptr(out), ptr(lenBox), null);
      return { ok: code === 0, code, data: out.slice(0, Number(lenBox[0])) };
    },
  };
}

/** Opens liblz4.so.1. */
export function loadNativeLz4(): NativeLz4 {
  const P = FFIType.ptr;
  const I = FFIType.i32;
  const lib = open(["liblz4.so.1", "/usr/lib/x86_64-linux-gnu/liblz4.so.1"], "liblz4-1", {
    LZ4_compress_default: { args: [P, P, I, I], returns: I },
    LZ4_decompress_safe: { args: [P, P, I, I], returns: I },
  }).symbols;
  return {
    compressDefault(src) {
      const input = padded(src);
      const out = new Uint8Array(src.length + Math.floor(src.length / 255) + 16 + SLACK);
      const n = lib.LZ4_compress_default(ptr(input), ptr(out), src.length, out.length - SLACK);
      return { ok: n > 0, code: n, data: out.slice(0, Math.max(0, n)) };
    },
    decompressSafe(src, maxLen) {
      const input = padded(src);
      const out = new Uint8Array(maxLen + SLACK);
      const n = lib.LZ4_decompress_safe(ptr(input), ptr(out), src.length, maxLen);
      return { ok: n >= 0, code: n, data: out.slice(0, Math.max(0, n)) };
    },
  };
}

/** Opens libz.so.1 (zlib1g). */
export function loadNativeZlib(): NativeZlib {
  const P = FFIType.ptr;
  const lib = open(["libz.so.1", "/usr/lib/x86_64-linux-gnu/libz.so.1"], "zlib1g", {
    compress2: { args: [P, P, P, FFIType.u64, FFIType.i32], returns: FFIType.i32 },
    uncompress: { args: [P, P, P, FFIType.u64], returns: FFIType.i32 },
  }).symbols;
  const lenBox = new BigUint64Array(1);
  return {
    compress2(src, level) {
      const input = padded(src);
      const out = new Uint8Array(src.length + (src.length >> 12) + (src.length >> 14) + 64 + SLACK);
      lenBox[0] = BigInt(out.length - SLACK);
      const code = lib.compress2(ptr(out), ptr(lenBox), ptr(input), BigInt(src.length), level);
      return { ok: code === 0, code, data: out.slice(0, Number(lenBox[0])) };
    },
    uncompress(src, maxLen) {
      const input = padded(src);
      const out = new Uint8Array(maxLen + SLACK);
      lenBox[0] = BigInt(maxLen);
      const code = lib.uncompress(ptr(out), ptr(lenBox), ptr(input), BigInt(src.length));
      return { ok: code === 0, code, data: out.slice(0, Number(lenBox[0])) };
    },
  };
}
