/**
 * ANS_KEY key material (spec 1.0 §5): the receiver of a direction draws key+IV random bytes and
 * sends them as hex, KEY FIRST, then IV (the reverse of METAKEY's layout).
 *
 * ```
 *   +----------------------------+----------------+
 *   | key (keyLength)            | IV (ivLength)  |     "none" cipher: 1 random byte
 *   +----------------------------+----------------+
 * ```
 * @module
 */
import { fromHex, toHexUpper } from "./bytes.ts";
import { cipherByNid, type CipherSpec, packetKeyMaterialLength } from "./nid.ts";
import { err, type Result } from "./result.ts";
import type { RandomBytes } from "./rsa_keygen.ts";

/** Draws fresh key material for a cipher. */
export function newPacketKeyMaterial(cipher: CipherSpec, random: RandomBytes): Uint8Array {
  const len = packetKeyMaterialLength(cipher);
  return random(len).slice(0, len);
}

/** Uppercase hex of key material for the ANS_KEY line. */
export function packetKeyMaterialHex(material: Uint8Array): string {
  return toHexUpper(material);
}

/**
 * Reads the KEYHEX field of an ANS_KEY for a cipher NID; the length must be exactly key+IV bytes
 * (1 for none), as ans_key_h checks.
 */
export function parsePacketKeyMaterial(hex: string, cipherNid: number): Result<Uint8Array> {
  const cipher = cipherByNid(cipherNid);
  if (!cipher.ok) return cipher;
  const bytes = fromHex(hex);
  if (!bytes.ok) return err(`ANS_KEY key: ${bytes.reason}`);
  const want = packetKeyMaterialLength(cipher.value);
  if (bytes.value.length !== want) {
    return err(`ANS_KEY key for ${cipher.value.name} must be ${want} bytes, got ${bytes.value.length}`);
  }
  return bytes;
}

/** Splits key material into key and IV (views into `material`). */
export function splitPacketKeyMaterial(
  material: Uint8Array,
  cipher: CipherSpec,
): { key: Uint8Array; iv: Uint8Array } {
  const k = cipher.keyLength;
  return { key: material.subarray(0, k), iv: material.subarray(k, k + cipher.ivLength) };
}
