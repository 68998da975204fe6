/**
 * RSA key generation as `tincd -K[bits]` does it: two primes of bits/2 each (top two bits set so
 * that n has exactly `bits` bits), e = 65537, written as PKCS#1 PEM. Randomness is injected, so
 * a fixed source gives a fixed key.
 * @module
 */
import { bytesToBigInt } from "./bytes.ts";
import { err, ok, type Result } from "./result.ts";
import { modInverse, modPow, type RsaPrivateKey } from "./rsa.ts";
import { formatPrivateKeyPem, formatPublicKeyPem } from "./rsa_pem.ts";

/** Fills a fresh array of `length` random bytes. */
export type RandomBytes = (length: number) => Uint8Array;

/**
 * Adapts a 32-bit generator (the engine's `RandomSource` in src/core/node/effects.ts has this
 * shape) to {@link RandomBytes}, four bytes per draw, big-endian.
 */
export function randomBytesFrom(source: { nextU32(): number }): RandomBytes {
  return (length) => {
    const out = new Uint8Array(length);
    for (let i = 0; i < length; i += 4) {
      const v = source.nextU32() >>> 0;
      for (let j = 0; j < 4 && i + j < length; j++) out[i + j] = (v >>> (24 - 8 * j)) & 0xff;
    }
    return out;
  };
}

/** The exponent `tincd -K` uses. */
export const TINC_RSA_EXPONENT = 65537n;

const SMALL_PRIMES: number[] = (() => {
  const limit = 8192;
  const sieve = new Uint8Array(limit);
  const out: number[] = [];
  for (let i = 2; i < limit; i++) {
    if (sieve[i]) continue;
    out.push(i);
    for (let j = i * i; j < limit; j += i) sieve[j] = 1;
  }
  return out;
})();

function randomBelow(random: RandomBytes, bound: bigint): bigint {
  const bytes = Math.ceil(bound.toString(2).length / 8) + 8;
  return bytesToBigInt(random(bytes)) % bound;
}

/** Miller-Rabin with `rounds` random bases in [2, n-2]; n must be odd and > 3. */
export function isProbablePrime(n: bigint, rounds: number, random: RandomBytes): boolean {
  if (n < 2n) return false;
  for (const p of SMALL_PRIMES) {
    const bp = BigInt(p);
    if (n === bp) return true;
    if (n % bp === 0n) return false;
  }
  let d = n - 1n;
  let s = 0;
  while ((d & 1n) === 0n) {
    d >>= 1n;
    s++;
  }
  for (let round = 0; round < rounds; round++) {
    const a = 2n + randomBelow(random, n - 3n);
    let x = modPow(a, d, n);
    if (x === 1n || x === n - 1n) continue;
    let composite = true;
    for (let i = 1; i < s; i++) {
      x = (x * x) % n;
      if (x === n - 1n) {
        composite = false;
        break;
      }
    }
    if (composite) return false;
  }
  return true;
}

/** Rounds giving an error probability below 2^-80 for random candidates (FIPS 186-4 C.3 table). */
function roundsFor(bits: number): number {
  if (bits >= 1450) return 4;
  if (bits >= 1000) return 5;
  if (bits >= 500) return 8;
  return 27;
}

/**
 * Finds a random prime of exactly `bits` bits with the two top bits set and gcd(p-1, e) = 1.
 * Candidates advance by 2 from a random start; a residue sieve skips multiples of small primes
 * so that only survivors pay for Miller-Rabin.
 */
function randomPrime(bits: number, e: bigint, random: RandomBytes): bigint {
  const bytes = Math.ceil(bits / 8);
  const rounds = roundsFor(bits);
  const smallBig = SMALL_PRIMES.map((p) => BigInt(p));
  for (;;) {
    const raw = random(bytes);
    let start = bytesToBigInt(raw) >> BigInt(bytes * 8 - bits);
    start |= (3n << BigInt(bits - 2)) | 1n;
    const residues = smallBig.map((p) => Number(start % p));
    // 4096 steps of 2 cover ~5.6 times the mean prime gap at 1024 bits; otherwise draw anew.
    for (let step = 0; step < 4096 * 2; step += 2) {
      let divisible = false;
      for (let i = 0; i < residues.length; i++) {
        if ((residues[i]! + step) % SMALL_PRIMES[i]! === 0) {
          divisible = true;
          break;
        }
      }
      if (divisible) continue;
      const candidate = start + BigInt(step);
      if (candidate >> BigInt(bits) !== 0n) break;
      if (modPow(2n, candidate - 1n, candidate) !== 1n) continue;
      if ((candidate - 1n) % e === 0n) continue;
      if (isProbablePrime(candidate, rounds, random)) return candidate;
    }
  }
}

function gcd(a: bigint, b: bigint): bigint {
  while (b !== 0n) [a, b] = [b, a % b];
  return a;
}

/**
 * Generates an RSA private key of exactly `bits` bits with e = 65537. The range is 512..8192:
 * 8192 is the protocol's maximum (a METAKEY line then fills the 2048-character token limit).
 */
export function generateRsaKey(bits: number, random: RandomBytes): Result<RsaPrivateKey> {
  if (!Number.isInteger(bits) || bits < 512 || bits > 8192) {
    return err(`RSA key size ${bits} is outside 512..8192 bits`);
  }
  const e = TINC_RSA_EXPONENT;
  const pBits = bits - (bits >> 1);
  const qBits = bits >> 1;
  for (let attempt = 0; attempt < 64; attempt++) {
    let p = randomPrime(pBits, e, random);
    let q = randomPrime(qBits, e, random);
    if (p === q) continue;
    if (p < q) [p, q] = [q, p];
    const n = p * q;
    if (n.toString(2).length !== bits) continue;
    const p1 = p - 1n;
    const q1 = q - 1n;
    const lambda = (p1 * q1) / gcd(p1, q1);
    const d = modInverse(e, lambda);
    if (d === 0n) continue;
    return ok({ n, e, d, p, q, dp: d % p1, dq: d % q1, qinv: modInverse(q, p) });
  }
  return err("RSA key generation did not converge");
}

/** The two texts `tincd -K` writes: rsa_key.priv and the block appended to hosts/NAME. */
export interface TincKeyFiles {
  key: RsaPrivateKey;
  /** PKCS#1 `RSA PRIVATE KEY` PEM for rsa_key.priv. */
  privatePem: string;
  /** PKCS#1 `RSA PUBLIC KEY` PEM for hosts/NAME (tinc writes a blank line before it). */
  publicPem: string;
}

/** Generates a key and formats both files. */
export function generateTincKeyFiles(bits: number, random: RandomBytes): Result<TincKeyFiles> {
  const key = generateRsaKey(bits, random);
  if (!key.ok) return key;
  return ok({
    key: key.value,
    privatePem: formatPrivateKeyPem(key.value),
    publicPem: formatPublicKeyPem(key.value),
  });
}
