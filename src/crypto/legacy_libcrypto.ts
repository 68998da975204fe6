/**
 * tinc 1.0's packet codec (CBC cipher, then HMAC over the ciphertext) on libcrypto 3 through
 * bun:ffi. node:crypto needs a fresh Cipher and Hmac object for every packet (tinc resets the
 * context to the same IV each time); here each codec keys one encrypting and one decrypting
 * EVP_CIPHER_CTX and one HMAC_CTX once and only rewinds them per packet (OpenSSL 3's one-shot
 * HMAC() fetches the algorithm on every call and was slower than node:crypto), and the bytes go
 * through one preallocated scratch buffer. Identical bytes to the pure and node:crypto codecs.
 *
 * ```
 *  datagram = CBC(key, iv, seqno u32be ‖ frame) ‖ HMAC(keyMaterial, ciphertext)[0, macLength)
 *
 *  scratch:  0          IN_CAP          IN_CAP + OUT_CAP     + 64   + 8
 *            +----------+---------------------+---------------+------+
 *            | input    | output (+ block     | MAC out       | len  |
 *            |          |  + full digest)     |               | i32  |
 *            +----------+---------------------+---------------+------+
 * ```
 * Datagrams larger than the scratch and anything libcrypto cannot do go to a fallback codec.
 * @module
 */
import { dlopen, FFIType, type Pointer, ptr } from "bun:ffi";
import type {
  CipherSpec,
  DigestSpec,
  LegacyOpenResult,
  LegacyPacketCodec,
  ValidatedPacketParams,
} from "../core/crypto/legacy/mod.ts";
import { legacySealedLength } from "../core/crypto/legacy/mod.ts";
import { LIBCRYPTO_CANDIDATES } from "./libcrypto_ffi.ts";

const SYMBOLS = {
  OpenSSL_version_num: { args: [], returns: FFIType.u64 },
  EVP_get_cipherbyname: { args: [FFIType.ptr], returns: FFIType.ptr },
  EVP_get_digestbyname: { args: [FFIType.ptr], returns: FFIType.ptr },
  EVP_CIPHER_CTX_new: { args: [], returns: FFIType.ptr },
  EVP_CIPHER_CTX_free: { args: [FFIType.ptr], returns: FFIType.void },
  EVP_CipherInit_ex: {
    args: [FFIType.ptr, FFIType.ptr, FFIType.ptr, FFIType.ptr, FFIType.ptr, FFIType.i32],
    returns: FFIType.i32,
  },
  EVP_CipherUpdate: {
    args: [FFIType.ptr, FFIType.ptr, FFIType.ptr, FFIType.ptr, FFIType.i32],
    returns: FFIType.i32,
  },
  EVP_CipherFinal_ex: { args: [FFIType.ptr, FFIType.ptr, FFIType.ptr], returns: FFIType.i32 },
  HMAC_CTX_new: { args: [], returns: FFIType.ptr },
  HMAC_CTX_free: { args: [FFIType.ptr], returns: FFIType.void },
  HMAC_Init_ex: {
    args: [FFIType.ptr, FFIType.ptr, FFIType.i32, FFIType.ptr, FFIType.ptr],
    returns: FFIType.i32,
  },
  HMAC_Update: { args: [FFIType.ptr, FFIType.ptr, FFIType.u64], returns: FFIType.i32 },
  HMAC_Final: { args: [FFIType.ptr, FFIType.ptr, FFIType.ptr], returns: FFIType.i32 },
} as const;

type Symbols = ReturnType<typeof dlopen<typeof SYMBOLS>>["symbols"];

const IN_CAP = 4096;
/** Output room: the input plus a cipher block of padding plus a full digest (up to 64 bytes). */
const OUT_CAP = IN_CAP + 32 + 64;
const IN = 0, OUT = IN_CAP, MAC = IN_CAP + OUT_CAP, LEN = MAC + 64, SCRATCH_SIZE = LEN + 8;

const at = (address: number): Pointer => address as Pointer;

/** The library, the scratch shared by every codec on this thread, and its address. */
interface Lib {
  s: Symbols;
  scratch: Uint8Array;
  lenView: Int32Array;
  base: number;
}

let loaded: Lib | null | undefined;

/** Frees a dropped codec's two cipher contexts (a codec lives as long as its key). */
const contextsOf = new FinalizationRegistry<{ s: Symbols; contexts: number[]; hmac: number }>(
  ({ s, contexts, hmac }) => {
    for (const c of contexts) s.EVP_CIPHER_CTX_free(at(c));
    if (hmac !== 0) s.HMAC_CTX_free(at(hmac));
  },
);

function lib(): Lib | null {
  if (loaded !== undefined) return loaded;
  loaded = null;
  for (const path of LIBCRYPTO_CANDIDATES) {
    try {
      const { symbols } = dlopen(path, SYMBOLS);
      if (Number(symbols.OpenSSL_version_num()) < 0x30000000) continue;
      const scratch = new Uint8Array(SCRATCH_SIZE);
      loaded = {
        s: symbols,
        scratch,
        lenView: new Int32Array(scratch.buffer, LEN, 1),
        base: ptr(scratch),
      };
      break;
    } catch {
      // Next candidate.
    }
  }
  return loaded;
}

function cString(s: string): Uint8Array {
  return new TextEncoder().encode(`${s}\0`);
}

/** A packet codec whose CBC cipher and HMAC run in libcrypto; see the module comment. */
export class LibcryptoLegacyPacketCodec implements LegacyPacketCodec {
  readonly cipher: CipherSpec;
  readonly digest: DigestSpec;
  readonly macLength: number;
  readonly #lib: Lib;
  readonly #fallback: LegacyPacketCodec;
  readonly #enc: number;
  readonly #dec: number;
  /** HMAC context keyed once (0 without a MAC). */
  readonly #hmac: number;
  /** The IV, held here so its address stays valid. */
  readonly #iv: Uint8Array;
  readonly #ivAt: Pointer;

  private constructor(
    l: Lib,
    v: ValidatedPacketParams,
    macLength: number,
    enc: number,
    dec: number,
    hmac: number,
    fallback: LegacyPacketCodec,
  ) {
    this.cipher = v.cipher;
    this.digest = v.digest;
    this.macLength = macLength;
    this.#lib = l;
    this.#enc = enc;
    this.#dec = dec;
    this.#hmac = hmac;
    this.#fallback = fallback;
    this.#iv = v.iv.slice();
    this.#ivAt = ptr(this.#iv);
  }

  /**
   * A libcrypto codec for CBC ciphers, or undefined when libcrypto is missing or lacks the
   * cipher or digest (the caller then keeps `fallback`, which also serves oversized datagrams).
   * @param v checked parameters (validatePacketParams)
   * @param macLength MAC bytes carried (0 without a digest)
   * @param fallback a codec for the same key giving identical bytes
   */
  static create(
    v: ValidatedPacketParams,
    macLength: number,
    fallback: LegacyPacketCodec,
  ): LibcryptoLegacyPacketCodec | undefined {
    if (v.cipher.mode !== "cbc") return undefined;
    const l = lib();
    if (l === null) return undefined;
    const { s } = l;
    const cipher = s.EVP_get_cipherbyname(ptr(cString(v.cipher.name)));
    if (cipher === null) return undefined;
    let md: Pointer | null = null;
    if (macLength > 0) {
      md = s.EVP_get_digestbyname(ptr(cString(v.digest.name))) as Pointer | null;
      if (md === null) return undefined;
    }
    let hmac = 0;
    if (md !== null) {
      const h = s.HMAC_CTX_new();
      const macKey = v.keyMaterial.slice();
      if (h === null || s.HMAC_Init_ex(h, ptr(macKey), macKey.length, md, null) !== 1) {
        if (h !== null) s.HMAC_CTX_free(h);
        return undefined;
      }
      macKey.fill(0);
      hmac = Number(h);
    }
    const key = v.key.slice();
    const iv = v.iv.slice();
    const contexts: number[] = [];
    for (const direction of [1, 0]) {
      const ctx = s.EVP_CIPHER_CTX_new();
      // Ciphers that OpenSSL 3 keeps in its legacy provider (Blowfish, for one) fail here.
      if (ctx === null || s.EVP_CipherInit_ex(ctx, cipher, null, ptr(key), ptr(iv), direction) !== 1) {
        if (ctx !== null) s.EVP_CIPHER_CTX_free(ctx);
        for (const c of contexts) s.EVP_CIPHER_CTX_free(at(c));
        if (hmac !== 0) s.HMAC_CTX_free(at(hmac));
        key.fill(0);
        return undefined;
      }
      contexts.push(Number(ctx));
    }
    key.fill(0);
    const codec = new LibcryptoLegacyPacketCodec(l, v, macLength, contexts[0]!, contexts[1]!, hmac, fallback);
    contextsOf.register(codec, { s, contexts, hmac });
    return codec;
  }

  sealedLength(frameLength: number): number {
    return legacySealedLength(this.cipher, this.macLength, frameLength);
  }

  /** HMAC of `len` bytes at scratch offset `from`, the full digest written at MAC. */
  #hmacOf(from: number, len: number): boolean {
    const { s, base } = this.#lib;
    const h = at(this.#hmac);
    // A NULL key and digest rewind the context to its keyed start.
    return s.HMAC_Init_ex(h, null, 0, null, null) === 1 &&
      s.HMAC_Update(h, at(base + from), len) === 1 &&
      s.HMAC_Final(h, at(base + MAC), at(base + LEN)) === 1;
  }

  /** Runs the cipher over scratch[IN, IN+len) into OUT from the key's IV; the output length, or -1. */
  #crypt(ctx: number, len: number): number {
    const { s, base, lenView } = this.#lib;
    if (s.EVP_CipherInit_ex(at(ctx), null, null, null, this.#ivAt, -1) !== 1) return -1;
    if (s.EVP_CipherUpdate(at(ctx), at(base + OUT), at(base + LEN), at(base + IN), len) !== 1) return -1;
    const head = lenView[0]!;
    if (s.EVP_CipherFinal_ex(at(ctx), at(base + OUT + head), at(base + LEN)) !== 1) return -1;
    return head + lenView[0]!;
  }

  seal(seqno: number, frame: Uint8Array): Uint8Array {
    const n = 4 + frame.length;
    if (n > IN_CAP) return this.#fallback.seal(seqno, frame);
    const sc = this.#lib.scratch;
    sc[IN] = seqno >>> 24;
    sc[IN + 1] = (seqno >>> 16) & 0xff;
    sc[IN + 2] = (seqno >>> 8) & 0xff;
    sc[IN + 3] = seqno & 0xff;
    sc.set(frame, IN + 4);
    const len = this.#crypt(this.#enc, n);
    if (len < 0) return this.#fallback.seal(seqno, frame);
    if (this.macLength > 0) {
      if (!this.#hmacOf(OUT, len)) return this.#fallback.seal(seqno, frame);
      sc.copyWithin(OUT + len, MAC, MAC + this.macLength);
    }
    return sc.slice(OUT, OUT + len + this.macLength);
  }

  /** Whether the MAC of the datagram already in scratch[IN, IN+length) matches (constant time). */
  #macMatches(length: number): boolean {
    const bodyLen = length - this.macLength;
    if (!this.#hmacOf(IN, bodyLen)) return false;
    const sc = this.#lib.scratch;
    let diff = 0;
    for (let i = 0; i < this.macLength; i++) diff |= sc[MAC + i]! ^ sc[IN + bodyLen + i]!;
    return diff === 0;
  }

  verifyMac(datagram: Uint8Array): boolean {
    if (this.macLength === 0 || datagram.length < 4 + this.macLength) return false;
    if (datagram.length > IN_CAP) return this.#fallback.verifyMac(datagram);
    this.#lib.scratch.set(datagram, IN);
    return this.#macMatches(datagram.length);
  }

  open(datagram: Uint8Array): LegacyOpenResult {
    if (datagram.length < 4 + this.macLength) return { ok: false, reason: "too-short" };
    if (datagram.length > IN_CAP) return this.#fallback.open(datagram);
    const sc = this.#lib.scratch;
    sc.set(datagram, IN);
    if (this.macLength > 0 && !this.#macMatches(datagram.length)) return { ok: false, reason: "bad-mac" };
    // EVP_CipherFinal's failure: a partial last block or malformed PKCS#7 padding.
    const len = this.#crypt(this.#dec, datagram.length - this.macLength);
    if (len < 0) return { ok: false, reason: "bad-padding" };
    if (len < 4) return { ok: false, reason: "too-short" };
    const seqno = ((sc[OUT]! << 24) | (sc[OUT + 1]! << 16) | (sc[OUT + 2]! << 8) | sc[OUT + 3]!) >>> 0;
    return { ok: true, seqno, frame: sc.slice(OUT + 4, OUT + len) };
  }
}
