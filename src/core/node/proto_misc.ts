/**
 * PING, PONG and PACKET (tinc's protocol_misc.c). PING is answered at once; PONG clears the
 * pinged flag and resets an outgoing connection's reconnect backoff; PACKET announces a raw
 * frame of LEN bytes that follows in the stream (`17 LEN\n` + LEN bytes, no packet crypto).
 * @module
 */
import { type Request, RequestCode } from "../meta/requests.ts";
import type { NodeCore } from "./core.ts";
import { type Handler, OK, refused } from "./handler.ts";
import type { Connection } from "./world.ts";

/** Sends `8` and arms the PONG deadline. */
export function sendPing(core: NodeCore, c: Connection): void {
  c.pinged = true;
  c.lastPingTime = core.now;
  core.sendLine(c, "8");
}

export const handlePing: Handler<Extract<Request, { code: RequestCode.PING }>> = (core, c) => {
  core.sendLine(c, "9");
  return OK;
};

export const handlePong: Handler<Extract<Request, { code: RequestCode.PONG }>> = (_core, c) => {
  c.pinged = false;
  if (c.outgoing !== undefined) c.outgoing.timeout = 0;
  return OK;
};

/** The largest frame tinc accepts into a packet buffer (MAXSIZE). */
export const MAX_FRAME = 1661;

/**
 * `17 LEN`: the framer is told to cut LEN raw bytes next; the engine routes them when they
 * arrive. A length the packet buffer cannot hold closes the connection.
 */
export const handlePacket: Handler<Extract<Request, { code: RequestCode.PACKET }>> = (_core, c, req) => {
  if (req.length > MAX_FRAME) return refused(`PACKET length ${req.length} exceeds ${MAX_FRAME}`);
  if (req.length > 0) c.framer.expectRaw(req.length);
  return OK;
};

/** Sends a frame over a meta connection as `17 LEN` + the raw bytes. */
export function sendTcpPacket(core: NodeCore, c: Connection, frame: Uint8Array): void {
  core.sendLine(c, `${RequestCode.PACKET} ${frame.length}`);
  core.sendRaw(c, frame);
}
