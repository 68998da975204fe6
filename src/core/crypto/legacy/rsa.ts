/**
 * Raw RSA as tinc 1.0 uses it: no padding at all (RSA_NO_PADDING). The METAKEY plaintext is a
 * full-size random string with its top bit cleared, so it is always below the modulus.
 * @module
 */
import { bigIntToBytes, bitLength, bytesToBigInt } from "./bytes.ts";
import { err, ok, type Result } from "./result.ts";

/** An RSA public key. */
export interface RsaPublicKey {
  n: bigint;
  e: bigint;
}

/** An RSA private key with its CRT parameters (PKCS#1 RSAPrivateKey fields). */
export interface RsaPrivateKey extends RsaPublicKey {
  d: bigint;
  p: bigint;
  q: bigint;
  /** d mod (p-1) */
  dp: bigint;
  /** d mod (q-1) */
  dq: bigint;
  /** q^-1 mod p */
  qinv: bigint;
}

/** RSA_size: the modulus length in bytes, which is also the length of every raw RSA block. */
export function rsaSize(key: RsaPublicKey): number {
  return Math.ceil(bitLength(key.n) / 8);
}

/** base^exp mod m with a fixed 4-bit window (exp ≥ 0, m > 1). */
export function modPow(base: bigint, exp: bigint, m: bigint): bigint {
  if (m === 1n) return 0n;
  const b = ((base % m) + m) % m;
  const table: bigint[] = [1n, b];
  for (let i = 2; i < 16; i++) table.push((table[i - 1]! * b) % m);
  const digits = exp.toString(16);
  let acc = 1n;
  for (let i = 0; i < digits.length; i++) {
    if (i > 0) {
      acc = (acc * acc) % m;
      acc = (acc * acc) % m;
      acc = (acc * acc) % m;
      acc = (acc * acc) % m;
    }
    const d = parseInt(digits[i]!, 16);
    if (d !== 0) acc = (acc * table[d]!) % m;
  }
  return acc;
}

/** Modular inverse of a modulo m, or 0n when none exists. */
export function modInverse(a: bigint, m: bigint): bigint {
  let [oldR, r] = [((a % m) + m) % m, m];
  let [oldS, s] = [1n, 0n];
  while (r !== 0n) {
    const q = oldR / r;
    [oldR, r] = [r, oldR - q * r];
    [oldS, s] = [s, oldS - q * s];
  }
  if (oldR !== 1n) return 0n;
  return ((oldS % m) + m) % m;
}

function checkBlock(key: RsaPublicKey, block: Uint8Array): Result<bigint> {
  const size = rsaSize(key);
  if (block.length !== size) return err(`raw RSA block is ${block.length} bytes, key needs ${size}`);
  const x = bytesToBigInt(block);
  if (x >= key.n) return err("raw RSA input is not below the modulus");
  return ok(x);
}

/** Raw public-key operation x^e mod n on a block of exactly RSA_size bytes. */
export function rsaPublicRaw(key: RsaPublicKey, block: Uint8Array): Result<Uint8Array> {
  const x = checkBlock(key, block);
  if (!x.ok) return x;
  return bigIntToBytes(modPow(x.value, key.e, key.n), rsaSize(key));
}

/** Raw private-key operation x^d mod n through the CRT, on a block of exactly RSA_size bytes. */
export function rsaPrivateRaw(key: RsaPrivateKey, block: Uint8Array): Result<Uint8Array> {
  const x = checkBlock(key, block);
  if (!x.ok) return x;
  const m1 = modPow(x.value, key.dp, key.p);
  const m2 = modPow(x.value, key.dq, key.q);
  const h = (key.qinv * (((m1 - m2) % key.p) + key.p)) % key.p;
  return bigIntToBytes(m2 + h * key.q, rsaSize(key));
}

/** Checks the arithmetic relations of a private key, so a corrupt key file fails at load time. */
export function validatePrivateKey(key: RsaPrivateKey): Result<RsaPrivateKey> {
  if (key.p * key.q !== key.n) return err("RSA private key: p*q != n");
  if (key.p < 3n || key.q < 3n) return err("RSA private key: degenerate primes");
  if (key.dp !== key.d % (key.p - 1n)) return err("RSA private key: dp != d mod (p-1)");
  if (key.dq !== key.d % (key.q - 1n)) return err("RSA private key: dq != d mod (q-1)");
  if ((key.qinv * key.q) % key.p !== 1n) return err("RSA private key: qinv is not q^-1 mod p");
  if ((key.e * key.dp) % (key.p - 1n) !== 1n) return err("RSA private key: e*dp != 1 mod (p-1)");
  if ((key.e * key.dq) % (key.q - 1n) !== 1n) return err("RSA private key: e*dq != 1 mod (q-1)");
  return ok(key);
}

/** The public half of a private key. */
export function publicKeyOf(key: RsaPrivateKey): RsaPublicKey {
  return { n: key.n, e: key.e };
}
