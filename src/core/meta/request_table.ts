/**
 * Facts about each request code: its name, whether it is flooded (and so deduplicated), whether
 * a tinc generation has a handler for it, and the authentication gate order.
 *
 * ```
 *  gate (allow_request):  ID -> METAKEY -> CHALLENGE -> CHAL_REPLY -> ACK -> ALL
 *  --bypass-security and 1.1 SPTPS:  ID -> ACK -> ALL
 * ```
 * @module
 */
import { RequestCode } from "./requests.ts";
import { LAST_REQUEST_CODE } from "./codec.ts";
import type { Dialect } from "../subnet/subnet_text.ts";

const NAMES: readonly string[] = [
  "ID",
  "METAKEY",
  "CHALLENGE",
  "CHAL_REPLY",
  "ACK",
  "STATUS",
  "ERROR",
  "TERMREQ",
  "PING",
  "PONG",
  "ADD_SUBNET",
  "DEL_SUBNET",
  "ADD_EDGE",
  "DEL_EDGE",
  "KEY_CHANGED",
  "REQ_KEY",
  "ANS_KEY",
  "PACKET",
  "CONTROL",
  "REQ_PUBKEY",
  "ANS_PUBKEY",
  "SPTPS_PACKET",
  "UDP_INFO",
  "MTU_INFO",
];

/** tinc's name for a request code (`"ID"`, `"ADD_EDGE"`…), or `"UNKNOWN(n)"`. */
export function requestName(code: number): string {
  return NAMES[code] ?? `UNKNOWN(${code})`;
}

/**
 * Requests that are flooded through the mesh and therefore pass the dedup cache (whole line as
 * key) before being handled and forwarded: ADD/DEL_SUBNET, ADD/DEL_EDGE, KEY_CHANGED.
 */
export function isFlooded(code: number): boolean {
  return code === RequestCode.ADD_SUBNET || code === RequestCode.DEL_SUBNET ||
    code === RequestCode.ADD_EDGE || code === RequestCode.DEL_EDGE || code === RequestCode.KEY_CHANGED;
}

/**
 * Whether a generation dispatches this code. 1.0.36 knows 0..17 but has no handler for 5, 6, 7;
 * 1.1 adds 18, 21, 22, 23 (19 and 20 exist only as REQ_KEY extension numbers). A code without
 * a handler is an "Unknown request" and closes the connection. (1.1 HEAD does list a TERMREQ
 * handler, but it always fails, so 7 closes the connection there too; it is reported as
 * handler-less for both generations.)
 */
export function hasHandler(code: number, dialect: Dialect): boolean {
  if (code < 0 || code > LAST_REQUEST_CODE || !Number.isInteger(code)) return false;
  if (code === RequestCode.STATUS || code === RequestCode.ERROR || code === RequestCode.TERMREQ) return false;
  if (dialect === "1.0") return code <= RequestCode.PACKET;
  return code !== RequestCode.REQ_PUBKEY && code !== RequestCode.ANS_PUBKEY;
}

/** What a connection accepts next: one code during authentication, then everything. */
export type AllowedRequest = RequestCode | "ALL";

/** The legacy RSA handshake's gate order, ending in ALL after ACK. */
export const LEGACY_AUTH_GATE: readonly AllowedRequest[] = [
  RequestCode.ID,
  RequestCode.METAKEY,
  RequestCode.CHALLENGE,
  RequestCode.CHAL_REPLY,
  RequestCode.ACK,
  "ALL",
];

/** The gate with `--bypass-security`, and for 1.1 after the SPTPS handshake: ID, ACK, ALL. */
export const SHORT_AUTH_GATE: readonly AllowedRequest[] = [RequestCode.ID, RequestCode.ACK, "ALL"];

/**
 * Whether a request code may be handled in the current gate state (`allow_request`): only the
 * one expected code during authentication, anything once the state is ALL.
 */
export function isAllowed(code: number, allowed: AllowedRequest): boolean {
  return allowed === "ALL" || code === allowed;
}

/**
 * The gate state after the expected request was handled successfully, following `gate`.
 * Returns the same state for ALL, and for a code the gate does not list.
 */
export function nextAllowed(
  current: AllowedRequest,
  gate: readonly AllowedRequest[] = LEGACY_AUTH_GATE,
): AllowedRequest {
  const i = gate.indexOf(current);
  if (i < 0 || i === gate.length - 1) return current;
  return gate[i + 1]!;
}

/**
 * Requests whose LEN field announces raw bytes: `21 LEN` and, on a plaintext or CFB stream,
 * `17 LEN` are followed by LEN raw stream bytes. (In a 1.1 SPTPS meta stream the frame of a
 * `17 LEN` is the next SPTPS record instead.)
 */
export function carriesRawBytes(code: number): boolean {
  return code === RequestCode.PACKET || code === RequestCode.SPTPS_PACKET;
}
