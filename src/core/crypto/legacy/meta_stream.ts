/**
 * The meta-connection cipher: after its METAKEY line each side encrypts everything it sends as
 * one continuous stream (AES-CFB128 in tinc 1.0.36), and the receiver decrypts the peer's stream
 * the same way. Chunk boundaries (TCP segments, reads) do not matter: the stream object keeps the
 * partial-block position.
 * @module
 */
import { blockCipherFor, StreamModeCipher } from "./modes.ts";
import { cipherByNid, type CipherSpec } from "./nid.ts";
import { err, ok, type Result } from "./result.ts";

/** A stateful byte-stream transform for one direction of one meta connection. */
export interface LegacyStreamCipher {
  /** Encrypts or decrypts the next bytes of the stream into a fresh array. */
  update(bytes: Uint8Array): Uint8Array;
}

/** Direction of a stream object: we encrypt what we send and decrypt what we receive. */
export type StreamDirection = "encrypt" | "decrypt";

/**
 * Checks that a cipher can run as a meta stream: a CFB, OFB or CTR mode. The "none" cipher and
 * CBC (which OpenSSL would buffer by blocks, never used by tinc for the meta stream) are refused.
 */
export function metaStreamCipherSpec(cipherNid: number): Result<CipherSpec> {
  const spec = cipherByNid(cipherNid);
  if (!spec.ok) return spec;
  const m = spec.value.mode;
  if (m !== "cfb" && m !== "ofb" && m !== "ctr") {
    return err(`cipher ${spec.value.name} (NID ${cipherNid}) cannot run as a meta-connection stream`);
  }
  return spec;
}

/** Builds the pure TypeScript stream for a cipher NID, key and IV. */
export function createLegacyStreamCipher(
  cipherNid: number,
  key: Uint8Array,
  iv: Uint8Array,
  direction: StreamDirection,
): Result<LegacyStreamCipher> {
  const spec = metaStreamCipherSpec(cipherNid);
  if (!spec.ok) return spec;
  if (iv.length !== spec.value.ivLength) {
    return err(`${spec.value.name} needs a ${spec.value.ivLength}-byte IV`);
  }
  const bc = blockCipherFor(spec.value, key);
  if (!bc.ok) return bc;
  const mode = spec.value.mode as "cfb" | "ofb" | "ctr";
  return ok(new StreamModeCipher(bc.value, mode, iv, direction === "decrypt"));
}
