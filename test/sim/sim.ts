/**
 * A simulated clock and network that runs many Engines in one process: meta connections as
 * ordered byte pipes delivered in arbitrary chunks, UDP with loss, duplication and reordering,
 * partitions, and recorded TUN writes and scripts. Seeded: the same seed gives the same run.
 *
 * Time is in integer milliseconds. Events due at the same instant for the same node are fed
 * to its engine as one batch (graph() runs once per batch, as a reactor would do per wake-up).
 * @module
 */
import { Engine } from "../../src/core/node/engine.ts";
import type { EngineConfig } from "../../src/core/node/config.ts";
import {
  addrKey,
  type ConnId,
  type Effects,
  type SockAddr,
  type UdpRefusal,
} from "../../src/core/node/effects.ts";
import { SeededRandom } from "./rng.ts";

export interface SimOptions {
  seed: number;
  /** One-way latency (ms) of meta and UDP traffic. */
  latency: number;
  /** Extra random delay (ms) on UDP datagrams: reorders them. */
  jitter: number;
  /** Probability that a UDP datagram is lost. */
  udpLoss: number;
  /** Probability that a UDP datagram is delivered twice. */
  udpDuplicate: number;
  /** Cut meta byte bursts into random chunks (1..maxChunk bytes); 0 delivers each burst whole. */
  maxChunk: number;
  /** How long a dial into a partition waits before failing (ms). */
  connectTimeout: number;
  /** Record log lines up to this level (-1: none). */
  logLevel: number;
  /**
   * Event times are rounded up to a multiple of this (ms): a coarser tick means more inputs
   * per engine wake-up, so fewer graph() runs, as a busy reactor would see.
   */
  tick: number;
  /** Record script runs in SimNode.scripts (a large benchmark turns this off: millions of runs). */
  recordScripts: boolean;
}

export const DEFAULT_SIM_OPTIONS: SimOptions = {
  seed: 1,
  latency: 5,
  jitter: 3,
  udpLoss: 0,
  udpDuplicate: 0,
  maxChunk: 0,
  connectTimeout: 5000,
  logLevel: -1,
  tick: 1,
  recordScripts: true,
};

export interface ScriptRun {
  node: string;
  time: number;
  name: string;
  env: Record<string, string>;
}

/** One end of a meta connection. */
interface Endpoint {
  id: ConnId;
  owner: SimNode | ExternalPeer;
  peer?: Endpoint;
  /** Bytes queued toward the peer, delivered at the next flush. */
  pending: Uint8Array[];
  flushAt: number;
  closed: boolean;
  /** Our side closed: after the pending bytes, the peer sees the close. */
  finPending: boolean;
  observer?: StreamObserver;
}

/** A peer outside the simulated engines (e.g. a fuzzer), speaking raw bytes to one node. */
export class ExternalPeer {
  received: Uint8Array[] = [];
  closedByNode = false;
  endpoint!: Endpoint;
  constructor(readonly sim: Simulator, readonly name: string) {}

  /** Sends bytes to the node (delivered after the latency). */
  send(bytes: Uint8Array): void {
    this.sim.enqueueMeta(this.endpoint, bytes);
  }

  get open(): boolean {
    return !this.endpoint.closed && !this.closedByNode;
  }
}

export class SimNode {
  readonly engine: Engine;
  readonly scripts: ScriptRun[] = [];
  readonly tun: Uint8Array[] = [];
  readonly logs: string[] = [];
  /** Effects.writeFile calls, in order. */
  readonly files: Array<{ path: string; text: string; mode: string }> = [];
  readonly endpoints = new Map<ConnId, Endpoint>();
  timerAt = Infinity;
  /** Accepting connections (started). */
  listening = false;
  onTun?: (frame: Uint8Array) => void;

  constructor(
    readonly sim: Simulator,
    readonly name: string,
    readonly address: SockAddr,
    config: EngineConfig,
    seed: number,
  ) {
    this.engine = new Engine(config, this.effects(), new SeededRandom(seed));
  }

  private effects(): Effects {
    const sim = this.sim;
    return {
      sendMeta: (conn, bytes) => {
        const ep = this.endpoints.get(conn);
        if (ep !== undefined && !ep.closed) sim.enqueueMeta(ep, bytes);
      },
      connect: (address) => sim.dial(this, address),
      close: (conn) => {
        const ep = this.endpoints.get(conn);
        this.endpoints.delete(conn);
        if (ep !== undefined) sim.closeEndpoint(ep);
        else sim.cancelDial(this, conn);
      },
      sendUdp: (to, bytes) => sim.sendUdp(this, to, bytes),
      writeTun: (frame) => {
        this.tun.push(frame);
        this.onTun?.(frame);
      },
      runScript: (name, env) => {
        if (sim.options.recordScripts) {
          this.scripts.push({ node: this.name, time: sim.now, name, env: { ...env } });
        }
      },
      readFile: () => {},
      writeFile: (path, bytes, mode) => {
        this.files.push({ path, text: String.fromCharCode(...bytes), mode });
      },
      resolve: (host) => sim.schedule(sim.now + 1, this, (e, now) => e.onResolved(now, host, [])),
      log: (level, message, fields) => {
        if (level <= sim.options.logLevel) {
          this.logs.push(`${sim.now} ${level} ${message} ${JSON.stringify(fields)}`);
        }
      },
    };
  }
}

/** Sees the bytes of one direction of a meta connection, cut into lines and PACKET frames. */
export class StreamObserver {
  private buf = "";
  private raw = 0;
  private rawBytes: number[] = [];
  constructor(
    readonly from: string,
    readonly to: string,
    readonly onLine: (from: string, to: string, line: string) => void,
    readonly onPacket: (from: string, to: string, frame: Uint8Array) => void,
  ) {}

  feed(bytes: Uint8Array): void {
    for (const b of bytes) {
      if (this.raw > 0) {
        this.rawBytes.push(b);
        if (--this.raw === 0) {
          this.onPacket(this.from, this.to, Uint8Array.from(this.rawBytes));
          this.rawBytes = [];
        }
        continue;
      }
      if (b !== 10) {
        this.buf += String.fromCharCode(b);
        continue;
      }
      const line = this.buf;
      this.buf = "";
      this.onLine(this.from, this.to, line);
      const m = /^17 ([0-9]+)$/.exec(line);
      if (m) this.raw = Number(m[1]);
    }
  }
}

interface SimEvent {
  time: number;
  seq: number;
  node?: SimNode;
  run: (engine: Engine, now: number) => void;
}

/** The simulated world. */
export class Simulator {
  readonly options: SimOptions;
  readonly rng: SeededRandom;
  now = 0;
  readonly nodes = new Map<string, SimNode>();
  private readonly byAddr = new Map<string, SimNode>();
  private heap: SimEvent[] = [];
  private seq = 0;
  private nextConnId = 1;
  private nextEphemeral = 40000;
  private group = new Map<string, number>();
  private held: Endpoint[] = [];
  private dialing = new Map<ConnId, SimNode>();
  /** Time of the last meta delivery: used to detect quiet. */
  lastMetaAt = 0;
  metaBytes = 0;
  metaDeliveries = 0;
  udpDelivered = 0;
  /** When set, every meta direction is observed (lines and PACKET frames). */
  observe?: {
    onLine: (from: string, to: string, line: string) => void;
    onPacket: (from: string, to: string, frame: Uint8Array) => void;
  };
  onUdp?: (from: string, to: string, datagram: Uint8Array) => void;
  /** When set and true for a pair, UDP between them is lost (meta connections are unaffected). */
  udpBlocked?: (from: string, to: string) => boolean;

  constructor(options: Partial<SimOptions> = {}) {
    this.options = { ...DEFAULT_SIM_OPTIONS, ...options };
    this.rng = new SeededRandom(this.options.seed);
  }

  addNode(config: EngineConfig, address: SockAddr): SimNode {
    const node = new SimNode(this, config.name, address, config, this.rng.nextU32());
    this.nodes.set(config.name, node);
    this.byAddr.set(addrKey(address), node);
    return node;
  }

  /** Starts a node's engine at `at`. */
  start(name: string, at = this.now): void {
    const node = this.nodes.get(name)!;
    this.schedule(at, node, (e, now) => {
      node.listening = true;
      e.start(now);
    });
  }

  // ---- scheduling ---------------------------------------------------------------------------

  schedule(time: number, node: SimNode | undefined, run: (engine: Engine, now: number) => void): void {
    const tick = this.options.tick;
    const at = Math.max(time, this.now);
    const ev: SimEvent = { time: tick > 1 ? Math.ceil(at / tick) * tick : at, seq: this.seq++, run };
    if (node !== undefined) ev.node = node;
    this.push(ev);
  }

  private push(ev: SimEvent): void {
    const h = this.heap;
    h.push(ev);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (before(h[p]!, ev)) break;
      h[i] = h[p]!;
      i = p;
    }
    h[i] = ev;
  }

  private pop(): SimEvent | undefined {
    const h = this.heap;
    const top = h[0];
    const last = h.pop();
    if (h.length > 0 && last !== undefined) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        let best = last;
        if (l < h.length && before(h[l]!, best)) {
          m = l;
          best = h[l]!;
        }
        if (r < h.length && before(h[r]!, best)) m = r;
        if (m === i) break;
        h[i] = h[m]!;
        i = m;
      }
      h[i] = last;
    }
    return top;
  }

  /** Runs every event due up to `until` (inclusive). Bounded by `maxEvents`. */
  runUntil(until: number, maxEvents = 50_000_000): void {
    let count = 0;
    while (this.heap.length > 0 && this.heap[0]!.time <= until && count < maxEvents) {
      count += this.step();
    }
    if (this.now < until) this.now = until;
  }

  /** Runs until no meta bytes moved for `quietMs`, or `maxTime` is reached. @returns the time */
  runUntilQuiet(quietMs: number, maxTime: number): number {
    const start = this.now;
    this.lastMetaAt = Math.max(this.lastMetaAt, start);
    while (this.heap.length > 0) {
      const t = this.heap[0]!.time;
      if (t > maxTime || t > this.lastMetaAt + quietMs) break;
      this.step();
    }
    this.now = Math.min(Math.max(this.now, this.lastMetaAt + quietMs), maxTime);
    return this.now;
  }

  /**
   * Runs until every ConnectTo of every node is active and no meta bytes moved for `quietMs`,
   * or `maxTime` is reached. @returns whether it settled
   */
  runUntilSettled(quietMs: number, maxTime: number): boolean {
    for (let guard = 0; guard < 100_000; guard++) {
      this.runUntilQuiet(quietMs, maxTime);
      const settled = [...this.nodes.values()].every((n) =>
        n.engine.connectToStatus().every((o) => o.active)
      );
      if (settled) return true;
      if (this.now >= maxTime || this.heap.length === 0) return false;
      this.runUntil(Math.min(maxTime, this.now + 1000));
    }
    return false;
  }

  /** Processes all events of the next instant, batched per node. @returns events run */
  private step(): number {
    const t = this.heap[0]!.time;
    this.now = t;
    const batch: SimEvent[] = [];
    while (this.heap.length > 0 && this.heap[0]!.time === t) batch.push(this.pop()!);
    const perNode = new Map<SimNode | undefined, SimEvent[]>();
    for (const ev of batch) {
      let list = perNode.get(ev.node);
      if (list === undefined) perNode.set(ev.node, list = []);
      list.push(ev);
    }
    for (const [node, events] of perNode) {
      if (node === undefined) {
        for (const ev of events) ev.run(undefined as unknown as Engine, t);
        continue;
      }
      node.engine.batch(t, () => {
        for (const ev of events) ev.run(node.engine, t);
      });
      this.armTimer(node);
    }
    return batch.length;
  }

  armTimer(node: SimNode): void {
    const d = node.engine.nextDeadline();
    if (d === Infinity || d >= node.timerAt) return;
    node.timerAt = d;
    this.schedule(d, node, (e, now) => {
      if (node.timerAt === d) node.timerAt = Infinity;
      e.onTimer(now);
    });
  }

  // ---- partitions -----------------------------------------------------------------------------

  /** Splits the network: nodes in different groups cannot reach each other. */
  partition(groupOf: (name: string) => number): void {
    this.group.clear();
    for (const name of this.nodes.keys()) this.group.set(name, groupOf(name));
  }

  /** Removes every partition; held meta bytes resume. */
  heal(): void {
    this.group.clear();
    const held = this.held;
    this.held = [];
    for (const ep of held) this.scheduleFlush(ep);
  }

  blocked(a: string, b: string): boolean {
    if (this.group.size === 0) return false;
    return (this.group.get(a) ?? -1) !== (this.group.get(b) ?? -1);
  }

  // ---- meta connections -----------------------------------------------------------------------

  dial(from: SimNode, address: SockAddr): ConnId {
    const id = this.nextConnId++;
    this.dialing.set(id, from);
    const target = this.byAddr.get(addrKey(address));
    const lat = this.options.latency;
    const refuse = (delay: number): void => {
      this.schedule(this.now + delay, from, (e, now) => {
        if (this.dialing.delete(id)) e.onMetaClosed(now, id);
      });
    };
    if (target === undefined) {
      refuse(2 * lat);
      return id;
    }
    if (this.blocked(from.name, target.name)) {
      refuse(this.options.connectTimeout);
      return id;
    }
    this.schedule(this.now + lat, target, (e, now) => {
      if (!this.dialing.has(id)) return;
      // Whether anyone listens is decided when the SYN arrives: a daemon that started while it
      // was on its way accepts it. Otherwise the refusal travels back.
      if (!target.listening) {
        refuse(lat);
        return;
      }
      const mine: Endpoint = this.endpoint(id, from);
      const theirId = this.nextConnId++;
      const theirs: Endpoint = this.endpoint(theirId, target);
      mine.peer = theirs;
      theirs.peer = mine;
      target.endpoints.set(theirId, theirs);
      e.onMetaConnected(now, theirId, {
        outgoing: false,
        peerAddress: { host: from.address.host, port: this.nextEphemeral++ },
      });
      this.schedule(now + lat, from, (fe, fnow) => {
        if (!this.dialing.delete(id)) return;
        from.endpoints.set(id, mine);
        fe.onMetaConnected(fnow, id, { outgoing: true, peerAddress: address });
      });
    });
    return id;
  }

  cancelDial(_node: SimNode, id: ConnId): void {
    this.dialing.delete(id);
  }

  private endpoint(id: ConnId, owner: SimNode | ExternalPeer): Endpoint {
    return { id, owner, pending: [], flushAt: Infinity, closed: false, finPending: false };
  }

  /** Opens a connection from an external peer to `nodeName` (the node sees an accept). */
  connectExternal(nodeName: string, peerName: string, host: string): ExternalPeer {
    const node = this.nodes.get(nodeName)!;
    const ext = new ExternalPeer(this, peerName);
    const mine = this.endpoint(this.nextConnId++, ext);
    const theirs = this.endpoint(this.nextConnId++, node);
    mine.peer = theirs;
    theirs.peer = mine;
    ext.endpoint = mine;
    node.endpoints.set(theirs.id, theirs);
    this.schedule(this.now, node, (e, now) => {
      e.onMetaConnected(now, theirs.id, {
        outgoing: false,
        peerAddress: { host, port: this.nextEphemeral++ },
      });
    });
    return ext;
  }

  /**
   * Like connectExternal, but the node accepts at once and `feed` hands bytes straight to
   * its engine (no latency): for feeding many lines quickly. The node's replies go to the peer.
   */
  acceptExternalNow(
    nodeName: string,
    peerName: string,
    host: string,
  ): ExternalPeer & { feed(b: Uint8Array): void } {
    const node = this.nodes.get(nodeName)!;
    const ext = new ExternalPeer(this, peerName);
    const mine = this.endpoint(this.nextConnId++, ext);
    const theirs = this.endpoint(this.nextConnId++, node);
    mine.peer = theirs;
    theirs.peer = mine;
    ext.endpoint = mine;
    node.endpoints.set(theirs.id, theirs);
    node.engine.onMetaConnected(this.now, theirs.id, {
      outgoing: false,
      peerAddress: { host, port: this.nextEphemeral++ },
    });
    this.armTimer(node);
    const feed = (bytes: Uint8Array): void => {
      if (!node.endpoints.has(theirs.id)) return;
      node.engine.onMetaData(this.now, theirs.id, bytes);
      if (!node.endpoints.has(theirs.id)) ext.closedByNode = true;
      this.armTimer(node);
    };
    return Object.assign(ext, { feed });
  }

  enqueueMeta(ep: Endpoint, bytes: Uint8Array): void {
    if (ep.closed || ep.finPending) return;
    // No copy here: flush() copies every burst into one new array anyway, and an engine must not
    // touch bytes it handed over (a copy would hide that bug instead of exposing it).
    ep.pending.push(bytes);
    this.scheduleFlush(ep);
  }

  closeEndpoint(ep: Endpoint): void {
    if (ep.closed) return;
    ep.finPending = true;
    this.scheduleFlush(ep);
  }

  private nameOf(ep: Endpoint): string {
    return ep.owner.name;
  }

  private scheduleFlush(ep: Endpoint): void {
    if (ep.flushAt !== Infinity) return;
    const at = this.now + this.options.latency;
    ep.flushAt = at;
    const peer = ep.peer;
    const target = peer?.owner instanceof SimNode ? peer.owner : undefined;
    this.schedule(at, target, () => this.flush(ep));
  }

  /** Delivers an endpoint's queued bytes (and its close) to the peer. */
  private flush(ep: Endpoint): void {
    ep.flushAt = Infinity;
    const peer = ep.peer;
    if (peer === undefined || ep.closed) return;
    if (this.blocked(this.nameOf(ep), this.nameOf(peer))) {
      this.held.push(ep);
      return;
    }
    const chunks = ep.pending;
    ep.pending = [];
    const total = chunks.reduce((n, c) => n + c.length, 0);
    if (total > 0 && !peer.closed) {
      const all = new Uint8Array(total);
      let off = 0;
      for (const c of chunks) {
        all.set(c, off);
        off += c.length;
      }
      this.lastMetaAt = this.now;
      this.metaBytes += total;
      if (this.observe !== undefined) {
        ep.observer ??= new StreamObserver(
          this.nameOf(ep),
          this.nameOf(peer),
          this.observe.onLine,
          this.observe.onPacket,
        );
        ep.observer.feed(all);
      }
      this.deliver(peer, all);
    }
    if (ep.finPending) {
      ep.closed = true;
      if (!peer.closed) {
        peer.closed = true;
        const owner = peer.owner;
        if (owner instanceof SimNode) {
          owner.endpoints.delete(peer.id);
          owner.engine.onMetaClosed(this.now, peer.id);
        } else owner.closedByNode = true;
      }
    }
  }

  private deliver(peer: Endpoint, all: Uint8Array): void {
    const owner = peer.owner;
    if (!(owner instanceof SimNode)) {
      owner.received.push(all);
      return;
    }
    this.metaDeliveries++;
    const max = this.options.maxChunk;
    if (max <= 0) {
      owner.engine.onMetaData(this.now, peer.id, all);
      return;
    }
    for (let off = 0; off < all.length && owner.endpoints.has(peer.id);) {
      const n = 1 + this.rng.int(max);
      owner.engine.onMetaData(this.now, peer.id, all.subarray(off, off + n));
      off += n;
    }
  }

  // ---- UDP ------------------------------------------------------------------------------------

  /** Delivers a datagram later (tests may override this, and answer "too-big" as a runtime would). */
  sendUdp(from: SimNode, to: SockAddr, bytes: Uint8Array): void | UdpRefusal {
    const target = this.byAddr.get(addrKey(to));
    if (target === undefined || this.blocked(from.name, target.name)) return;
    if (this.udpBlocked?.(from.name, target.name)) return;
    if (this.rng.float() < this.options.udpLoss) return;
    const copies = this.rng.float() < this.options.udpDuplicate ? 2 : 1;
    const data = bytes.slice();
    for (let i = 0; i < copies; i++) {
      const at = this.now + this.options.latency + this.rng.int(this.options.jitter + 1);
      this.schedule(at, target, (e, now) => {
        this.udpDelivered++;
        this.onUdp?.(from.name, target.name, data);
        e.onUdp(now, from.address, data);
      });
    }
  }

  /** Injects a frame into a node's TUN device now. */
  tunFrame(name: string, frame: Uint8Array): void {
    const node = this.nodes.get(name)!;
    this.schedule(this.now, node, (e, now) => e.onTunFrame(now, frame));
  }
}

function before(a: SimEvent, b: SimEvent): boolean {
  return a.time < b.time || (a.time === b.time && a.seq < b.seq);
}
