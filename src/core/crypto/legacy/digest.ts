/**
 * The digests tinc 1.0 names by NID (CHAL_REPLY hashes, packet HMACs), on @noble/hashes.
 * @module
 */
import { type _HMAC, hmac } from "@noble/hashes/hmac.js";
import { sha1 } from "@noble/hashes/legacy.js";
import { sha256, sha384, sha512 } from "@noble/hashes/sha2.js";
import type { DigestSpec } from "./nid.ts";
import { err, ok, type Result } from "./result.ts";

type NobleHash = typeof sha256;

function nobleHash(spec: DigestSpec): NobleHash | undefined {
  switch (spec.nid) {
    case 64:
      return sha1 as unknown as NobleHash;
    case 672:
      return sha256;
    case 673:
      return sha384 as unknown as NobleHash;
    case 674:
      return sha512 as unknown as NobleHash;
    default:
      return undefined;
  }
}

/** Hashes `data` with the digest; "none" and unknown digests are refused. */
export function digestBytes(spec: DigestSpec, data: Uint8Array): Result<Uint8Array> {
  const h = nobleHash(spec);
  if (!h) return err(`digest ${spec.name} (NID ${spec.nid}) cannot hash`);
  return ok(h(data));
}

/**
 * A keyed HMAC whose key schedule is computed once: each `mac` call clones the prepared state
 * into a reusable working object instead of re-hashing the key.
 */
export class PreparedHmac {
  readonly size: number;
  readonly #base: _HMAC<any>;
  readonly #work: _HMAC<any>;
  readonly #out: Uint8Array;

  private constructor(hash: NobleHash, key: Uint8Array) {
    this.#base = hmac.create(hash, key) as _HMAC<any>;
    this.#work = this.#base.clone();
    this.size = this.#base.outputLen;
    this.#out = new Uint8Array(this.size);
  }

  /** Prepares HMAC(digest, key); "none" and unknown digests are refused. */
  static create(spec: DigestSpec, key: Uint8Array): Result<PreparedHmac> {
    const h = nobleHash(spec);
    if (!h) return err(`digest ${spec.name} (NID ${spec.nid}) cannot key an HMAC`);
    return ok(new PreparedHmac(h, key));
  }

  /** HMAC of `data`; the returned array is reused by the next call. */
  mac(data: Uint8Array): Uint8Array {
    this.#base._cloneInto(this.#work);
    this.#work.update(data);
    this.#work.digestInto(this.#out);
    return this.#out;
  }
}
