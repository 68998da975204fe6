/**
 * The meta requests of tinc 1.1's UDP sessions, addressed to us (spec tinc-1.1-sptps.md §2.3,
 * §2.4): REQ_KEY with its extensions (REQ_PUBKEY 19, ANS_PUBKEY 20, REQ_SPTPS_START 15,
 * SPTPS_PACKET 21), ANS_KEY carrying handshake records, `21 LEN` raw records and UDP_INFO.
 * Sessions, paths and records themselves are sptps_data.ts.
 *
 * ```
 *  15 FROM ME 19             → 15 ME FROM 20 <our key>   (and 15 ME FROM 19 if we lack theirs);
 *                              our unanswered session start is sent again behind it
 *  15 FROM ME 20 <key>       → key learned, appended to hosts/FROM; our session may start
 *  15 FROM ME 15 <KEX>       → a responder session; its KEX goes back in ANS_KEY
 *  15 FROM ME 21 <record>    → a data record relayed over TCP
 *  16 FROM ME <record> -1 -1 -1 COMP [ADDR PORT]  → the next handshake record; COMP is what
 *                              FROM wants to receive; ADDR PORT a relay's view of FROM
 *  21 LEN\n + | dst ID | src ID | record |  → ours, or passed on toward dst
 * ```
 * @module
 */
import { RequestCode } from "../meta/requests.ts";
import type { Request } from "../meta/requests.ts";
import { decodeTincBase64 } from "../sptps/base64.ts";
import { formatPublicKey, parsePublicKey } from "../sptps/key_files.ts";
import { nodeIdHex, parseUdpPacket } from "../sptps/node_id.ts";
import type { NodeCore } from "./core.ts";
import { LogLevel } from "./effects.ts";
import { ignored, OK, type Outcome, refused } from "./handler.ts";
import type { Connection, NodeRec } from "./world.ts";
import { learnEd25519Key, ownEd25519Key, peerEd25519Key, sptpsEnabled } from "./auth/sptps_keys.ts";
import {
  existingState,
  forwardRecord,
  idOfNode,
  MAX_SPTPS_PACKET,
  newSession,
  nodeById,
  openRecord,
  peerOf,
  REQ_KEY_EXT_ANS_PUBKEY,
  REQ_KEY_EXT_PACKET,
  REQ_KEY_EXT_PUBKEY,
  REQ_KEY_EXT_START,
  REQUEST_INTERVAL,
  requestSession,
  restart,
  sendReqKeyExt,
  state,
  udpConfirmed,
} from "./sptps_data.ts";

type ReqKey = Extract<Request, { code: RequestCode.REQ_KEY }>;
type AnsKey = Extract<Request, { code: RequestCode.ANS_KEY }>;

/** REQ_KEY addressed to us from an SPTPS node, or with an extension (tinc's req_key_ext_h). */
export function sptpsReqKey(core: NodeCore, from: NodeRec, req: ReqKey): Outcome {
  if (!sptpsEnabled(core.config)) return ignored("REQ_KEY extension without SPTPS");
  const p = peerOf(core, from);
  switch (req.ext) {
    case REQ_KEY_EXT_PUBKEY: {
      const mine = ownEd25519Key(core.config);
      if (mine === undefined) return ignored("no Ed25519 key to answer REQ_PUBKEY");
      sendReqKeyExt(core, from, REQ_KEY_EXT_ANS_PUBKEY, formatPublicKey(mine.publicKey));
      if (peerEd25519Key(core, from.name) === undefined) sendReqKeyExt(core, from, REQ_KEY_EXT_PUBKEY);
      // A node asking for our key dropped any REQ_SPTPS_START of ours that reached it first, so a
      // handshake we still wait on is dead. tinc keeps waiting 10 s for it; we start afresh right
      // behind the ANS_PUBKEY (same path, so the key arrives first). A tinc peer accepts that start;
      // one of ours may also start its own on learning the key, and the crossed-start rule below
      // then keeps exactly one. restart() allows this once per 10 s, so repeats cannot churn.
      if (p.session !== undefined && p.initiator && !p.valid) {
        core.log(LogLevel.requests, "Node lacked our key; restarting our SPTPS session", { node: from.name });
        restart(core, from, p);
      }
      return OK;
    }
    case REQ_KEY_EXT_ANS_PUBKEY: {
      if (peerEd25519Key(core, from.name) !== undefined) return ignored("already have the Ed25519 key");
      const key = parsePublicKey(req.payload ?? "");
      if (!key.ok) return ignored(`bad ANS_PUBKEY: ${key.reason}`);
      core.log(LogLevel.requests, "Learned Ed25519 public key", { node: from.name });
      learnEd25519Key(core, from.name, key.value);
      p.lastRequest = -Infinity;
      if (p.session === undefined) requestSession(core, from, p);
      return OK;
    }
    case REQ_KEY_EXT_START: {
      const record = req.payload === undefined ? undefined : decodeTincBase64(req.payload);
      if (record === undefined) return ignored("REQ_SPTPS_START without a record");
      if (peerEd25519Key(core, from.name) === undefined) {
        if (p.lastRequest + REQUEST_INTERVAL <= core.now) {
          p.lastRequest = core.now;
          sendReqKeyExt(core, from, REQ_KEY_EXT_PUBKEY);
        }
        return ignored("REQ_SPTPS_START from a node whose key we lack");
      }
      // Both sides started at once: the smaller name keeps its own (initiator) session, so that
      // exactly one handshake survives; tinc itself always yields, which also converges.
      if (
        p.session !== undefined && p.initiator && !p.valid && p.lastRequest > core.now - REQUEST_INTERVAL &&
        core.myself.name < from.name
      ) {
        return ignored("REQ_SPTPS_START crossed ours; keeping ours");
      }
      if (p.session !== undefined) {
        core.log(LogLevel.requests, "Restarting SPTPS session", { node: from.name });
      }
      if (!newSession(core, from, p, false)) return ignored("cannot start an SPTPS session");
      // As tinc's waitingforkey: frames meanwhile must not start a rival session of ours.
      p.lastRequest = core.now;
      const r = p.session!.receive(record);
      if (!r.ok) {
        core.drop(`SPTPS handshake: ${r.error.code}`, { from: from.name });
        return ignored(`bad REQ_SPTPS_START: ${r.error.message}`);
      }
      return OK;
    }
    case REQ_KEY_EXT_PACKET: {
      const record = req.payload === undefined ? undefined : decodeTincBase64(req.payload);
      if (record === undefined) return ignored("SPTPS_PACKET without a record");
      openRecord(core, from, record, { direct: false });
      return OK;
    }
    case undefined:
      return ignored("REQ_KEY without an extension from an SPTPS node");
    default:
      return ignored(`unknown REQ_KEY extension ${req.ext}`);
  }
}

/** ANS_KEY addressed to us from an SPTPS node: a handshake record of our session with it. */
export function sptpsAnsKey(core: NodeCore, from: NodeRec, req: AnsKey): Outcome {
  const p = peerOf(core, from);
  const record = decodeTincBase64(req.key);
  if (record === undefined) return ignored("ANS_KEY with a bad record");
  if (p.session === undefined) {
    core.drop("SPTPS handshake record without a session", { from: from.name });
    restart(core, from, p);
    return ignored("ANS_KEY without an SPTPS session");
  }
  if (req.compression < 0 || req.compression > 12) {
    return ignored(`bogus compression level ${req.compression}`);
  }
  p.outCompression = req.compression;
  const r = p.session.receive(record);
  if (!r.ok) {
    core.drop(`SPTPS handshake: ${r.error.code}`, { from: from.name });
    restart(core, from, p);
    return ignored(`bad SPTPS handshake record: ${r.error.message}`);
  }
  if (p.valid && req.address !== undefined && req.port !== undefined && /^[0-9]{1,5}$/.test(req.port)) {
    const port = Number(req.port);
    // The address a relay saw `from` at (NAT discovery) replaces ours while UDP is unconfirmed.
    if (port <= 65535 && !udpConfirmed(core, from)) core.setUdp(from, { host: req.address, port });
  }
  return OK;
}

/** UDP_INFO for us: where a relay saw `from`'s UDP packets; used while our UDP to it is unconfirmed. */
export function sptpsUdpInfo(core: NodeCore, from: NodeRec, host: string, port: string): Outcome {
  if (!/^[0-9]{1,5}$/.test(port) || Number(port) > 65535) return ignored(`bad UDP_INFO port ${port}`);
  if (udpConfirmed(core, from)) return ignored("UDP to the node already works");
  core.setUdp(from, { host, port: Number(port) });
  return OK;
}

/** `21 LEN`: the next LEN bytes, outside the meta SPTPS stream, are an addressed record. */
export function sptpsPacketAnnounced(core: NodeCore, c: Connection, length: number): Outcome {
  if (!sptpsEnabled(core.config) || c.peerMinor < 2) {
    return refused("SPTPS_PACKET on a connection without SPTPS");
  }
  if (length > MAX_SPTPS_PACKET) return refused(`SPTPS_PACKET length ${length} too long`);
  if (length === 0) return OK;
  c.framer.expectRaw(length);
  state(core).rawPending.add(c);
  return OK;
}

/** Raw bytes cut by the framer: true when they were an SPTPS_PACKET payload (and handled). */
export function sptpsTakeRaw(core: NodeCore, c: Connection, bytes: Uint8Array): boolean {
  const st = existingState(core);
  if (st === undefined || !st.rawPending.has(c)) return false;
  st.rawPending.delete(c);
  const parts = parseUdpPacket(bytes);
  const src = parts === undefined ? undefined : nodeById(core, parts.srcId);
  if (parts === undefined || src === undefined) {
    core.drop("SPTPS_PACKET from an unknown node", { peer: c.name });
    return true;
  }
  if (nodeIdHex(parts.dstId) === nodeIdHex(st.myId)) {
    openRecord(core, src, parts.record, { direct: false });
    return true;
  }
  const to = nodeById(core, parts.dstId);
  if (to === undefined || !to.reachable) {
    core.drop("SPTPS_PACKET for an unknown node", { peer: c.name });
    return true;
  }
  forwardRecord(core, to, idOfNode(core, src), parts.record.slice());
  return true;
}
