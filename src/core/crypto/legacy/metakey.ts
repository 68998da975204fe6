/**
 * METAKEY (spec 1.0 §2.2): the sender picks a secret S as long as the recipient's modulus, clears
 * its top bit so that S < n, and sends S raw-RSA-encrypted (no padding) as hex. Both sides then
 * take the stream cipher's key and IV from the END of S:
 *
 * ```
 *   S (RSA_size bytes)
 *   +------------------------------------------+-----------+---------------+
 *   | unused                                   | IV (v)    | key (k)       |
 *   +------------------------------------------+-----------+---------------+
 *   0                                     len-k-v       len-k            len
 * ```
 * @module
 */
import { fromHex, toHexUpper } from "./bytes.ts";
import type { LegacyStreamCipher, StreamDirection } from "./meta_stream.ts";
import { createLegacyStreamCipher, metaStreamCipherSpec } from "./meta_stream.ts";
import { type CipherSpec, digestByNid, type DigestSpec } from "./nid.ts";
import { err, ok, type Result } from "./result.ts";
import { type RsaPrivateKey, rsaPrivateRaw, type RsaPublicKey, rsaPublicRaw, rsaSize } from "./rsa.ts";
import type { RandomBytes } from "./rsa_keygen.ts";

/** The sender's side of a METAKEY: the secret to keep and the hex to send. */
export interface OutgoingMetakey {
  /** S, the RSA plaintext (keep it to derive our outbound stream key). */
  secret: Uint8Array;
  /** Uppercase hex of S^e mod n, 2*RSA_size characters. */
  hex: string;
}

/** Draws S for the recipient's key and encrypts it (raw RSA, no padding). */
export function buildMetakey(recipient: RsaPublicKey, random: RandomBytes): Result<OutgoingMetakey> {
  const len = rsaSize(recipient);
  const secret = random(len).slice(0, len);
  if (secret.length !== len) return err(`random source gave ${secret.length} of ${len} bytes`);
  secret[0] = secret[0]! & 0x7f;
  const c = rsaPublicRaw(recipient, secret);
  if (!c.ok) return err(`METAKEY encryption failed: ${c.reason}`);
  return ok({ secret, hex: toHexUpper(c.value) });
}

/**
 * Decrypts a received METAKEY hex string with our private key. The length must be exactly
 * 2*RSA_size(own key) characters, as tinc requires.
 */
export function openMetakey(own: RsaPrivateKey, hex: string): Result<Uint8Array> {
  const want = 2 * rsaSize(own);
  if (hex.length !== want) return err(`METAKEY has ${hex.length} hex characters, expected ${want}`);
  const c = fromHex(hex);
  if (!c.ok) return err(`METAKEY: ${c.reason}`);
  const s = rsaPrivateRaw(own, c.value);
  if (!s.ok) return err(`METAKEY decryption failed: ${s.reason}`);
  return s;
}

/** Key and IV of a meta stream, taken from the end of S. */
export function metaKeyAndIv(
  secret: Uint8Array,
  cipher: CipherSpec,
): Result<{ key: Uint8Array; iv: Uint8Array }> {
  const k = cipher.keyLength;
  const v = cipher.ivLength;
  if (secret.length < k + v) {
    return err(`METAKEY secret of ${secret.length} bytes is too short for ${cipher.name}`);
  }
  const end = secret.length;
  return ok({ key: secret.slice(end - k, end), iv: secret.slice(end - k - v, end - k) });
}

/**
 * Checks the cipher and digest NIDs of a METAKEY line: both must be known and non-zero (tinc
 * rejects 0 for either), and the cipher must work as a stream.
 */
export function checkMetakeyNids(
  cipherNid: number,
  digestNid: number,
): Result<{ cipher: CipherSpec; digest: DigestSpec }> {
  if (cipherNid === 0) return err("METAKEY with cipher NID 0 (none) is refused");
  if (digestNid === 0) return err("METAKEY with digest NID 0 (none) is refused");
  const cipher = metaStreamCipherSpec(cipherNid);
  if (!cipher.ok) return cipher;
  const digest = digestByNid(digestNid);
  if (!digest.ok) return digest;
  return ok({ cipher: cipher.value, digest: digest.value });
}

/** The stream cipher keyed from S: "encrypt" for the METAKEY we sent, "decrypt" for one we received. */
export function metaStreamFromSecret(
  secret: Uint8Array,
  cipherNid: number,
  direction: StreamDirection,
): Result<LegacyStreamCipher> {
  const spec = metaStreamCipherSpec(cipherNid);
  if (!spec.ok) return spec;
  const kv = metaKeyAndIv(secret, spec.value);
  if (!kv.ok) return kv;
  return createLegacyStreamCipher(cipherNid, kv.value.key, kv.value.iv, direction);
}
