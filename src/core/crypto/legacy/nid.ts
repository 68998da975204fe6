/**
 * OpenSSL NIDs as tinc 1.0 puts them on the wire (METAKEY and ANS_KEY fields), with the sizes
 * that the key exchange and packet layout depend on. NID 0 means "none" for both tables.
 * @module
 */
import { err, ok, type Result } from "./result.ts";

/** Block cipher family behind a cipher NID. */
export type CipherAlgorithm = "aes" | "blowfish" | "none";

/** How the block cipher is chained. cbc pads (PKCS#7); the others are stream modes. */
export type CipherMode = "cbc" | "cfb" | "ofb" | "ctr" | "none";

/** One row of the cipher table. */
export interface CipherSpec {
  nid: number;
  name: string;
  algorithm: CipherAlgorithm;
  mode: CipherMode;
  keyLength: number;
  ivLength: number;
  /** OpenSSL's EVP block size: the cipher's block for cbc, 1 for stream modes. */
  blockSize: number;
}

/** One row of the digest table. */
export interface DigestSpec {
  nid: number;
  name: string;
  /** Output length in bytes (0 for none). */
  size: number;
}

function aes(nid: number, bits: 128 | 192 | 256, mode: "cbc" | "cfb" | "ofb" | "ctr"): CipherSpec {
  return {
    nid,
    name: `aes-${bits}-${mode}`,
    algorithm: "aes",
    mode,
    keyLength: bits / 8,
    ivLength: 16,
    blockSize: mode === "cbc" ? 16 : 1,
  };
}

function blowfish(nid: number, mode: "cbc" | "cfb" | "ofb"): CipherSpec {
  return {
    nid,
    name: `bf-${mode}`,
    algorithm: "blowfish",
    mode,
    keyLength: 16,
    ivLength: 8,
    blockSize: mode === "cbc" ? 8 : 1,
  };
}

/** The "none" cipher: packets travel as plain `seqno || frame`. */
export const CIPHER_NONE: CipherSpec = {
  nid: 0,
  name: "none",
  algorithm: "none",
  mode: "none",
  keyLength: 0,
  ivLength: 0,
  blockSize: 1,
};

/** Supported ciphers by NID (libcrypto 3.0 numbering). */
export const CIPHERS: ReadonlyMap<number, CipherSpec> = new Map(
  [
    CIPHER_NONE,
    aes(419, 128, "cbc"),
    aes(420, 128, "ofb"),
    aes(421, 128, "cfb"),
    aes(423, 192, "cbc"),
    aes(424, 192, "ofb"),
    aes(425, 192, "cfb"),
    aes(427, 256, "cbc"),
    aes(428, 256, "ofb"),
    aes(429, 256, "cfb"),
    aes(904, 128, "ctr"),
    aes(905, 192, "ctr"),
    aes(906, 256, "ctr"),
    blowfish(91, "cbc"),
    blowfish(93, "cfb"),
    blowfish(94, "ofb"),
  ].map((c) => [c.nid, c]),
);

/** The "none" digest: no MAC. */
export const DIGEST_NONE: DigestSpec = { nid: 0, name: "none", size: 0 };

/** Supported digests by NID. */
export const DIGESTS: ReadonlyMap<number, DigestSpec> = new Map(
  [
    DIGEST_NONE,
    { nid: 64, name: "sha1", size: 20 },
    { nid: 672, name: "sha256", size: 32 },
    { nid: 673, name: "sha384", size: 48 },
    { nid: 674, name: "sha512", size: 64 },
  ].map((d) => [d.nid, d]),
);

/** Well-known NIDs by name, for configuration (`Cipher = aes-256-cbc`) and defaults. */
export const Nid = {
  NONE: 0,
  AES_128_CBC: 419,
  AES_128_CFB: 421,
  AES_192_CFB: 425,
  AES_256_CBC: 427,
  AES_256_CFB: 429,
  BF_CBC: 91,
  SHA1: 64,
  SHA256: 672,
  SHA384: 673,
  SHA512: 674,
} as const;

/** Looks up a cipher NID; an unknown one is refused with a reason naming it. */
export function cipherByNid(nid: number): Result<CipherSpec> {
  const c = CIPHERS.get(nid);
  return c ? ok(c) : err(`unsupported cipher NID ${nid}`);
}

/** Looks up a digest NID; an unknown one is refused with a reason naming it. */
export function digestByNid(nid: number): Result<DigestSpec> {
  const d = DIGESTS.get(nid);
  return d ? ok(d) : err(`unsupported digest NID ${nid}`);
}

/** Looks up a cipher by its OpenSSL name (case-insensitive), as `Cipher =` names it. */
export function cipherByName(name: string): Result<CipherSpec> {
  const want = name.toLowerCase();
  const alias = want === "blowfish" || want === "bf" ? "bf-cbc" : want;
  for (const c of CIPHERS.values()) if (c.name === alias) return ok(c);
  return err(`unsupported cipher "${name}"`);
}

/** Looks up a digest by its OpenSSL name (case-insensitive), as `Digest =` names it. */
export function digestByName(name: string): Result<DigestSpec> {
  const want = name.toLowerCase();
  for (const d of DIGESTS.values()) if (d.name === want) return ok(d);
  return err(`unsupported digest "${name}"`);
}

/**
 * Length of the key material an ANS_KEY carries for this cipher: key then IV, or a single byte
 * for "none" (tinc still sends one random byte, which keys the HMAC).
 */
export function packetKeyMaterialLength(cipher: CipherSpec): number {
  return cipher.nid === 0 ? 1 : cipher.keyLength + cipher.ivLength;
}

/**
 * The meta-stream cipher tinc 1.0.36 announces in METAKEY: AES-CFB128 sized to the packet
 * cipher's key length (≤16 → aes-128-cfb, ≤24 → aes-192-cfb, else aes-256-cfb; none → 128).
 */
export function metaCipherForPacketCipher(packet: CipherSpec): CipherSpec {
  const nid = packet.keyLength <= 16 ? 421 : packet.keyLength <= 24 ? 425 : 429;
  return CIPHERS.get(nid)!;
}
