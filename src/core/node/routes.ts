/**
 * tinc's graph algorithms over the engine's records (graph.c): a breadth-first search that
 * ignores weights and yields reachability, next hop and via; and the minimum spanning tree
 * used for broadcasts. Only edges whose reverse edge exists are used.
 * @module
 */
import { OPTION_INDIRECT } from "../meta/requests.ts";
import { byName, type EdgeRec, type NodeRec } from "./world.ts";

/** One node's BFS result, kept on the node record and valid when `gen` is the current run. */
export interface BfsMark {
  gen: number;
  indirect: boolean;
  nexthop?: NodeRec;
  via?: NodeRec;
  prevedge?: EdgeRec;
  distance: number;
}

/** Edges of a node in destination-name order (tinc keeps each node's edge tree sorted). */
export function sortedEdges(n: NodeRec): EdgeRec[] {
  if (n.edgeOrder === undefined) {
    const names = [...n.edges.keys()].sort(byName);
    n.edgeOrder = names.map((name) => n.edges.get(name)!);
  }
  return n.edgeOrder;
}

/**
 * tinc's sssp_bfs: start at myself; for each queued node take its edges in name order; a
 * node first reached indirectly may later be upgraded to direct, keeping its first nexthop.
 * Results go to each visited node's `mark`, stamped with `gen` (unvisited nodes keep an older
 * stamp), so that a run allocates nothing per node.
 */
export function bfs(myself: NodeRec, gen: number): void {
  const me = myself.mark;
  me.gen = gen;
  me.indirect = false;
  me.nexthop = myself;
  me.via = myself;
  delete me.prevedge;
  me.distance = 0;
  const queue: NodeRec[] = [myself];
  for (let head = 0; head < queue.length; head++) {
    const n = queue[head]!;
    const nm = n.mark;
    const edges = sortedEdges(n);
    for (let i = 0; i < edges.length; i++) {
      const e = edges[i]!;
      if (e.reverse === undefined) continue;
      const x = e.to;
      const indirect = nm.indirect || (e.options & OPTION_INDIRECT) !== 0;
      const xm = x.mark;
      const visited = xm.gen === gen;
      if (visited && (!xm.indirect || indirect)) continue;
      if (!visited) {
        xm.gen = gen;
        xm.nexthop = n === myself ? x : nm.nexthop!;
      }
      xm.indirect = indirect;
      xm.prevedge = e;
      xm.via = indirect ? nm.via! : x;
      xm.distance = nm.distance + 1;
      queue.push(x);
    }
  }
}

/** The broadcast tree's ordering: (weight, from, to), names by strcmp. */
export function compareEdgeWeight(a: EdgeRec, b: EdgeRec): number {
  return a.weight - b.weight || byName(a.from.name, b.from.name) || byName(a.to.name, b.to.name);
}

/**
 * tinc's mst_kruskal result: the set of undirected edges of the minimum spanning tree of the
 * reachable part, under the strict order (weight, from, to). tinc grows the tree from the
 * first usable edge, always taking the first edge in that order with exactly one endpoint in
 * the tree; with a strict order the tree is unique, so Kruskal with union-find yields the same
 * set in O(E log E) instead of tinc's restart-from-head walk.
 * @returns every edge (both directions) that is in the tree
 */
export function mstEdges(nodes: Iterable<NodeRec>): Set<EdgeRec> {
  const pairs: Array<{ key: EdgeRec; a: EdgeRec; b: EdgeRec }> = [];
  const index = new Map<NodeRec, number>();
  for (const n of nodes) {
    if (!n.reachable) continue;
    index.set(n, index.size);
  }
  for (const n of index.keys()) {
    for (const e of n.edges.values()) {
      const rev = e.to.edges.get(n.name);
      if (rev === undefined || !e.to.reachable) continue;
      if (byName(n.name, e.to.name) > 0) continue;
      pairs.push({ key: compareEdgeWeight(e, rev) <= 0 ? e : rev, a: e, b: rev });
    }
  }
  pairs.sort((x, y) => compareEdgeWeight(x.key, y.key));
  const parent = Array.from({ length: index.size }, (_, i) => i);
  const find = (i: number): number => {
    while (parent[i] !== i) {
      parent[i] = parent[parent[i]!]!;
      i = parent[i]!;
    }
    return i;
  };
  const tree = new Set<EdgeRec>();
  for (const p of pairs) {
    const ra = find(index.get(p.a.from)!);
    const rb = find(index.get(p.a.to)!);
    if (ra === rb) continue;
    parent[ra] = rb;
    tree.add(p.a);
    tree.add(p.b);
  }
  return tree;
}
