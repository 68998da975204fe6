/**
 * ID and ACK, the two ends of authentication (tinc's protocol_auth.c). What lies between them
 * (METAKEY, CHALLENGE, CHAL_REPLY) belongs to the connection's Authenticator. ACK activates the
 * connection: send_everything, the edge myself→peer, its broadcast, graph().
 * @module
 */
import {
  OPTION_CLAMP_MSS,
  OPTION_INDIRECT,
  OPTION_PMTU_DISCOVERY,
  OPTION_TCPONLY,
} from "../meta/requests.ts";
import { type Request, RequestCode } from "../meta/requests.ts";
import { type NodeCore, sortedSubnets } from "./core.ts";
import { LogLevel } from "./effects.ts";
import { type Handler, OK, type Outcome, refused } from "./handler.ts";
import { sortedEdges } from "./world.ts";
import { isValidName } from "./wire.ts";
import type { Connection, EdgeRec } from "./world.ts";
import type { AuthStep } from "./auth/authenticator.ts";
import {
  acceptUpgrade,
  ackMinorBits,
  idVersion,
  negotiateMinor,
  sptpsMetaAuthenticator,
  upgradeLine,
} from "./auth/sptps_meta.ts";
import { sptpsRandom } from "./auth/sptps_keys.ts";
import { pmtuCap } from "./auth/legacy_pmtu.ts";

/** The protocol version we speak: tinc 1.0's 17. */
export const PROTOCOL_MAJOR = 17;

/** `0 NAME 17[.MINOR]` (auth/sptps_meta.ts picks the minor). */
export function sendId(core: NodeCore, c: Connection): void {
  const peer = c.outgoing?.name ?? c.name;
  core.sendLine(
    c,
    `${RequestCode.ID} ${core.myself.name} ${idVersion(core, c.outgoing !== undefined, peer)}`,
  );
}

/** Minor ≥ 2: the connection continues inside an SPTPS session (auth/sptps_meta.ts). */
function useSptps(core: NodeCore, c: Connection, peerName: string): string | undefined {
  const auth = sptpsMetaAuthenticator(core, peerName, {
    sendWire: (bytes) => {
      if (c.phase !== "closed") core.fx.sendMeta(c.id, bytes);
    },
    established: () => {
      if (c.phase === "closed") return;
      c.allow = RequestCode.ACK;
      sendAck(core, c);
    },
    fail: (reason) => {
      core.drop(`meta SPTPS: ${reason}`, { peer: peerName });
      core.terminate(c, c.phase === "active", reason, true);
    },
  }, sptpsRandom(core.rng));
  if (typeof auth === "string") return auth;
  c.auth = auth;
  return undefined;
}

/** Runs an authenticator step: send its lines, move the gate, or refuse. */
function applyAuthStep(core: NodeCore, c: Connection, step: AuthStep): Outcome {
  if (step.refuse !== undefined) return refused(step.refuse);
  // Before the transform: it may run on bytes already buffered and move the gate itself (SPTPS).
  c.allow = step.expect;
  if (step.decryptFollowing !== undefined) c.framer.setTransform(step.decryptFollowing);
  for (const line of step.send) core.sendLine(c, line);
  if (step.expect === RequestCode.ACK) sendAck(core, c);
  return OK;
}

/**
 * ID: a valid name, not ours, the dialled one on outgoing connections, protocol 17, and a
 * hosts/NAME we know. The server answers with its own ID; then the authenticator takes over.
 */
export const handleId: Handler<Extract<Request, { code: RequestCode.ID }>> = (core, c, req) => {
  if (!isValidName(req.name)) return refused(`bad name ${JSON.stringify(req.name)}`);
  if (req.name === core.myself.name) return refused("peer has our own name");
  if (c.outgoing !== undefined && req.name !== c.outgoing.name) {
    return refused(`peer is ${req.name} instead of ${c.outgoing.name}`);
  }
  if (req.major !== PROTOCOL_MAJOR) {
    return refused(`peer uses incompatible version ${req.major}.${req.minor}`);
  }
  if (!core.config.hosts.has(req.name)) return refused(`no hosts file for ${req.name}`);
  const minor = negotiateMinor(core, req.name, req.minor);
  if (!minor.ok) return refused(minor.reason);
  c.name = req.name;
  c.peerMinor = minor.minor;
  if (minor.minor >= 2) {
    const problem = useSptps(core, c, req.name);
    if (problem !== undefined) return refused(problem);
  }
  if (c.outgoing === undefined) sendId(core, c);
  const step = c.auth.afterId(req.name, c.outgoing !== undefined);
  if (minor.minor < 2 || step.refuse !== undefined) return applyAuthStep(core, c, step);
  c.allow = step.expect;
  reframeBuffered(c);
  return OK;
};

/**
 * SPTPS bytes that arrived in the same read as the ID line go through the authenticator's `open`
 * (which is where the engine sends every later chunk) and back into the framer as plaintext.
 */
function reframeBuffered(c: Connection): void {
  const framer = c.framer as unknown as {
    takeRemainder?: () => Uint8Array;
    setTransform(t: (b: Uint8Array) => Uint8Array): void;
    push(b: Uint8Array): void;
  };
  if (typeof framer.takeRemainder === "function") {
    framer.push(c.auth.open(framer.takeRemainder()));
    return;
  }
  // A framer without takeRemainder transforms its buffered bytes once; later ones need nothing.
  framer.setTransform((b) => c.auth.open(b));
  framer.setTransform((b) => b);
}

/** METAKEY, CHALLENGE and CHAL_REPLY, when the gate allows them, go to the authenticator. */
export const handleAuthStep: Handler = (core, c, req) => applyAuthStep(core, c, c.auth.handle(req));

/**
 * ACK `4 PORT WEIGHT OPTIONS`: our listening port, the measured (or configured) weight in ms,
 * and our option bits for this peer. PMTU_DISCOVERY only when configured (and not TCPOnly):
 * both sides must set it, and then data above the discovered MTU goes over TCP.
 */
export function sendAck(core: NodeCore, c: Connection): void {
  const upgrade = upgradeLine(core, c);
  if (upgrade !== undefined) return core.sendLine(c, upgrade);
  const host = c.name !== undefined ? core.config.hosts.get(c.name) : undefined;
  c.estimatedWeight = host?.weight ?? Math.max(0, Math.trunc(core.now - c.created));
  let options = 0;
  if (host?.indirectData || (core.myself.options & OPTION_INDIRECT) !== 0) options |= OPTION_INDIRECT;
  if (host?.tcpOnly || (core.myself.options & OPTION_TCPONLY) !== 0) {
    options |= OPTION_TCPONLY | OPTION_INDIRECT;
  }
  // Ours only: tincd's send_ack reads IndirectData, TCPOnly, ClampMSS and Weight from hosts/PEER,
  // never PMTUDiscovery (a peer's own file saying yes must not turn it on here).
  if (core.config.pmtuDiscovery && (options & OPTION_TCPONLY) === 0) {
    options |= OPTION_PMTU_DISCOVERY;
  }
  if (host?.clampMss ?? (core.myself.options & OPTION_CLAMP_MSS) !== 0) options |= OPTION_CLAMP_MSS;
  c.options = options;
  // Our minor goes only into the line: the edge keeps the peer's (1.1 shows `c` for a 1.0 peer).
  const announced = (options | ackMinorBits(core.config)) >>> 0;
  core.sendLine(c, `${RequestCode.ACK} ${core.config.port} ${c.estimatedWeight} ${announced.toString(16)}`);
}

/** tinc's send_everything: every node in name order, its subnets then its edges. */
export function sendEverything(core: NodeCore, c: Connection): void {
  const lines: string[] = [];
  for (const n of core.sortedNodes()) {
    if (core.config.tunnelServer && n !== core.myself) continue;
    for (const s of sortedSubnets(n)) lines.push(core.subnetLine(RequestCode.ADD_SUBNET, s));
    if (core.config.tunnelServer) continue;
    for (const e of sortedEdges(n)) lines.push(core.addEdgeLine(e));
  }
  core.sendLines(c, lines);
}

/** The peer's socket address with IPv4-mapped IPv6 unmapped, as tinc's sockaddrunmap does. */
function unmapped(host: string): string {
  const m = /^::ffff:([0-9.]+)$/i.exec(host);
  return m ? m[1]! : host;
}

export const handleAck: Handler<Extract<Request, { code: RequestCode.ACK }>> = (core, c, req) => {
  if (c.name === undefined) return refused("ACK before ID");
  if ("upgradeKey" in req) return refused(acceptUpgrade(core, c.name, c.peerMinor, req.upgradeKey));
  const n = core.node(c.name);
  if (n === undefined) return refused("node table full");
  if (n.conn !== undefined && n.conn !== c) {
    const old = n.conn;
    core.log(LogLevel.connections, "Established a second connection, closing old connection", {
      peer: n.name,
    });
    if (old.outgoing !== undefined) {
      if (c.outgoing !== undefined) {
        core.log(LogLevel.basic, "Two outgoing connections to the same node!", {});
      } else {
        c.outgoing = old.outgoing;
        c.outgoing.conn = c;
      }
      delete old.outgoing;
    }
    core.terminate(old, false, "replaced by a newer connection");
    core.graph();
  }
  let options = req.options >>> 0;
  if ((c.options & options & OPTION_PMTU_DISCOVERY) === 0) {
    c.options &= ~OPTION_PMTU_DISCOVERY;
    options &= ~OPTION_PMTU_DISCOVERY;
  }
  c.options = (c.options | options) >>> 0;
  // tincd's ack_h: PMTU from hosts/PEER, then from our own configuration, each caps the node's MTU.
  for (const pmtu of [core.config.hosts.get(n.name)?.pmtu, core.config.hosts.get(core.myself.name)?.pmtu]) {
    if (pmtu !== undefined) pmtuCap(core, n, pmtu);
  }
  c.node = n;
  n.conn = c;
  c.allow = "all";
  c.phase = "active";
  c.lastPingTime = core.now;
  c.pinged = false;
  core.log(LogLevel.connections, "Connection activated", { peer: n.name, conn: c.id });
  sendEverything(core, c);
  const edge: EdgeRec = {
    from: core.myself,
    to: n,
    address: unmapped(c.address.host),
    port: req.port,
    options: c.options,
    weight: Math.trunc((req.weight + c.estimatedWeight) / 2),
    conn: c,
    reverse: undefined,
    body: undefined,
  };
  const stale = core.myself.edges.get(n.name);
  if (stale !== undefined) core.delEdge(stale);
  c.edge = edge;
  core.addEdge(edge);
  const line = core.addEdgeLine(edge);
  if (core.config.tunnelServer) core.sendLine(c, line);
  else core.broadcastLine(line);
  return OK;
};
