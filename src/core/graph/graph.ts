/**
 * The mesh graph: every node we have heard of and every directed edge announced with
 * ADD_EDGE, plus the two trees tinc derives from it after each change (spec §6):
 *
 * - unicast routes, by a breadth-first search from myself (hops first, weights only break
 *   ties between paths with equal hop counts, as tinc 1.1 does);
 * - the broadcast tree, a minimum spanning tree whose exact shape is part of the protocol,
 *   because every node must pick the same tree.
 *
 * An edge counts only while its reverse edge exists. Names are compared like C's strcmp,
 * which for tinc's `[A-Za-z0-9_]` names is JavaScript's code-unit order.
 * @module
 */
import { OPTION_INDIRECT } from "../meta/requests.ts";

/** One directed edge as announced by ADD_EDGE (`from` owns it). Address and port stay text,
 * as tinc keeps unparseable ones verbatim and re-sends them. */
export interface EdgeInfo {
  from: string;
  to: string;
  address: string;
  port: string;
  options: number;
  weight: number;
  /** tinc 1.1 only: the address `from` sees locally for `to`. */
  localAddress?: string;
  localPort?: string;
}

/** A stored edge. Read-only to callers; change it through {@link MeshGraph.updateEdge}. */
export interface MeshEdge extends Readonly<EdgeInfo> {
  /** The edge `to → from`, if known; without it this edge is unused. */
  readonly reverse: MeshEdge | null;
}

/** Compares like C's strcmp on ASCII names. */
export function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** tinc's global edge order: weight, then from-name, then to-name. */
export function compareEdgeWeightOrder(
  a: Readonly<Pick<EdgeInfo, "weight" | "from" | "to">>,
  b: Readonly<Pick<EdgeInfo, "weight" | "from" | "to">>,
): number {
  if (a.weight !== b.weight) return a.weight < b.weight ? -1 : 1;
  if (a.from !== b.from) return a.from < b.from ? -1 : 1;
  if (a.to !== b.to) return a.to < b.to ? -1 : 1;
  return 0;
}

class EdgeRecord implements MeshEdge {
  from: string;
  to: string;
  address: string;
  port: string;
  options: number;
  weight: number;
  // `declare` keeps absent optional fields absent instead of present-but-undefined.
  declare localAddress?: string;
  declare localPort?: string;
  reverse: EdgeRecord | null = null;
  /** False once deleted; the weight order drops dead records at its next merge. */
  alive = true;
  /** The weight this record is filed under in the weight order, or null if not filed yet. */
  filedWeight: number | null = null;
  /** Waiting in the pending list of the weight order. */
  pending = false;
  fromNode: NodeRecord;
  toNode: NodeRecord;

  constructor(info: EdgeInfo, fromNode: NodeRecord, toNode: NodeRecord) {
    this.from = info.from;
    this.to = info.to;
    this.address = info.address;
    this.port = info.port;
    this.options = info.options;
    this.weight = info.weight;
    if (info.localAddress !== undefined) this.localAddress = info.localAddress;
    if (info.localPort !== undefined) this.localPort = info.localPort;
    this.fromNode = fromNode;
    this.toNode = toNode;
  }

  assign(info: EdgeInfo): void {
    this.address = info.address;
    this.port = info.port;
    this.options = info.options;
    this.weight = info.weight;
    if (info.localAddress !== undefined) this.localAddress = info.localAddress;
    else delete this.localAddress;
    if (info.localPort !== undefined) this.localPort = info.localPort;
    else delete this.localPort;
  }
}

class NodeRecord {
  readonly name: string;
  /** Outgoing edges by destination name. */
  readonly out = new Map<string, EdgeRecord>();
  /** Number of edges pointing at this node (no map of them: an engine holds a graph per node of
   * the mesh, and only the rare deleteNode needs to find them). */
  incomingCount = 0;
  /** `out` sorted by destination name; rebuilt lazily after a change. */
  sortedOut: EdgeRecord[] | null = null;
  /** Dense index assigned at each route computation. */
  index = 0;

  constructor(name: string) {
    this.name = name;
  }

  edgesByDestination(): EdgeRecord[] {
    let sorted = this.sortedOut;
    if (sorted === null) {
      sorted = [...this.out.values()].sort((a, b) => compareNames(a.to, b.to));
      this.sortedOut = sorted;
    }
    return sorted;
  }
}

/** The route to one node as found by the last {@link MeshGraph.computeRoutes}. */
export interface NodeRoute {
  readonly name: string;
  readonly reachable: boolean;
  /** The neighbour of myself the route starts with (myself for myself); null if unreachable. */
  readonly nexthop: string | null;
  /** The node UDP packets are sent to: the node itself when it is reached directly, else the
   * last directly reachable node before it (myself meaning "use nexthop over TCP"). */
  readonly via: string | null;
  /** Some edge on the route carries OPTION_INDIRECT. */
  readonly indirect: boolean;
  /** Hops from myself; 0 for myself, -1 if unreachable. */
  readonly distance: number;
  /** Sum of edge weights along the route that set `nexthop`. */
  readonly weightedDistance: number;
  /** The last edge of the route; null for myself and unreachable nodes. */
  readonly prevedge: MeshEdge | null;
  /** The edge through which the search first reached the node (null for myself and unreachable
   * nodes). tinc 1.0.36 takes an unknown UDP address of a node from this edge; tinc 1.1 takes it
   * from `prevedge` when the node has just become reachable. */
  readonly firstEdge: MeshEdge | null;
  /** Options of `prevedge` (0 when there is none). */
  readonly options: number;
}

/** One edge pair of the broadcast tree, named by the direction that was chosen. */
export interface MstEdge {
  readonly from: string;
  readonly to: string;
}

/** The result of one route computation: a snapshot, not updated by later graph changes. */
export interface RouteTable {
  readonly myself: string;
  /** Every node known at computation time, in name order. */
  readonly routes: readonly NodeRoute[];
  /** The route to `name`, if the node was known. */
  route(name: string): NodeRoute | undefined;
  /** The broadcast tree's edges, in the order they were chosen. */
  readonly mst: readonly MstEdge[];
  /** Whether the pair a–b (either direction) is in the broadcast tree. */
  isMstEdge(a: string, b: string): boolean;
  /** True if the search hit its safety bound (see {@link MeshGraph.computeRoutes}). */
  readonly truncated: boolean;
}

/** Choices for {@link MeshGraph.computeRoutes}. */
export interface RouteOptions {
  /** Break equal-hop ties by weighted distance, as tinc 1.1 does (default true); false gives
   * tinc 1.0.36's routes, where the first path found in name order wins. */
  weightTieBreak?: boolean;
  /** Compute the broadcast tree too (default true). With false, `mst` is empty and a caller that
   * needs the tree later asks {@link MeshGraph.broadcastTree} (an engine runs routes after every
   * batch of edge changes but needs the tree only when it broadcasts). */
  broadcastTree?: boolean;
}

/** Reachability and route changes between two route tables, each list in name order. */
export interface ReachabilityDiff {
  /** Unreachable (or unknown) before, reachable now: run host-up, subnet-up, send keys. */
  readonly becameReachable: string[];
  /** Reachable before, unreachable (or gone) now: run host-down, subnet-down, clear keys. */
  readonly becameUnreachable: string[];
  /** Reachable in both, but nexthop or via changed. */
  readonly routeChanged: string[];
}

const UNREACHABLE = -1;

/** What {@link MeshGraph.forEachRoute} reports for each node (fields as in {@link NodeRoute}). */
export type RouteVisitor = (
  index: number,
  name: string,
  reachable: boolean,
  nexthop: string | null,
  via: string | null,
  distance: number,
  indirect: boolean,
  prevedge: MeshEdge | null,
  options: number,
) => void;

/** The search's per-node arrays, indexed by position in name order. */
class SearchScratch {
  readonly capacity: number;
  readonly visited: Uint8Array;
  readonly indirect: Uint8Array;
  readonly distance: Int32Array;
  readonly weighted: Float64Array;
  readonly nexthop: Int32Array;
  readonly via: Int32Array;
  readonly options: Float64Array;
  readonly prevedge: (EdgeRecord | null)[];
  readonly firstEdge: (EdgeRecord | null)[];

  constructor(capacity: number) {
    this.capacity = capacity;
    this.visited = new Uint8Array(capacity);
    this.indirect = new Uint8Array(capacity);
    this.distance = new Int32Array(capacity);
    this.weighted = new Float64Array(capacity);
    this.nexthop = new Int32Array(capacity);
    this.via = new Int32Array(capacity);
    this.options = new Float64Array(capacity);
    this.prevedge = new Array<EdgeRecord | null>(capacity).fill(null);
    this.firstEdge = new Array<EdgeRecord | null>(capacity).fill(null);
  }

  /** Every node unvisited, as at the start of a search over `count` nodes. */
  reset(count: number): void {
    this.visited.fill(0, 0, count);
    this.indirect.fill(1, 0, count);
    this.distance.fill(UNREACHABLE, 0, count);
    this.weighted.fill(0, 0, count);
    this.nexthop.fill(UNREACHABLE, 0, count);
    this.via.fill(UNREACHABLE, 0, count);
    this.options.fill(0, 0, count);
    // Beyond `count` too: no edge record stays reachable from here once its node is gone.
    this.prevedge.fill(null);
    this.firstEdge.fill(null);
  }
}

class RouteTableImpl implements RouteTable {
  readonly myself: string;
  readonly routes: readonly NodeRoute[];
  readonly mst: readonly MstEdge[];
  readonly truncated: boolean;
  /** The graph's version and per-index reachability at computation time (for broadcastTree). */
  readonly version: number;
  readonly reachable: Uint8Array;
  /** Built at the first route() call: most callers walk `routes` only. */
  private byName: Map<string, NodeRoute> | null = null;
  private mstKeys: Set<string> | null = null;

  constructor(
    myself: string,
    routes: NodeRoute[],
    mst: MstEdge[],
    truncated: boolean,
    version: number,
    reachable: Uint8Array,
  ) {
    this.myself = myself;
    this.routes = routes;
    this.mst = mst;
    this.truncated = truncated;
    this.version = version;
    this.reachable = reachable;
  }

  route(name: string): NodeRoute | undefined {
    let byName = this.byName;
    if (byName === null) {
      byName = new Map();
      for (const r of this.routes) byName.set(r.name, r);
      this.byName = byName;
    }
    return byName.get(name);
  }

  isMstEdge(a: string, b: string): boolean {
    let keys = this.mstKeys;
    if (keys === null) {
      keys = new Set();
      // A space never occurs in a node name, so it separates the pair unambiguously.
      for (const e of this.mst) keys.add(e.from < e.to ? `${e.from} ${e.to}` : `${e.to} ${e.from}`);
      this.mstKeys = keys;
    }
    return keys.has(a < b ? `${a} ${b}` : `${b} ${a}`);
  }
}

/**
 * Nodes and directed edges of the mesh, and the route computation over them.
 * Nodes are created on demand by edges or {@link ensureNode}; myself always exists.
 */
export class MeshGraph {
  /** Our own node name. */
  readonly myself: string;
  private readonly nodeByName = new Map<string, NodeRecord>();
  /** Node names in strcmp order as of the last merge; new names wait in `newNames`, removed ones
   * are dropped at the next merge (same scheme as the weight order below). */
  private sortedNames: string[] = [];
  private newNames: string[] = [];
  private namesStale = false;
  private edgeTotal = 0;
  /**
   * All edges in tinc's weight order (weight, from, to), as of the last merge. Changes only
   * queue work: new or re-weighted edges wait in `pendingWeight`, deleted or re-weighted ones are
   * skipped at the next merge, which costs O(E + k log k) for k changes. Edge operations stay
   * O(1), and a merge happens at most once per route computation.
   */
  private byWeight: EdgeRecord[] = [];
  private pendingWeight: EdgeRecord[] = [];
  private weightOrderStale = false;
  /** Bumped by every change of nodes or edges. */
  private version = 0;

  constructor(myself: string) {
    this.myself = myself;
    this.ensureNode(myself);
  }

  /** Creates the node if it is new. */
  ensureNode(name: string): void {
    this.nodeRecord(name);
  }

  /** Whether the node is known. */
  hasNode(name: string): boolean {
    return this.nodeByName.has(name);
  }

  /** Known node names in strcmp order. */
  nodes(): readonly string[] {
    if (!this.namesStale) return this.sortedNames;
    // A name created, removed and created again is listed twice; keep it once.
    const added = [...new Set(this.newNames)].filter((n) => this.nodeByName.has(n)).sort(compareNames);
    const old = this.sortedNames;
    const merged: string[] = [];
    let i = 0;
    let j = 0;
    while (i < old.length || j < added.length) {
      const a = old[i];
      if (a !== undefined && !this.nodeByName.has(a)) {
        i++;
        continue;
      }
      const b = added[j];
      if (b !== undefined && a === b) {
        // Removed and re-created since the last merge: keep one copy.
        j++;
        continue;
      }
      if (b === undefined || (a !== undefined && a < b)) {
        merged.push(a!);
        i++;
      } else {
        merged.push(b);
        j++;
      }
    }
    this.sortedNames = merged;
    this.newNames = [];
    this.namesStale = false;
    return merged;
  }

  /** Number of known nodes. */
  get nodeCount(): number {
    return this.nodeByName.size;
  }

  /** Number of stored edges. */
  get edgeCount(): number {
    return this.edgeTotal;
  }

  /** Adds an edge, creating unknown nodes; an existing edge `from → to` is replaced. */
  addEdge(info: EdgeInfo): MeshEdge {
    const existing = this.findEdge(info.from, info.to);
    if (existing !== undefined) {
      this.updateEdge(info);
      return existing;
    }
    const fromNode = this.nodeRecord(info.from);
    const toNode = this.nodeRecord(info.to);
    const edge = new EdgeRecord(info, fromNode, toNode);
    fromNode.out.set(info.to, edge);
    fromNode.sortedOut = null;
    toNode.incomingCount++;
    const reverse = toNode.out.get(info.from);
    if (reverse !== undefined) {
      edge.reverse = reverse;
      reverse.reverse = edge;
    }
    this.edgeTotal++;
    this.version++;
    this.queueWeightChange(edge);
    return edge;
  }

  /** Replaces the fields of the existing edge `from → to`; false if there is none. */
  updateEdge(info: EdgeInfo): boolean {
    const edge = this.findEdge(info.from, info.to);
    if (edge === undefined) return false;
    const reweighted = edge.weight !== info.weight;
    edge.assign(info);
    this.version++;
    if (reweighted) this.queueWeightChange(edge);
    return true;
  }

  /** Removes the edge `from → to`; false if there is none. Nodes stay. */
  deleteEdge(from: string, to: string): boolean {
    const edge = this.findEdge(from, to);
    if (edge === undefined) return false;
    this.unlinkEdge(edge);
    return true;
  }

  /** The edge `from → to`, if known. */
  getEdge(from: string, to: string): MeshEdge | undefined {
    return this.findEdge(from, to);
  }

  /** Outgoing edges of `name` in destination-name order (tinc's per-node edge tree). */
  edgesFrom(name: string): readonly MeshEdge[] {
    const node = this.nodeByName.get(name);
    return node === undefined ? [] : node.edgesByDestination();
  }

  /** All edges in tinc's weight order (weight, from, to). */
  edgesByWeight(): readonly MeshEdge[] {
    return this.weightOrder();
  }

  /** Removes a node with every edge from or to it (tinc's purge). Myself cannot be removed. */
  deleteNode(name: string): boolean {
    if (name === this.myself) return false;
    const node = this.nodeByName.get(name);
    if (node === undefined) return false;
    for (const edge of [...node.out.values()]) this.unlinkEdge(edge);
    if (node.incomingCount > 0) {
      for (const other of this.nodeByName.values()) {
        const edge = other.out.get(name);
        if (edge !== undefined) this.unlinkEdge(edge);
      }
    }
    this.nodeByName.delete(name);
    this.namesStale = true;
    this.version++;
    return true;
  }

  /**
   * Computes unicast routes and the broadcast tree (tinc's graph(): BFS then MST).
   *
   * Unicast: a breadth-first search from myself over edges whose reverse exists, each node's
   * edges taken in destination-name order; `ind = n.indirect || edge has OPTION_INDIRECT`.
   * A known node x is updated from n (and queued again) only if
   *   (a) x is indirect and the new path is direct (tinc 1.0.36's upgrade: nexthop is kept), or
   *   (b) the new path has the same hop count as x's current one and a strictly lower weighted
   *       distance (tinc 1.1's tie rule); then nexthop and weighted distance follow the new path.
   * The first visit always sets nexthop (x itself when n is myself, else n's nexthop).
   * Every update sets prevedge, via (`ind ? n.via : x`), options and distance (n's + 1).
   *
   * With `{ weightTieBreak: false }` rule (b) is off, which is tinc 1.0.36's search exactly
   * (checked against tincd 1.0.36's own node dumps); the default follows tinc 1.1.
   *
   * The search ends by itself; as a guard against pathological input (e.g. negative weights)
   * it stops after 64·(nodes + edges) queue entries and sets `truncated`.
   */
  computeRoutes(choices: RouteOptions = {}): RouteTable {
    const names = this.nodes();
    const count = names.length;
    const truncated = this.search(choices.weightTieBreak ?? true);
    const { visited, indirect, distance, weighted, nexthop, via, options, prevedge, firstEdge } = this
      .scratch;
    const routes: NodeRoute[] = new Array(count);
    for (let i = 0; i < count; i++) {
      const reachable = visited[i] === 1;
      const hop = nexthop[i]!;
      const v = via[i]!;
      routes[i] = {
        name: names[i]!,
        reachable,
        nexthop: reachable && hop >= 0 ? names[hop]! : null,
        via: reachable && v >= 0 ? names[v]! : null,
        indirect: reachable ? indirect[i] === 1 : false,
        distance: reachable ? distance[i]! : UNREACHABLE,
        weightedDistance: reachable ? weighted[i]! : 0,
        prevedge: reachable ? prevedge[i]! : null,
        firstEdge: reachable ? firstEdge[i]! : null,
        options: reachable ? options[i]! : 0,
      };
    }
    const reachable = visited.slice(0, count);
    const mst = (choices.broadcastTree ?? true) ? this.spanningTree(reachable) : [];
    return new RouteTableImpl(this.myself, routes, mst, truncated, this.version, reachable);
  }

  /**
   * The same search as {@link computeRoutes} (without the broadcast tree), reported node by node
   * in name order instead of as a snapshot: nothing is allocated per node, for an engine that
   * recomputes routes after every batch of changes in a large mesh. Arguments passed to `visit`
   * are only valid during the call. {@link broadcastTree} without a table then uses this search.
   * @returns true if the search hit its safety bound
   */
  forEachRoute(visit: RouteVisitor, choices: Pick<RouteOptions, "weightTieBreak"> = {}): boolean {
    const names = this.nodes();
    const truncated = this.search(choices.weightTieBreak ?? true);
    const { visited, indirect, distance, nexthop, via, options, prevedge } = this.scratch;
    for (let i = 0; i < names.length; i++) {
      if (visited[i] === 1) {
        visit(
          i,
          names[i]!,
          true,
          names[nexthop[i]!] ?? null,
          names[via[i]!] ?? null,
          distance[i]!,
          indirect[i] === 1,
          prevedge[i] ?? null,
          options[i]!,
        );
      } else visit(i, names[i]!, false, null, null, UNREACHABLE, false, null, 0);
    }
    return truncated;
  }

  /**
   * The broadcast tree over the current edges, among the nodes `table` found reachable (nodes it
   * does not know count as unreachable); without a table, among the nodes the last search found
   * reachable (searching again if the graph changed since). Right after {@link computeRoutes}
   * with `broadcastTree: false`, or after {@link forEachRoute}, this is the tree computeRoutes
   * would have returned.
   */
  broadcastTree(table?: RouteTable): MstEdge[] {
    if (table === undefined) {
      if (this.searchedVersion !== this.version) this.search(true);
      return this.spanningTree(this.scratch.visited.subarray(0, this.nodes().length));
    }
    if (table instanceof RouteTableImpl && table.version === this.version) {
      return this.spanningTree(table.reachable);
    }
    // The graph changed since: re-index the reachability by the current node order.
    const names = this.nodes();
    const reachable = new Uint8Array(names.length);
    for (let i = 0; i < names.length; i++) {
      this.nodeByName.get(names[i]!)!.index = i;
      if (table.route(names[i]!)?.reachable === true) reachable[i] = 1;
    }
    return this.spanningTree(reachable);
  }

  /** Per-node arrays of the last search, reused from run to run (grown when nodes are added). */
  private scratch = new SearchScratch(0);
  private searchRecords: NodeRecord[] = [];
  private searchQueue: number[] = [];
  /** The graph version the scratch arrays describe (-1: none). */
  private searchedVersion = -1;

  /** The breadth-first search behind computeRoutes/forEachRoute, into `scratch`. */
  private search(weightTieBreak: boolean): boolean {
    const names = this.nodes();
    const count = names.length;
    if (this.scratch.capacity < count) {
      this.scratch = new SearchScratch(Math.max(count, 2 * this.scratch.capacity));
    }
    const sc = this.scratch;
    sc.reset(count);
    const records = this.searchRecords;
    records.length = count;
    for (let i = 0; i < count; i++) {
      const rec = this.nodeByName.get(names[i]!)!;
      rec.index = i;
      records[i] = rec;
    }
    const me = this.nodeByName.get(this.myself)!.index;
    const { visited, indirect, distance, weighted, nexthop, via, options, prevedge, firstEdge } = sc;

    visited[me] = 1;
    indirect[me] = 0;
    distance[me] = 0;
    nexthop[me] = me;
    via[me] = me;

    const queue = this.searchQueue;
    queue.length = 0;
    queue.push(me);
    const maxPops = 64 * (count + this.edgeTotal) + 64;
    let truncated = false;
    for (let head = 0; head < queue.length; head++) {
      if (head >= maxPops) {
        truncated = true;
        break;
      }
      const n = queue[head]!;
      const nInd = indirect[n]!;
      const nDist = distance[n]!;
      const nWeighted = weighted[n]!;
      for (const edge of records[n]!.edgesByDestination()) {
        if (edge.reverse === null) continue;
        const x = edge.toNode.index;
        if (x === me) continue;
        const ind = nInd === 1 || (edge.options & OPTION_INDIRECT) !== 0 ? 1 : 0;
        const sameHops = weightTieBreak && distance[x] === nDist + 1;
        const newWeighted = nWeighted + edge.weight;
        if (
          visited[x] === 1 && (indirect[x] === 0 || ind === 1) && (!sameHops || weighted[x]! <= newWeighted)
        ) {
          continue;
        }
        if (visited[x] === 0) firstEdge[x] = edge;
        if (visited[x] === 0 || (sameHops && weighted[x]! > newWeighted)) {
          nexthop[x] = n === me ? x : nexthop[n]!;
          weighted[x] = newWeighted;
        }
        visited[x] = 1;
        indirect[x] = ind;
        prevedge[x] = edge;
        via[x] = ind === 1 ? via[n]! : x;
        options[x] = edge.options;
        distance[x] = nDist + 1;
        queue.push(x);
      }
    }
    queue.length = 0;
    // Records must not outlive their nodes through this cache.
    records.length = 0;
    this.searchedVersion = this.version;
    return truncated;
  }

  /**
   * tinc's mst_kruskal: walk the edges in weight order, seed the tree with the `from` of the
   * first edge whose `from` is reachable, add an edge (with its reverse) when exactly one end is
   * in the tree, and restart from the head after an addition that followed a skipped edge.
   *
   * That walk always adds the first edge in weight order that has exactly one end in the tree,
   * which is Prim's algorithm under a strict total edge order; under such an order the spanning
   * tree of a connected component is unique, so Kruskal's union-find over the same order gives
   * the same edges in O(E). Only edges between reachable nodes can join the seed's tree: an
   * edge with a reverse whose one end is reachable makes the other end reachable too.
   */
  private spanningTree(reachable: Uint8Array): MstEdge[] {
    const parent = new Int32Array(reachable.length);
    for (let i = 0; i < parent.length; i++) parent[i] = i;
    const find = (i: number): number => {
      let root = i;
      while (parent[root] !== root) root = parent[root]!;
      while (parent[i] !== root) {
        const next = parent[i]!;
        parent[i] = root;
        i = next;
      }
      return root;
    };
    const tree: MstEdge[] = [];
    const limit = reachable.length - 1;
    for (const edge of this.weightOrder()) {
      if (tree.length >= limit) break;
      if (edge.reverse === null) continue;
      const a = edge.fromNode.index;
      const b = edge.toNode.index;
      if (reachable[a] !== 1 || reachable[b] !== 1) continue;
      const ra = find(a);
      const rb = find(b);
      if (ra === rb) continue;
      parent[ra] = rb;
      tree.push({ from: edge.from, to: edge.to });
    }
    return tree;
  }

  private nodeRecord(name: string): NodeRecord {
    let node = this.nodeByName.get(name);
    if (node === undefined) {
      node = new NodeRecord(name);
      this.nodeByName.set(name, node);
      this.newNames.push(name);
      this.namesStale = true;
      this.version++;
    }
    return node;
  }

  private findEdge(from: string, to: string): EdgeRecord | undefined {
    return this.nodeByName.get(from)?.out.get(to);
  }

  private unlinkEdge(edge: EdgeRecord): void {
    edge.fromNode.out.delete(edge.to);
    edge.fromNode.sortedOut = null;
    edge.toNode.incomingCount--;
    if (edge.reverse !== null) {
      edge.reverse.reverse = null;
      edge.reverse = null;
    }
    edge.alive = false;
    this.edgeTotal--;
    this.version++;
    this.weightOrderStale = true;
  }

  private queueWeightChange(edge: EdgeRecord): void {
    this.weightOrderStale = true;
    if (edge.pending) return;
    edge.pending = true;
    this.pendingWeight.push(edge);
    // Without merges (routes computed without the tree) deleted records would pile up here.
    if (this.pendingWeight.length > 2 * this.edgeTotal + 64) {
      const kept: EdgeRecord[] = [];
      for (const e of this.pendingWeight) {
        if (e.alive) kept.push(e);
        else e.pending = false;
      }
      this.pendingWeight = kept;
    }
  }

  /** The weight order with all queued changes merged in. */
  private weightOrder(): EdgeRecord[] {
    if (!this.weightOrderStale) return this.byWeight;
    // Decide what stays before any record is re-filed: a record filed under another weight
    // than its current one was re-weighted and comes back through `added`.
    const kept = this.byWeight.filter((e) => e.alive && e.filedWeight === e.weight);
    const added = this.pendingWeight.filter((e) => e.alive && e.filedWeight !== e.weight);
    added.sort(compareEdgeWeightOrder);
    for (const e of this.pendingWeight) e.pending = false;
    this.pendingWeight = [];
    const merged: EdgeRecord[] = new Array(kept.length + added.length);
    let i = 0;
    let j = 0;
    for (let k = 0; k < merged.length; k++) {
      const a = kept[i];
      const b = added[j];
      if (b === undefined || (a !== undefined && compareEdgeWeightOrder(a, b) <= 0)) {
        merged[k] = a!;
        i++;
      } else {
        merged[k] = b;
        j++;
      }
    }
    for (const e of added) e.filedWeight = e.weight;
    this.byWeight = merged;
    this.weightOrderStale = false;
    return merged;
  }
}

/**
 * What changed between two route computations, for the engine's host-up/down, subnet-up/down
 * and key resets. Nodes missing from a table count as unreachable there.
 */
export function diffReachability(before: RouteTable | null, after: RouteTable): ReachabilityDiff {
  const becameReachable: string[] = [];
  const becameUnreachable: string[] = [];
  const routeChanged: string[] = [];
  const names = new Set<string>();
  if (before !== null) { for (const r of before.routes) names.add(r.name); }
  for (const r of after.routes) names.add(r.name);
  for (const name of [...names].sort(compareNames)) {
    const was = before?.route(name);
    const now = after.route(name);
    const wasUp = was?.reachable === true;
    const isUp = now?.reachable === true;
    if (!wasUp && isUp) becameReachable.push(name);
    else if (wasUp && !isUp) becameUnreachable.push(name);
    else if (wasUp && isUp && (was!.nexthop !== now!.nexthop || was!.via !== now!.via)) {
      routeChanged.push(name);
    }
  }
  return { becameReachable, becameUnreachable, routeChanged };
}
