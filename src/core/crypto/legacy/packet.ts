/**
 * tinc 1.0's UDP packet crypto (spec 1.0 §4.1), for one direction under one ANS_KEY key.
 *
 * ```
 *   T = SEQNO (u32 big-endian) || frame
 *   E = Encrypt(key, IV, T)          cbc: PKCS#7-padded; stream modes: same length; none: E = T
 *                                     (the IV is the same fixed IV for every packet)
 *   +------------------------------+------------------------------------+
 *   | E                            | HMAC(digest, key||IV, E)[0, MACLEN) |
 *   +------------------------------+------------------------------------+
 * ```
 * Receive order: length >= 4 + MACLEN, MAC (constant time), decrypt and unpad, then the caller
 * runs the replay check and commits the seqno only for packets that pass it.
 * @module
 */
import { PreparedHmac } from "./digest.ts";
import {
  blockCipherFor,
  cbcDecryptPkcs7,
  cbcEncryptPkcs7InPlace,
  pkcs7PaddedLength,
  StreamModeCipher,
} from "./modes.ts";
import type { BlockCipher } from "./block_cipher.ts";
import {
  cipherByNid,
  type CipherSpec,
  digestByNid,
  type DigestSpec,
  packetKeyMaterialLength,
} from "./nid.ts";
import { err, ok, type Result } from "./result.ts";

/** What an ANS_KEY line fixes for one direction. */
export interface LegacyPacketParams {
  cipherNid: number;
  digestNid: number;
  /** Bytes of the HMAC kept on the wire (0..digest size). */
  macLength: number;
  /** Key then IV (ANS_KEY layout); one byte for the "none" cipher. */
  keyMaterial: Uint8Array;
}

/** Why a datagram was dropped. */
export type LegacyOpenFailure = "too-short" | "bad-mac" | "bad-padding";

/** Outcome of opening a datagram; never an exception. */
export type LegacyOpenResult =
  | { ok: true; seqno: number; frame: Uint8Array }
  | { ok: false; reason: LegacyOpenFailure };

/**
 * Seals and opens datagrams for one key. Implemented in pure TypeScript here and on the
 * runtime's native crypto in src/crypto/legacy_native.ts; both give identical bytes.
 */
export interface LegacyPacketCodec {
  readonly cipher: CipherSpec;
  readonly digest: DigestSpec;
  /** MAC bytes actually carried (0 when the digest is none). */
  readonly macLength: number;
  /** Datagram length for a frame of `frameLength` bytes. */
  sealedLength(frameLength: number): number;
  /** Builds the datagram carrying `frame` with sequence number `seqno` (u32). */
  seal(seqno: number, frame: Uint8Array): Uint8Array;
  /** Verifies and decrypts a datagram; the replay check is the caller's. */
  open(datagram: Uint8Array): LegacyOpenResult;
  /** MAC check alone (tinc's try_harder matches unknown senders this way); false without a MAC. */
  verifyMac(datagram: Uint8Array): boolean;
}

/** Parameters checked as ans_key_h checks them, with the key split into its parts. */
export interface ValidatedPacketParams {
  cipher: CipherSpec;
  digest: DigestSpec;
  macLength: number;
  keyMaterial: Uint8Array;
  key: Uint8Array;
  iv: Uint8Array;
}

/**
 * Checks NIDs, key length and MAC length as tinc's ans_key_h does. With the "none" digest the
 * MAC length is not checked and no MAC is used, as in tinc.
 */
export function validatePacketParams(params: LegacyPacketParams): Result<ValidatedPacketParams> {
  const cipher = cipherByNid(params.cipherNid);
  if (!cipher.ok) return cipher;
  const digest = digestByNid(params.digestNid);
  if (!digest.ok) return digest;
  const want = packetKeyMaterialLength(cipher.value);
  if (params.keyMaterial.length !== want) {
    return err(`${cipher.value.name} key material must be ${want} bytes, got ${params.keyMaterial.length}`);
  }
  const hasMac = digest.value.nid !== 0;
  if (
    hasMac &&
    (!Number.isInteger(params.macLength) || params.macLength < 0 || params.macLength > digest.value.size)
  ) {
    return err(`MAC length ${params.macLength} is outside 0..${digest.value.size} for ${digest.value.name}`);
  }
  const k = cipher.value.keyLength;
  const material = params.keyMaterial.slice();
  return ok({
    cipher: cipher.value,
    digest: digest.value,
    macLength: hasMac ? params.macLength : 0,
    keyMaterial: material,
    key: material.subarray(0, k),
    iv: material.subarray(k, k + cipher.value.ivLength),
  });
}

/** Datagram length for a frame under the given cipher and MAC length. */
export function legacySealedLength(cipher: CipherSpec, macLength: number, frameLength: number): number {
  const t = 4 + frameLength;
  return (cipher.mode === "cbc" ? pkcs7PaddedLength(t, cipher.blockSize) : t) + macLength;
}

/** The pure TypeScript codec on @noble/ciphers' AES, Blowfish and @noble/hashes. */
export class PureLegacyPacketCodec implements LegacyPacketCodec {
  readonly cipher: CipherSpec;
  readonly digest: DigestSpec;
  readonly macLength: number;
  readonly #iv: Uint8Array;
  readonly #block: BlockCipher | undefined;
  readonly #encryptStream: StreamModeCipher | undefined;
  readonly #decryptStream: StreamModeCipher | undefined;
  readonly #hmac: PreparedHmac | undefined;

  private constructor(
    v: ValidatedPacketParams,
    block: BlockCipher | undefined,
    hmac: PreparedHmac | undefined,
  ) {
    this.cipher = v.cipher;
    this.digest = v.digest;
    this.macLength = hmac ? v.macLength : 0;
    this.#iv = v.iv.slice();
    this.#block = block;
    const m = v.cipher.mode;
    const streaming = m === "cfb" || m === "ofb" || m === "ctr";
    this.#encryptStream = block && streaming ? new StreamModeCipher(block, m, this.#iv, false) : undefined;
    this.#decryptStream = block && streaming ? new StreamModeCipher(block, m, this.#iv, true) : undefined;
    this.#hmac = hmac;
  }

  /** Builds a codec from ANS_KEY parameters, refusing what tinc would refuse. */
  static create(params: LegacyPacketParams): Result<PureLegacyPacketCodec> {
    const v = validatePacketParams(params);
    if (!v.ok) return v;
    let block: BlockCipher | undefined;
    if (v.value.cipher.mode !== "none") {
      const b = blockCipherFor(v.value.cipher, v.value.key);
      if (!b.ok) return b;
      block = b.value;
    }
    let mac: PreparedHmac | undefined;
    if (v.value.digest.nid !== 0 && v.value.macLength > 0) {
      const h = PreparedHmac.create(v.value.digest, v.value.keyMaterial);
      if (!h.ok) return h;
      mac = h.value;
    }
    return ok(new PureLegacyPacketCodec(v.value, block, mac));
  }

  sealedLength(frameLength: number): number {
    return legacySealedLength(this.cipher, this.macLength, frameLength);
  }

  seal(seqno: number, frame: Uint8Array): Uint8Array {
    const out = new Uint8Array(this.sealedLength(frame.length));
    out[0] = seqno >>> 24;
    out[1] = (seqno >>> 16) & 0xff;
    out[2] = (seqno >>> 8) & 0xff;
    out[3] = seqno & 0xff;
    out.set(frame, 4);
    let len = 4 + frame.length;
    if (this.cipher.mode === "cbc") {
      len = cbcEncryptPkcs7InPlace(this.#block!, this.#iv, out, len);
    } else if (this.#encryptStream) {
      this.#encryptStream.reset(this.#iv);
      const body = out.subarray(0, len);
      this.#encryptStream.transform(body, body);
    }
    if (this.#hmac) out.set(this.#hmac.mac(out.subarray(0, len)).subarray(0, this.macLength), len);
    return out;
  }

  verifyMac(datagram: Uint8Array): boolean {
    if (!this.#hmac || datagram.length < 4 + this.macLength) return false;
    const bodyLen = datagram.length - this.macLength;
    const mac = this.#hmac.mac(datagram.subarray(0, bodyLen));
    let diff = 0;
    for (let i = 0; i < this.macLength; i++) diff |= mac[i]! ^ datagram[bodyLen + i]!;
    return diff === 0;
  }

  open(datagram: Uint8Array): LegacyOpenResult {
    if (datagram.length < 4 + this.macLength) return { ok: false, reason: "too-short" };
    if (this.#hmac && !this.verifyMac(datagram)) return { ok: false, reason: "bad-mac" };
    const body = datagram.subarray(0, datagram.length - this.macLength);
    let plain: Uint8Array;
    if (this.cipher.mode === "cbc") {
      plain = new Uint8Array(body.length);
      const n = cbcDecryptPkcs7(this.#block!, this.#iv, body, plain);
      if (n < 0) return { ok: false, reason: "bad-padding" };
      plain = plain.subarray(0, n);
    } else if (this.#decryptStream) {
      plain = new Uint8Array(body.length);
      this.#decryptStream.reset(this.#iv);
      this.#decryptStream.transform(body, plain);
    } else {
      plain = body.slice();
    }
    if (plain.length < 4) return { ok: false, reason: "too-short" };
    const seqno = ((plain[0]! << 24) | (plain[1]! << 16) | (plain[2]! << 8) | plain[3]!) >>> 0;
    return { ok: true, seqno, frame: plain.subarray(4) };
  }
}

/** Builds the pure codec for one direction's ANS_KEY parameters. */
export function createLegacyPacketContext(params: LegacyPacketParams): Result<LegacyPacketCodec> {
  return PureLegacyPacketCodec.create(params);
}

/** Seals `frame` as datagram number `seqno` (spec 1.0 §4.1). */
export function sealLegacyPacket(ctx: LegacyPacketCodec, seqno: number, frame: Uint8Array): Uint8Array {
  return ctx.seal(seqno, frame);
}

/** Opens a datagram: {seqno, frame} or a drop reason; never throws. */
export function openLegacyPacket(ctx: LegacyPacketCodec, datagram: Uint8Array): LegacyOpenResult {
  return ctx.open(datagram);
}
