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
 * as tinc keeps unparseable ones verbatim and re-sends them. `EdgeTag` is the type of an opaque
 * value a caller may attach (see {@link MeshEdge.tag}). */
export interface EdgeInfo<EdgeTag = unknown> {
  from: string;
  to: string;
  address: string;
  port: string;
  options: number;
  weight: number;
  /** tinc 1.1 only: the address `from` sees locally for `to`. */
  localAddress?: string;
  localPort?: string;
  /** The caller's own value for this edge (e.g. its record of it), handed back with the edge so
   * that the caller needs no look-up by names. Absent or undefined keeps the stored tag. */
  tag?: EdgeTag | undefined;
}

/** A stored edge. Read-only to callers; change it through {@link MeshGraph.updateEdge}. */
export interface MeshEdge<EdgeTag = unknown> extends Readonly<EdgeInfo<EdgeTag>> {
  /** The edge `to → from`, if known; without it this edge is unused. */
  readonly reverse: MeshEdge<EdgeTag> | null;
  /** The last tag given to addEdge/updateEdge for this edge; undefined if none was. */
  readonly tag: EdgeTag | undefined;
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

class EdgeRecord<NodeTag, EdgeTag> implements MeshEdge<EdgeTag> {
  from: string;
  to: string;
  address: string;
  port: string;
  options: number;
  weight: number;
  // `declare` keeps absent optional fields absent instead of present-but-undefined.
  declare localAddress?: string;
  declare localPort?: string;
  tag: EdgeTag | undefined;
  reverse: EdgeRecord<NodeTag, EdgeTag> | null = null;
  /** False once deleted; the weight order drops dead records at its next merge. */
  alive = true;
  /** The weight this record is filed under in the weight order, or null if not filed yet. */
  filedWeight: number | null = null;
  /** Waiting in the pending list of the weight order. */
  pending = false;
  fromNode: NodeRecord<NodeTag, EdgeTag>;
  toNode: NodeRecord<NodeTag, EdgeTag>;

  constructor(
    info: EdgeInfo<EdgeTag>,
    fromNode: NodeRecord<NodeTag, EdgeTag>,
    toNode: NodeRecord<NodeTag, EdgeTag>,
  ) {
    this.from = info.from;
    this.to = info.to;
    this.address = info.address;
    this.port = info.port;
    this.options = info.options;
    this.weight = info.weight;
    this.tag = info.tag;
    if (info.localAddress !== undefined) this.localAddress = info.localAddress;
    if (info.localPort !== undefined) this.localPort = info.localPort;
    this.fromNode = fromNode;
    this.toNode = toNode;
  }

  assign(info: EdgeInfo<EdgeTag>): void {
    if (info.tag !== undefined) this.tag = info.tag;
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

class NodeRecord<NodeTag, EdgeTag> {
  readonly name: string;
  /** Outgoing edges in destination-name order (the order the search takes them in), kept sorted
   * by binary insertion and removal: a search runs after every batch of changes, and re-sorting a
   * node's edges after each change cost more than the search itself. Look-ups by destination
   * search it too: an engine holds a record per node of the mesh, and a Map beside the array cost
   * about 550 bytes per record (a third of a 1,000-node simulation's heap was such Maps). */
  readonly byDestination: EdgeRecord<NodeTag, EdgeTag>[] = [];
  /** Number of edges pointing at this node (no map of them: an engine holds a graph per node of
   * the mesh, and only the rare deleteNode needs to find them). */
  incomingCount = 0;
  /** This node's index in the search's arrays: handed out at creation (a deleted node's index is
   * reused), so that a new or deleted name leaves every other node's index, and the search's
   * copy of its edges, as it was. Name order is kept apart, for the visit order only. */
  slot = 0;
  /** False once deleted; the name order drops dead records at its next update. */
  alive = true;
  /** Its edges changed since its segment of the {@link Adjacency} was written. */
  adjacencyDirty = false;
  tag: NodeTag | undefined = undefined;

  constructor(name: string) {
    this.name = name;
  }

  /** Where an edge to `to` is, or would go, in `byDestination`. */
  private position(to: string): number {
    const list = this.byDestination;
    let lo = 0;
    let hi = list.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (list[mid]!.to < to) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** The outgoing edge to `to`, if any. */
  edgeTo(to: string): EdgeRecord<NodeTag, EdgeTag> | undefined {
    const edge = this.byDestination[this.position(to)];
    return edge !== undefined && edge.to === to ? edge : undefined;
  }

  link(edge: EdgeRecord<NodeTag, EdgeTag>): void {
    const list = this.byDestination;
    // Shifted by hand: splice allocates the array of removed items, and this runs per edge.
    let at = list.length;
    list.push(edge);
    while (at > 0 && list[at - 1]!.to > edge.to) {
      list[at] = list[at - 1]!;
      at--;
    }
    list[at] = edge;
  }

  unlink(edge: EdgeRecord<NodeTag, EdgeTag>): void {
    const list = this.byDestination;
    const at = this.position(edge.to);
    if (list[at] !== edge) return;
    for (let k = at + 1; k < list.length; k++) list[k - 1] = list[k]!;
    list.pop();
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

/** What {@link MeshGraph.forEachRoute} reports for each node (fields as in {@link NodeRoute});
 * `index` is the node's position in name order, i.e. the count of earlier visits. */
export type RouteVisitor<EdgeTag = unknown> = (
  index: number,
  name: string,
  reachable: boolean,
  nexthop: string | null,
  via: string | null,
  distance: number,
  indirect: boolean,
  prevedge: MeshEdge<EdgeTag> | null,
  options: number,
) => void;

/**
 * What {@link MeshGraph.forEachRouteTagged} reports for each node: the fields of
 * {@link NodeRoute}, with the node, its nexthop and its via given by their tags (set with
 * {@link MeshGraph.tagNode}; undefined for an untagged node). An unreachable node has
 * undefined nexthop and via tags, distance -1, indirect false, no prevedge and options 0.
 */
export type TaggedRouteVisitor<NodeTag = unknown, EdgeTag = unknown> = (
  nodeTag: NodeTag | undefined,
  name: string,
  reachable: boolean,
  nexthopTag: NodeTag | undefined,
  viaTag: NodeTag | undefined,
  distance: number,
  indirect: boolean,
  prevedge: MeshEdge<EdgeTag> | null,
  options: number,
) => void;

/** The search's per-node arrays, indexed by node slot. Edges are recorded as slots of the
 * {@link Adjacency} the search walked (-1: none), which stay valid until the next search brings
 * that up to date. A node is visited when `visited` holds the current `generation`; the other
 * fields of a node are meaningful only then, so a search starts without clearing anything. */
class SearchScratch {
  readonly capacity: number;
  /** Stamp of the latest search (0: none yet, as every `visited` entry starts at 0). */
  generation = 0;
  readonly visited: Int32Array;
  readonly indirect: Uint8Array;
  readonly distance: Int32Array;
  readonly weighted: Float64Array;
  readonly nexthop: Int32Array;
  readonly via: Int32Array;
  readonly prevedge: Int32Array;
  readonly firstEdge: Int32Array;

  constructor(capacity: number) {
    this.capacity = capacity;
    this.visited = new Int32Array(capacity);
    this.indirect = new Uint8Array(capacity);
    this.distance = new Int32Array(capacity);
    this.weighted = new Float64Array(capacity);
    this.nexthop = new Int32Array(capacity);
    this.via = new Int32Array(capacity);
    this.prevedge = new Int32Array(capacity);
    this.firstEdge = new Int32Array(capacity);
  }

  /** Every node unvisited, as at the start of a search: a new stamp. */
  nextGeneration(): number {
    if (this.generation >= 0x7fffffff) {
      // Stamps are about to repeat: forget them all, once in two billion searches.
      this.visited.fill(0);
      this.generation = 0;
    }
    return ++this.generation;
  }

  /** Whether the node in `slot` was reached by the latest search. */
  reached(slot: number): boolean {
    return this.generation !== 0 && this.visited[slot] === this.generation;
  }
}

/** Up to this many names created or deleted between two uses of the name order are put in or
 * taken out one by one; more are merged in one pass. */
const FEW_NAME_CHANGES = 16;

/** Where `name` is, or would go, in records kept in name order. */
function namePosition<NodeTag, EdgeTag>(
  records: readonly NodeRecord<NodeTag, EdgeTag>[],
  name: string,
): number {
  let lo = 0;
  let hi = records.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (records[mid]!.name < name) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Free slots each node's segment gets at a rebuild, so that a new edge seldom moves it. */
const SEGMENT_SLACK = 2;

/**
 * The search's copy of the usable edges (those whose reverse exists, except edges to myself,
 * which the search skips), as flat typed arrays: the node in slot i owns edge slots
 * `start[i]` .. `start[i] + count[i] - 1`, holding its edges in destination-name order, with
 * room up to `start[i] + capacity[i]`. Walking these instead of the edge objects made the
 * search about four times faster: the objects are scattered over the heap, and every edge
 * cost a chain of dependent loads.
 *
 * A change rewrites only the segments of the nodes whose edges changed; a segment that
 * outgrows its room moves to the end, and when the end is reached everything is laid out
 * afresh. Node slots do not depend on names, so a new node costs nothing here (its segment is
 * empty until it has usable edges) and a deleted one only the clearing of its segment.
 */
class Adjacency<NodeTag, EdgeTag> {
  start = new Int32Array(0);
  count = new Int32Array(0);
  capacity = new Int32Array(0);
  /** Per edge slot: the destination's node slot. */
  target = new Int32Array(0);
  weight = new Float64Array(0);
  /** Per edge slot: 1 if the edge carries OPTION_INDIRECT. */
  indirect = new Uint8Array(0);
  edge: (EdgeRecord<NodeTag, EdgeTag> | null)[] = [];
  /** Edge slots handed out to segments so far. */
  private used = 0;
  /** Of those, the slots that segments own (the rest were left behind by moves). */
  private owned = 0;

  /** Makes room for node slots below `slots`; new ones have empty segments. */
  ensureNodes(slots: number): void {
    if (this.start.length >= slots) return;
    const length = slots + (slots >> 1) + 16;
    const grow = (old: Int32Array): Int32Array<ArrayBuffer> => {
      const bigger = new Int32Array(length);
      bigger.set(old);
      return bigger;
    };
    this.start = grow(this.start);
    this.count = grow(this.count);
    this.capacity = grow(this.capacity);
  }

  /** Empties the segment of a deleted node (whose slot may be handed out again); its room stays
   * with the slot. */
  clear(slot: number): void {
    if (slot >= this.start.length) return;
    const first = this.start[slot]!;
    this.edge.fill(null, first, Math.min(first + this.capacity[slot]!, this.edge.length));
    this.count[slot] = 0;
  }

  /** Lays out every node's segment afresh (`records` by slot, null for a free slot). */
  rebuild(records: readonly (NodeRecord<NodeTag, EdgeTag> | null)[], me: number): void {
    const slots = records.length;
    this.ensureNodes(slots);
    let total = 0;
    for (let i = 0; i < slots; i++) {
      const rec = records[i];
      if (rec !== null && rec !== undefined) total += usableEdgeCount(rec, me) + SEGMENT_SLACK;
    }
    const previouslyUsed = this.used;
    // Room for segments to move before the next rebuild, proportional to the whole, so that
    // rebuilds stay rare while a graph grows edge by edge.
    if (this.target.length < total + (total >> 2) + 64 || this.target.length > 4 * total + 256) {
      const size = 2 * total + 128;
      this.target = new Int32Array(size);
      this.weight = new Float64Array(size);
      this.indirect = new Uint8Array(size);
      this.edge = new Array<EdgeRecord<NodeTag, EdgeTag> | null>(size).fill(null);
    }
    let at = 0;
    for (let i = 0; i < slots; i++) {
      const rec = records[i];
      this.start[i] = at;
      if (rec === null || rec === undefined) {
        this.count[i] = 0;
        this.capacity[i] = 0;
        continue;
      }
      const room = usableEdgeCount(rec, me) + SEGMENT_SLACK;
      this.capacity[i] = room;
      // The whole new segment may hold edges of the old layout: have fill clear all of it.
      this.count[i] = room;
      at += room;
      this.fill(rec, me);
    }
    // Slots of the old layout past the new one must not keep deleted edges alive.
    if (previouslyUsed > at) this.edge.fill(null, at, Math.min(previouslyUsed, this.edge.length));
    this.used = at;
    this.owned = at;
  }

  /** Rewrites the segment of `rec`; false if it needs more room than is left (then rebuild). */
  rewrite(rec: NodeRecord<NodeTag, EdgeTag>, me: number): boolean {
    const i = rec.slot;
    const needed = usableEdgeCount(rec, me);
    if (needed > this.capacity[i]!) {
      const room = 2 * needed + SEGMENT_SLACK;
      if (this.used + room > this.target.length) {
        // Compacting costs O(nodes + edges); while most slots are still owned, growing the
        // arrays (a copy) is cheaper, and doubling keeps the copies rare as a graph grows.
        if (this.used - this.owned > this.used >> 1) return false;
        this.growEdges(2 * (this.used + room));
      }
      // The old slots are abandoned; drop their edges so that deleted ones can be collected.
      this.edge.fill(null, this.start[i]!, this.start[i]! + this.capacity[i]!);
      this.owned += room - this.capacity[i]!;
      this.start[i] = this.used;
      this.capacity[i] = room;
      this.used += room;
    }
    this.fill(rec, me);
    return true;
  }

  /** Longer edge arrays with the same contents. */
  private growEdges(size: number): void {
    const target = new Int32Array(size);
    target.set(this.target);
    this.target = target;
    const weight = new Float64Array(size);
    weight.set(this.weight);
    this.weight = weight;
    const indirect = new Uint8Array(size);
    indirect.set(this.indirect);
    this.indirect = indirect;
    const edge = this.edge;
    for (let k = edge.length; k < size; k++) edge.push(null);
  }

  /** Writes `rec`'s usable edges into its segment, which has room for them. */
  private fill(rec: NodeRecord<NodeTag, EdgeTag>, me: number): void {
    const i = rec.slot;
    const first = this.start[i]!;
    let k = first;
    for (const e of rec.byDestination) {
      if (!isUsable(e, me)) continue;
      this.target[k] = e.toNode.slot;
      this.weight[k] = e.weight;
      this.indirect[k] = (e.options & OPTION_INDIRECT) !== 0 ? 1 : 0;
      this.edge[k] = e;
      k++;
    }
    // Only the slots this segment used before can hold stale edges.
    const previousEnd = first + this.count[i]!;
    this.count[i] = k - first;
    if (previousEnd > k) this.edge.fill(null, k, previousEnd);
  }
}

/** What {@link breadthFirst} returns: the search ended by itself, hit its safety bound, or would
 * have overflowed its queue. */
const SEARCH_DONE = 0;
const SEARCH_TRUNCATED = 1;
const SEARCH_OUT_OF_ROOM = 2;

/**
 * The breadth-first search proper (see {@link MeshGraph.computeRoutes}) over `adj`, into `sc`
 * under a fresh stamp (`sc.nextGeneration()`): only the nodes it reaches are written. The queue
 * is a fixed array, so that the loop never has to reload it: a search that would overflow it
 * gives up, and the caller runs it again with a longer one.
 * @returns SEARCH_DONE, SEARCH_TRUNCATED (stopped at `maxPops`) or SEARCH_OUT_OF_ROOM
 */
function breadthFirst<NodeTag, EdgeTag>(
  queue: Int32Array,
  adj: Adjacency<NodeTag, EdgeTag>,
  sc: SearchScratch,
  me: number,
  weightTieBreak: boolean,
  maxPops: number,
): number {
  const { start, count: degree, target, weight, indirect: edgeIndirect } = adj;
  const { visited, indirect, distance, weighted, nexthop, via, prevedge, firstEdge } = sc;
  const stamp = sc.nextGeneration();
  visited[me] = stamp;
  indirect[me] = 0;
  distance[me] = 0;
  weighted[me] = 0;
  nexthop[me] = me;
  via[me] = me;
  prevedge[me] = -1;
  firstEdge[me] = -1;
  queue[0] = me;
  let tail = 1;
  for (let head = 0; head < tail; head++) {
    if (head >= maxPops) return SEARCH_TRUNCATED;
    const n = queue[head]!;
    const nInd = indirect[n]!;
    const nDist = distance[n]!;
    const nWeighted = weighted[n]!;
    const first = start[n]!;
    const end = first + degree[n]!;
    // Room for every edge of n, checked once per node rather than once per edge.
    if (tail + (end - first) > queue.length) return SEARCH_OUT_OF_ROOM;
    for (let k = first; k < end; k++) {
      const x = target[k]!;
      const ind = nInd === 1 || edgeIndirect[k] === 1 ? 1 : 0;
      const newWeighted = nWeighted + weight[k]!;
      if (visited[x] === stamp) {
        const sameHops = weightTieBreak && distance[x] === nDist + 1;
        if ((indirect[x] === 0 || ind === 1) && (!sameHops || weighted[x]! <= newWeighted)) continue;
        if (sameHops && weighted[x]! > newWeighted) {
          nexthop[x] = n === me ? x : nexthop[n]!;
          weighted[x] = newWeighted;
        }
      } else {
        // First visit (a node's fields from earlier searches are never read).
        visited[x] = stamp;
        firstEdge[x] = k;
        nexthop[x] = n === me ? x : nexthop[n]!;
        weighted[x] = newWeighted;
      }
      indirect[x] = ind;
      prevedge[x] = k;
      via[x] = ind === 1 ? via[n]! : x;
      distance[x] = nDist + 1;
      queue[tail++] = x;
    }
  }
  return SEARCH_DONE;
}

/** The edge in an adjacency slot recorded by the search (-1: none). */
function edgeAt<NodeTag, EdgeTag>(
  slots: readonly (EdgeRecord<NodeTag, EdgeTag> | null)[],
  slot: number,
): EdgeRecord<NodeTag, EdgeTag> | null {
  return slot >= 0 ? slots[slot] ?? null : null;
}

/** Whether the search can take the edge (`me`: myself's slot). */
function isUsable<NodeTag, EdgeTag>(e: EdgeRecord<NodeTag, EdgeTag>, me: number): boolean {
  return e.reverse !== null && e.toNode.slot !== me;
}

function usableEdgeCount<NodeTag, EdgeTag>(rec: NodeRecord<NodeTag, EdgeTag>, me: number): number {
  let n = 0;
  for (const e of rec.byDestination) if (isUsable(e, me)) n++;
  return n;
}

class RouteTableImpl implements RouteTable {
  readonly myself: string;
  readonly routes: readonly NodeRoute[];
  readonly mst: readonly MstEdge[];
  readonly truncated: boolean;
  /** The graph's version and per-slot reachability at computation time (for broadcastTree). */
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
 *
 * `NodeTag` and `EdgeTag` are the types of opaque values a caller may attach to nodes
 * ({@link tagNode}) and edges ({@link EdgeInfo.tag}); {@link forEachRouteTagged} hands them back,
 * so that an engine keeping its own records never maps names back to them.
 */
export class MeshGraph<NodeTag = unknown, EdgeTag = unknown> {
  /** Our own node name. */
  readonly myself: string;
  private readonly nodeByName = new Map<string, NodeRecord<NodeTag, EdgeTag>>();
  private readonly myselfRecord: NodeRecord<NodeTag, EdgeTag>;
  /** Live node records by slot (null: a free slot, listed in `freeSlots`). */
  private readonly recordAt: (NodeRecord<NodeTag, EdgeTag> | null)[] = [];
  private readonly freeSlots: number[] = [];
  /**
   * Node records in strcmp order as of the last update, for the visit order only. New records
   * wait in `newRecords` and deleted ones in `goneRecords` until a search or a caller needs the
   * order; a few are then put in or taken out by binary search, many by a merge. `sortedNames`
   * follows `sortedRecords`, rebuilt when {@link nodes} asks after a change.
   */
  private sortedRecords: NodeRecord<NodeTag, EdgeTag>[] = [];
  private sortedNames: string[] = [];
  private sortedNamesStale = false;
  private newRecords: NodeRecord<NodeTag, EdgeTag>[] = [];
  private goneRecords: NodeRecord<NodeTag, EdgeTag>[] = [];
  private namesStale = false;
  private edgeTotal = 0;
  /**
   * All edges in tinc's weight order (weight, from, to), as of the last merge. Changes only
   * queue work: new or re-weighted edges wait in `pendingWeight`, deleted or re-weighted ones are
   * skipped at the next merge, which costs O(E + k log k) for k changes. Edge operations stay
   * O(1), and a merge happens at most once per route computation.
   */
  private byWeight: EdgeRecord<NodeTag, EdgeTag>[] = [];
  private pendingWeight: EdgeRecord<NodeTag, EdgeTag>[] = [];
  private weightOrderStale = false;
  /** Bumped by every change of nodes or edges (not of tags: they play no part in the search). */
  private version = 0;

  constructor(myself: string) {
    this.myself = myself;
    this.myselfRecord = this.nodeRecord(myself);
  }

  /** Creates the node if it is new. */
  ensureNode(name: string): void {
    this.nodeRecord(name);
  }

  /** Creates the node if it is new, and attaches `tag` to it (replacing any earlier tag). The tag
   * goes with the node: after {@link deleteNode} a node of the same name starts untagged. */
  tagNode(name: string, tag: NodeTag): void {
    this.nodeRecord(name).tag = tag;
  }

  /** The tag attached to the node, if it is known and tagged. */
  nodeTag(name: string): NodeTag | undefined {
    return this.nodeByName.get(name)?.tag;
  }

  /** Whether the node is known. */
  hasNode(name: string): boolean {
    return this.nodeByName.has(name);
  }

  /** Known node names in strcmp order. */
  nodes(): readonly string[] {
    const records = this.nameOrder();
    if (this.sortedNamesStale) {
      const names: string[] = new Array(records.length);
      for (let k = 0; k < records.length; k++) names[k] = records[k]!.name;
      this.sortedNames = names;
      this.sortedNamesStale = false;
    }
    return this.sortedNames;
  }

  /** Number of known nodes. */
  get nodeCount(): number {
    return this.nodeByName.size;
  }

  /** Number of stored edges. */
  get edgeCount(): number {
    return this.edgeTotal;
  }

  /** Adds an edge, creating unknown nodes; an existing edge `from → to` is replaced (its tag
   * only if `info` has one). */
  addEdge(info: EdgeInfo<EdgeTag>): MeshEdge<EdgeTag> {
    const existing = this.findEdge(info.from, info.to);
    if (existing !== undefined) {
      this.updateEdge(info);
      return existing;
    }
    const fromNode = this.nodeRecord(info.from);
    const toNode = this.nodeRecord(info.to);
    const edge = new EdgeRecord(info, fromNode, toNode);
    fromNode.link(edge);
    toNode.incomingCount++;
    const reverse = toNode.edgeTo(info.from);
    if (reverse !== undefined) {
      edge.reverse = reverse;
      reverse.reverse = edge;
      // Both directions become usable.
      this.edgesChanged(fromNode);
      this.edgesChanged(toNode);
    }
    this.edgeTotal++;
    this.version++;
    this.queueWeightChange(edge);
    return edge;
  }

  /** Replaces the fields of the existing edge `from → to` (the tag only if `info` has one);
   * false if there is none. */
  updateEdge(info: EdgeInfo<EdgeTag>): boolean {
    const edge = this.findEdge(info.from, info.to);
    if (edge === undefined) return false;
    const reweighted = edge.weight !== info.weight;
    if (reweighted || edge.options !== info.options) this.edgesChanged(edge.fromNode);
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
  getEdge(from: string, to: string): MeshEdge<EdgeTag> | undefined {
    return this.findEdge(from, to);
  }

  /** Outgoing edges of `name` in destination-name order (tinc's per-node edge tree); a copy,
   * unaffected by later changes. */
  edgesFrom(name: string): readonly MeshEdge<EdgeTag>[] {
    const node = this.nodeByName.get(name);
    return node === undefined ? [] : node.byDestination.slice();
  }

  /** All edges in tinc's weight order (weight, from, to). */
  edgesByWeight(): readonly MeshEdge<EdgeTag>[] {
    return this.weightOrder();
  }

  /** Removes a node with every edge from or to it (tinc's purge). Myself cannot be removed. */
  deleteNode(name: string): boolean {
    if (name === this.myself) return false;
    const node = this.nodeByName.get(name);
    if (node === undefined) return false;
    for (const edge of node.byDestination.slice()) this.unlinkEdge(edge);
    if (node.incomingCount > 0) {
      for (const other of this.nodeByName.values()) {
        const edge = other.edgeTo(name);
        if (edge !== undefined) this.unlinkEdge(edge);
      }
    }
    this.nodeByName.delete(name);
    node.alive = false;
    node.tag = undefined;
    this.adjacency.clear(node.slot);
    this.recordAt[node.slot] = null;
    this.freeSlots.push(node.slot);
    this.goneRecords.push(node);
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
    const records = this.nameOrder();
    const count = records.length;
    const truncated = this.search(choices.weightTieBreak ?? true);
    const sc = this.scratch;
    const { indirect, distance, weighted, nexthop, via, prevedge, firstEdge } = sc;
    const slotEdge = this.adjacency.edge;
    const recordAt = this.recordAt;
    const routes: NodeRoute[] = new Array(count);
    const reachable = new Uint8Array(recordAt.length);
    for (let i = 0; i < count; i++) {
      const rec = records[i]!;
      const s = rec.slot;
      if (!sc.reached(s)) {
        routes[i] = {
          name: rec.name,
          reachable: false,
          nexthop: null,
          via: null,
          indirect: false,
          distance: UNREACHABLE,
          weightedDistance: 0,
          prevedge: null,
          firstEdge: null,
          options: 0,
        };
        continue;
      }
      reachable[s] = 1;
      const edge = edgeAt(slotEdge, prevedge[s]!);
      routes[i] = {
        name: rec.name,
        reachable: true,
        nexthop: recordAt[nexthop[s]!]?.name ?? null,
        via: recordAt[via[s]!]?.name ?? null,
        indirect: indirect[s] === 1,
        distance: distance[s]!,
        weightedDistance: weighted[s]!,
        prevedge: edge,
        firstEdge: edgeAt(slotEdge, firstEdge[s]!),
        options: edge?.options ?? 0,
      };
    }
    const mst = (choices.broadcastTree ?? true) ? this.spanningTree(reachable, 1) : [];
    return new RouteTableImpl(this.myself, routes, mst, truncated, this.version, reachable);
  }

  /**
   * The same search as {@link computeRoutes} (without the broadcast tree), reported node by node
   * in name order instead of as a snapshot: nothing is allocated per node, for an engine that
   * recomputes routes after every batch of changes in a large mesh. Arguments passed to `visit`
   * are only valid during the call. {@link broadcastTree} without a table then uses this search.
   * @returns true if the search hit its safety bound
   */
  forEachRoute(visit: RouteVisitor<EdgeTag>, choices?: Pick<RouteOptions, "weightTieBreak">): boolean {
    const records = this.nameOrder();
    const truncated = this.search(choices?.weightTieBreak ?? true);
    const { visited, generation, indirect, distance, nexthop, via, prevedge } = this.scratch;
    const slotEdge = this.adjacency.edge;
    const recordAt = this.recordAt;
    for (let i = 0; i < records.length; i++) {
      const rec = records[i]!;
      const s = rec.slot;
      if (visited[s] === generation) {
        const edge = edgeAt(slotEdge, prevedge[s]!);
        visit(
          i,
          rec.name,
          true,
          recordAt[nexthop[s]!]?.name ?? null,
          recordAt[via[s]!]?.name ?? null,
          distance[s]!,
          indirect[s] === 1,
          edge,
          edge?.options ?? 0,
        );
      } else visit(i, rec.name, false, null, null, UNREACHABLE, false, null, 0);
    }
    return truncated;
  }

  /**
   * {@link forEachRoute} with tags instead of names for the node, its nexthop and its via (the
   * name is still given): an engine that tags its own node records with {@link tagNode} and its
   * edges with {@link EdgeInfo.tag} gets its records back without a look-up. Nothing is
   * allocated; the search is skipped when nothing changed since the last one.
   * @returns true if the search hit its safety bound
   */
  forEachRouteTagged(
    visit: TaggedRouteVisitor<NodeTag, EdgeTag>,
    choices?: Pick<RouteOptions, "weightTieBreak">,
  ): boolean {
    const records = this.nameOrder();
    const truncated = this.search(choices?.weightTieBreak ?? true);
    const { visited, generation, indirect, distance, nexthop, via, prevedge } = this.scratch;
    const slotEdge = this.adjacency.edge;
    const recordAt = this.recordAt;
    for (let i = 0; i < records.length; i++) {
      const rec = records[i]!;
      const s = rec.slot;
      if (visited[s] === generation) {
        const edge = edgeAt(slotEdge, prevedge[s]!);
        visit(
          rec.tag,
          rec.name,
          true,
          recordAt[nexthop[s]!]?.tag,
          recordAt[via[s]!]?.tag,
          distance[s]!,
          indirect[s] === 1,
          edge,
          edge?.options ?? 0,
        );
      } else visit(rec.tag, rec.name, false, undefined, undefined, UNREACHABLE, false, null, 0);
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
      return this.spanningTree(this.scratch.visited, this.scratch.generation);
    }
    if (table instanceof RouteTableImpl && table.version === this.version) {
      return this.spanningTree(table.reachable, 1);
    }
    // The graph changed since: re-index the reachability by the current slots.
    const reachable = new Uint8Array(this.recordAt.length);
    for (const rec of this.recordAt) {
      if (rec !== null && table.route(rec.name)?.reachable === true) reachable[rec.slot] = 1;
    }
    return this.spanningTree(reachable, 1);
  }

  /** Per-node arrays of the last search, reused from run to run (grown when nodes are added). */
  private scratch = new SearchScratch(0);
  /** The search's queue of node slots: grown when a search overflows it, then kept. */
  private searchQueue = new Int32Array(0);
  /** The graph version and tie rule the scratch arrays describe (version -1: none). */
  private searchedVersion = -1;
  private searchedTieBreak = true;
  private searchTruncated = false;

  /** The usable edges as flat arrays for the search; nodes whose edges changed since it was
   * last brought up to date wait in `dirtyRecords`. */
  private readonly adjacency = new Adjacency<NodeTag, EdgeTag>();
  private adjacencyStale = true;
  private dirtyRecords: NodeRecord<NodeTag, EdgeTag>[] = [];

  /**
   * The breadth-first search behind computeRoutes/forEachRoute, into `scratch`. It walks the
   * {@link Adjacency} arrays, brought up to date for the nodes whose edges changed, so a search
   * after a few changes costs O(nodes + edges) array reads, with no look-up by name and nothing
   * allocated; with no change at all since the last search, it is skipped.
   */
  private search(weightTieBreak: boolean): boolean {
    if (this.searchedVersion === this.version && this.searchedTieBreak === weightTieBreak) {
      return this.searchTruncated;
    }
    const slots = this.recordAt.length;
    if (this.scratch.capacity < slots) {
      this.scratch = new SearchScratch(Math.max(slots, 2 * this.scratch.capacity, 64));
    }
    const sc = this.scratch;
    const me = this.myselfRecord.slot;
    const adj = this.syncAdjacency(me);
    const maxPops = 64 * (this.nodeByName.size + this.edgeTotal) + 64;
    // Grown with room to spare: a graph learning names one at a time would otherwise get a new
    // queue at every search.
    if (this.searchQueue.length < 2 * slots + 64) this.searchQueue = new Int32Array(4 * slots + 64);
    let outcome: number;
    for (;;) {
      outcome = breadthFirst(this.searchQueue, adj, sc, me, weightTieBreak, maxPops);
      if (outcome !== SEARCH_OUT_OF_ROOM) break;
      this.searchQueue = new Int32Array(2 * this.searchQueue.length);
    }
    const truncated = outcome === SEARCH_TRUNCATED;
    this.searchedVersion = this.version;
    this.searchedTieBreak = weightTieBreak;
    this.searchTruncated = truncated;
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
   *
   * A node counts as reachable when its entry (by slot) in `reachable` equals `mark`.
   */
  private spanningTree(reachable: Uint8Array | Int32Array, mark: number): MstEdge[] {
    const parent = new Int32Array(this.recordAt.length);
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
    const limit = this.nodeByName.size - 1;
    for (const edge of this.weightOrder()) {
      if (tree.length >= limit) break;
      if (edge.reverse === null) continue;
      const a = edge.fromNode.slot;
      const b = edge.toNode.slot;
      if (reachable[a] !== mark || reachable[b] !== mark) continue;
      const ra = find(a);
      const rb = find(b);
      if (ra === rb) continue;
      parent[ra] = rb;
      tree.push({ from: edge.from, to: edge.to });
    }
    return tree;
  }

  /** Node records in strcmp order, brought up to date with the names created or deleted since
   * the last call. */
  private nameOrder(): NodeRecord<NodeTag, EdgeTag>[] {
    if (!this.namesStale) return this.sortedRecords;
    const sorted = this.sortedRecords;
    const added = this.newRecords;
    const gone = this.goneRecords;
    if (added.length + gone.length <= FEW_NAME_CHANGES) {
      // An engine booting into a mesh learns names one or two at a time between searches: a
      // binary search and a splice each beat a merge of the whole list. Removals go first, so
      // that a deleted name re-created since is found once, as its dead record.
      for (const rec of gone) {
        const at = namePosition(sorted, rec.name);
        if (sorted[at] === rec) sorted.splice(at, 1);
      }
      for (const rec of added) if (rec.alive) sorted.splice(namePosition(sorted, rec.name), 0, rec);
    } else {
      // Merged in place: the dead dropped, then the new ones merged in from the back, so that
      // records before the first new name stay where they are.
      if (gone.length > 0) {
        let kept = 0;
        for (const rec of sorted) if (rec.alive) sorted[kept++] = rec;
        sorted.length = kept;
      }
      const fresh = added.filter((r) => r.alive).sort((a, b) => compareNames(a.name, b.name));
      let i = sorted.length - 1;
      for (const rec of fresh) sorted.push(rec);
      // Each live name has exactly one live record, either in `sorted` or in `fresh`.
      let j = fresh.length - 1;
      let w = sorted.length - 1;
      while (j >= 0) {
        const b = fresh[j]!;
        if (i >= 0 && sorted[i]!.name > b.name) sorted[w--] = sorted[i--]!;
        else {
          sorted[w--] = b;
          j--;
        }
      }
    }
    added.length = 0;
    gone.length = 0;
    this.sortedNamesStale = true;
    this.namesStale = false;
    return this.sortedRecords;
  }

  /** The adjacency arrays with every pending change written in. */
  private syncAdjacency(me: number): Adjacency<NodeTag, EdgeTag> {
    const adj = this.adjacency;
    adj.ensureNodes(this.recordAt.length);
    let rebuild = this.adjacencyStale;
    for (const rec of this.dirtyRecords) {
      rec.adjacencyDirty = false;
      if (!rebuild && rec.alive) rebuild = !adj.rewrite(rec, me);
    }
    this.dirtyRecords.length = 0;
    if (rebuild) adj.rebuild(this.recordAt, me);
    this.adjacencyStale = false;
    return adj;
  }

  /** Notes that the search's copy of `rec`'s usable edges is out of date. */
  private edgesChanged(rec: NodeRecord<NodeTag, EdgeTag>): void {
    // A full rebuild is due anyway: keep the list short.
    if (rec.adjacencyDirty || this.adjacencyStale) return;
    rec.adjacencyDirty = true;
    this.dirtyRecords.push(rec);
  }

  private nodeRecord(name: string): NodeRecord<NodeTag, EdgeTag> {
    let node = this.nodeByName.get(name);
    if (node === undefined) {
      node = new NodeRecord(name);
      this.nodeByName.set(name, node);
      // A free slot (of a deleted node) first, so that the search's arrays stay as short as
      // the mesh; its segment was emptied at the deletion.
      const slot = this.freeSlots.pop() ?? this.recordAt.length;
      node.slot = slot;
      this.recordAt[slot] = node;
      this.newRecords.push(node);
      this.namesStale = true;
      this.version++;
    }
    return node;
  }

  private findEdge(from: string, to: string): EdgeRecord<NodeTag, EdgeTag> | undefined {
    return this.nodeByName.get(from)?.edgeTo(to);
  }

  private unlinkEdge(edge: EdgeRecord<NodeTag, EdgeTag>): void {
    edge.fromNode.unlink(edge);
    edge.toNode.incomingCount--;
    if (edge.reverse !== null) {
      // Both directions were usable.
      this.edgesChanged(edge.fromNode);
      this.edgesChanged(edge.toNode);
      edge.reverse.reverse = null;
      edge.reverse = null;
    }
    edge.alive = false;
    this.edgeTotal--;
    this.version++;
    this.weightOrderStale = true;
  }

  private queueWeightChange(edge: EdgeRecord<NodeTag, EdgeTag>): void {
    this.weightOrderStale = true;
    if (edge.pending) return;
    edge.pending = true;
    this.pendingWeight.push(edge);
    // Without merges (routes computed without the tree) deleted records would pile up here.
    if (this.pendingWeight.length > 2 * this.edgeTotal + 64) {
      const kept: EdgeRecord<NodeTag, EdgeTag>[] = [];
      for (const e of this.pendingWeight) {
        if (e.alive) kept.push(e);
        else e.pending = false;
      }
      this.pendingWeight = kept;
    }
  }

  /** The weight order with all queued changes merged in. */
  private weightOrder(): EdgeRecord<NodeTag, EdgeTag>[] {
    if (!this.weightOrderStale) return this.byWeight;
    // Decide what stays before any record is re-filed: a record filed under another weight
    // than its current one was re-weighted and comes back through `added`.
    const kept = this.byWeight.filter((e) => e.alive && e.filedWeight === e.weight);
    const added = this.pendingWeight.filter((e) => e.alive && e.filedWeight !== e.weight);
    added.sort(compareEdgeWeightOrder);
    for (const e of this.pendingWeight) e.pending = false;
    this.pendingWeight = [];
    const merged: EdgeRecord<NodeTag, EdgeTag>[] = new Array(kept.length + added.length);
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
