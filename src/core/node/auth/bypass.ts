/**
 * tincd --bypass-security: after the IDs both sides send ACK at once; no keys, no encryption.
 * @module
 */
import { type Request, RequestCode } from "../../meta/requests.ts";
import type { Authenticator, AuthStep } from "./authenticator.ts";

/** The authenticator for --bypass-security connections. */
export class BypassAuthenticator implements Authenticator {
  readonly kind = "bypass";
  readonly sealsStream = true;

  afterId(_peerName: string, _outgoing: boolean): AuthStep {
    return { send: [], expect: RequestCode.ACK };
  }

  handle(request: Request): AuthStep {
    return {
      send: [],
      expect: RequestCode.ACK,
      refuse: `request ${request.code} has no place without security`,
    };
  }

  seal(bytes: Uint8Array): Uint8Array {
    return bytes;
  }

  open(bytes: Uint8Array): Uint8Array {
    return bytes;
  }
}
