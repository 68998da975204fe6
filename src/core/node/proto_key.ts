/**
 * KEY_CHANGED, REQ_KEY and ANS_KEY (tinc's protocol_key.c). Keys are per ordered pair and
 * chosen by the receiver. With Cipher and Digest none (the only packet crypto wired so far)
 * the key is one random byte and the datagram is `seqno ‖ frame`.
 *
 * ```
 *  14 NONCE ORIGIN
 *  15 FROM TO                                          (sent toward TO's nexthop)
 *  16 FROM TO KEYHEX CIPHER DIGEST MACLEN COMP [ADDR PORT]  (sent toward TO's nexthop)
 * ```
 * @module
 */
import { type Request, RequestCode } from "../meta/requests.ts";
import type { NodeCore } from "./core.ts";
import { LogLevel } from "./effects.ts";
import { type Handler, ignored, OK, refused } from "./handler.ts";
import { formatRequestLine, isValidName } from "./wire.ts";
import type { NodeRec } from "./world.ts";

type KeyChanged = Extract<Request, { code: RequestCode.KEY_CHANGED }>;
type ReqKey = Extract<Request, { code: RequestCode.REQ_KEY }>;
type AnsKey = Extract<Request, { code: RequestCode.ANS_KEY }>;

/** Cipher NID 0: no packet encryption (tinc's Cipher = none), which wants a 1-byte key. */
export const CIPHER_NONE = 0;
export const DIGEST_NONE = 0;
const HEX = /^[0-9a-fA-F]*$/;

/** Broadcasts `14 NONCE MYNAME`: everyone must ask us for a new key. */
export function sendKeyChanged(core: NodeCore): void {
  core.broadcastLine(formatRequestLine({ code: RequestCode.KEY_CHANGED, nonce: core.nonce(), origin: core.myself.name }));
}

/** Asks `to` for the key we must use to send to it, via its nexthop. */
export function sendReqKey(core: NodeCore, to: NodeRec): void {
  const c = to.nexthop?.conn;
  if (c === undefined) {
    core.log(LogLevel.requests, "No connection toward node for REQ_KEY", { node: to.name });
    return;
  }
  core.sendLine(c, formatRequestLine({ code: RequestCode.REQ_KEY, from: core.myself.name, to: to.name }));
}

/**
 * Issues `to` a fresh key for its traffic toward us (null cipher: one random byte) and resets
 * our receive state for it.
 */
export function sendAnsKey(core: NodeCore, to: NodeRec): void {
  const c = to.nexthop?.conn;
  if (c === undefined) {
    core.log(LogLevel.requests, "No connection toward node for ANS_KEY", { node: to.name });
    return;
  }
  const key = (core.rng.nextU32() & 0xff).toString(16).toUpperCase().padStart(2, "0");
  to.inKey = true;
  to.receivedSeqno = 0;
  core.sendLine(
    c,
    formatRequestLine({
      code: RequestCode.ANS_KEY,
      from: core.myself.name,
      to: to.name,
      key,
      cipher: CIPHER_NONE,
      digest: DIGEST_NONE,
      macLength: 0,
      compression: 0,
    }),
  );
}

export const handleKeyChanged: Handler<KeyChanged> = (core, c, req, line) => {
  if (!isValidName(req.origin)) return refused("bad origin name");
  if (core.seenRequest(line)) return ignored("already seen");
  const n = core.nodes.get(req.origin);
  if (n === undefined) return ignored("KEY_CHANGED from an unknown origin");
  n.validKey = false;
  n.lastReqKey = -Infinity;
  if (!core.config.tunnelServer) core.broadcastLine(line, c);
  return OK;
};

export const handleReqKey: Handler<ReqKey> = (core, _c, req, line) => {
  if (!isValidName(req.from) || !isValidName(req.to)) return refused("bad node name");
  const from = core.nodes.get(req.from);
  const to = core.nodes.get(req.to);
  if (from === undefined) return ignored("REQ_KEY from an unknown origin");
  if (to === undefined) return ignored("REQ_KEY for an unknown destination");
  if (to === core.myself) {
    sendAnsKey(core, from);
    return OK;
  }
  if (core.config.tunnelServer) return ignored("tunnel server: not forwarding REQ_KEY");
  core.flushGraph();
  if (!to.reachable || to.nexthop?.conn === undefined) return ignored("REQ_KEY for an unreachable destination");
  core.sendLine(to.nexthop.conn, line);
  return OK;
};

export const handleAnsKey: Handler<AnsKey> = (core, _c, req, line) => {
  if (!isValidName(req.from) || !isValidName(req.to)) return refused("bad node name");
  const from = core.nodes.get(req.from);
  const to = core.nodes.get(req.to);
  if (from === undefined) return ignored("ANS_KEY from an unknown origin");
  if (to === undefined) return ignored("ANS_KEY for an unknown destination");
  if (to !== core.myself) {
    if (core.config.tunnelServer) return ignored("tunnel server: not forwarding ANS_KEY");
    core.flushGraph();
    if (!to.reachable || to.nexthop?.conn === undefined) return ignored("ANS_KEY for an unreachable destination");
    core.sendLine(to.nexthop.conn, line);
    return OK;
  }
  if (!HEX.test(req.key) || req.key.length % 2 !== 0) return ignored("ANS_KEY key is not hex");
  if (req.cipher !== CIPHER_NONE) return ignored(`ANS_KEY cipher ${req.cipher} not supported yet`);
  if (req.key.length !== 2) return ignored("ANS_KEY with cipher none needs a 1-byte key");
  if (req.digest !== DIGEST_NONE) return ignored(`ANS_KEY digest ${req.digest} not supported yet`);
  if (req.macLength !== 0) return ignored("ANS_KEY MAC length must be 0 without a digest");
  if (req.compression < 0 || req.compression > 11) return ignored("ANS_KEY compression out of range");
  if (req.compression !== 0) return ignored(`ANS_KEY compression ${req.compression} not supported yet`);
  from.validKey = true;
  from.waitingForKey = false;
  from.sentSeqno = 0;
  if (req.address !== undefined && req.port !== undefined && /^[0-9]+$/.test(req.port)) {
    const port = Number(req.port);
    if (port <= 65535) core.setUdp(from, { host: req.address, port });
  }
  return OK;
};
