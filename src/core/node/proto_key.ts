/**
 * KEY_CHANGED, REQ_KEY and ANS_KEY (tinc's protocol_key.c). Keys are per ordered pair and
 * chosen by the receiver, with our configured packet settings (auth/legacy_packet.ts).
 * A hop forwarding an ANS_KEY without an address appends the originator's UDP address when it
 * knows it and has a working path MTU toward the recipient (tinc's `to->minmtu`).
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
import { acceptSendKey, issueReceiveKey } from "./auth/legacy_packet.ts";
import { pmtuStart, sendProbeUdp } from "./auth/legacy_pmtu.ts";
import { nodeUsesSptps, sptpsMinmtu } from "./sptps_data.ts";
import { sptpsAnsKey, sptpsReqKey } from "./sptps_requests.ts";

type KeyChanged = Extract<Request, { code: RequestCode.KEY_CHANGED }>;
type ReqKey = Extract<Request, { code: RequestCode.REQ_KEY }>;
type AnsKey = Extract<Request, { code: RequestCode.ANS_KEY }>;

/** Broadcasts `14 NONCE MYNAME`: everyone must ask us for a new key. */
export function sendKeyChanged(core: NodeCore): void {
  core.broadcastLine(
    formatRequestLine({ code: RequestCode.KEY_CHANGED, nonce: core.nonce(), origin: core.myself.name }),
  );
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
 * Issues `to` a fresh key for its traffic toward us and resets our receive state for it (the
 * old key stops working at once, as in tinc).
 */
export function sendAnsKey(core: NodeCore, to: NodeRec): void {
  // SPTPS nodes have per-pair sessions instead (sptps_data.ts).
  if (nodeUsesSptps(core, to)) return;
  const c = to.nexthop?.conn;
  if (c === undefined) {
    core.log(LogLevel.requests, "No connection toward node for ANS_KEY", { node: to.name });
    return;
  }
  const issued = issueReceiveKey(core, to);
  if (!issued.ok) {
    core.log(LogLevel.basic, "Cannot issue a packet key", { node: to.name, reason: issued.reason });
    return;
  }
  core.sendLine(
    c,
    formatRequestLine({
      code: RequestCode.ANS_KEY,
      from: core.myself.name,
      to: to.name,
      key: issued.value.keyHex,
      cipher: issued.value.cipher,
      digest: issued.value.digest,
      macLength: issued.value.macLength,
      compression: issued.value.compression,
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
    if (req.ext !== undefined || nodeUsesSptps(core, from)) return sptpsReqKey(core, from, req);
    sendAnsKey(core, from);
    return OK;
  }
  if (core.config.tunnelServer) return ignored("tunnel server: not forwarding REQ_KEY");
  core.flushGraph();
  if (!to.reachable || to.nexthop?.conn === undefined) {
    return ignored("REQ_KEY for an unreachable destination");
  }
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
    if (!to.reachable || to.nexthop?.conn === undefined) {
      return ignored("ANS_KEY for an unreachable destination");
    }
    const minmtu = nodeUsesSptps(core, to) ? sptpsMinmtu(core, to) : to.minmtu;
    if (req.address === undefined && from.udp !== undefined && minmtu > 0) {
      core.log(LogLevel.requests, "Appending reflexive UDP address to ANS_KEY", {
        from: from.name,
        to: to.name,
      });
      core.sendLine(to.nexthop.conn, `${line} ${from.udp.host} ${from.udp.port}`);
      return OK;
    }
    core.sendLine(to.nexthop.conn, line);
    return OK;
  }
  if (nodeUsesSptps(core, from)) return sptpsAnsKey(core, from, req);
  const accepted = acceptSendKey(core, from, req);
  if (!accepted.ok) return ignored(`unusable key from ${from.name}: ${accepted.reason}`);
  if (req.address !== undefined && req.port !== undefined && /^[0-9]+$/.test(req.port)) {
    const port = Number(req.port);
    if (port <= 65535) core.setUdp(from, { host: req.address, port });
  }
  pmtuStart(core, from, sendProbeUdp(core));
  return OK;
};
