/**
 * Ed25519 as tinc 1.1 keeps it (spec tinc-1.1-sptps.md §1.1, §1.3, §1.10): the private key file
 * stores the 64-byte *expanded* secret, not the seed, so signing works from that form directly;
 * the ephemeral key exchange sends Ed25519 public keys and runs X25519 on their Montgomery form.
 *
 * ```
 *   seed[32] --SHA-512--> h[64]:  scalar = clamp(h[0..32))   prefix = h[32..64)
 *   expanded secret = clamp(h[0..32)) || h[32..64)           (what ed25519_key.priv holds)
 *   public A = scalar * B (compressed Edwards y, sign bit of x on top)
 *   sign(M):  r = SHA-512(prefix || M) mod L;  R = r * B
 *             k = SHA-512(R || A || M) mod L;  S = r + k * scalar mod L;  sig = R || S
 * ```
 * @module
 */
import { ed25519, x25519 } from "@noble/curves/ed25519.js";
import { sha512 } from "@noble/hashes/sha2.js";

/** Ed25519 group order L. */
const ORDER = 2n ** 252n + 27742317777372353535851937790883648493n;
/** Field prime p = 2^255 - 19. */
const PRIME = 2n ** 255n - 19n;

/** An Ed25519 key pair in tinc's stored form. */
export interface Ed25519KeyPair {
  /** 64 bytes: clamped scalar (32) || nonce prefix (32). */
  expandedSecret: Uint8Array;
  /** 32-byte compressed Edwards point. */
  publicKey: Uint8Array;
}

function littleEndianToBigInt(bytes: Uint8Array): bigint {
  let v = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(bytes[i]!);
  return v;
}

function bigIntToLittleEndian(value: bigint, length: number): Uint8Array {
  const out = new Uint8Array(length);
  let v = value;
  for (let i = 0; i < length; i++) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

function clampScalar(h: Uint8Array): void {
  h[0] = h[0]! & 248;
  h[31] = (h[31]! & 127) | 64;
}

/** The expanded secret of a 32-byte seed: SHA-512(seed) with its first half clamped. */
export function expandSeed(seed: Uint8Array): Uint8Array {
  if (seed.length !== 32) throw new RangeError(`Cannot expand an Ed25519 seed of ${seed.length} bytes`);
  const h = sha512(seed);
  clampScalar(h);
  return h;
}

/** The public key of an expanded secret (scalar times the base point). */
export function publicKeyOfExpanded(expandedSecret: Uint8Array): Uint8Array {
  const scalar = littleEndianToBigInt(expandedSecret.subarray(0, 32)) % ORDER;
  return ed25519.Point.BASE.multiply(scalar === 0n ? ORDER : scalar).toBytes();
}

/** Key pair from a 32-byte seed, as `tinc generate-ed25519-keys` and tinc's ephemeral KEX derive it. */
export function keyPairFromSeed(seed: Uint8Array): Ed25519KeyPair {
  const expandedSecret = expandSeed(seed);
  return { expandedSecret, publicKey: publicKeyOfExpanded(expandedSecret) };
}

/**
 * Signs `message` with an expanded secret and its public key (RFC 8032 steps, but starting from
 * the stored 64-byte form since tinc never keeps the seed). Deterministic.
 */
export function signWithExpanded(
  expandedSecret: Uint8Array,
  publicKey: Uint8Array,
  message: Uint8Array,
): Uint8Array {
  if (expandedSecret.length !== 64 || publicKey.length !== 32) {
    throw new RangeError("Cannot sign: expected a 64-byte expanded secret and a 32-byte public key");
  }
  const scalar = littleEndianToBigInt(expandedSecret.subarray(0, 32));
  const r = littleEndianToBigInt(sha512(concat(expandedSecret.subarray(32, 64), message))) % ORDER;
  const bigR = ed25519.Point.BASE.multiply(r === 0n ? ORDER : r).toBytes();
  const k = littleEndianToBigInt(sha512(concat(bigR, publicKey, message))) % ORDER;
  const s = (r + k * (scalar % ORDER)) % ORDER;
  return concat(bigR, bigIntToLittleEndian(s, 32));
}

/**
 * Verifies a 64-byte signature under a 32-byte public key (strict RFC 8032 encodings). Returns
 * false for anything malformed; never throws.
 */
export function verifySignature(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  if (publicKey.length !== 32 || signature.length !== 64) return false;
  try {
    return ed25519.verify(signature, message, publicKey, { zip215: false });
  } catch {
    return false;
  }
}

/**
 * Montgomery u of a compressed Edwards key, u = (1 + y) / (1 - y) mod p, computed from the y
 * bytes alone as tinc does (the sign bit is ignored and the point is not decoded).
 */
export function edwardsToMontgomery(edwardsPublic: Uint8Array): Uint8Array {
  const yBytes = edwardsPublic.slice(0, 32);
  yBytes[31] = yBytes[31]! & 0x7f;
  const y = littleEndianToBigInt(yBytes) % PRIME;
  const denominator = (1n - y + PRIME) % PRIME;
  // Fermat inverse; 0 maps to 0 like a field inversion by exponentiation does.
  const inverse = modPow(denominator, PRIME - 2n, PRIME);
  return bigIntToLittleEndian(((1n + y) * inverse) % PRIME, 32);
}

function modPow(base: bigint, exponent: bigint, modulus: bigint): bigint {
  let result = 1n;
  let b = base % modulus;
  let e = exponent;
  while (e > 0n) {
    if (e & 1n) result = (result * b) % modulus;
    b = (b * b) % modulus;
    e >>= 1n;
  }
  return result;
}

/** An ephemeral key for one SPTPS key exchange: the seed is kept until the shared secret is made. */
export interface EphemeralKey {
  seed: Uint8Array;
  /** Sent in the KEX record: the Ed25519 public key of `seed`. */
  publicKey: Uint8Array;
}

/** Ephemeral key from 32 random bytes (tinc's ecdh_generate_public). */
export function ephemeralFromSeed(seed: Uint8Array): EphemeralKey {
  return { seed: seed.slice(), publicKey: keyPairFromSeed(seed).publicKey };
}

/**
 * The ECDH shared secret: X25519(first half of SHA-512(seed), Montgomery u of the peer's Edwards
 * key). Returns undefined when X25519 refuses the peer key (a low-order point giving an all-zero
 * secret; tinc would carry on with zeros, we refuse).
 */
export function ephemeralSharedSecret(
  seed: Uint8Array,
  peerEdwardsPublic: Uint8Array,
): Uint8Array | undefined {
  if (seed.length !== 32 || peerEdwardsPublic.length !== 32) return undefined;
  const scalar = sha512(seed).subarray(0, 32);
  try {
    return x25519.getSharedSecret(scalar, edwardsToMontgomery(peerEdwardsPublic));
  } catch {
    return undefined;
  }
}
