/**
 * One tinc node as a pure state machine. The runtime (or the simulator) feeds it inputs with
 * the current time; it answers through the injected Effects port and tells when it next
 * wants `onTimer`. Nothing thrown escapes an input: an unexpected exception closes only the
 * connection it came from and is logged.
 *
 * ```
 *   onMetaConnected/Data/Closed, onUdp, onTunFrame, onTimer,   ──▶  Engine  ──▶  Effects
 *   onControl, onConfigReload, onResolved                                        (sendMeta, sendUdp,
 *                                                                                 writeTun, runScript...)
 *                                         nextDeadline()  ◀──
 * ```
 * @module
 */
import { OPTION_TCPONLY, RequestCode } from "../meta/requests.ts";
import type { EngineConfig } from "./config.ts";
import { NodeCore, type RequestStats, sortedSubnets } from "./core.ts";
import type { ConnId, Effects, RandomSource, SockAddr } from "./effects.ts";
import { LogLevel } from "./effects.ts";
import { receiveUdp, routeFrame } from "./data.ts";
import { sendAnsKey, sendKeyChanged } from "./proto_key.ts";
import { sendId } from "./proto_auth.ts";
import { sendPing } from "./proto_misc.ts";
import { receiveRequest, requestName } from "./protocol.ts";
import { dialNext, newConnection, newOutgoing, outgoingLost, resolved, setupOutgoing } from "./outgoing.ts";
import { byName, type Connection, sortedEdges } from "./world.ts";
import { receiveSeqnoWornOut } from "./auth/legacy_packet.ts";
import { pmtuNextDeadline, pmtuTick, sendProbeUdp } from "./auth/legacy_pmtu.ts";
import { type ControlDumps, controlDumps } from "./control_dump.ts";
import { sptpsNextDeadline, sptpsRekeyAll, sptpsTick } from "./sptps_data.ts";
import { sptpsTakeRaw } from "./sptps_requests.ts";
import { loadAllSubnets, reloadAllSubnets, reloadOwnSubnets } from "./configured_subnets.ts";

/** Requests from the control socket (tinc's `tinc` CLI and signals). */
export type ControlRequest =
  | { type: "dump" }
  | { type: "purge" }
  | { type: "retry" }
  | { type: "stop" }
  | { type: "debug"; level: number }
  | { type: "disconnect"; name: string };

export type ControlResult = { ok: true; view?: EngineView } | { ok: false; reason: string };

/** A snapshot of what the node knows, for dumps and tests. */
export interface EngineView {
  name: string;
  nodes: Array<{ name: string; reachable: boolean; nexthop?: string; via?: string; udp?: string }>;
  edges: Array<{ from: string; to: string; address: string; port: string; options: number; weight: number }>;
  subnets: Array<{ owner: string; subnet: string }>;
  connections: Array<{ id: ConnId; name?: string; phase: string; mst: boolean; outgoing: boolean }>;
}

/** Where a newly connected socket came from. */
export interface MetaConnectInfo {
  outgoing: boolean;
  peerAddress: SockAddr;
}

/** A tinc node: feed it inputs, it answers through Effects. */
export class Engine {
  private readonly core: NodeCore;
  private depth = 0;
  private nextCheck = 0;
  private keyExpiresAt = Infinity;
  private started = false;

  constructor(config: EngineConfig, effects: Effects, random: RandomSource) {
    this.core = new NodeCore(config, effects, random);
    this.core.sendAnsKey = (to) => sendAnsKey(this.core, to);
    this.core.onOutgoingLost = (out, established) => outgoingLost(this.core, out, established);
  }

  /** Starts the node: tinc-up, subnet-up for our subnets, then the ConnectTo dials. */
  start(now: number): number {
    return this.input(now, undefined, () => {
      const core = this.core;
      this.started = true;
      for (const subnet of core.config.hosts.get(core.config.name)?.subnets ?? []) {
        const s = core.newSubnet(core.myself, subnet);
        core.myself.subnets.set(s.text, s);
      }
      if (core.config.strictSubnets) loadAllSubnets(core);
      core.subnetsChanged();
      const env = core.baseEnv();
      env.NAME = core.myself.name;
      core.fx.runScript("tinc-up", env);
      for (const s of sortedSubnets(core.myself)) core.subnetScript(s, true);
      this.nextCheck = now + core.config.pingTimeout * 1000;
      this.keyExpiresAt = now + core.config.keyExpire * 1000;
      for (const name of core.config.connectTo) this.addOutgoing(name);
    });
  }

  private addOutgoing(name: string): void {
    const core = this.core;
    if (name === core.myself.name || core.outgoings.has(name)) return;
    const out = newOutgoing(name);
    core.outgoings.set(name, out);
    setupOutgoing(core, out);
  }

  /** A meta socket is up: accepted (`outgoing: false`) or one we dialled via Effects.connect. */
  onMetaConnected(now: number, conn: ConnId, info: MetaConnectInfo): number {
    return this.input(now, conn, () => {
      const core = this.core;
      if (info.outgoing) {
        const c = core.conns.get(conn);
        if (c === undefined || c.phase !== "connecting") {
          core.log(LogLevel.connections, "Connected socket we did not dial", { conn });
          core.fx.close(conn);
          return;
        }
        c.phase = "auth";
        c.allow = RequestCode.ID;
        c.lastPingTime = now;
        core.log(LogLevel.connections, "Connected", { peer: c.outgoing?.name, conn });
        sendId(core, c);
        return;
      }
      if (core.stopped || !this.started) {
        core.log(LogLevel.connections, "Refusing connection: not running", { host: info.peerAddress.host });
        core.fx.close(conn);
        return;
      }
      const c = newConnection(core, conn, info.peerAddress);
      c.phase = "auth";
      c.allow = RequestCode.ID;
      core.conns.set(conn, c);
      core.log(LogLevel.connections, "Connection accepted", {
        host: info.peerAddress.host,
        port: info.peerAddress.port,
      });
    });
  }

  /** Bytes arrived on a meta connection (any chunking). */
  onMetaData(now: number, conn: ConnId, bytes: Uint8Array): number {
    return this.input(now, conn, () => {
      const core = this.core;
      const c = core.conns.get(conn);
      if (c === undefined || c.phase === "closed" || c.phase === "connecting") {
        core.log(LogLevel.scary, "Data for an unknown connection", { conn });
        return;
      }
      c.framer.push(c.auth.open(bytes));
      for (;;) {
        const item = c.framer.next();
        if (item === null) break;
        if (item.kind === "error") {
          core.terminate(c, c.phase === "active", `meta input: ${item.reason}`, true);
          break;
        }
        if (item.kind === "raw") {
          if (sptpsTakeRaw(core, c, item.bytes)) continue;
          // tincd's receive_tcppacket: a frame off a TCPOnly connection came by TCP because of
          // configuration, not because UDP failed, so it travels on like any other (priority 0);
          // otherwise it stays on TCP (priority −1).
          const stayOnTcp = (c.options & OPTION_TCPONLY) === 0;
          if (c.node !== undefined) routeFrame(core, c.node, item.bytes, stayOnTcp);
          continue;
        }
        const outcome = receiveRequest(core, c, item.line);
        if (outcome.kind === "refused") {
          core.terminate(c, c.phase === "active", outcome.reason, true);
          break;
        }
        if ((c.phase as string) === "closed") break;
      }
    });
  }

  /** The runtime saw the socket close (or an outgoing connect fail). */
  onMetaClosed(now: number, conn: ConnId): number {
    return this.input(now, undefined, () => {
      const c = this.core.conns.get(conn);
      if (c === undefined) return;
      if (c.phase === "connecting") {
        this.core.conns.delete(conn);
        c.phase = "closed";
        const out = c.outgoing;
        this.core.log(LogLevel.connections, "Could not connect", { peer: out?.name, host: c.address.host });
        if (out !== undefined && out.conn === c) {
          delete out.conn;
          dialNext(this.core, out);
        }
        return;
      }
      this.core.terminate(c, c.phase === "active", "connection closed by peer");
    });
  }

  /** A UDP datagram from `from`. */
  onUdp(now: number, from: SockAddr, datagram: Uint8Array): number {
    return this.input(now, undefined, () => receiveUdp(this.core, from, datagram));
  }

  /** A frame read from our TUN/TAP device. */
  onTunFrame(now: number, frame: Uint8Array): number {
    return this.input(now, undefined, () => routeFrame(this.core, this.core.myself, frame, false));
  }

  /** An answer to Effects.resolve (an empty list when resolution failed). */
  onResolved(now: number, host: string, addresses: string[]): number {
    return this.input(now, undefined, () => resolved(this.core, host, addresses));
  }

  /** Time passed: periodic checks, reconnects, key and MAC expiry. */
  onTimer(now: number): number {
    return this.input(now, undefined, () => {
      const core = this.core;
      if (!this.started || core.stopped) return;
      if (now >= this.nextCheck) {
        this.nextCheck = now + core.config.pingTimeout * 1000;
        this.periodicCheck();
        // A receive seqno past 2^30 renews the keys at this check rather than at KeyExpire.
        if (receiveSeqnoWornOut(core)) this.keyExpiresAt = now;
      }
      for (const out of core.outgoings.values()) {
        if (out.retryAt !== undefined && out.retryAt <= now) setupOutgoing(core, out);
      }
      pmtuTick(core, sendProbeUdp(core));
      sptpsTick(core);
      if (now >= this.keyExpiresAt) {
        this.keyExpiresAt = now + core.config.keyExpire * 1000;
        this.expireKeys();
      }
    });
  }

  /** tinc's check_dead_connections plus the chores of the same tick. */
  private periodicCheck(): void {
    const core = this.core;
    const now = core.now;
    const timeout = core.config.pingTimeout * 1000;
    for (const c of [...core.conns.values()]) {
      if (c.lastPingTime + timeout > now) continue;
      if (c.phase === "active") {
        if (c.pinged) core.terminate(c, true, `didn't respond to PING in ${core.config.pingTimeout} seconds`);
        else if (c.lastPingTime + core.config.pingInterval * 1000 <= now) sendPing(core, c);
      } else if (c.phase === "auth") {
        core.terminate(c, false, "timeout during authentication", true);
      }
    }
    core.agePastRequests();
    this.ageSubnets();
    if (core.contradictingAddEdge > 100 && core.contradictingDelEdge > 100) {
      core.log(LogLevel.basic, "Possible node with same Name as us! Sleeping.", {
        seconds: core.sleepTime / 1000,
      });
      core.sleepTime = Math.min(core.sleepTime * 2, 3_600_000);
    }
    core.contradictingAddEdge = 0;
    core.contradictingDelEdge = 0;
  }

  /** Switch mode: learned MACs past MACExpire are withdrawn. */
  private ageSubnets(): void {
    const core = this.core;
    // The router's own table of learned MACs only needs bounding; ours drives announcements.
    core.router.learnedMacs.expire(core.now, core.config.macExpire);
    for (const s of sortedSubnets(core.myself)) {
      if (s.expires === undefined || s.expires > core.now) continue;
      core.log(LogLevel.traffic, "Subnet expired", { subnet: s.text });
      core.broadcastLine(core.subnetLine(RequestCode.DEL_SUBNET, s));
      core.subnetScript(s, false);
      core.myself.subnets.delete(s.text);
      core.subnetsChanged();
    }
  }

  /** KeyExpire: forget every key we issued, tell everyone, re-key direct neighbours. */
  private expireKeys(): void {
    const core = this.core;
    core.log(LogLevel.status, "Expiring symmetric keys", {});
    for (const n of core.nodes.values()) n.inKey = false;
    sendKeyChanged(core);
    core.flushGraph();
    sptpsRekeyAll(core);
    for (const n of [...core.nodes.values()].sort((a, b) => byName(a.name, b.name))) {
      if (n !== core.myself && n.reachable && n.conn !== undefined) sendAnsKey(core, n);
    }
  }

  /** Control requests (tinc CLI, signals). */
  onControl(now: number, request: ControlRequest): ControlResult {
    let result: ControlResult = { ok: false, reason: "failed" };
    this.input(now, undefined, () => {
      const core = this.core;
      switch (request.type) {
        case "dump":
          result = { ok: true, view: this.view() };
          return;
        case "purge":
          core.purge();
          break;
        case "retry":
          // tincd's ALRM: every waiting outgoing connection is tried now, and every active
          // connection is PINGed (a dead link then shows at the next check, not a minute later).
          for (const out of core.outgoings.values()) {
            out.timeout = 0;
            if (out.conn === undefined) setupOutgoing(core, out);
          }
          for (const c of core.conns.values()) if (c.phase === "active") sendPing(core, c);
          break;
        case "debug":
          core.config = { ...core.config, debugLevel: request.level };
          break;
        case "disconnect": {
          const c = core.nodes.get(request.name)?.conn;
          if (c === undefined) {
            result = { ok: false, reason: `not connected to ${request.name}` };
            return;
          }
          core.terminate(c, true, "disconnected by control request");
          break;
        }
        case "stop":
          this.stop();
          break;
      }
      result = { ok: true };
    });
    return result;
  }

  /** The node's state as tinc 1.1's control-socket dumps describe it (graph brought up to date first). */
  controlDumps(): ControlDumps {
    this.core.mstConnections();
    return controlDumps(this.core);
  }

  /** Shuts down: closes every connection, then subnet-down for our subnets and tinc-down. */
  private stop(): void {
    const core = this.core;
    if (core.stopped) return;
    core.stopped = true;
    for (const c of [...core.conns.values()]) core.terminate(c, false, "shutting down");
    for (const s of sortedSubnets(core.myself)) core.subnetScript(s, false);
    const env = core.baseEnv();
    env.NAME = core.myself.name;
    core.fx.runScript("tinc-down", env);
  }

  /**
   * New configuration (SIGHUP): drop connections whose hosts entry changed or vanished,
   * announce changes to our own subnets (with StrictSubnets, to everyone's), and redo ConnectTo.
   */
  onConfigReload(now: number, config: EngineConfig): number {
    return this.input(now, undefined, () => {
      const core = this.core;
      const old = core.config;
      if (config.name !== old.name) {
        core.log(LogLevel.basic, "Name changes need a restart; keeping the old name", {});
        config = { ...config, name: old.name };
      }
      core.config = config;
      core.router.options = core.routeOptions();
      for (const c of [...core.conns.values()]) {
        if (c.name === undefined) continue;
        const before = old.hosts.get(c.name);
        const after = config.hosts.get(c.name);
        if (after === undefined || JSON.stringify(before) !== JSON.stringify(after)) {
          core.terminate(c, c.phase === "active", "hosts file changed or vanished");
        }
      }
      if (config.strictSubnets) reloadAllSubnets(core, config);
      else reloadOwnSubnets(core, config);
      for (const name of [...core.outgoings.keys()]) {
        if (!config.connectTo.includes(name)) core.outgoings.delete(name);
      }
      for (const name of config.connectTo) this.addOutgoing(name);
    });
  }

  /** The earliest time (ms) at which onTimer has work to do. */
  nextDeadline(): number {
    if (!this.started || this.core.stopped) return Infinity;
    let t = Math.min(
      this.nextCheck,
      this.keyExpiresAt,
      pmtuNextDeadline(this.core),
      sptpsNextDeadline(this.core),
    );
    for (const out of this.core.outgoings.values()) {
      if (out.retryAt !== undefined) t = Math.min(t, out.retryAt);
    }
    return t;
  }

  /**
   * Runs several inputs as one batch: graph() runs once at the end instead of after each
   * input (the result is the same; only intermediate flaps are not seen).
   */
  batch(now: number, inputs: () => void): number {
    return this.input(now, undefined, inputs);
  }

  private input(now: number, conn: ConnId | undefined, body: () => void): number {
    const core = this.core;
    if (now > core.now) core.now = now;
    this.depth++;
    try {
      body();
    } catch (err) {
      this.contain(err, conn);
    } finally {
      this.depth--;
    }
    if (this.depth === 0) {
      try {
        core.flushGraph();
      } catch (err) {
        this.contain(err, undefined);
      }
    }
    return this.nextDeadline();
  }

  private contain(err: unknown, conn: ConnId | undefined): void {
    const core = this.core;
    core.log(LogLevel.basic, "Internal error while handling input", { error: String(err), conn });
    const c: Connection | undefined = conn === undefined ? undefined : core.conns.get(conn);
    if (c !== undefined) {
      try {
        core.terminate(c, c.phase === "active", "internal error");
      } catch (again) {
        core.log(LogLevel.basic, "Internal error while closing connection", { error: String(again) });
      }
    }
  }

  /** A snapshot of nodes, edges, subnets and connections, each sorted by name. */
  view(): EngineView {
    const core = this.core;
    core.mstConnections();
    const names = [...core.nodes.keys()].sort(byName);
    const view: EngineView = { name: core.myself.name, nodes: [], edges: [], subnets: [], connections: [] };
    for (const name of names) {
      const n = core.nodes.get(name)!;
      const entry: EngineView["nodes"][number] = { name, reachable: n.reachable };
      if (n.reachable && n.nexthop) entry.nexthop = n.nexthop.name;
      if (n.reachable && n.via) entry.via = n.via.name;
      if (n.udp) entry.udp = `${n.udp.host} ${n.udp.port}`;
      view.nodes.push(entry);
      for (const e of sortedEdges(n)) {
        view.edges.push({
          from: name,
          to: e.to.name,
          address: e.address,
          port: e.port,
          options: e.options,
          weight: e.weight,
        });
      }
      for (const s of sortedSubnets(n)) view.subnets.push({ owner: name, subnet: s.text });
    }
    for (const c of [...core.conns.values()].sort((a, b) => a.id - b.id)) {
      const entry: EngineView["connections"][number] = {
        id: c.id,
        phase: c.phase,
        mst: c.mst,
        outgoing: c.outgoing !== undefined,
      };
      if (c.name !== undefined) entry.name = c.name;
      view.connections.push(entry);
    }
    return view;
  }

  /**
   * Per request name: lines handled, ignored with a logged reason, refused (connection closed).
   * @param peer only lines from this authenticated peer
   */
  requestStats(peer?: string): Record<string, RequestStats> {
    const out: Record<string, RequestStats> = {};
    const table = peer === undefined ? this.core.stats : this.core.statsByPeer.get(peer) ?? new Map();
    for (const [code, s] of table) out[code < 0 ? "UNKNOWN" : requestName(code)] = { ...s };
    return out;
  }

  /** Sizes that must stay bounded under hostile input. */
  memoryFigures(): { nodes: number; seenRequests: number; connections: number; subnets: number } {
    let subnets = 0;
    for (const n of this.core.nodes.values()) subnets += n.subnets.size;
    return {
      nodes: this.core.nodes.size,
      seenRequests: this.core.seen.size,
      connections: this.core.conns.size,
      subnets,
    };
  }

  /** Each ConnectTo target: whether its connection is active, and when it is retried next. */
  connectToStatus(): Array<{ name: string; active: boolean; retryAt?: number }> {
    return [...this.core.outgoings.values()].map((o) => {
      const entry: { name: string; active: boolean; retryAt?: number } = {
        name: o.name,
        active: o.conn?.phase === "active",
      };
      if (o.retryAt !== undefined) entry.retryAt = o.retryAt;
      return entry;
    });
  }

  /** Meta request lines sent so far. */
  get metaMessagesSent(): number {
    return this.core.metaMessagesSent;
  }

  /** Drop reasons on the data path with their counts. */
  dropCounts(): Record<string, number> {
    return Object.fromEntries(this.core.drops);
  }
}
