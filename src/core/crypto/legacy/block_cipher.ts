/**
 * A raw block cipher (one block in, one block out), the primitive that the CBC, CFB, OFB and CTR
 * modes of the legacy protocol are built on. AES comes from @noble/ciphers' round function.
 * @module
 */
import { unsafe as aesInternals } from "@noble/ciphers/aes.js";

/** Encrypts or decrypts single blocks between byte arrays; src and dst may be the same range. */
export interface BlockCipher {
  readonly blockSize: number;
  encryptBlock(src: Uint8Array, srcOff: number, dst: Uint8Array, dstOff: number): void;
  decryptBlock(src: Uint8Array, srcOff: number, dst: Uint8Array, dstOff: number): void;
}

function readLE(b: Uint8Array, o: number): number {
  return (b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16) | (b[o + 3]! << 24)) >>> 0;
}

function writeLE(b: Uint8Array, o: number, v: number): void {
  b[o] = v & 0xff;
  b[o + 1] = (v >>> 8) & 0xff;
  b[o + 2] = (v >>> 16) & 0xff;
  b[o + 3] = (v >>> 24) & 0xff;
}

/**
 * AES-128/192/256 on noble's expanded key and round function. noble's state words are the
 * little-endian reading of the block bytes on every host (it byte-swaps on big-endian ones), so
 * the words are assembled explicitly here. The decryption schedule is built on first use: the
 * CFB/OFB/CTR modes never need it.
 */
export class AesBlockCipher implements BlockCipher {
  readonly blockSize = 16;
  readonly #key: Uint8Array;
  readonly #enc: Uint32Array;
  #dec: Uint32Array | undefined;

  /** @param key 16, 24 or 32 bytes (the caller has checked the length against the NID). */
  constructor(key: Uint8Array) {
    this.#key = key.slice();
    this.#enc = aesInternals.expandKeyLE(this.#key);
  }

  encryptBlock(src: Uint8Array, srcOff: number, dst: Uint8Array, dstOff: number): void {
    const r = aesInternals.encrypt(
      this.#enc,
      readLE(src, srcOff),
      readLE(src, srcOff + 4),
      readLE(src, srcOff + 8),
      readLE(src, srcOff + 12),
    );
    writeLE(dst, dstOff, r.s0);
    writeLE(dst, dstOff + 4, r.s1);
    writeLE(dst, dstOff + 8, r.s2);
    writeLE(dst, dstOff + 12, r.s3);
  }

  decryptBlock(src: Uint8Array, srcOff: number, dst: Uint8Array, dstOff: number): void {
    this.#dec ??= aesInternals.expandKeyDecLE(this.#key);
    const r = aesInternals.decrypt(
      this.#dec,
      readLE(src, srcOff),
      readLE(src, srcOff + 4),
      readLE(src, srcOff + 8),
      readLE(src, srcOff + 12),
    );
    writeLE(dst, dstOff, r.s0);
    writeLE(dst, dstOff + 4, r.s1);
    writeLE(dst, dstOff + 8, r.s2);
    writeLE(dst, dstOff + 12, r.s3);
  }
}
