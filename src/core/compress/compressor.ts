/**
 * The compression port of the data path: tinc's per-packet compression levels 0–12.
 *
 * The level used toward a node is the one that node announced in its ANS_KEY (the receiver chooses),
 * spec tinc-1.0-protocol.md §4.2 and tinc-1.1-sptps.md §2.4:
 *
 * ```
 *  level   algorithm                         wire form of one compressed packet
 *  -----   -------------------------------   -------------------------------------------------
 *    0     none                              the frame itself
 *   1..9   zlib compress2(level)             RFC 1950: CMF FLG | deflate data | Adler-32 (BE)
 *    10    LZO1X-1                           LZO1X stream ending in the 3-byte EOS 11 00 00
 *    11    LZO1X-999                         same stream format, better-ratio encoder
 *    12    LZ4 (tinc 1.1 HEAD only)          one LZ4 block, no frame header, no size prefix
 * ```
 *
 * Levels outside 0..11 are bogus for tinc 1.0 and 1.1pre18; 12 is accepted only where LZ4 is
 * configured. Every operation returns a Result: a failed (de)compression drops the packet with a
 * counted reason, it never throws.
 * @module
 */

/** Named compression levels as announced in ANS_KEY. */
export const CompressionLevel = {
  None: 0,
  ZlibFastest: 1,
  ZlibBest: 9,
  LzoFast: 10,
  LzoBest: 11,
  Lz4: 12,
} as const;

/** The highest level tinc 1.0 and 1.1pre18 accept. */
export const MAX_LEGACY_LEVEL = 11;

/** The highest level any tinc accepts (1.1 HEAD, LZ4). */
export const MAX_LEVEL = 12;

/**
 * Whether `level` may be announced or honoured. `lz4` says whether this peer speaks level 12
 * (tinc 1.1 HEAD with LZ4 configured); tinc 1.0 and 1.1pre18 reject it.
 */
export function isValidLevel(level: number, lz4: boolean): boolean {
  return Number.isInteger(level) && level >= 0 && level <= (lz4 ? MAX_LEVEL : MAX_LEGACY_LEVEL);
}

/** Why a packet could not be (de)compressed; the engine counts and logs it, then drops the packet. */
export type CompressFailure =
  /** The level is not one of 0..12. */
  | "bad-level"
  /** The level is valid but this compressor has no codec for it (zlib in the pure core). */
  | "unsupported-level"
  /** The caller's output buffer cannot hold the result. */
  | "output-too-small"
  /** The compressed data ends in the middle of an instruction (truncated packet). */
  | "input-overrun"
  /** Decompressing would write past `maxLen` (an overlong or forged packet). */
  | "output-overrun"
  /** A back-reference points before the start of the output. */
  | "lookbehind-overrun"
  /** The end-of-stream marker came before the end of the data (trailing garbage). */
  | "input-not-consumed"
  /** The data is not a valid stream for the level (zlib header, checksum or deflate error). */
  | "corrupt";

/** The outcome of one (de)compression. On success the result is `out[0, length)`. */
export type CompressResult =
  | { ok: true; out: Uint8Array; length: number }
  | { ok: false; reason: CompressFailure; detail: string };

/**
 * Per-packet (de)compression at tinc's levels. Implementations never throw on any input.
 *
 * `out`, when given, receives the result (no allocation on the hot path); otherwise a buffer is
 * allocated. `maxLen` bounds the decompressed size (tinc uses MAXSIZE); more is `output-overrun`.
 */
export interface Compressor {
  /** Compresses `data` at `level` into `out` (or a new buffer). */
  compress(level: number, data: Uint8Array, out?: Uint8Array): CompressResult;
  /** Decompresses `data` produced at `level`, refusing results longer than `maxLen`. */
  decompress(level: number, data: Uint8Array, maxLen: number, out?: Uint8Array): CompressResult;
}

/**
 * The zlib half of the port (levels 1..9), which the pure core cannot implement: the runtime
 * provides it (node:zlib). Same contract as `Compressor`, zlib format (RFC 1950) only.
 */
export interface ZlibCodec {
  /** compress2(level) into `out` (or a new buffer). */
  deflate(level: number, data: Uint8Array, out?: Uint8Array): CompressResult;
  /** uncompress(): the whole zlib stream, Adler-32 checked, at most `maxLen` bytes. */
  inflate(data: Uint8Array, maxLen: number, out?: Uint8Array): CompressResult;
}

const DETAILS: Record<CompressFailure, string> = {
  "bad-level": "compression level is not one of 0..12",
  "unsupported-level": "no codec for this compression level here",
  "output-too-small": "output buffer too small for the result",
  "input-overrun": "compressed data is truncated",
  "output-overrun": "decompressed data would exceed the size limit",
  "lookbehind-overrun": "back-reference before the start of the output",
  "input-not-consumed": "trailing bytes after the end of the compressed stream",
  "corrupt": "compressed data is corrupt",
};

const FAILURES = Object.fromEntries(
  (Object.keys(DETAILS) as CompressFailure[]).map((
    r,
  ) => [r, Object.freeze({ ok: false, reason: r, detail: DETAILS[r] })]),
) as Record<CompressFailure, CompressResult>;

/** The shared, frozen failure result for `reason` (no allocation on the drop path). */
export function failure(reason: CompressFailure, detail?: string): CompressResult {
  return detail === undefined ? FAILURES[reason] : { ok: false, reason, detail };
}

/** A success result over `out[0, length)`. */
export function success(out: Uint8Array, length: number): CompressResult {
  return { ok: true, out, length };
}
