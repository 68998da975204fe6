/**
 * The shared state of one node and the operations every protocol family uses: sending and
 * flooding lines, the dedup cache, node/edge/subnet bookkeeping, graph() with its host and
 * subnet scripts, connection teardown. Protocol modules (proto_*.ts) and the data path work
 * through this object; engine.ts wraps it in the public input API.
 * @module
 */
import { compareSubnets, formatSubnet } from "../subnet/subnet_text.ts";
import type { Subnet } from "../subnet/subnet.ts";
import { OPTION_CLAMP_MSS, OPTION_INDIRECT, OPTION_TCPONLY, RequestCode } from "../meta/requests.ts";
import type { EngineConfig } from "./config.ts";
import {
  addrKey,
  type ConnId,
  type Effects,
  type LogFields,
  type LogLevelValue,
  type RandomSource,
} from "./effects.ts";
import { LogLevel } from "./effects.ts";
import { encodeLine } from "../meta/framing.ts";
import { DedupCache } from "../meta/dedup.ts";
import { MeshGraph } from "../graph/graph.ts";
import { SubnetIndex } from "./lookup.ts";
import { defaultRouteOptions, type RouteNode, type RouteOptions, Router } from "../route/router.ts";
import {
  byName,
  type Connection,
  edgeBody,
  type EdgeRec,
  newNode,
  type NodeRec,
  type Outgoing,
  type SubnetRec,
} from "./world.ts";
import { formatRequestLine } from "./wire.ts";
import { PMTU_MAX, pmtuReset, pmtuRouteMtu } from "./auth/legacy_pmtu.ts";
import { nodeUsesSptps, sptpsRouteMtu } from "./sptps_data.ts";

/** Counters per request code: handled, ignored (logged and dropped), refused (connection closed). */
export interface RequestStats {
  accepted: number;
  ignored: number;
  refused: number;
}

/** The engine's state and shared operations. Not part of the public API. */
export class NodeCore {
  readonly myself: NodeRec;
  readonly nodes = new Map<string, NodeRec>();
  readonly conns = new Map<ConnId, Connection>();
  readonly outgoings = new Map<string, Outgoing>();
  /** tinc's past-request cache of flooded lines. */
  readonly seen: DedupCache;
  readonly nodeByUdp = new Map<string, NodeRec>();
  readonly stats = new Map<number, RequestStats>();
  /** The same counters per authenticated peer name (bounded by the hosts we know). */
  readonly statsByPeer = new Map<string, Map<number, RequestStats>>();
  readonly drops = new Map<string, number>();
  contradictingAddEdge = 0;
  contradictingDelEdge = 0;
  /** Extra sleep imposed after duplicate-name detection (ms), doubling each time. */
  sleepTime = 10_000;
  metaMessagesSent = 0;
  readonly subnetIndex = new SubnetIndex((name) => this.nodes.get(name));
  /** Per-frame routing decisions (src/core/route), reading subnets and nodes through this core. */
  readonly router: Router;
  /**
   * The shared graph module's copy of every edge (names and the fields routing reads), kept in
   * step by addEdge/delEdge/purge; flushGraph() takes routes and the broadcast tree from it.
   */
  readonly graphModel: MeshGraph<NodeRec, EdgeRec>;
  private graphDirty = false;
  private mstDirty = true;
  private mstConns = new Set<Connection>();
  now = 0;
  stopped = false;

  constructor(
    public config: EngineConfig,
    readonly fx: Effects,
    readonly rng: RandomSource,
  ) {
    this.seen = new DedupCache(config.pingInterval * 1000, config.maxSeenRequests);
    this.graphModel = new MeshGraph<NodeRec, EdgeRec>(config.name);
    this.myself = newNode(config.name);
    this.graphModel.tagNode(config.name, this.myself);
    this.myself.reachable = true;
    this.myself.nexthop = this.myself;
    this.myself.via = this.myself;
    this.myself.options = this.myOptions();
    this.nodes.set(config.name, this.myself);
    this.router = new Router(config.name, {
      lookupIpv4: (bytes, off) => this.ownerOf("ipv4", bytes.subarray(off, off + 4)),
      lookupIpv6: (bytes, off) => this.ownerOf("ipv6", bytes.subarray(off, off + 16)),
      lookupMac: (bytes, off) => this.ownerOf("mac", bytes.subarray(off, off + 6)),
      node: (name) => this.routeNode(name),
    }, this.routeOptions());
  }

  /** The route layer's options from our configuration. */
  routeOptions(): RouteOptions {
    return {
      ...defaultRouteOptions(),
      mode: this.config.mode,
      // Not "no" for a TunnelServer: tincd still takes broadcast addresses for broadcasts there
      // (its device gets a leaf's copy); broadcastFrame then forwards nothing.
      broadcast: this.config.broadcast,
      forwarding: this.config.forwarding,
      directOnly: this.config.directOnly,
      decrementTtl: this.config.decrementTtl,
      deviceIsTap: this.config.deviceIsTap,
    };
  }

  private ownerOf(kind: Subnet["kind"], addr: Uint8Array): string | undefined {
    return this.subnetIndex.lookup(this.nodes.values(), kind, addr)?.owner.name;
  }

  private routeNode(name: string): RouteNode | undefined {
    const n = this.nodes.get(name);
    if (n === undefined) return undefined;
    const via = n === this.myself ? n : n.via === this.myself ? n.nexthop : n.via;
    return {
      reachable: n.reachable,
      via: via?.name ?? name,
      // tinc's n->mtu: 1518 until PMTU discovery settles (the data gate sends frames above
      // minmtu over TCP meanwhile), minmtu afterwards, so the router fragments or answers ICMP
      // too-big for frames that would not fit the path.
      mtu: n === this.myself
        ? PMTU_MAX
        : nodeUsesSptps(this, n)
        ? sptpsRouteMtu(this, n)
        : pmtuRouteMtu(this, n),
      clampMss: (n.options & OPTION_CLAMP_MSS) !== 0,
    };
  }

  /** Our own option bits: IndirectData, TCPOnly, ClampMSS; never PMTU_DISCOVERY (no probes yet). */
  myOptions(): number {
    const h = this.config.hosts.get(this.config.name);
    let o = 0;
    if (h?.indirectData) o |= OPTION_INDIRECT;
    if (h?.tcpOnly) o |= OPTION_TCPONLY | OPTION_INDIRECT;
    if (h?.clampMss ?? true) o |= OPTION_CLAMP_MSS;
    return o;
  }

  log(level: LogLevelValue, message: string, fields: LogFields = {}): void {
    if (level <= this.config.debugLevel) this.fx.log(level, message, fields);
  }

  drop(reason: string, fields: LogFields = {}): void {
    this.drops.set(reason, (this.drops.get(reason) ?? 0) + 1);
    this.log(LogLevel.traffic, `Dropping packet: ${reason}`, fields);
  }

  stat(code: number, peer?: string): RequestStats {
    let table = this.stats;
    if (peer !== undefined) {
      let t = this.statsByPeer.get(peer);
      if (t === undefined) this.statsByPeer.set(peer, t = new Map());
      table = t;
    }
    let s = table.get(code);
    if (s === undefined) {
      s = { accepted: 0, ignored: 0, refused: 0 };
      table.set(code, s);
    }
    return s;
  }

  /** A fresh nonce for each origination: `rand()`-like, ≤ 0x7fffffff. */
  nonce(): number {
    return this.rng.nextU32() & 0x7fffffff;
  }

  // ---- sending ----------------------------------------------------------------------------

  /** Sends one request line (without `\n`) on a connection. */
  sendLine(c: Connection, line: string): void {
    this.sendEncoded(c, line, encodeLine(line));
  }

  private sendEncoded(c: Connection, line: string, bytes: Uint8Array): void {
    if (c.phase === "closed") return;
    this.metaMessagesSent++;
    if (this.config.debugLevel >= LogLevel.meta) {
      this.log(LogLevel.meta, "Sending request", { to: c.name, line });
    }
    this.fx.sendMeta(c.id, c.auth.seal(bytes));
  }

  /** Sends several lines in order: one sealed write when the authenticator seals a byte stream
   * (tinc's send_everything writes thousands of lines to a new peer in a large mesh). */
  sendLines(c: Connection, lines: readonly string[]): void {
    if (lines.length === 0 || c.phase === "closed") return;
    if (c.auth.sealsStream !== true) {
      for (const line of lines) this.sendLine(c, line);
      return;
    }
    this.metaMessagesSent += lines.length;
    if (this.config.debugLevel >= LogLevel.meta) {
      for (const line of lines) this.log(LogLevel.meta, "Sending request", { to: c.name, line });
    }
    this.fx.sendMeta(c.id, c.auth.seal(encodeLine(lines.join("\n"))));
  }

  /** Sends a raw payload after a `17 LEN` line. */
  sendRaw(c: Connection, bytes: Uint8Array): void {
    if (c.phase === "closed") return;
    this.fx.sendMeta(c.id, c.auth.seal(bytes));
  }

  /** Sends a line to every active connection except `except` (tinc's broadcast_meta). */
  broadcastLine(line: string, except?: Connection): void {
    let bytes: Uint8Array | undefined;
    for (const c of this.conns.values()) {
      if (c.phase === "active" && c !== except) {
        this.sendEncoded(c, line, bytes ??= encodeLine(line));
      }
    }
  }

  // ---- dedup ------------------------------------------------------------------------------

  /** tinc's seen_request: true if the line was seen before; otherwise records it. */
  seenRequest(line: string): boolean {
    if (line === this.checkedUnseen) {
      this.checkedUnseen = undefined;
      this.seen.record(line, this.now);
      return false;
    }
    if (this.seen.seen(line, this.now)) {
      this.log(LogLevel.scary, "Already seen request", { line });
      return true;
    }
    return false;
  }

  /** The flooded line the dispatcher just found absent from the cache (its handler records it
   * without looking again). */
  checkedUnseen: string | undefined;

  /** Deletes cache entries once firstseen + PingInterval <= now. */
  agePastRequests(): void {
    this.seen.setLimits(this.config.pingInterval * 1000, this.config.maxSeenRequests);
    this.seen.age(this.now);
  }

  // ---- nodes, edges, subnets --------------------------------------------------------------

  /** Finds or creates a node; refuses (undefined) past the node limit. */
  node(name: string): NodeRec | undefined {
    let n = this.nodes.get(name);
    if (n === undefined) {
      if (this.nodes.size >= this.config.maxNodes) {
        this.log(LogLevel.basic, "Node limit reached, not creating node", { name });
        return undefined;
      }
      n = newNode(name);
      this.nodes.set(name, n);
      // Every engine node is in the graph, tagged with its record: routes come back as records.
      this.graphModel.tagNode(name, n);
      this.nodeOrder = undefined;
    }
    return n;
  }

  private nodeOrder: NodeRec[] | undefined;

  /** All nodes in name order (cached until a node is created or deleted). */
  sortedNodes(): NodeRec[] {
    this.nodeOrder ??= [...this.nodes.values()].sort((a, b) => byName(a.name, b.name));
    return this.nodeOrder;
  }

  /** Adds (or replaces) an edge. The graph only uses edges whose reverse exists, so only then is it dirty. */
  addEdge(e: EdgeRec): void {
    const old = e.from.edges.get(e.to.name);
    if (old !== undefined && old !== e) old.reverse = undefined;
    e.from.edges.set(e.to.name, e);
    this.graphModel.addEdge({
      from: e.from.name,
      to: e.to.name,
      address: e.address,
      port: e.port,
      options: e.options,
      weight: e.weight,
      tag: e,
    });
    const rev = e.to.edges.get(e.from.name);
    if (rev !== undefined) {
      e.reverse = rev;
      rev.reverse = e;
      this.graph();
    } else e.reverse = undefined;
  }

  delEdge(e: EdgeRec): void {
    if (e.from.edges.get(e.to.name) === e) {
      e.from.edges.delete(e.to.name);
      this.graphModel.deleteEdge(e.from.name, e.to.name);
      const rev = e.reverse;
      if (rev !== undefined) {
        rev.reverse = undefined;
        e.reverse = undefined;
        this.graph();
      }
    }
  }

  /** ADD_EDGE as tinc 1.0 prints it (`%x` nonce and options, `%d` weight). Rendered here rather
   * than through the codec: send_everything writes one per edge to every new peer. */
  addEdgeLine(e: EdgeRec): string {
    return `12 ${this.nonce().toString(16)} ${edgeBody(e)}`;
  }

  delEdgeLine(from: string, to: string): string {
    return formatRequestLine({ code: RequestCode.DEL_EDGE, nonce: this.nonce(), from, to });
  }

  /** ADD/DEL_SUBNET with the record's 1.0 text (formatSubnet's output, kept with the record). */
  subnetLine(code: RequestCode.ADD_SUBNET | RequestCode.DEL_SUBNET, s: SubnetRec): string {
    return `${code} ${this.nonce().toString(16)} ${s.owner.name} ${s.text}`;
  }

  /** Invalidates the routing table after a subnet was added or removed. */
  subnetsChanged(): void {
    this.subnetIndex.invalidate();
  }

  /** A subnet record; `text` is formatSubnet(subnet) when the caller already has it. */
  newSubnet(owner: NodeRec, subnet: Subnet, text: string = formatSubnet(subnet)): SubnetRec {
    return { owner, subnet, text };
  }

  // ---- graph and scripts ------------------------------------------------------------------

  /** Marks the graph for recomputation at the end of the input (or when a decision needs it). */
  graph(): void {
    this.graphDirty = true;
    this.mstDirty = true;
  }

  /**
   * Runs the pending graph(): routes from the graph module (tinc 1.1's search: hops first, equal
   * hop counts broken by weighted distance), then reachability transitions with their scripts.
   */
  flushGraph(): void {
    if (!this.graphDirty) return;
    this.graphDirty = false;
    // Routes node by node without a snapshot (nothing allocated per node); the broadcast tree
    // is only needed when something is broadcast (mstConnections).
    this.mstDirty = true;
    const changed: NodeRec[] = [];
    // Routes come in name order, so `changed` is in name order too (tinc walks its node tree).
    this.graphModel.forEachRouteTagged((n, _name, reachable, nexthop, via, distance, indirect, prevedge) => {
      if (n === undefined || n === this.myself) return;
      if (reachable) {
        n.nexthop = nexthop ?? n;
        n.via = via ?? n;
        n.distance = distance;
        n.indirect = indirect;
        const prev = prevedge?.tag;
        if (prev !== undefined) {
          n.prevedge = prev;
          n.options = prev.options;
          if (n.udp === undefined) this.learnUdpFromEdge(n, prev);
        }
      }
      if (reachable !== n.reachable) changed.push(n);
    });
    if (changed.length > 0) this.subnetIndex.reachabilityChanged();
    for (const n of changed) this.reachabilityChanged(n);
  }

  private learnUdpFromEdge(n: NodeRec, e: EdgeRec): void {
    const port = Number(e.port);
    if (!/^[0-9]+$/.test(e.port) || port > 65535 || e.address.length === 0) return;
    this.setUdp(n, { host: e.address, port });
  }

  /** Sets or clears a node's UDP address and the address index. */
  setUdp(n: NodeRec, addr: { host: string; port: number } | undefined): void {
    if (n.udp !== undefined && this.nodeByUdp.get(addrKey(n.udp)) === n) {
      this.nodeByUdp.delete(addrKey(n.udp));
    }
    if (addr === undefined) {
      n.udp = undefined;
      return;
    }
    n.udp = addr;
    this.nodeByUdp.set(addrKey(addr), n);
  }

  private reachabilityChanged(n: NodeRec): void {
    n.reachable = !n.reachable;
    this.log(LogLevel.traffic, n.reachable ? "Node became reachable" : "Node became unreachable", {
      node: n.name,
    });
    n.validKey = false;
    n.waitingForKey = false;
    const event = n.reachable ? "up" : "down";
    const env = this.hostEnv(n);
    this.fx.runScript(`host-${event}`, env);
    this.fx.runScript(`hosts/${n.name}-${event}`, env);
    for (const s of sortedSubnets(n)) this.subnetScript(s, n.reachable);
    if (!n.reachable) {
      this.setUdp(n, undefined);
      n.options = 0;
      n.inKey = false;
      pmtuReset(this, n);
      n.nexthop = undefined;
      n.via = undefined;
      n.prevedge = undefined;
    } else if (n.conn !== undefined) {
      this.sendAnsKey(n);
    }
  }

  /** Set after construction by proto_key (avoids an import cycle). */
  sendAnsKey: (to: NodeRec) => void = () => {};

  baseEnv(): Record<string, string> {
    const env: Record<string, string> = {};
    if (this.config.netname !== undefined) env.NETNAME = this.config.netname;
    if (this.config.device !== undefined) env.DEVICE = this.config.device;
    if (this.config.iface !== undefined) env.INTERFACE = this.config.iface;
    return env;
  }

  hostEnv(n: NodeRec): Record<string, string> {
    const env = this.baseEnv();
    env.NODE = n.name;
    if (n.udp !== undefined) {
      env.REMOTEADDRESS = n.udp.host;
      env.REMOTEPORT = String(n.udp.port);
    }
    env.NAME = this.myself.name;
    return env;
  }

  /** subnet-up / subnet-down with tinc's environment (SUBNET without `#weight`). */
  subnetScript(s: SubnetRec, up: boolean): void {
    const env = this.baseEnv();
    env.NODE = s.owner.name;
    if (s.owner !== this.myself && s.owner.udp !== undefined) {
      env.REMOTEADDRESS = s.owner.udp.host;
      env.REMOTEPORT = String(s.owner.udp.port);
    }
    env.NAME = this.myself.name;
    env.SUBNET = s.text.replace(/#.*$/, "");
    env.WEIGHT = String(s.subnet.weight);
    this.fx.runScript(up ? "subnet-up" : "subnet-down", env);
  }

  /** Connections in the broadcast tree (recomputed lazily). */
  mstConnections(): Set<Connection> {
    this.flushGraph();
    if (this.mstDirty) {
      this.mstDirty = false;
      for (const c of this.conns.values()) c.mst = false;
      this.mstConns = new Set();
      for (const pair of this.graphModel.broadcastTree()) {
        const e = this.nodes.get(pair.from)?.edges.get(pair.to);
        for (const half of [e, e?.reverse]) {
          const conn = half?.conn;
          if (conn !== undefined && conn.phase === "active") {
            conn.mst = true;
            this.mstConns.add(conn);
          }
        }
      }
    }
    return this.mstConns;
  }

  // ---- connections ------------------------------------------------------------------------

  /**
   * tinc's terminate_connection. With `report`, the loss is announced (DEL_EDGE me→peer, and
   * peer→me if the peer became unreachable); the outgoing slot, if any, is rescheduled.
   */
  /** @param tarpit the peer failed (tinc's status.tarpit): the runtime holds the socket silently */
  terminate(c: Connection, report: boolean, reason: string, tarpit = false): void {
    if (c.phase === "closed") return;
    this.log(LogLevel.connections, "Closing connection", { peer: c.name, reason, conn: c.id });
    const wasActive = c.phase === "active";
    const wasConnected = c.phase !== "connecting";
    c.phase = "closed";
    this.conns.delete(c.id);
    this.fx.close(c.id, tarpit);
    if (c.node !== undefined && c.node.conn === c) c.node.conn = undefined;
    if (c.edge !== undefined) {
      if (report && !this.config.tunnelServer) {
        this.broadcastLine(this.delEdgeLine(c.edge.from.name, c.edge.to.name));
      }
      this.delEdge(c.edge);
      delete c.edge;
      if (report && c.node !== undefined) {
        this.flushGraph();
        if (!c.node.reachable) {
          const back = c.node.edges.get(this.myself.name);
          if (back !== undefined) {
            if (!this.config.tunnelServer) this.broadcastLine(this.delEdgeLine(back.from.name, back.to.name));
            this.delEdge(back);
          }
        }
      }
    }
    this.mstDirty = true;
    const out = c.outgoing;
    if (out !== undefined && out.conn === c) {
      delete out.conn;
      if (!this.stopped) this.onOutgoingLost(out, wasConnected);
    }
    if (wasActive && this.activeCount() === 0) this.purge();
  }

  /** Set by outgoing.ts: what to do when an outgoing connection is gone. */
  onOutgoingLost: (out: Outgoing, established: boolean) => void = () => {};

  activeCount(): number {
    let n = 0;
    for (const c of this.conns.values()) if (c.phase === "active") n++;
    return n;
  }

  /**
   * tinc's purge(): forget unreachable nodes' subnets and edges (announcing their removal) and
   * then the nodes nobody has an edge to.
   */
  purge(): void {
    this.flushGraph();
    for (const n of [...this.nodes.values()].sort((a, b) => byName(a.name, b.name))) {
      if (n.reachable) continue;
      for (const s of sortedSubnets(n)) {
        this.broadcastLine(this.subnetLine(RequestCode.DEL_SUBNET, s));
        if (!this.config.strictSubnets) {
          n.subnets.delete(s.text);
          this.subnetsChanged();
        }
      }
      for (const e of [...n.edges.values()]) {
        this.broadcastLine(this.delEdgeLine(e.from.name, e.to.name));
        this.delEdge(e);
      }
    }
    const targeted = new Set<NodeRec>();
    for (const n of this.nodes.values()) for (const e of n.edges.values()) targeted.add(e.to);
    for (const n of [...this.nodes.values()]) {
      if (!n.reachable && !targeted.has(n) && n.subnets.size === 0 && n.conn === undefined) {
        this.nodes.delete(n.name);
        this.graphModel.deleteNode(n.name);
        this.nodeOrder = undefined;
      }
    }
  }
}

/** A node's subnets in tinc's tree order (kind, longest prefix, address, weight). */
export function sortedSubnets(n: NodeRec): SubnetRec[] {
  return n.subnets.sorted((a, b) => compareSubnets(a.subnet, b.subnet));
}
