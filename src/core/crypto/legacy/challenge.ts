/**
 * CHALLENGE / CHAL_REPLY (spec 1.0 §2.2): the challenger sends RSA_size(peer key) random bytes
 * as hex; the peer answers with the hex digest of those bytes, using the digest the challenger
 * announced in its METAKEY. Hex goes out uppercase and is read in either case.
 * @module
 */
import { constantTimeEqual, fromHex, toHexUpper } from "./bytes.ts";
import { digestBytes } from "./digest.ts";
import { digestByNid } from "./nid.ts";
import { err, ok, type Result } from "./result.ts";
import { type RsaPublicKey, rsaSize } from "./rsa.ts";
import type { RandomBytes } from "./rsa_keygen.ts";

/** A challenge to send: the bytes to remember and the hex for the line. */
export interface Challenge {
  bytes: Uint8Array;
  hex: string;
}

/** Draws a challenge sized to the peer's key (RSA_size bytes). */
export function newChallenge(peer: RsaPublicKey, random: RandomBytes): Challenge {
  const bytes = random(rsaSize(peer)).slice(0, rsaSize(peer));
  return { bytes, hex: toHexUpper(bytes) };
}

/** Reads a received challenge, which must be 2*RSA_size(own key) hex characters. */
export function parseChallengeHex(ownKey: RsaPublicKey, hex: string): Result<Uint8Array> {
  const want = 2 * rsaSize(ownKey);
  if (hex.length !== want) return err(`CHALLENGE has ${hex.length} hex characters, expected ${want}`);
  const b = fromHex(hex);
  return b.ok ? b : err(`CHALLENGE: ${b.reason}`);
}

/** The CHAL_REPLY hex for a received challenge under the challenger's digest NID. */
export function challengeReplyHex(challenge: Uint8Array, digestNid: number): Result<string> {
  const spec = digestByNid(digestNid);
  if (!spec.ok) return spec;
  const d = digestBytes(spec.value, challenge);
  return d.ok ? ok(toHexUpper(d.value)) : d;
}

/**
 * Verifies a CHAL_REPLY against the challenge we sent, with our own digest: the hex must be
 * exactly twice the digest size and match in either case.
 */
export function verifyChallengeReply(
  challenge: Uint8Array,
  digestNid: number,
  replyHex: string,
): Result<true> {
  const spec = digestByNid(digestNid);
  if (!spec.ok) return spec;
  if (replyHex.length !== 2 * spec.value.size) {
    return err(`CHAL_REPLY has ${replyHex.length} hex characters, expected ${2 * spec.value.size}`);
  }
  const got = fromHex(replyHex);
  if (!got.ok) return err(`CHAL_REPLY: ${got.reason}`);
  const want = digestBytes(spec.value, challenge);
  if (!want.ok) return want;
  return constantTimeEqual(got.value, want.value) ? ok(true) : err("CHAL_REPLY does not match the challenge");
}
