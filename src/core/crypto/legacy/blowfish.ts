/**
 * Blowfish (64-bit blocks, big-endian halves) for the legacy `bf-*` NIDs that old tinc 1.0
 * configurations name. Its initial P-array and S-boxes are the hexadecimal fraction digits of pi;
 * rather than carrying a 4 KiB table they are computed once, on first use, from Machin's formula
 * with bigint fixed-point arithmetic (a few milliseconds).
 * @module
 */
import type { BlockCipher } from "./block_cipher.ts";

const WORDS = 18 + 4 * 256;

function arctanInverse(x: bigint, one: bigint): bigint {
  const x2 = x * x;
  let power = one / x;
  let sum = power;
  for (let k = 1n; power !== 0n; k++) {
    power /= x2;
    const term = power / (2n * k + 1n);
    sum = k % 2n === 1n ? sum - term : sum + term;
  }
  return sum;
}

let piWords: Uint32Array | undefined;

/** The first 1042 32-bit words of pi's fractional part: P[0..17] then S0..S3. */
function piFractionWords(): Uint32Array {
  if (piWords) return piWords;
  const guard = 64n;
  const bits = BigInt(WORDS * 32) + guard;
  const one = 1n << bits;
  const pi = 4n * (4n * arctanInverse(5n, one) - arctanInverse(239n, one));
  let frac = (pi - 3n * one) >> guard;
  const out = new Uint32Array(WORDS);
  for (let i = WORDS - 1; i >= 0; i--) {
    out[i] = Number(frac & 0xffffffffn);
    frac >>= 32n;
  }
  piWords = out;
  return out;
}

/** Blowfish with a key of 1..56 bytes (tinc's `bf-cbc` uses OpenSSL's default of 16). */
export class BlowfishBlockCipher implements BlockCipher {
  readonly blockSize = 8;
  readonly #p = new Uint32Array(18);
  readonly #s = new Uint32Array(1024);
  readonly #lr = new Uint32Array(2);

  constructor(key: Uint8Array) {
    const init = piFractionWords();
    this.#p.set(init.subarray(0, 18));
    this.#s.set(init.subarray(18));
    if (key.length > 0) {
      let at = 0;
      for (let i = 0; i < 18; i++) {
        let word = 0;
        for (let j = 0; j < 4; j++) {
          word = (word << 8) | key[at]!;
          at = (at + 1) % key.length;
        }
        this.#p[i]! ^= word;
      }
    }
    const lr = this.#lr;
    lr[0] = 0;
    lr[1] = 0;
    for (let i = 0; i < 18; i += 2) {
      this.#encryptHalves(lr);
      this.#p[i] = lr[0]!;
      this.#p[i + 1] = lr[1]!;
    }
    for (let i = 0; i < 1024; i += 2) {
      this.#encryptHalves(lr);
      this.#s[i] = lr[0]!;
      this.#s[i + 1] = lr[1]!;
    }
  }

  #f(x: number): number {
    const s = this.#s;
    const h = (s[x >>> 24]! + s[256 + ((x >>> 16) & 0xff)]!) >>> 0;
    return ((h ^ s[512 + ((x >>> 8) & 0xff)]!) + s[768 + (x & 0xff)]!) >>> 0;
  }

  #encryptHalves(lr: Uint32Array): void {
    const p = this.#p;
    let l = lr[0]!;
    let r = lr[1]!;
    for (let i = 0; i < 16; i++) {
      l = (l ^ p[i]!) >>> 0;
      r = (r ^ this.#f(l)) >>> 0;
      const t = l;
      l = r;
      r = t;
    }
    lr[0] = (r ^ p[17]!) >>> 0;
    lr[1] = (l ^ p[16]!) >>> 0;
  }

  #decryptHalves(lr: Uint32Array): void {
    const p = this.#p;
    let l = lr[0]!;
    let r = lr[1]!;
    for (let i = 17; i > 1; i--) {
      l = (l ^ p[i]!) >>> 0;
      r = (r ^ this.#f(l)) >>> 0;
      const t = l;
      l = r;
      r = t;
    }
    lr[0] = (r ^ p[0]!) >>> 0;
    lr[1] = (l ^ p[1]!) >>> 0;
  }

  #load(src: Uint8Array, o: number): void {
    this.#lr[0] = (src[o]! << 24) | (src[o + 1]! << 16) | (src[o + 2]! << 8) | src[o + 3]!;
    this.#lr[1] = (src[o + 4]! << 24) | (src[o + 5]! << 16) | (src[o + 6]! << 8) | src[o + 7]!;
  }

  #store(dst: Uint8Array, o: number): void {
    const l = this.#lr[0]!;
    const r = this.#lr[1]!;
    dst[o] = l >>> 24;
    dst[o + 1] = (l >>> 16) & 0xff;
    dst[o + 2] = (l >>> 8) & 0xff;
    dst[o + 3] = l & 0xff;
    dst[o + 4] = r >>> 24;
    dst[o + 5] = (r >>> 16) & 0xff;
    dst[o + 6] = (r >>> 8) & 0xff;
    dst[o + 7] = r & 0xff;
  }

  encryptBlock(src: Uint8Array, srcOff: number, dst: Uint8Array, dstOff: number): void {
    this.#load(src, srcOff);
    this.#encryptHalves(this.#lr);
    this.#store(dst, dstOff);
  }

  decryptBlock(src: Uint8Array, srcOff: number, dst: Uint8Array, dstOff: number): void {
    this.#load(src, srcOff);
    this.#decryptHalves(this.#lr);
    this.#store(dst, dstOff);
  }
}
