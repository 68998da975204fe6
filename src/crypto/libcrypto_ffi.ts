/**
 * OpenSSL 3's libcrypto through bun:ffi, reduced to what tinc's SPTPS record cipher needs:
 * ChaCha20 keyed once per context and re-IV'd per record (EVP_chacha20), and Poly1305 as an
 * EVP_MAC. Every call takes raw addresses, so the caller works in place on its own buffers.
 *
 * EVP_chacha20's 16-byte IV is four little-endian words that become state words 12..15; tinc's
 * ChaCha20 (original, 64-bit counter) puts the block counter in words 12,13 and the seqno's
 * big-endian u64 bytes in 14,15, so the IV is:
 *
 * ```
 *  0                8                12               16
 *  +----------------+----------------+----------------+
 *  | counter LE64   | 0 0 0 0        | seqno u32 BE   |
 *  +----------------+----------------+----------------+
 *                   <---- BE64(seqno) --------------->
 * ```
 *
 * OpenSSL carries the 32-bit counter into word 13, so the counter really is 64 bits.
 * @module
 */
import { dlopen, FFIType, type Pointer, ptr } from "bun:ffi";

/** An address as bun:ffi wants it. */
const at = (address: number): Pointer => address as Pointer;

/** Where libcrypto 3 is looked for, in order (Linux distributions, then Homebrew on macOS). */
export const LIBCRYPTO_CANDIDATES: readonly string[] = [
  "libcrypto.so.3",
  "libcrypto.so",
  "/opt/homebrew/opt/openssl@3/lib/libcrypto.3.dylib",
  "/usr/local/opt/openssl@3/lib/libcrypto.3.dylib",
];

const SYMBOLS = {
  OpenSSL_version_num: { args: [], returns: FFIType.u64 },
  EVP_chacha20: { args: [], returns: FFIType.ptr },
  EVP_CIPHER_CTX_new: { args: [], returns: FFIType.ptr },
  EVP_CIPHER_CTX_free: { args: [FFIType.ptr], returns: FFIType.void },
  EVP_EncryptInit_ex: {
    args: [FFIType.ptr, FFIType.ptr, FFIType.ptr, FFIType.ptr, FFIType.ptr],
    returns: FFIType.i32,
  },
  EVP_EncryptUpdate: {
    args: [FFIType.ptr, FFIType.ptr, FFIType.ptr, FFIType.ptr, FFIType.i32],
    returns: FFIType.i32,
  },
  EVP_MAC_fetch: { args: [FFIType.ptr, FFIType.ptr, FFIType.ptr], returns: FFIType.ptr },
  EVP_MAC_free: { args: [FFIType.ptr], returns: FFIType.void },
  EVP_MAC_CTX_new: { args: [FFIType.ptr], returns: FFIType.ptr },
  EVP_MAC_CTX_free: { args: [FFIType.ptr], returns: FFIType.void },
  EVP_MAC_init: { args: [FFIType.ptr, FFIType.ptr, FFIType.u64, FFIType.ptr], returns: FFIType.i32 },
  EVP_MAC_update: { args: [FFIType.ptr, FFIType.ptr, FFIType.u64], returns: FFIType.i32 },
  EVP_MAC_final: { args: [FFIType.ptr, FFIType.ptr, FFIType.ptr, FFIType.u64], returns: FFIType.i32 },
} as const;

type Symbols = ReturnType<typeof dlopen<typeof SYMBOLS>>["symbols"];

/** Scratch layout (bytes): IV, 64 zero bytes, Poly1305 key block, computed tag, out-length. */
const IV = 0, ZERO = 64, POLY_KEY = 128, TAG = 192, OUT_LEN = 256, KEY = 320, SCRATCH_SIZE = 384;

/**
 * ChaCha20 contexts and one Poly1305 MAC context on libcrypto. Not thread-safe; one per thread.
 * Addresses passed in must stay valid for the call (they are read and written synchronously).
 */
export class LibcryptoChaChaPoly {
  /** The library's OpenSSL_version_num(), e.g. 0x30000130 for 3.0.13. */
  readonly version: number;
  private readonly s: Symbols;
  private readonly scratch = new Uint8Array(SCRATCH_SIZE);
  private readonly scratchView = new DataView(this.scratch.buffer);
  private readonly base: number;
  private readonly chacha: NonNullable<ReturnType<Symbols["EVP_chacha20"]>>;
  private readonly mac: NonNullable<ReturnType<Symbols["EVP_MAC_fetch"]>>;
  private readonly macCtx: NonNullable<ReturnType<Symbols["EVP_MAC_CTX_new"]>>;

  private constructor(s: Symbols) {
    this.s = s;
    this.version = Number(s.OpenSSL_version_num());
    this.base = ptr(this.scratch);
    const chacha = s.EVP_chacha20();
    const mac = s.EVP_MAC_fetch(null, ptr(new TextEncoder().encode("POLY1305\0")), null);
    if (chacha === null || mac === null) throw new Error("libcrypto lacks ChaCha20 or the POLY1305 MAC");
    const macCtx = s.EVP_MAC_CTX_new(mac);
    if (macCtx === null) throw new Error("EVP_MAC_CTX_new failed");
    this.chacha = chacha;
    this.mac = mac;
    this.macCtx = macCtx;
  }

  /**
   * Opens libcrypto 3 from the first candidate that loads and has what is needed.
   * @param candidates library names or paths to try
   * @returns the bindings, or the reasons every candidate failed
   */
  static open(
    candidates: readonly string[] = LIBCRYPTO_CANDIDATES,
  ): { ok: true; lib: LibcryptoChaChaPoly; path: string } | { ok: false; reasons: string[] } {
    const reasons: string[] = [];
    for (const path of candidates) {
      try {
        const { symbols } = dlopen(path, SYMBOLS);
        if (Number(symbols.OpenSSL_version_num()) < 0x30000000) {
          reasons.push(`${path}: OpenSSL older than 3.0`);
          continue;
        }
        return { ok: true, lib: new LibcryptoChaChaPoly(symbols), path };
      } catch (e) {
        reasons.push(`${path}: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
    return { ok: false, reasons };
  }

  /**
   * A ChaCha20 context keyed with `key32` (reused per record; only the IV changes).
   * @returns the context's address
   */
  newKeyedContext(key32: Uint8Array): number {
    const ctx = this.s.EVP_CIPHER_CTX_new();
    if (ctx === null) throw new Error("EVP_CIPHER_CTX_new failed");
    this.rekey(Number(ctx), key32);
    return Number(ctx);
  }

  /** Replaces a context's key (the key bytes are copied by OpenSSL; our copy is wiped). */
  rekey(ctx: number, key32: Uint8Array): void {
    if (key32.length !== 32) throw new RangeError(`Cannot key ChaCha20 with ${key32.length} bytes`);
    this.scratch.set(key32, KEY);
    const r = this.s.EVP_EncryptInit_ex(at(ctx), this.chacha, null, at(this.base + KEY), at(this.base + IV));
    this.scratch.fill(0, KEY, KEY + 32);
    if (r !== 1) throw new Error("EVP_EncryptInit_ex failed to key ChaCha20");
  }

  /** Releases a context made by newKeyedContext (OpenSSL wipes it). */
  freeContext(ctx: number): void {
    this.s.EVP_CIPHER_CTX_free(at(ctx));
  }

  /** Points `ctx` at block `counter` of the keystream for `seqno`. */
  private start(ctx: number, seqno: number, counter: number): void {
    const v = this.scratchView;
    v.setUint32(IV, counter, true);
    v.setUint32(IV + 4, 0, true);
    v.setUint32(IV + 8, 0, true);
    v.setUint32(IV + 12, seqno, false);
    if (this.s.EVP_EncryptInit_ex(at(ctx), null, null, null, at(this.base + IV)) !== 1) {
      throw new Error("EVP_EncryptInit_ex failed to set the IV");
    }
  }

  /** XORs `len` bytes at `src` with the keystream into `dst` (may be the same address). */
  private xor(ctx: number, dst: number, src: number, len: number): void {
    if (len === 0) return;
    if (this.s.EVP_EncryptUpdate(at(ctx), at(dst), at(this.base + OUT_LEN), at(src), len) !== 1) {
      throw new Error("EVP_EncryptUpdate failed");
    }
  }

  /** Poly1305 of `len` bytes at `msg` keyed by the 32 bytes at `key`, written to `out` (16 bytes). */
  private mac16(key: number, msg: number, len: number, out: number): void {
    const s = this.s;
    if (
      s.EVP_MAC_init(this.macCtx, at(key), 32, null) !== 1 ||
      s.EVP_MAC_update(this.macCtx, at(msg), len) !== 1 ||
      s.EVP_MAC_final(this.macCtx, at(out), at(this.base + OUT_LEN), 16) !== 1
    ) {
      throw new Error("EVP_MAC (POLY1305) failed");
    }
  }

  /**
   * Checks the tag at `body + len` over the `len` ciphertext bytes at `body`; only if it
   * matches, decrypts them in place. `tagBytes[tagAt ..]` holds the same 16 tag bytes for the
   * comparison.
   * @returns true if the tag matched
   */
  openAt(
    ctx: number,
    seqno: number,
    body: number,
    len: number,
    tagBytes: Uint8Array,
    tagAt: number,
  ): boolean {
    this.start(ctx, seqno, 0);
    this.xor(ctx, this.base + POLY_KEY, this.base + ZERO, 64);
    this.mac16(this.base + POLY_KEY, body, len, this.base + TAG);
    this.scratch.fill(0, POLY_KEY, POLY_KEY + 64);
    const sc = this.scratch;
    let diff = 0;
    for (let i = 0; i < 16; i++) diff |= sc[TAG + i]! ^ tagBytes[tagAt + i]!;
    if (diff !== 0) return false;
    this.xor(ctx, body, body, len);
    return true;
  }

  /**
   * Seals tinc's record body in place: encrypts `len` bytes at `zeros + 64` from keystream
   * block 1 and writes Poly1305 (key = block 0) over the ciphertext after them. Block 0 is made
   * in the same EVP call as the body (one short ChaCha20 call less): the caller zeroes the 64 bytes at `zeros`, the body follows at `zeros + 64`.
   * Afterwards those 64 bytes hold keystream block 0 (the Poly1305 key): the caller restores
   * or wipes them.
   *
   * ```
   *  zeros          zeros+64                 zeros+64+len
   *  +--------------+------------------------+----------+
   *  | 64 x 0       | body (type || data)    | tag out  |
   *  +--------------+------------------------+----------+
   *   -> block 0      -> ciphertext (blocks 1..)
   * ```
   */
  sealAfterZeros(ctx: number, seqno: number, zeros: number, len: number): void {
    this.start(ctx, seqno, 0);
    this.xor(ctx, zeros, zeros, len + 64);
    this.mac16(zeros, zeros + 64, len, zeros + 64 + len);
  }

  /** Frees the MAC context and algorithm (contexts from newKeyedContext are freed separately). */
  close(): void {
    this.s.EVP_MAC_CTX_free(this.macCtx);
    this.s.EVP_MAC_free(this.mac);
  }
}
