/**
 * Block cipher modes as OpenSSL's EVP applies them for tinc 1.0: CBC with PKCS#7 padding for
 * packets, and CFB (full-block feedback, i.e. CFB128 for AES, CFB64 for Blowfish), OFB and CTR as
 * byte streams whose position survives between calls.
 * @module
 */
import { AesBlockCipher, type BlockCipher } from "./block_cipher.ts";
import { BlowfishBlockCipher } from "./blowfish.ts";
import type { CipherSpec } from "./nid.ts";
import { err, ok, type Result } from "./result.ts";

/** Builds the raw block cipher for a spec; the key length must match the spec. */
export function blockCipherFor(spec: CipherSpec, key: Uint8Array): Result<BlockCipher> {
  if (key.length !== spec.keyLength) {
    return err(`${spec.name} needs a ${spec.keyLength}-byte key, got ${key.length}`);
  }
  if (spec.algorithm === "aes") return ok(new AesBlockCipher(key));
  if (spec.algorithm === "blowfish") return ok(new BlowfishBlockCipher(key));
  return err(`${spec.name} has no block cipher`);
}

/** Length of `len` bytes after PKCS#7 padding to `block` (always adds 1..block bytes). */
export function pkcs7PaddedLength(len: number, block: number): number {
  return len + block - (len % block);
}

/**
 * CBC-encrypts `buf[0, len)` in place after appending PKCS#7 padding; `buf` must have room for
 * the padded length, which is returned.
 */
export function cbcEncryptPkcs7InPlace(
  bc: BlockCipher,
  iv: Uint8Array,
  buf: Uint8Array,
  len: number,
): number {
  const bs = bc.blockSize;
  const total = pkcs7PaddedLength(len, bs);
  const pad = total - len;
  buf.fill(pad, len, total);
  for (let i = 0; i < bs; i++) buf[i] = buf[i]! ^ iv[i]!;
  bc.encryptBlock(buf, 0, buf, 0);
  for (let off = bs; off < total; off += bs) {
    for (let i = 0; i < bs; i++) buf[off + i] = buf[off + i]! ^ buf[off - bs + i]!;
    bc.encryptBlock(buf, off, buf, off);
  }
  return total;
}

/**
 * CBC-decrypts `src` into `dst` (same length, may not overlap) and checks the PKCS#7 padding
 * like OpenSSL's EVP_DecryptFinal. Returns the unpadded length, or -1 when the length is not a
 * positive multiple of the block or the padding is malformed.
 */
export function cbcDecryptPkcs7(bc: BlockCipher, iv: Uint8Array, src: Uint8Array, dst: Uint8Array): number {
  const bs = bc.blockSize;
  const n = src.length;
  if (n === 0 || n % bs !== 0 || dst.length < n) return -1;
  for (let off = 0; off < n; off += bs) {
    bc.decryptBlock(src, off, dst, off);
    if (off === 0) { for (let i = 0; i < bs; i++) dst[i] = dst[i]! ^ iv[i]!; }
    else for (let i = 0; i < bs; i++) dst[off + i] = dst[off + i]! ^ src[off - bs + i]!;
  }
  const pad = dst[n - 1]!;
  if (pad === 0 || pad > bs) return -1;
  let bad = 0;
  for (let i = n - pad; i < n; i++) bad |= dst[i]! ^ pad;
  return bad === 0 ? n - pad : -1;
}

/**
 * A stream mode (CFB, OFB or CTR) over a block cipher, one continuous keystream whose position
 * is kept between calls, so that any split of the input gives the same output.
 *
 * ```
 *  CFB:  C_i = P_i xor E(C_{i-1}),  C_0 feedback = IV     (the register holds ciphertext)
 *  OFB:  O_i = E(O_{i-1}), O_0 = IV;  C_i = P_i xor O_i
 *  CTR:  C_i = P_i xor E(IV + i)     (IV as one big-endian counter over the whole block)
 * ```
 */
export class StreamModeCipher {
  readonly #bc: BlockCipher;
  readonly #mode: "cfb" | "ofb" | "ctr";
  readonly #decrypt: boolean;
  /** CFB: last ciphertext block; OFB: last output block; CTR: the next counter block. */
  readonly #register: Uint8Array;
  readonly #keystream: Uint8Array;
  /** Bytes of the current keystream block already used (= block size when none is left). */
  #used: number;

  constructor(bc: BlockCipher, mode: "cfb" | "ofb" | "ctr", iv: Uint8Array, decrypt: boolean) {
    this.#bc = bc;
    this.#mode = mode;
    this.#decrypt = decrypt;
    this.#register = iv.slice(0, bc.blockSize);
    this.#keystream = new Uint8Array(bc.blockSize);
    this.#used = bc.blockSize;
  }

  /** Restarts the stream at a new IV (tinc resets the cipher context per UDP packet). */
  reset(iv: Uint8Array): void {
    this.#register.set(iv.subarray(0, this.#bc.blockSize));
    this.#used = this.#bc.blockSize;
  }

  /** Transforms `input` into `output` (same length; may be the same array). */
  transform(input: Uint8Array, output: Uint8Array): void {
    const bs = this.#bc.blockSize;
    const ks = this.#keystream;
    const reg = this.#register;
    for (let i = 0; i < input.length; i++) {
      if (this.#used === bs) {
        this.#bc.encryptBlock(reg, 0, ks, 0);
        if (this.#mode === "ofb") reg.set(ks);
        else if (this.#mode === "ctr") {
          for (let j = bs - 1; j >= 0; j--) {
            reg[j] = (reg[j]! + 1) & 0xff;
            if (reg[j] !== 0) break;
          }
        }
        this.#used = 0;
      }
      const inByte = input[i]!;
      const outByte = inByte ^ ks[this.#used]!;
      output[i] = outByte;
      if (this.#mode === "cfb") reg[this.#used] = this.#decrypt ? inByte : outByte;
      this.#used++;
    }
  }

  /** Transforms `input` into a fresh array. */
  update(input: Uint8Array): Uint8Array {
    const out = new Uint8Array(input.length);
    this.transform(input, out);
    return out;
  }
}
