/**
 * How per-node SPTPS handshake records travel over the meta connection (spec
 * tinc-1.1-sptps.md §2.4), as pure builders and readers of `Request` values:
 *
 * ```
 *  15 FROM TO 15 <b64(record)>                         REQ_KEY, ext 15 = REQ_SPTPS_START (first KEX)
 *  16 FROM TO <b64(record)> -1 -1 -1 <compression>     ANS_KEY, every later handshake record
 *  15 FROM TO 21 <b64(record)>                         REQ_KEY ext SPTPS_PACKET (data over TCP, minor < 7)
 * ```
 * b64 is tinc's base64 (base64.ts); `compression` is the level the sender wants to receive.
 * @module
 */
import { RequestCode } from "../meta/requests.ts";
import type { Request } from "../meta/requests.ts";
import { decodeTincBase64, encodeTincBase64 } from "./base64.ts";

/** REQ_KEY extension number that starts an SPTPS data session. */
export const REQ_SPTPS_START = 15;

type ReqKey = Extract<Request, { code: RequestCode.REQ_KEY }>;
type AnsKey = Extract<Request, { code: RequestCode.ANS_KEY }>;

/** `15 from to 15 <b64>`: the initiator's first KEX record of a data session. */
export function sptpsStartRequest(from: string, to: string, record: Uint8Array): ReqKey {
  return { code: RequestCode.REQ_KEY, from, to, ext: REQ_SPTPS_START, payload: encodeTincBase64(record) };
}

/** `16 from to <b64> -1 -1 -1 <compression>`: any later handshake record of a data session. */
export function sptpsHandshakeAnswer(
  from: string,
  to: string,
  record: Uint8Array,
  compression: number,
): AnsKey {
  return {
    code: RequestCode.ANS_KEY,
    from,
    to,
    key: encodeTincBase64(record),
    cipher: -1,
    digest: -1,
    macLength: -1,
    compression,
  };
}

/** `15 from to 21 <b64>`: a data record relayed inside the meta protocol (peer minor < 7). */
export function sptpsPacketRequest(from: string, to: string, record: Uint8Array): ReqKey {
  return {
    code: RequestCode.REQ_KEY,
    from,
    to,
    ext: RequestCode.SPTPS_PACKET,
    payload: encodeTincBase64(record),
  };
}

/** The record carried by a REQ_KEY with a payload (ext 15 or 21); undefined when absent or not base64. */
export function recordOfReqKey(req: ReqKey): Uint8Array | undefined {
  return req.payload === undefined ? undefined : decodeTincBase64(req.payload);
}

/** The record carried in an SPTPS ANS_KEY's key field; undefined when it is not base64. */
export function recordOfAnsKey(req: AnsKey): Uint8Array | undefined {
  return decodeTincBase64(req.key);
}
