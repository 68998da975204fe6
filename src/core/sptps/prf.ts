/**
 * SPTPS key derivation (spec tinc-1.1-sptps.md §1.5): an HMAC-SHA512 chain keyed with the ECDH
 * secret. Unlike TLS's P_hash the chain starts from 64 zero bytes and re-appends the seed at
 * every step:
 *
 * ```
 *   seed  = "key expansion" || initiator nonce[32] || responder nonce[32] || label
 *   A1    = HMAC(K, 0^64 || seed)
 *   A(i+1)= HMAC(K, A(i) || seed)
 *   out   = A2 || A3 || ...  (first 128 bytes)
 *
 *   out[0..64)   key the responder sends with      out[64..128)  key the initiator sends with
 * ```
 * @module
 */
import { hmac } from "@noble/hashes/hmac.js";
import { sha512 } from "@noble/hashes/sha2.js";
import { utf8ToBytes } from "@noble/hashes/utils.js";

const KEY_EXPANSION = utf8ToBytes("key expansion");

/** Bytes of key material one SPTPS handshake derives (two 64-byte direction keys). */
export const KEY_MATERIAL_LENGTH = 128;

/** tinc's PRF: `length` bytes from `secret` and `seed`. */
export function tincPrf(secret: Uint8Array, seed: Uint8Array, length: number): Uint8Array {
  const out = new Uint8Array(length);
  const block = new Uint8Array(64 + seed.length);
  block.set(seed, 64);
  block.set(hmac(sha512, secret, block), 0);
  for (let o = 0; o < length; o += 64) {
    const next = hmac(sha512, secret, block);
    out.set(next.subarray(0, Math.min(64, length - o)), o);
    block.set(next, 0);
  }
  return out;
}

/** The two 64-byte direction keys of a session. */
export interface SessionKeys {
  /** PRF bytes 0..64: the responder sends with it, the initiator receives with it. */
  responderSends: Uint8Array;
  /** PRF bytes 64..128: the initiator sends with it. */
  initiatorSends: Uint8Array;
}

/** Derives both direction keys from the ECDH secret, both KEX nonces and the session label. */
export function deriveSessionKeys(
  shared: Uint8Array,
  initiatorNonce: Uint8Array,
  responderNonce: Uint8Array,
  label: Uint8Array,
): SessionKeys {
  const seed = new Uint8Array(
    KEY_EXPANSION.length + initiatorNonce.length + responderNonce.length + label.length,
  );
  seed.set(KEY_EXPANSION, 0);
  seed.set(initiatorNonce, KEY_EXPANSION.length);
  seed.set(responderNonce, KEY_EXPANSION.length + initiatorNonce.length);
  seed.set(label, KEY_EXPANSION.length + initiatorNonce.length + responderNonce.length);
  const material = tincPrf(shared, seed, KEY_MATERIAL_LENGTH);
  return { responderSends: material.slice(0, 64), initiatorSends: material.slice(64, 128) };
}

/**
 * The label of a meta connection (`tinc TCP key expansion A B` + NUL) or per-node data session
 * (`tinc UDP ...` + NUL); A is the initiator.
 */
export function sessionLabel(kind: "TCP" | "UDP", initiatorName: string, responderName: string): Uint8Array {
  const text = utf8ToBytes(`tinc ${kind} key expansion ${initiatorName} ${responderName}`);
  const label = new Uint8Array(text.length + 1);
  label.set(text, 0);
  return label;
}

/** The invitation label (no trailing NUL). */
export const INVITATION_LABEL: Uint8Array = utf8ToBytes("tinc invitation");
