/**
 * tinc 1.1's data path between SPTPS nodes (spec tinc-1.1-sptps.md §2.3–§2.5): one datagram
 * SPTPS session per node pair, started by the side that has traffic, its handshake carried in
 * REQ_KEY/ANS_KEY lines hop by hop (also through 1.0 nodes, which forward those lines unchanged),
 * data records over UDP with node IDs, relayed by a third node or carried over TCP when direct
 * UDP does not work.
 *
 * ```
 *  15 ME N 19                          REQ_PUBKEY: send me your Ed25519 key
 *  15 N ME 20 <b64 key>                ANS_PUBKEY (learned keys are appended to hosts/N)
 *  15 ME N 15 <b64 KEX record>         REQ_SPTPS_START: the initiator's first record
 *  16 A B <b64 record> -1 -1 -1 COMP   every later handshake record (rekeys too); COMP is the
 *                                      compression level A wants to receive
 *  15 A B 21 <b64 record>              a data record over TCP toward a hop of minor < 7
 *  21 LEN\n + LEN raw bytes            the same toward a hop of minor ≥ 7 (outside the meta SPTPS):
 *                                      | dst ID (6) | src ID (6) | record |
 *
 *  UDP:  | dst ID (6, zero = for you) | src ID (6) | seqno u32be | ChaCha20(type ‖ data) | tag (16) |
 *        type: 0 IP packet without its Ethernet header (router mode), PKT_MAC (2) whole frame,
 *              PKT_COMPRESSED (1) bit, PKT_PROBE (4): data[0] 0 request, 1 reply, 2 compact reply
 *              (u16be probed length in data[1..2])
 * ```
 *
 * Path choice for a data record (tinc's send_sptps_data): direct UDP once a probe reply came
 * back directly (udp confirmed); else UDP to the static relay or the next hop, with the
 * destination's ID, when that hop speaks minor ≥ 4 and its own UDP is confirmed; else TCP via the
 * next hop. Probes go direct, every 2 s until confirmed and every 10 s after; a confirmation
 * older than 30 s lapses. Once UDP is confirmed, probes bisect the path MTU (one a second; a
 * size unanswered three times lowers maxmtu) until maxmtu − minmtu ≤ 8. As in tinc, data longer
 * than minmtu (the largest probe answered) takes the TCP path, so nothing is lost meanwhile.
 * The meta requests addressed to us (REQ_KEY extensions, ANS_KEY, `21 LEN`, UDP_INFO) are
 * handled in sptps_requests.ts on top of this module.
 * @module
 */
import { OPTION_TCPONLY, RequestCode } from "../meta/requests.ts";
import { encodeTincBase64 } from "../sptps/base64.ts";
import {
  DIRECT_NODE_ID,
  frameUdpPacket,
  isDirectNodeId,
  NODE_ID_PREFIX_LENGTH,
  nodeIdHex,
  nodeIdOf,
  parseUdpPacket,
} from "../sptps/node_id.ts";
import { sessionLabel } from "../sptps/prf.ts";
import { SPTPS_DATAGRAM_OVERHEAD, SPTPS_HANDSHAKE, SptpsSession } from "../sptps/session.ts";
import type { NodeCore } from "./core.ts";
import { addrKey, LogLevel, type SockAddr } from "./effects.ts";
import type { Request } from "../meta/requests.ts";
import { formatRequestLine } from "./wire.ts";
import type { Connection, NodeRec } from "./world.ts";
import { ownEd25519Key, peerEd25519Key, sptpsEnabled, sptpsRandom } from "./auth/sptps_keys.ts";
import { routeFrame } from "./data.ts";
import { MAX_FRAME, sendTcpPacket } from "./proto_misc.ts";

/** Record type bits inside a UDP session. */
export const PKT_COMPRESSED = 1;
/** The record holds the whole Ethernet frame (switch and hub modes). */
export const PKT_MAC = 2;
/** A path MTU probe or its reply. */
export const PKT_PROBE = 4;
/** The smallest probe tinc sends or accepts. */
export const MIN_PROBE_SIZE = 18;

const ETH_HEADER = 14;
/** REQ_KEY extension numbers: REQ_PUBKEY, ANS_PUBKEY, REQ_SPTPS_START, SPTPS_PACKET. */
export const REQ_KEY_EXT_PUBKEY = RequestCode.REQ_PUBKEY;
/** See REQ_KEY_EXT_PUBKEY. */
export const REQ_KEY_EXT_ANS_PUBKEY = RequestCode.ANS_PUBKEY;
/** See REQ_KEY_EXT_PUBKEY. */
export const REQ_KEY_EXT_START = 15;
/** See REQ_KEY_EXT_PUBKEY. */
export const REQ_KEY_EXT_PACKET = RequestCode.SPTPS_PACKET;
/** A key request (REQ_PUBKEY or REQ_SPTPS_START) or a session restart at most this often (ms). */
export const REQUEST_INTERVAL = 10_000;
const PROBE_INTERVAL = 2_000;
const KEEPALIVE_INTERVAL = 10_000;
const UDP_TIMEOUT = 30_000;
const PROBE_SIZE = 64;
/** tinc's largest MTU: an Ethernet frame with a VLAN tag. */
const PMTU_MAX = 1518;
const PMTU_STEP = 1_000;
const PMTU_MISSES = 3;
const PMTU_SETTLED = 8;
/** The largest `21 LEN` payload: IDs, seqno, type, a frame and the tag. */
export const MAX_SPTPS_PACKET = NODE_ID_PREFIX_LENGTH + 4 + 1 + MAX_FRAME + 16;

type ReqKey = Extract<Request, { code: RequestCode.REQ_KEY }>;

/** Where the record being opened came from. */
interface Arrival {
  addr?: SockAddr;
  /** Sent straight to us (dst ID zero), not relayed or over TCP. */
  direct: boolean;
}

/** Our UDP session with one node. */
export interface PeerSession {
  session?: SptpsSession;
  /** At least one handshake finished on this session. */
  valid: boolean;
  /** Inside start(): the first handshake record is REQ_SPTPS_START. */
  starting: boolean;
  /** The current session is one we started. */
  initiator: boolean;
  /** The compression level the node asked for in its ANS_KEY. */
  outCompression: number;
  lastRequest: number;
  lastRestart: number;
  udpConfirmedAt: number;
  lastProbeAt: number;
  /** Path MTU: the largest probe answered directly, the largest size believed to pass. */
  minmtu: number;
  maxmtu: number;
  /** The discovery probe in flight (0: none) and how often that size went unanswered. */
  probeSize: number;
  probeMisses: number;
  /** While set, records go as UDP straight to this address (probes and their replies). */
  forceUdpTo?: SockAddr;
  arrival?: Arrival;
}

interface SptpsState {
  peers: Map<string, PeerSession>;
  /** Slots of config.sptpsCipher held by a peer's session. */
  slots: Map<string, number>;
  myId: Uint8Array;
  names: Map<string, string>;
  ids: Map<string, Uint8Array>;
  /** When the ID index was last rebuilt, and over how many nodes. */
  scanAt: number;
  scanSize: number;
  rawPending: WeakSet<Connection>;
}

const states = new WeakMap<NodeCore, SptpsState>();

/** The node's SPTPS state, if it ever needed one (nothing is created for 1.0-only engines). */
export function existingState(core: NodeCore): SptpsState | undefined {
  return states.get(core);
}

/** The node's SPTPS state, created on first use. */
export function state(core: NodeCore): SptpsState {
  let s = states.get(core);
  if (s === undefined) {
    s = {
      peers: new Map(),
      slots: new Map(),
      myId: nodeIdOf(core.myself.name),
      names: new Map(),
      ids: new Map(),
      scanAt: -Infinity,
      scanSize: -1,
      rawPending: new WeakSet(),
    };
    states.set(core, s);
  }
  return s;
}

/** Our session record for `n`, created on first use. */
export function peerOf(core: NodeCore, n: NodeRec): PeerSession {
  const st = state(core);
  let p = st.peers.get(n.name);
  if (p === undefined) {
    p = {
      valid: false,
      starting: false,
      initiator: false,
      outCompression: 0,
      lastRequest: -Infinity,
      lastRestart: -Infinity,
      udpConfirmedAt: -Infinity,
      lastProbeAt: -Infinity,
      minmtu: 0,
      maxmtu: PMTU_MAX,
      probeSize: 0,
      probeMisses: 0,
    };
    st.peers.set(n.name, p);
  }
  return p;
}

/** A node's 6-byte ID (first bytes of SHA-512 of its name), cached. */
export function idOfNode(core: NodeCore, n: NodeRec): Uint8Array {
  const st = state(core);
  let id = st.ids.get(n.name);
  if (id === undefined) {
    id = nodeIdOf(n.name);
    st.ids.set(n.name, id);
    st.names.set(nodeIdHex(id), n.name);
  }
  return id;
}

/** The node with this ID among those we know. */
export function nodeById(core: NodeCore, id: Uint8Array): NodeRec | undefined {
  const st = state(core);
  const hex = nodeIdHex(id);
  let name = st.names.get(hex);
  // A miss rebuilds the index (dropping forgotten nodes) when the node set changed, and at most
  // once a second otherwise, so that junk datagrams cannot make every packet a full scan.
  if (name === undefined && (core.nodes.size !== st.scanSize || st.scanAt + 1000 <= core.now)) {
    st.scanAt = core.now;
    st.scanSize = core.nodes.size;
    const ids = new Map<string, Uint8Array>();
    st.names.clear();
    for (const n of core.nodes.values()) {
      const id = st.ids.get(n.name) ?? nodeIdOf(n.name);
      ids.set(n.name, id);
      st.names.set(nodeIdHex(id), n.name);
    }
    st.ids = ids;
    name = st.names.get(hex);
  }
  return name === undefined ? undefined : core.nodes.get(name);
}

/** The protocol minor a node announced (top byte of its options). */
function minorOf(n: NodeRec): number {
  return n.options >>> 24;
}

/** Whether data to `n` uses an SPTPS UDP session (we and `n` both speak minor ≥ 2). */
export function nodeUsesSptps(core: NodeCore, n: NodeRec): boolean {
  return n !== core.myself && minorOf(n) >= 2 && sptpsEnabled(core.config);
}

/** Whether a record of `recordLength` bytes is known to pass the path toward `n`. */
function fits(core: NodeCore, n: NodeRec, recordLength: number): boolean {
  const p = state(core).peers.get(n.name);
  return p !== undefined && recordLength - SPTPS_DATAGRAM_OVERHEAD <= p.minmtu;
}

function discovering(p: PeerSession): boolean {
  return p.maxmtu - p.minmtu > PMTU_SETTLED;
}

/** A probe came back directly from `n` within the last 30 s. */
export function udpConfirmed(core: NodeCore, n: NodeRec): boolean {
  const p = state(core).peers.get(n.name);
  return p !== undefined && p.valid && p.udpConfirmedAt + UDP_TIMEOUT > core.now && n.udp !== undefined;
}

// ---- sessions ---------------------------------------------------------------------------------

/** Starts a fresh datagram session with `n` (false when a key is missing). */
export function newSession(core: NodeCore, n: NodeRec, p: PeerSession, initiator: boolean): boolean {
  const myKey = ownEd25519Key(core.config);
  const hisKey = peerEd25519Key(core, n.name);
  if (myKey === undefined || hisKey === undefined) return false;
  const me = core.myself.name;
  p.valid = false;
  p.starting = initiator;
  p.initiator = initiator;
  const slot = takeSlot(core, n.name);
  try {
    p.session = SptpsSession.start({
      ...(slot !== undefined ? { cipher: core.config.sptpsCipher!, slot } : {}),
      initiator,
      datagram: true,
      myKey,
      hisKey,
      label: initiator ? sessionLabel("UDP", me, n.name) : sessionLabel("UDP", n.name, me),
      rng: sptpsRandom(core.rng),
      replayWindow: Math.min(core.config.packet.replayWindow, 256),
      sink: {
        sendData: (bytes, type) => transport(core, n, p, bytes, type),
        receiveRecord: (type, data) => onRecord(core, n, p, type, data),
        handshakeDone: () => {
          p.valid = true;
          core.log(LogLevel.traffic, "SPTPS key exchange with node successful", { node: n.name });
        },
      },
    });
  } finally {
    p.starting = false;
  }
  return true;
}

/** A free slot of the shared cipher for `name`'s new session (its old one is given back first). */
function takeSlot(core: NodeCore, name: string): number | undefined {
  const st = state(core);
  st.slots.delete(name);
  const port = core.config.sptpsCipher;
  if (port === undefined) return undefined;
  const used = new Set(st.slots.values());
  for (let slot = 0; slot < port.slotCount; slot++) {
    if (used.has(slot)) continue;
    st.slots.set(name, slot);
    return slot;
  }
  core.log(LogLevel.traffic, "No free SPTPS cipher slot; using a private cipher", { node: name });
  return undefined;
}

/** `15 ME TO EXT [PAYLOAD]` toward TO's next hop. */
export function sendReqKeyExt(core: NodeCore, to: NodeRec, ext: number, payload?: string): void {
  const c = to.nexthop?.conn;
  if (c === undefined) return core.log(LogLevel.requests, "No connection toward node", { node: to.name });
  const req: ReqKey = { code: RequestCode.REQ_KEY, from: core.myself.name, to: to.name, ext };
  if (payload !== undefined) req.payload = payload;
  core.sendLine(c, formatRequestLine(req));
}

/** tinc's send_req_key for an SPTPS node: ask for its public key, or start a session. */
export function requestSession(core: NodeCore, n: NodeRec, p: PeerSession): void {
  if (p.lastRequest + REQUEST_INTERVAL > core.now) return;
  p.lastRequest = core.now;
  if (peerEd25519Key(core, n.name) === undefined) {
    core.log(LogLevel.requests, "No Ed25519 key known for node, requesting it", { node: n.name });
    return sendReqKeyExt(core, n, REQ_KEY_EXT_PUBKEY);
  }
  core.log(LogLevel.requests, "Starting SPTPS UDP session", { node: n.name });
  newSession(core, n, p, true);
}

/** A session that cannot open what arrives is started afresh, at most every 10 s. */
export function restart(core: NodeCore, n: NodeRec, p: PeerSession): void {
  if (p.lastRestart + REQUEST_INTERVAL > core.now) return;
  p.lastRestart = core.now;
  p.lastRequest = -Infinity;
  requestSession(core, n, p);
}

// ---- sending ----------------------------------------------------------------------------------

/** The sink of a session: handshake records over the meta mesh, data records by path choice. */
function transport(core: NodeCore, n: NodeRec, p: PeerSession, record: Uint8Array, type: number): void {
  const st = state(core);
  if (p.forceUdpTo !== undefined) {
    core.fx.sendUdp(p.forceUdpTo, frameUdpPacket(DIRECT_NODE_ID, st.myId, record));
    return;
  }
  if (type === SPTPS_HANDSHAKE) {
    const c = n.nexthop?.conn;
    if (c === undefined) return core.drop("no meta connection for an SPTPS handshake record", { to: n.name });
    const b64 = encodeTincBase64(record);
    if (p.starting) return sendReqKeyExt(core, n, REQ_KEY_EXT_START, b64);
    core.sendLine(
      c,
      formatRequestLine({
        code: RequestCode.ANS_KEY,
        from: core.myself.name,
        to: n.name,
        key: b64,
        cipher: -1,
        digest: -1,
        macLength: -1,
        compression: core.config.packet.compression,
      }),
    );
    return;
  }
  forwardRecord(core, n, st.myId, record);
}

/** A UDP relay for `to` whose own UDP works, preferring the static relay over the next hop. */
function udpRelay(core: NodeCore, to: NodeRec, length: number): NodeRec | undefined {
  for (const r of [to.via, to.nexthop]) {
    if (r === undefined || r === to || r === core.myself || minorOf(r) < 4) continue;
    if (((core.myself.options | r.options) & OPTION_TCPONLY) !== 0) continue;
    if (udpConfirmed(core, r)) return fits(core, r, length) ? r : undefined;
    // tinc's try_tx on the relay: get a session with it, so that probes can confirm its UDP.
    if (nodeUsesSptps(core, r)) {
      const rp = peerOf(core, r);
      if (rp.session === undefined) requestSession(core, r, rp);
    }
  }
  return undefined;
}

/** Sends a sealed record from `srcId` toward `to`: direct UDP, a UDP relay, or TCP. */
export function forwardRecord(core: NodeCore, to: NodeRec, srcId: Uint8Array, record: Uint8Array): void {
  const st = state(core);
  const own = srcId === st.myId;
  const tcpOnly = ((core.myself.options | to.options) & OPTION_TCPONLY) !== 0;
  if (!tcpOnly && udpConfirmed(core, to) && fits(core, to, record.length)) {
    core.fx.sendUdp(to.udp!, frameUdpPacket(own ? DIRECT_NODE_ID : idOfNode(core, to), srcId, record));
    return;
  }
  const relay = tcpOnly ? undefined : udpRelay(core, to, record.length);
  if (relay !== undefined) {
    core.fx.sendUdp(relay.udp!, frameUdpPacket(idOfNode(core, to), srcId, record));
    return;
  }
  const c = to.nexthop?.conn;
  if (c === undefined || c.phase !== "active") {
    return core.drop("no meta connection toward destination", { to: to.name });
  }
  if (c.options >>> 24 >= 7) {
    const packet = frameUdpPacket(idOfNode(core, to), srcId, record);
    core.sendLine(c, `${RequestCode.SPTPS_PACKET} ${packet.length}`);
    core.fx.sendMeta(c.id, packet);
    return;
  }
  const from = own ? core.myself : nodeById(core, srcId);
  if (from === undefined) return core.drop("relayed record from an unknown node", { to: to.name });
  core.sendLine(
    c,
    formatRequestLine({
      code: RequestCode.REQ_KEY,
      from: from.name,
      to: to.name,
      ext: REQ_KEY_EXT_PACKET,
      payload: encodeTincBase64(record),
    }),
  );
}

/**
 * Sends a frame to SPTPS node `n` (tinc's send_sptps_packet). Without a working session the
 * session is requested and the frame goes as `17 LEN` over the meta connection toward `n`.
 */
export function sptpsSendFrame(core: NodeCore, n: NodeRec, frame: Uint8Array): void {
  const p = peerOf(core, n);
  if (p.session === undefined || !p.valid) {
    requestSession(core, n, p);
    const c = n.nexthop?.conn;
    if (c === undefined) return core.drop("no meta connection toward destination", { to: n.name });
    sendTcpPacket(core, c, frame);
    return;
  }
  // A neighbour without working UDP gets the frame as a plain `17 LEN` on the (already
  // encrypted) meta connection rather than a nested record, as tinc does.
  const dataLength = core.config.mode === "router" ? frame.length - ETH_HEADER : frame.length;
  if (n.nexthop === n && n.conn !== undefined && (!udpConfirmed(core, n) || dataLength > p.minmtu)) {
    return sendTcpPacket(core, n.conn, frame);
  }
  let type = 0;
  let data = frame;
  if (core.config.mode === "router") {
    data = frame.subarray(ETH_HEADER);
  } else type = PKT_MAC;
  const compressor = core.config.compressor;
  if (p.outCompression > 0 && compressor !== undefined) {
    const packed = compressor.compress(p.outCompression, data);
    if (packed.ok && packed.length < data.length) {
      data = packed.out.slice(0, packed.length);
      type |= PKT_COMPRESSED;
    }
  }
  const r = p.session.send(type, data);
  if (!r.ok) core.drop(`SPTPS send: ${r.error.code}`, { to: n.name });
}

/** The next probe's size: bisection while discovering, else a small keepalive. */
function probeSizeFor(core: NodeCore, n: NodeRec, p: PeerSession): number {
  if (!udpConfirmed(core, n)) {
    if (p.minmtu > 0 || p.maxmtu < PMTU_MAX) {
      // UDP lapsed: the path may have changed; discover again once it is back.
      p.minmtu = 0;
      p.maxmtu = PMTU_MAX;
    }
    p.probeSize = 0;
    p.probeMisses = 0;
    return PROBE_SIZE;
  }
  if (p.probeSize > 0 && p.minmtu < p.probeSize) {
    if (++p.probeMisses >= PMTU_MISSES) {
      p.maxmtu = Math.max(p.minmtu, p.probeSize - 1);
      p.probeMisses = 0;
      core.log(LogLevel.traffic, "Probe unanswered, lowering maxmtu", { node: n.name, maxmtu: p.maxmtu });
      if (!discovering(p)) core.log(LogLevel.traffic, "Path MTU settled", { node: n.name, mtu: p.minmtu });
    }
  } else p.probeMisses = 0;
  if (!discovering(p)) {
    p.probeSize = 0;
    return PROBE_SIZE;
  }
  p.probeSize = Math.max(PROBE_SIZE, Math.ceil((p.minmtu + p.maxmtu + 1) / 2));
  return p.probeSize;
}

function sendProbe(core: NodeCore, n: NodeRec, p: PeerSession): void {
  if (p.session === undefined || !p.valid || n.udp === undefined) return;
  p.lastProbeAt = core.now;
  const size = probeSizeFor(core, n, p);
  p.forceUdpTo = n.udp;
  try {
    p.session.send(PKT_PROBE, new Uint8Array(size));
  } finally {
    delete p.forceUdpTo;
  }
}

// ---- receiving --------------------------------------------------------------------------------

function onRecord(core: NodeCore, n: NodeRec, p: PeerSession, type: number, data: Uint8Array): void {
  const arrival = p.arrival ?? { direct: false };
  if ((type & PKT_PROBE) !== 0) return onProbe(core, n, p, data, arrival);
  let payload = data;
  if ((type & PKT_COMPRESSED) !== 0) {
    const level = core.config.packet.compression;
    const compressor = core.config.compressor;
    if (level === 0 || compressor === undefined) {
      return core.drop("compressed SPTPS packet we did not ask for");
    }
    const unpacked = compressor.decompress(level, data, MAX_FRAME);
    if (!unpacked.ok) {
      return core.drop(`SPTPS packet does not decompress: ${unpacked.reason}`, { from: n.name });
    }
    payload = unpacked.out.slice(0, unpacked.length);
  }
  let frame: Uint8Array;
  if ((type & PKT_MAC) !== 0) {
    frame = payload.slice();
  } else {
    if (payload.length === 0) return core.drop("empty SPTPS packet", { from: n.name });
    const version = payload[0]! >> 4;
    const ethertype = version === 4 ? 0x0800 : version === 6 ? 0x86dd : 0;
    if (ethertype === 0) return core.drop("SPTPS packet with unknown IP version", { from: n.name });
    frame = new Uint8Array(ETH_HEADER + payload.length);
    frame[12] = ethertype >> 8;
    frame[13] = ethertype & 0xff;
    frame.set(payload, ETH_HEADER);
  }
  if (frame.length > MAX_FRAME) return core.drop("SPTPS packet too long", { from: n.name });
  routeFrame(core, n, frame, false);
}

function onProbe(core: NodeCore, n: NodeRec, p: PeerSession, data: Uint8Array, arrival: Arrival): void {
  if (data.length < MIN_PROBE_SIZE) return core.drop("probe too short", { from: n.name });
  if (data[0] === 0) {
    let reply: Uint8Array;
    if (minorOf(n) >= 3) {
      reply = new Uint8Array(MIN_PROBE_SIZE);
      reply[0] = 2;
      reply[1] = (data.length >> 8) & 0xff;
      reply[2] = data.length & 0xff;
    } else {
      reply = data.slice();
      reply[0] = 1;
    }
    if (arrival.direct && arrival.addr !== undefined) p.forceUdpTo = arrival.addr;
    try {
      p.session?.send(PKT_PROBE, reply);
    } finally {
      delete p.forceUdpTo;
    }
    return;
  }
  if (!arrival.direct) return;
  if (!udpConfirmed(core, n)) core.log(LogLevel.traffic, "UDP confirmed", { node: n.name });
  p.udpConfirmedAt = core.now;
  const length = data[0] === 2 ? (data[1]! << 8) | data[2]! : data.length;
  if (length > p.minmtu) {
    p.minmtu = Math.min(length, PMTU_MAX);
    if (p.minmtu > p.maxmtu) p.maxmtu = p.minmtu;
    if (discovering(p)) p.lastProbeAt = core.now - PMTU_STEP; // answered: the next size at once
    else core.log(LogLevel.traffic, "Path MTU settled", { node: n.name, mtu: p.minmtu });
  }
}

/** Opens a datagram record from `n`; false when it was dropped. */
export function openRecord(core: NodeCore, n: NodeRec, record: Uint8Array, arrival: Arrival): boolean {
  if (!nodeUsesSptps(core, n)) {
    core.drop("SPTPS record from a node without SPTPS", { from: n.name });
    return false;
  }
  const p = peerOf(core, n);
  const session = p.session;
  if (session === undefined) {
    core.drop("SPTPS record without a session", { from: n.name });
    restart(core, n, p);
    return false;
  }
  p.arrival = arrival;
  try {
    const r = session.receive(record);
    if (!r.ok) {
      core.drop(`SPTPS record: ${r.error.code}`, { from: n.name });
      if (r.error.code !== "replay" && r.error.code !== "bad-seqno") restart(core, n, p);
      return false;
    }
  } finally {
    delete p.arrival;
  }
  return true;
}

/**
 * A UDP datagram, if it belongs to an SPTPS node (by address, else by its source ID): opened,
 * or relayed when its destination ID is another node. False when it is not SPTPS traffic.
 */
export function sptpsReceiveUdp(core: NodeCore, from: SockAddr, datagram: Uint8Array): boolean {
  if (!sptpsEnabled(core.config)) return false;
  const byAddr = core.nodeByUdp.get(addrKey(from));
  if (byAddr !== undefined && !nodeUsesSptps(core, byAddr)) return false;
  const parts = parseUdpPacket(datagram);
  const src = parts === undefined ? undefined : nodeById(core, parts.srcId);
  if (parts === undefined || src === undefined || !nodeUsesSptps(core, src)) {
    if (byAddr === undefined) return false;
    core.drop("SPTPS datagram from an unknown node", { from: addrKey(from) });
    return true;
  }
  const st = state(core);
  const direct = isDirectNodeId(parts.dstId);
  if (!direct && nodeIdHex(parts.dstId) !== nodeIdHex(st.myId)) {
    const to = nodeById(core, parts.dstId);
    if (to === undefined || !to.reachable) return core.drop("relay to an unknown node"), true;
    forwardRecord(core, to, idOfNode(core, src), parts.record.slice());
    return true;
  }
  if (openRecord(core, src, parts.record, { addr: from, direct }) && direct) {
    if (src.udp === undefined || addrKey(src.udp) !== addrKey(from)) {
      core.setUdp(src, { host: from.host, port: from.port });
    }
  }
  return true;
}

// ---- timers -------------------------------------------------------------------------------------

/** KeyExpire: every established UDP session is rekeyed (the old key stays until the peer's ACK). */
export function sptpsRekeyAll(core: NodeCore): void {
  const st = states.get(core);
  if (st === undefined) return;
  for (const [name, p] of st.peers) {
    const n = core.nodes.get(name);
    if (n === undefined || !n.reachable || p.session === undefined || !p.valid) continue;
    const r = p.session.forceKex();
    if (!r.ok) {
      core.log(LogLevel.traffic, "Cannot rekey SPTPS session now", { node: name, reason: r.error.message });
    }
  }
}

function nextProbe(core: NodeCore, p: PeerSession, n: NodeRec): number {
  if (!udpConfirmed(core, n)) return p.lastProbeAt + PROBE_INTERVAL;
  return p.lastProbeAt + (discovering(p) ? PMTU_STEP : KEEPALIVE_INTERVAL);
}

/** Probes for UDP sessions; forgets sessions of nodes that became unreachable. */
export function sptpsTick(core: NodeCore): void {
  const st = states.get(core);
  if (st === undefined) return;
  for (const [name, p] of [...st.peers]) {
    const n = core.nodes.get(name);
    if (n === undefined || !n.reachable) {
      st.peers.delete(name);
      const slot = st.slots.get(name);
      if (slot !== undefined) {
        core.config.sptpsCipher?.clearKey(slot, "send");
        core.config.sptpsCipher?.clearKey(slot, "recv");
      }
      st.slots.delete(name);
      continue;
    }
    if (p.valid && n.udp !== undefined && nextProbe(core, p, n) <= core.now) sendProbe(core, n, p);
  }
}

/** When sptpsTick next has work. */
export function sptpsNextDeadline(core: NodeCore): number {
  const st = states.get(core);
  if (st === undefined) return Infinity;
  let t = Infinity;
  for (const [name, p] of st.peers) {
    const n = core.nodes.get(name);
    if (n === undefined || !n.reachable) return core.now;
    if (p.valid && n.udp !== undefined) t = Math.min(t, nextProbe(core, p, n));
  }
  // A probe never sent is due now, not at -Infinity.
  return t === Infinity ? t : Math.max(t, core.now);
}

/** The path MTU found toward an SPTPS node (0 while UDP to it is unconfirmed). */
export function sptpsMinmtu(core: NodeCore, n: NodeRec): number {
  const p = states.get(core)?.peers.get(n.name);
  return p !== undefined && udpConfirmed(core, n) ? p.minmtu : 0;
}

/**
 * The MTU the router checks frames via an SPTPS node against (tinc's `n->mtu`): PMTU_MAX while
 * UDP is unconfirmed or discovery runs (the data gate sends longer frames over TCP meanwhile),
 * the settled minmtu afterwards.
 */
export function sptpsRouteMtu(core: NodeCore, n: NodeRec): number {
  const p = states.get(core)?.peers.get(n.name);
  if (p === undefined || p.minmtu <= 0 || discovering(p) || !udpConfirmed(core, n)) return PMTU_MAX;
  return p.minmtu;
}

/** For tests and dumps: the state of our UDP session with `name`. */
export function sptpsSessionInfo(
  core: NodeCore,
  name: string,
):
  | {
    valid: boolean;
    waitingForKey: boolean;
    udpConfirmed: boolean;
    outCompression: number;
    minmtu: number;
    maxmtu: number;
  }
  | undefined {
  const p = states.get(core)?.peers.get(name);
  const n = core.nodes.get(name);
  if (p === undefined || n === undefined) return undefined;
  return {
    valid: p.valid,
    // tinc's waitingforkey: the session's first handshake is under way, or our key request is.
    waitingForKey: p.session === undefined ? p.lastRequest + REQUEST_INTERVAL > core.now : !p.valid,
    udpConfirmed: udpConfirmed(core, n),
    outCompression: p.outCompression,
    minmtu: p.minmtu,
    maxmtu: p.maxmtu,
  };
}
