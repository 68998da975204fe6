/**
 * What a node knows about the mesh: nodes, directed edges, subnets and meta connections.
 * Plain records with links between them; the protocol handlers mutate them and graph.ts
 * derives reachability, next hops and the broadcast tree from them.
 * @module
 */
import type { Subnet } from "../subnet/subnet.ts";
import type { RequestCode } from "../meta/requests.ts";
import type { ConnId, SockAddr } from "./effects.ts";
import type { Authenticator } from "./auth/authenticator.ts";
import type { MetaFramer } from "../meta/framing.ts";
import type { LegacyPacketCodec } from "../crypto/legacy/packet.ts";
import type { LegacyReplayWindow } from "../crypto/legacy/replay_window.ts";
import { SortedStringMap } from "./sorted_map.ts";

/** A directed edge FROM→TO as announced in ADD_EDGE. */
export interface EdgeRec {
  from: NodeRec;
  to: NodeRec;
  /** Address of TO as FROM sees it, verbatim from the wire. */
  address: string;
  port: string;
  options: number;
  weight: number;
  /** The local connection this edge describes (only for edges from myself). */
  conn: Connection | undefined;
  /** `FROM TO ADDRESS PORT OPTIONS WEIGHT` as 1.0 renders it, made on first use (the edge never
   * changes: a new ADD_EDGE replaces the record). */
  body: string | undefined;
  /** TO→FROM while both exist (kept by NodeCore.addEdge/delEdge): the graph uses only such edges. */
  reverse: EdgeRec | undefined;
}

export interface SubnetRec {
  owner: NodeRec;
  subnet: Subnet;
  /** The 1.0 text form with `#weight`: the subnet's identity in tables and dedup. */
  text: string;
  /** Switch mode: when a learned MAC expires (ms); undefined for configured subnets. */
  expires?: number;
}

/** A node's subnets by 1.0 text, remembering their sorted order until the next change (every
 * new peer gets all subnets of every node in that order). */
export class SubnetMap extends SortedStringMap<SubnetRec> {
  #sorted: SubnetRec[] | undefined;

  override set(key: string, value: SubnetRec): this {
    this.#sorted = undefined;
    return super.set(key, value);
  }

  override delete(key: string): boolean {
    this.#sorted = undefined;
    return super.delete(key);
  }

  override clear(): void {
    this.#sorted = undefined;
    super.clear();
  }

  /** The records sorted by `order`; the same array until the map changes (callers copy to keep it
   * across changes, and must always pass the same order). */
  sorted(order: (a: SubnetRec, b: SubnetRec) => number): SubnetRec[] {
    this.#sorted ??= [...this.values()].sort(order);
    return this.#sorted;
  }
}

export interface NodeRec {
  name: string;
  /** Outgoing edges keyed by destination name, in name order. */
  edges: SortedStringMap<EdgeRec>;
  subnets: SubnetMap;
  /** The active meta connection to this node, if directly connected. */
  conn: Connection | undefined;
  // Derived by the graph (core.ts flushGraph, from src/core/graph):
  reachable: boolean;
  nexthop: NodeRec | undefined;
  via: NodeRec | undefined;
  prevedge: EdgeRec | undefined;
  distance: number;
  indirect: boolean;
  options: number;
  /** UDP address: from the edge leading here, or from ANS_KEY. */
  udp: SockAddr | undefined;
  // Keys: validKey = we may send to it over UDP; inKey = we issued it a key (still valid).
  validKey: boolean;
  waitingForKey: boolean;
  lastReqKey: number;
  inKey: boolean;
  sentSeqno: number;
  receivedSeqno: number;
  /** Seals what we send to this node: the key and parameters from its ANS_KEY. */
  outCodec: LegacyPacketCodec | undefined;
  /** Compression level the node asked for in its ANS_KEY. */
  outCompression: number;
  /** Compression level we announced in our ANS_KEY to this node. */
  inCompression: number;
  /** Opens what this node sends us: the key we issued in our ANS_KEY. */
  inCodec: LegacyPacketCodec | undefined;
  /** Replay state for inCodec, reset whenever we issue a key. */
  replay: LegacyReplayWindow | undefined;
  /** PMTU: the largest probe size this node echoed (0 before any reply). */
  minmtu: number;
  /**
   * `PMTU` from hosts/NAME or our own configuration, the lowest, taken when a meta connection
   * to the node is activated (tinc's ack_h caps `n->mtu` with it); undefined without one.
   */
  mtuCap: number | undefined;
  /** Traffic as tinc 1.1 counts it for `dump traffic`: frames (and their bytes) received from
   * this node and routed (from the device for myself), and frames sent toward it while it was
   * reachable (to the device for myself). */
  inPackets: number;
  inBytes: number;
  outPackets: number;
  outBytes: number;
}

/** Where a connection stands in the gate ID → METAKEY → CHALLENGE → CHAL_REPLY → ACK → ALL. */
export type ConnPhase = "connecting" | "auth" | "active" | "closed";

/** One ConnectTo target and its reconnect state. */
export interface Outgoing {
  name: string;
  /** Seconds to wait before the next attempt; +5 per failure, up to MaxTimeout. */
  timeout: number;
  /** Index into the resolved address list for this round of attempts. */
  addressIndex: number;
  addresses: SockAddr[];
  /** Deadline (ms) of the next attempt, when waiting. */
  retryAt?: number;
  conn?: Connection;
  /** Waiting for Effects.resolve answers for these hosts. */
  resolving: Set<string>;
}

export interface Connection {
  id: ConnId;
  outgoing?: Outgoing;
  /** The address we dialled or the peer's socket address. */
  address: SockAddr;
  phase: ConnPhase;
  /** During authentication, the only request code accepted next. */
  allow: RequestCode | "all";
  name?: string;
  node?: NodeRec;
  /** Edge myself→peer created at ACK. */
  edge?: EdgeRec;
  created: number;
  lastPingTime: number;
  pinged: boolean;
  estimatedWeight: number;
  options: number;
  /** Set by the MST: broadcasts go over this connection. */
  mst: boolean;
  framer: MetaFramer;
  auth: Authenticator;
  /** Protocol minor announced in the peer's ID (0 for 1.0). */
  peerMinor: number;
}

export function newNode(name: string): NodeRec {
  return {
    name,
    edges: new SortedStringMap(),
    subnets: new SubnetMap(),
    reachable: false,
    distance: 0,
    indirect: false,
    options: 0,
    validKey: false,
    waitingForKey: false,
    lastReqKey: -Infinity,
    inKey: false,
    sentSeqno: 0,
    receivedSeqno: 0,
    outCompression: 0,
    inCompression: 0,
    minmtu: 0,
    mtuCap: undefined,
    inPackets: 0,
    inBytes: 0,
    outPackets: 0,
    outBytes: 0,
    conn: undefined,
    nexthop: undefined,
    via: undefined,
    prevedge: undefined,
    udp: undefined,
    outCodec: undefined,
    inCodec: undefined,
    replay: undefined,
  };
}

/** An edge's ADD_EDGE fields after the nonce, as tinc 1.0 prints them (`%x` options, `%d` weight). */
export function edgeBody(e: EdgeRec): string {
  e.body ??= `${e.from.name} ${e.to.name} ${e.address} ${e.port} ${
    (e.options >>> 0).toString(16)
  } ${e.weight}`;
  return e.body;
}

/** tinc orders names with strcmp: plain code-unit order, which names ([A-Za-z0-9_]) share. */
export function byName(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Edges of a node in destination-name order (tinc keeps each node's edge tree sorted): the
 * map's own array, not to be kept across changes. */
export function sortedEdges(n: NodeRec): readonly EdgeRec[] {
  return n.edges.values();
}
