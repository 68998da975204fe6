/**
 * The pluggable authentication step of a meta connection. tinc's gate is
 * ID → METAKEY → CHALLENGE → CHAL_REPLY → ACK → ALL; what happens between ID and ACK depends on
 * the authenticator: none at all (--bypass-security), legacy RSA + AES-CFB, or SPTPS. The
 * engine owns ID and ACK; the authenticator owns the requests in between and the stream
 * transform of the meta bytes.
 * @module
 */
import type { Request, RequestCode } from "../../meta/requests.ts";

/** What an authenticator wants after a step: lines to send, the next allowed code. */
export interface AuthStep {
  /** Request lines (without `\n`) to send now, in order. */
  send: string[];
  /** The next code allowed; RequestCode.ACK once the peer is proven. */
  expect: RequestCode;
  /** When set, refuse the connection with this reason. */
  refuse?: string;
  /**
   * When set, every received byte after the line just handled goes through this transform
   * (legacy: the CFB decryption that starts right after the peer's METAKEY line).
   */
  decryptFollowing?: (bytes: Uint8Array) => Uint8Array;
}

export interface Authenticator {
  readonly kind: string;
  /** The peer's ID was accepted; `outgoing` says which side we are. */
  afterId(peerName: string, outgoing: boolean): AuthStep;
  /** A request with a code between METAKEY and CHAL_REPLY arrived while allowed. */
  handle(request: Request): AuthStep;
  /** Transforms bytes we send (identity until our METAKEY is out, for legacy). */
  seal(bytes: Uint8Array): Uint8Array;
  /** True when seal() is a byte-stream transform, so several lines may be sealed in one call
   * (not so for SPTPS, where each call is one record and a record carries one request). */
  readonly sealsStream?: boolean;
  /** Transforms bytes we receive. */
  open(bytes: Uint8Array): Uint8Array;
}
