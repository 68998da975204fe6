import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { diffReachability, type EdgeInfo, MeshGraph, type RouteTable } from "./graph.ts";

const INDIRECT = 1;

function edge(from: string, to: string, weight = 10, options = 0): EdgeInfo {
  return { from, to, address: "192.0.2.1", port: "655", options, weight };
}

/** Adds both directions of a link (same weight and options unless given). */
function link(g: MeshGraph, a: string, b: string, weight = 10, options = 0, weightBack = weight): void {
  g.addEdge(edge(a, b, weight, options));
  g.addEdge(edge(b, a, weightBack, options));
}

/** `name: nexthop/via/distance` for every node, unreachable ones as `name: -`. */
function summary(table: RouteTable): string[] {
  return table.routes.map((r) =>
    r.reachable
      ? `${r.name}: ${r.nexthop}/${r.via}/${r.distance}${r.indirect ? " indirect" : ""}`
      : `${r.name}: -`
  );
}

function mstPairs(table: RouteTable): string[] {
  return table.mst.map((e) => (e.from < e.to ? `${e.from}-${e.to}` : `${e.to}-${e.from}`)).sort();
}

// ---------------------------------------------------------------------------------------------
// Oracles, written here without the module's code.

interface PlainEdge {
  from: string;
  to: string;
  weight: number;
  options: number;
}

const strcmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

function usableEdges(edges: PlainEdge[]): PlainEdge[] {
  const present = new Set(edges.map((e) => `${e.from}>${e.to}`));
  return edges.filter((e) => present.has(`${e.to}>${e.from}`));
}

/**
 * Plain BFS over the true topology (edges with a reverse, options ignored): hop counts, and the
 * order in which nodes are first reached (each node's edges in destination-name order).
 */
function plainBfs(
  myself: string,
  usable: PlainEdge[],
): { hops: Map<string, number>; order: string[]; firstHop: Map<string, string> } {
  const hops = new Map<string, number>([[myself, 0]]);
  const firstHop = new Map<string, string>([[myself, myself]]);
  const order = [myself];
  for (let i = 0; i < order.length; i++) {
    const n = order[i]!;
    const out = usable.filter((e) => e.from === n).sort((a, b) => strcmp(a.to, b.to));
    for (const e of out) {
      if (hops.has(e.to)) continue;
      hops.set(e.to, hops.get(n)! + 1);
      firstHop.set(e.to, n === myself ? e.to : firstHop.get(n)!);
      order.push(e.to);
    }
  }
  return { hops, order, firstHop };
}

/**
 * Shortest paths by (hops, weighted distance), layer by layer; among equally good parents the
 * one reached first by the plain BFS wins. Meant for graphs without INDIRECT edges.
 */
function layeredRoutes(
  myself: string,
  usable: PlainEdge[],
): Map<string, { hops: number; weighted: number; nexthop: string }> {
  const { hops, order } = plainBfs(myself, usable);
  const rank = new Map(order.map((n, i) => [n, i]));
  const best = new Map<string, { hops: number; weighted: number; nexthop: string }>();
  best.set(myself, { hops: 0, weighted: 0, nexthop: myself });
  for (const x of order) {
    if (x === myself) continue;
    const h = hops.get(x)!;
    const parents = usable
      .filter((e) => e.to === x && hops.get(e.from) === h - 1)
      .map((e) => ({ p: e.from, w: best.get(e.from)!.weighted + e.weight }))
      .sort((a, b) => a.w - b.w || rank.get(a.p)! - rank.get(b.p)!);
    const chosen = parents[0]!;
    best.set(x, {
      hops: h,
      weighted: chosen.w,
      nexthop: chosen.p === myself ? x : best.get(chosen.p)!.nexthop,
    });
  }
  return best;
}

/** The spec's BFS rules (§6 plus tinc 1.1's equal-hop tie rule), transcribed naively. */
function ruleRoutes(myself: string, nodes: string[], edges: PlainEdge[]) {
  const usable = usableEdges(edges);
  const st = new Map(nodes.map((n) => [n, {
    visited: false,
    indirect: true,
    distance: -1,
    weighted: 0,
    nexthop: "",
    via: "",
    options: 0,
  }]));
  const me = st.get(myself)!;
  Object.assign(me, { visited: true, indirect: false, distance: 0, nexthop: myself, via: myself });
  const queue = [myself];
  while (queue.length > 0) {
    const name = queue.shift()!;
    const n = st.get(name)!;
    const out = usable.filter((e) => e.from === name).sort((a, b) => strcmp(a.to, b.to));
    for (const e of out) {
      if (e.to === myself) continue;
      const x = st.get(e.to)!;
      const ind = n.indirect || (e.options & INDIRECT) !== 0;
      const sameHops = x.distance === n.distance + 1;
      const skip = x.visited && (!x.indirect || ind) && (!sameHops || x.weighted <= n.weighted + e.weight);
      if (skip) continue;
      if (!x.visited || (sameHops && x.weighted > n.weighted + e.weight)) {
        x.nexthop = name === myself ? e.to : n.nexthop;
        x.weighted = n.weighted + e.weight;
      }
      x.visited = true;
      x.indirect = ind;
      x.via = ind ? n.via : e.to;
      x.options = e.options;
      x.distance = n.distance + 1;
      queue.push(e.to);
    }
  }
  return st;
}

/** tinc's broadcast tree walk (spec §6), literally: restart from the head after an addition that
 * followed a skipped edge. */
function walkMst(edges: PlainEdge[], reachable: Set<string>): string[] {
  const present = new Set(edges.map((e) => `${e.from}>${e.to}`));
  const ordered = [...edges].sort((a, b) =>
    a.weight - b.weight || strcmp(a.from, b.from) || strcmp(a.to, b.to)
  );
  const inTree = new Set<string>();
  const seed = ordered.find((e) => reachable.has(e.from));
  if (seed === undefined) return [];
  inTree.add(seed.from);
  const chosen: string[] = [];
  let skipped = false;
  for (let i = 0; i < ordered.length; i++) {
    const e = ordered[i]!;
    if (!present.has(`${e.to}>${e.from}`) || inTree.has(e.from) === inTree.has(e.to)) {
      skipped = true;
      continue;
    }
    inTree.add(e.from);
    inTree.add(e.to);
    chosen.push(e.from < e.to ? `${e.from}-${e.to}` : `${e.to}-${e.from}`);
    if (skipped) {
      skipped = false;
      i = -1;
    }
  }
  return chosen.sort();
}

// ---------------------------------------------------------------------------------------------
// Random meshes.

interface Mesh {
  names: string[];
  myself: string;
  edges: PlainEdge[];
}

const meshArb = (indirectChance: number): fc.Arbitrary<Mesh> =>
  fc.integer({ min: 1, max: 200 }).chain((n) =>
    fc.record({
      names: fc.uniqueArray(fc.stringMatching(/^[A-Za-z0-9_]{1,6}$/), { minLength: n, maxLength: n }),
      parents: fc.array(fc.nat(), { minLength: n, maxLength: n }),
      extra: fc.array(fc.tuple(fc.nat(), fc.nat()), { maxLength: 2 * n, size: "max" }),
      weights: fc.array(fc.constantFrom(0, 1, 2, 3, 5, 10, 10, 10), { minLength: 8 * n, maxLength: 8 * n }),
      flags: fc.array(fc.integer({ min: 0, max: 99 }), { minLength: 8 * n, maxLength: 8 * n }),
      me: fc.nat(),
    }).map(({ names, parents, extra, weights, flags, me }) => {
      const pairs: [number, number][] = [];
      // A random spanning tree keeps most of the mesh connected; extra links add cycles and ties.
      for (let i = 1; i < n; i++) pairs.push([i, parents[i]! % i]);
      for (const [a, b] of extra) if (a % n !== b % n) pairs.push([a % n, b % n]);
      const edges = new Map<string, PlainEdge>();
      let k = 0;
      for (const [a, b] of pairs) {
        for (const [from, to] of [[a, b], [b, a]] as const) {
          const flag = flags[k % flags.length]!;
          const weight = weights[k % weights.length]!;
          k++;
          // About one direction in 25 is missing: its pair is unusable.
          if (flag < 4) continue;
          const options = flag < 4 + indirectChance ? INDIRECT : 0;
          edges.set(`${names[from]}>${names[to]}`, { from: names[from]!, to: names[to]!, weight, options });
        }
      }
      return { names, myself: names[me % n]!, edges: [...edges.values()] };
    })
  );

function buildGraph(mesh: Mesh): MeshGraph {
  const g = new MeshGraph(mesh.myself);
  for (const name of mesh.names) g.ensureNode(name);
  for (const e of mesh.edges) g.addEdge(edge(e.from, e.to, e.weight, e.options));
  return g;
}

/** Mostly small numbers, so that the same few edges and nodes are changed again and again. */
const smallOrAny = fc.oneof({ weight: 3, arbitrary: fc.nat(7) }, { weight: 1, arbitrary: fc.nat() });

describe("computeRoutes against plain BFS and Kruskal oracles", () => {
  test("without INDIRECT: reachable set, hops, weighted distance, nexthop, via and MST", () => {
    fc.assert(
      fc.property(meshArb(0), (mesh) => {
        const table = buildGraph(mesh).computeRoutes();
        const usable = usableEdges(mesh.edges);
        const best = layeredRoutes(mesh.myself, usable);
        for (const r of table.routes) {
          const want = best.get(r.name);
          expect(r.reachable).toBe(want !== undefined);
          if (want === undefined) continue;
          expect({
            name: r.name,
            d: r.distance,
            w: r.weightedDistance,
            nh: r.nexthop,
            via: r.via,
            ind: r.indirect,
          })
            .toEqual({
              name: r.name,
              d: want.hops,
              w: want.weighted,
              nh: want.nexthop,
              via: r.name,
              ind: false,
            });
        }
        expect(mstPairs(table)).toEqual(walkMst(mesh.edges, new Set(best.keys())));
        // tinc 1.0.36 (no tie rule): the route is the plain BFS tree's.
        const { hops, firstHop } = plainBfs(mesh.myself, usable);
        for (const r of buildGraph(mesh).computeRoutes({ weightTieBreak: false }).routes) {
          if (!r.reachable) continue;
          expect([r.name, r.nexthop, r.distance]).toEqual([r.name, firstHop.get(r.name)!, hops.get(r.name)!]);
        }
      }),
      { numRuns: 120 },
    );
  });

  test("with INDIRECT: the spec's rules, plus what plain BFS guarantees", () => {
    fc.assert(
      fc.property(meshArb(30), (mesh) => {
        const table = buildGraph(mesh).computeRoutes();
        expect(table.truncated).toBe(false);
        const usable = usableEdges(mesh.edges);
        const { hops } = plainBfs(mesh.myself, usable);
        const directHops = plainBfs(mesh.myself, usable.filter((e) => (e.options & INDIRECT) === 0)).hops;
        const rules = ruleRoutes(mesh.myself, mesh.names, mesh.edges);
        const neighbours = new Set(usable.filter((e) => e.from === mesh.myself).map((e) => e.to));
        for (const r of table.routes) {
          const s = rules.get(r.name)!;
          expect(r.reachable).toBe(hops.has(r.name));
          expect(r.reachable).toBe(s.visited);
          if (!r.reachable) continue;
          expect({
            name: r.name,
            nh: r.nexthop,
            via: r.via,
            d: r.distance,
            w: r.weightedDistance,
            ind: r.indirect,
          })
            .toEqual({
              name: r.name,
              nh: s.nexthop,
              via: s.via,
              d: s.distance,
              w: s.weighted,
              ind: s.indirect,
            });
          expect(r.options).toBe(s.options);
          // A direct route needs an all-direct path; the first hop is a neighbour of myself.
          if (!r.indirect) expect(directHops.has(r.name)).toBe(true);
          if (r.name !== mesh.myself) expect(neighbours.has(r.nexthop!)).toBe(true);
          expect(r.distance).toBeGreaterThanOrEqual(hops.get(r.name)!);
          expect(table.route(r.via!)?.reachable).toBe(true);
        }
        const pairs = mstPairs(table);
        expect(pairs).toEqual(walkMst(mesh.edges, new Set(hops.keys())));
        expect(pairs.length).toBe(Math.max(0, hops.size - 1));
      }),
      { numRuns: 120 },
    );
  });

  test("every node of a component computes the same broadcast tree", () => {
    fc.assert(
      fc.property(meshArb(20), fc.nat(), fc.nat(), (mesh, i, j) => {
        const table = buildGraph(mesh).computeRoutes();
        const members = table.routes.filter((r) => r.reachable).map((r) => r.name);
        const mine = mstPairs(table);
        for (const other of [members[i % members.length]!, members[j % members.length]!]) {
          const theirs = buildGraph({ ...mesh, myself: other }).computeRoutes();
          expect(mstPairs(theirs)).toEqual(mine);
        }
      }),
      { numRuns: 60 },
    );
  });

  test("broadcastTree() after computeRoutes without the tree is the tree computeRoutes gives", () => {
    fc.assert(
      fc.property(meshArb(20), (mesh) => {
        const g = buildGraph(mesh);
        const full = g.computeRoutes();
        const lean = g.computeRoutes({ broadcastTree: false });
        expect(lean.mst).toEqual([]);
        expect(summary(lean)).toEqual(summary(full));
        expect(g.broadcastTree(lean)).toEqual([...full.mst]);
        // After a change, the tree is over the current edges among the table's reachable nodes:
        // a new node the table never saw cannot join it.
        const someone = full.routes.find((r) => r.reachable && r.name !== mesh.myself);
        if (someone !== undefined) {
          link(g, someone.name, "zz_new", 1);
          const pairs = g.broadcastTree(lean).map((e) => `${e.from}-${e.to}`);
          expect(pairs.some((p) => p.includes("zz_new"))).toBe(false);
          expect(g.broadcastTree(g.computeRoutes()).some((e) => e.from === "zz_new" || e.to === "zz_new"))
            .toBe(true);
        }
      }),
      { numRuns: 60 },
    );
  });

  test("forEachRoute reports what computeRoutes does; broadcastTree() then gives its tree", () => {
    fc.assert(
      fc.property(meshArb(20), fc.boolean(), (mesh, weightTieBreak) => {
        const g = buildGraph(mesh);
        const full = g.computeRoutes({ weightTieBreak });
        const seen: string[] = [];
        const truncated = g.forEachRoute(
          (i, name, reachable, nexthop, via, distance, indirect, prevedge, opts) => {
            const r = full.routes[i]!;
            expect([name, reachable, nexthop, via, distance, indirect, prevedge, opts]).toEqual([
              r.name,
              r.reachable,
              r.nexthop,
              r.via,
              r.distance,
              r.indirect,
              r.prevedge,
              r.options,
            ]);
            seen.push(name);
          },
          { weightTieBreak },
        );
        expect(truncated).toBe(full.truncated);
        expect(seen).toEqual(full.routes.map((r) => r.name));
        expect(g.broadcastTree()).toEqual([...g.computeRoutes().mst]);
      }),
      { numRuns: 60 },
    );
  });

  test("incremental changes (add, update, delete, purge) give the same result as a fresh build", () => {
    fc.assert(
      fc.property(
        meshArb(20),
        fc.array(fc.tuple(smallOrAny, smallOrAny, fc.nat(3)), { maxLength: 80, size: "max" }),
        (mesh, ops) => {
          const g = buildGraph(mesh);
          const live = new Map(mesh.edges.map((e) => [`${e.from}>${e.to}`, { ...e }]));
          const names = new Set(mesh.names);
          for (const [a, b, kind] of ops) {
            const list = [...live.values()];
            if (kind === 0 && list.length > 0) {
              const e = list[a % list.length]!;
              g.deleteEdge(e.from, e.to);
              live.delete(`${e.from}>${e.to}`);
            } else if (kind === 1 && list.length > 0) {
              const e = list[a % list.length]!;
              e.weight = b % 3;
              e.options = b % 3 === 0 ? INDIRECT : 0;
              expect(g.updateEdge(edge(e.from, e.to, e.weight, e.options))).toBe(true);
            } else if (kind === 2) {
              // Drawn from every name ever seen, so purged nodes come back.
              const pool = mesh.names;
              const from = pool[a % pool.length]!;
              const to = pool[b % pool.length]!;
              if (from === to) continue;
              const e = { from, to, weight: (a + b) % 5, options: 0 };
              g.addEdge(edge(from, to, e.weight));
              live.set(`${from}>${to}`, e);
              names.add(from);
              names.add(to);
            } else {
              const victim = [...names][a % names.size]!;
              if (victim === mesh.myself) continue;
              expect(g.deleteNode(victim)).toBe(true);
              names.delete(victim);
              for (const [k, e] of live) if (e.from === victim || e.to === victim) live.delete(k);
            }
            // Now and then read the orders mid-way, so later changes merge into earlier results.
            if ((a + b) % 4 === 0) {
              g.nodes();
              g.edgesByWeight();
            }
          }
          const fresh = buildGraph({ names: [...names], myself: mesh.myself, edges: [...live.values()] });
          expect(g.nodes()).toEqual(fresh.nodes());
          const order = (x: MeshGraph) => x.edgesByWeight().map((e) => `${e.weight} ${e.from}>${e.to}`);
          expect(order(g)).toEqual(order(fresh));
          expect(g.edgeCount).toBe(live.size);
          const got = g.computeRoutes();
          const want = fresh.computeRoutes();
          expect(summary(got)).toEqual(summary(want));
          expect(mstPairs(got)).toEqual(mstPairs(want));
          const rules = ruleRoutes(mesh.myself, [...names], [...live.values()]);
          for (const r of got.routes) expect(r.nexthop ?? "").toBe(rules.get(r.name)!.nexthop);
        },
      ),
      { numRuns: 60 },
    );
  });
});

// ---------------------------------------------------------------------------------------------
// Hand-drawn topologies. Links are both directions, weight 10, unless drawn otherwise.

describe("hand-drawn topologies", () => {
  test("chain  a — b — c — d  (seen from b)", () => {
    const g = new MeshGraph("b");
    link(g, "a", "b");
    link(g, "b", "c");
    link(g, "c", "d");
    const t = g.computeRoutes();
    expect(summary(t)).toEqual(["a: a/a/1", "b: b/b/0", "c: c/c/1", "d: c/d/2"]);
    expect(mstPairs(t)).toEqual(["a-b", "b-c", "c-d"]);
    expect(t.route("d")?.weightedDistance).toBe(20);
    expect(t.route("d")?.prevedge?.from).toBe("c");
  });

  test("ring  a — b — c — d — e — a: the far side goes either way by name order", () => {
    //      a
    //    /   \
    //   b     e
    //   |     |
    //   c --- d
    const g = new MeshGraph("a");
    for (const [x, y] of [["a", "b"], ["b", "c"], ["c", "d"], ["d", "e"], ["e", "a"]] as const) link(g, x, y);
    const t = g.computeRoutes();
    // c and d are both 2 hops away, through b and e respectively.
    expect(summary(t)).toEqual(["a: a/a/0", "b: b/b/1", "c: b/c/2", "d: e/d/2", "e: e/e/1"]);
    // Equal weights: order (from, to) decides; a-b, a-e, b-c, c-d are taken, d-e closes a cycle.
    expect(mstPairs(t)).toEqual(["a-b", "a-e", "b-c", "c-d"]);
  });

  test("star: hub h with leaves; a leaf reaches every other leaf through the hub", () => {
    //   l1   l2
    //     \ /
    //      h —— l3
    const g = new MeshGraph("l1");
    for (const leaf of ["l1", "l2", "l3"]) link(g, "h", leaf);
    const t = g.computeRoutes();
    expect(summary(t)).toEqual(["h: h/h/1", "l1: l1/l1/0", "l2: h/l2/2", "l3: h/l3/2"]);
    expect(t.isMstEdge("h", "l2") && t.isMstEdge("l3", "h") && t.isMstEdge("l1", "h")).toBe(true);
    expect(t.isMstEdge("l1", "l2")).toBe(false);
  });

  test("diamond with equal hops and different weights: tinc 1.1's tie rule picks the lighter side", () => {
    //        b
    //   5  /   \  5          me → b → d weighs 10
    //    me     d
    //   1  \   /  1          me → c → d weighs 2: same hops, lighter: d goes through c
    //        c
    const g = new MeshGraph("me");
    link(g, "me", "b", 5);
    link(g, "b", "d", 5);
    link(g, "me", "c", 1);
    link(g, "c", "d", 1);
    const t = g.computeRoutes();
    // b is examined first (name order), so plain tinc 1.0 BFS would keep b; 1.1 moves d to c.
    expect(summary(t)).toEqual(["b: b/b/1", "c: c/c/1", "d: c/d/2", "me: me/me/0"]);
    expect(t.route("d")?.weightedDistance).toBe(2);
    expect(t.route("d")?.prevedge?.from).toBe("c");
    // tinc 1.0.36 has no tie rule: the first path found (through b) stays.
    const old = g.computeRoutes({ weightTieBreak: false });
    expect(old.route("d")).toMatchObject({ nexthop: "b", distance: 2, weightedDistance: 10 });
    // Weights never make a longer path win: a 3-hop path of weight 0 loses to 2 hops.
    link(g, "me", "x", 0);
    link(g, "x", "y", 0);
    link(g, "y", "d", 0);
    expect(g.computeRoutes().route("d")?.nexthop).toBe("c");
    // Ties in weighted distance keep the first path found (b, by name order).
    g.updateEdge(edge("c", "d", 9));
    expect(g.computeRoutes().route("d")?.nexthop).toBe("b");
    expect(g.computeRoutes().route("d")?.prevedge?.from).toBe("b");
  });

  test("a partition: the far side becomes unreachable, and returns", () => {
    //   a — b    c — d        (b — c only one way: unusable)
    const g = new MeshGraph("a");
    link(g, "a", "b");
    link(g, "c", "d");
    g.addEdge(edge("b", "c"));
    const t1 = g.computeRoutes();
    expect(summary(t1)).toEqual(["a: a/a/0", "b: b/b/1", "c: -", "d: -"]);
    expect(mstPairs(t1)).toEqual(["a-b"]);
    // The reverse edge arrives: c and d come up.
    g.addEdge(edge("c", "b"));
    const t2 = g.computeRoutes();
    expect(summary(t2)).toEqual(["a: a/a/0", "b: b/b/1", "c: b/c/2", "d: b/d/3"]);
    expect(diffReachability(t1, t2)).toEqual({
      becameReachable: ["c", "d"],
      becameUnreachable: [],
      routeChanged: [],
    });
    g.deleteEdge("b", "c");
    const t3 = g.computeRoutes();
    expect(diffReachability(t2, t3)).toEqual({
      becameReachable: [],
      becameUnreachable: ["c", "d"],
      routeChanged: [],
    });
  });

  test("INDIRECT: via stays behind the indirect hop; a later direct path upgrades, keeping nexthop", () => {
    //   me —— a ==i== x        a → x carries OPTION_INDIRECT: x is reached through a (via a)
    //   me —— b —— c —— x      b → c → x is direct but one hop longer
    const g = new MeshGraph("me");
    link(g, "me", "a");
    link(g, "a", "x", 10, INDIRECT);
    const t1 = g.computeRoutes();
    expect(summary(t1)).toEqual(["a: a/a/1", "me: me/me/0", "x: a/a/2 indirect"]);
    link(g, "me", "b");
    link(g, "b", "c");
    link(g, "c", "x");
    const t2 = g.computeRoutes();
    // Upgraded to direct by the longer path: via and distance follow it, nexthop stays a.
    expect(t2.route("x")).toMatchObject({ nexthop: "a", via: "x", indirect: false, distance: 3 });
    expect(t2.route("x")?.prevedge?.from).toBe("c");
    expect(t2.route("x")?.firstEdge?.from).toBe("a");
    expect(diffReachability(t1, t2).routeChanged).toEqual(["x"]);
  });

  test("an edge without its reverse is ignored by both trees", () => {
    const g = new MeshGraph("a");
    link(g, "a", "b", 10);
    g.addEdge(edge("a", "c", 1));
    const t = g.computeRoutes();
    expect(t.route("c")?.reachable).toBe(false);
    expect(t.mst).toEqual([{ from: "a", to: "b" }]);
  });
});

describe("MeshGraph store", () => {
  test("edgesFrom is in destination-name order; getEdge, updateEdge and deleteNode", () => {
    const g = new MeshGraph("m");
    for (const to of ["zed", "Alpha", "beta", "_u", "a1"]) g.addEdge(edge("m", to));
    expect(g.edgesFrom("m").map((e) => e.to)).toEqual(["Alpha", "_u", "a1", "beta", "zed"]);
    expect(g.nodes()).toEqual(["Alpha", "_u", "a1", "beta", "m", "zed"]);
    expect(g.getEdge("m", "beta")?.reverse).toBeNull();
    g.addEdge({ ...edge("beta", "m", 3), localAddress: "10.0.0.2", localPort: "655" });
    expect(g.getEdge("m", "beta")?.reverse?.weight).toBe(3);
    expect(g.getEdge("beta", "m")?.localAddress).toBe("10.0.0.2");
    expect(g.updateEdge(edge("beta", "m", 4))).toBe(true);
    expect(g.getEdge("beta", "m")?.localAddress).toBeUndefined();
    expect(g.updateEdge(edge("nobody", "m", 4))).toBe(false);
    expect(g.edgesByWeight().map((e) => `${e.from}>${e.to}`)[0]).toBe("beta>m");
    expect(g.deleteNode("beta")).toBe(true);
    expect(g.getEdge("m", "beta")).toBeUndefined();
    expect(g.deleteNode("m")).toBe(false);
    expect(g.deleteEdge("m", "zed")).toBe(true);
    expect(g.deleteEdge("m", "zed")).toBe(false);
    expect(g.edgeCount).toBe(3);
  });

  test("diffReachability from nothing, and for removed nodes", () => {
    const g = new MeshGraph("a");
    link(g, "a", "b");
    const t1 = g.computeRoutes();
    expect(diffReachability(null, t1).becameReachable).toEqual(["a", "b"]);
    g.deleteNode("b");
    expect(diffReachability(t1, g.computeRoutes()).becameUnreachable).toEqual(["b"]);
  });
});

// ---------------------------------------------------------------------------------------------
// Tags and forEachRouteTagged.

interface NodeBox {
  readonly name: string;
}
interface EdgeBox {
  readonly from: string;
  readonly to: string;
  readonly serial: number;
}

/** An edge for a graph with typed tags, carrying none. */
function untagged(from: string, to: string, weight = 10, options = 0): EdgeInfo<never> {
  return { ...edge(from, to, weight, options), tag: undefined };
}

/** One visit of either route visitor, with nodes and edges named. */
type Visit = [string, boolean, string | null, string | null, number, boolean, string | null, number];

function untaggedVisits(g: MeshGraph<NodeBox, EdgeBox>, weightTieBreak: boolean): Visit[] {
  const out: Visit[] = [];
  g.forEachRoute((_i, name, reachable, nexthop, via, distance, indirect, prevedge, opts) => {
    const prev = prevedge === null ? null : `${prevedge.from}>${prevedge.to}`;
    out.push([name, reachable, nexthop, via, distance, indirect, prev, opts]);
  }, { weightTieBreak });
  return out;
}

describe("tags and forEachRouteTagged", () => {
  test("node and edge tags round-trip through tagNode, addEdge and updateEdge", () => {
    const g = new MeshGraph<NodeBox, EdgeBox>("m");
    const m = { name: "m" };
    g.tagNode("m", m);
    expect(g.nodeTag("m")).toBe(m);
    expect(g.nodeTag("x")).toBeUndefined();
    // tagNode creates the node, like ensureNode.
    const x = { name: "x" };
    g.tagNode("x", x);
    expect(g.hasNode("x")).toBe(true);
    expect(g.nodes()).toEqual(["m", "x"]);
    expect(g.nodeTag("x")).toBe(x);
    const x2 = { name: "x" };
    g.tagNode("x", x2);
    expect(g.nodeTag("x")).toBe(x2);

    const e1: EdgeBox = { from: "m", to: "x", serial: 1 };
    const stored = g.addEdge({ ...edge("m", "x"), tag: e1 });
    expect(stored.tag).toBe(e1);
    expect(g.getEdge("m", "x")?.tag).toBe(e1);
    // No tag given: the stored one stays.
    expect(g.updateEdge(untagged("m", "x", 20))).toBe(true);
    expect(g.getEdge("m", "x")?.tag).toBe(e1);
    expect(g.getEdge("m", "x")?.weight).toBe(20);
    const e2: EdgeBox = { from: "m", to: "x", serial: 2 };
    expect(g.updateEdge({ ...edge("m", "x", 20), tag: e2 })).toBe(true);
    expect(g.getEdge("m", "x")?.tag).toBe(e2);
    const e3: EdgeBox = { from: "m", to: "x", serial: 3 };
    expect(g.addEdge({ ...edge("m", "x", 5), tag: e3 })).toBe(stored);
    expect(stored.tag).toBe(e3);
    // An untagged edge reads undefined; the reverse link carries its own tag.
    g.addEdge(untagged("x", "m"));
    expect(g.getEdge("x", "m")?.tag).toBeUndefined();
    expect(g.getEdge("x", "m")?.reverse?.tag).toBe(e3);
    expect(g.edgesFrom("m").map((e) => e.tag)).toEqual([e3]);
    expect(g.edgesByWeight().map((e) => e.tag?.serial)).toEqual([3, undefined]);

    // The tag goes with the node: a re-created node starts untagged.
    expect(g.deleteNode("x")).toBe(true);
    expect(g.nodeTag("x")).toBeUndefined();
    g.addEdge(untagged("m", "x"));
    expect(g.nodeTag("x")).toBeUndefined();
    expect(g.getEdge("m", "x")?.tag).toBeUndefined();
  });

  test("forEachRouteTagged reports tags for node, nexthop and via, and the tagged prevedge", () => {
    // a — m — b — c, with b—c INDIRECT: c's via stays b.
    const g = new MeshGraph<NodeBox, EdgeBox>("m");
    const box = new Map<string, NodeBox>();
    for (const name of ["a", "b", "c", "m", "lonely"]) {
      box.set(name, { name });
      g.tagNode(name, box.get(name)!);
    }
    let serial = 0;
    const tagged = (from: string, to: string, options = 0) =>
      g.addEdge({ ...edge(from, to, 10, options), tag: { from, to, serial: serial++ } });
    for (const [p, q] of [["a", "m"], ["m", "b"]]) {
      tagged(p!, q!);
      tagged(q!, p!);
    }
    tagged("b", "c", INDIRECT);
    tagged("c", "b", INDIRECT);
    const seen: string[] = [];
    const truncated = g.forEachRouteTagged(
      (nodeTag, name, reachable, nexthopTag, viaTag, distance, indirect, prevedge, opts) => {
        expect(nodeTag).toBe(box.get(name)!);
        const prev = prevedge === null ? "-" : `${prevedge.tag!.from}>${prevedge.tag!.to}`;
        expect(
          prevedge === null || (prevedge.tag!.from === prevedge.from && prevedge.tag!.to === prevedge.to),
        )
          .toBe(true);
        seen.push(
          reachable
            ? `${name}: ${nexthopTag!.name}/${viaTag!.name}/${distance}${
              indirect ? " indirect" : ""
            } ${prev} ${opts}`
            : `${name}: - ${nexthopTag} ${viaTag} ${distance} ${indirect} ${prev} ${opts}`,
        );
      },
    );
    expect(truncated).toBe(false);
    expect(seen).toEqual([
      "a: a/a/1 m>a 0",
      "b: b/b/1 m>b 0",
      "c: b/b/2 indirect b>c 1",
      "lonely: - undefined undefined -1 false - 0",
      "m: m/m/0 - 0",
    ]);
    // Tags are read at each visit: a new tag shows without any graph change.
    const b2 = { name: "b" };
    g.tagNode("b", b2);
    const via: (NodeBox | undefined)[] = [];
    g.forEachRouteTagged((nodeTag, _name, _reachable, _nexthop, viaTag) => {
      if (nodeTag?.name === "c") via.push(viaTag);
    });
    expect(via).toEqual([b2]);
    expect(via[0]).toBe(b2);
  });

  test("forEachRouteTagged reports exactly what forEachRoute does, through random changes", () => {
    fc.assert(
      fc.property(
        meshArb(20),
        fc.array(fc.tuple(smallOrAny, smallOrAny, fc.nat(4)), { maxLength: 40, size: "max" }),
        fc.boolean(),
        (mesh, ops, weightTieBreak) => {
          const g = new MeshGraph<NodeBox, EdgeBox>(mesh.myself);
          const boxes = new Map<string, NodeBox>();
          let serial = 0;
          const tagName = (name: string) => {
            const b = { name };
            boxes.set(name, b);
            g.tagNode(name, b);
          };
          // Every other node tagged; the rest report undefined until they are.
          mesh.names.forEach((name, i) => (i % 2 === 0 ? tagName(name) : g.ensureNode(name)));
          const edgeTags = new Map<string, EdgeBox>();
          const put = (from: string, to: string, weight: number, options: number) => {
            const tag = { from, to, serial: serial++ };
            edgeTags.set(`${from}>${to}`, tag);
            g.addEdge({ ...edge(from, to, weight, options), tag });
          };
          for (const e of mesh.edges) put(e.from, e.to, e.weight, e.options);

          const check = () => {
            const want = untaggedVisits(g, weightTieBreak);
            const got: Visit[] = [];
            const truncated = g.forEachRouteTagged(
              (nodeTag, name, reachable, nexthopTag, viaTag, distance, indirect, prevedge, opts) => {
                expect(nodeTag).toBe(boxes.get(name));
                const w = want[got.length]!;
                // A tag names its node, or the node is untagged: then the name comes from the
                // untagged visitor and must be one whose tag is unset.
                const nexthop = nexthopTag?.name ?? (w[2] !== null && !boxes.has(w[2]) ? w[2] : null);
                const via = viaTag?.name ?? (w[3] !== null && !boxes.has(w[3]) ? w[3] : null);
                if (prevedge !== null) {
                  expect(prevedge.tag).toBe(edgeTags.get(`${prevedge.from}>${prevedge.to}`)!);
                }
                const prev = prevedge === null ? null : `${prevedge.from}>${prevedge.to}`;
                got.push([name, reachable, nexthop, via, distance, indirect, prev, opts]);
              },
              { weightTieBreak },
            );
            expect(got).toEqual(want);
            expect(truncated).toBe(false);
          };

          check();
          for (const [a, b, kind] of ops) {
            const live = g.edgesByWeight();
            if (kind === 0 && live.length > 0) {
              const e = live[a % live.length]!;
              g.deleteEdge(e.from, e.to);
              edgeTags.delete(`${e.from}>${e.to}`);
            } else if (kind === 1 && live.length > 0) {
              // Re-weight (sometimes with a new tag, sometimes keeping the old one).
              const e = live[a % live.length]!;
              const info = untagged(e.from, e.to, b % 4, b % 3 === 0 ? INDIRECT : 0);
              if (b % 2 === 0) {
                const tag = { from: e.from, to: e.to, serial: serial++ };
                edgeTags.set(`${e.from}>${e.to}`, tag);
                g.updateEdge({ ...info, tag });
              } else g.updateEdge(info);
            } else if (kind === 2) {
              const from = mesh.names[a % mesh.names.length]!;
              const to = mesh.names[b % mesh.names.length]!;
              if (from !== to) put(from, to, (a + b) % 5, 0);
            } else if (kind === 3) {
              const names = g.nodes();
              const victim = names[a % names.length]!;
              if (g.deleteNode(victim)) {
                boxes.delete(victim);
                for (const k of [...edgeTags.keys()]) {
                  const [from, to] = k.split(">");
                  if (from === victim || to === victim) edgeTags.delete(k);
                }
              }
            } else {
              const names = g.nodes();
              tagName(names[b % names.length]!);
            }
            check();
          }
          // The incremental state gives the routes a fresh graph gives.
          const fresh = new MeshGraph(mesh.myself);
          for (const name of g.nodes()) fresh.ensureNode(name);
          for (const e of g.edgesByWeight()) fresh.addEdge(edge(e.from, e.to, e.weight, e.options));
          const freshVisits: Visit[] = [];
          fresh.forEachRoute((_i, name, reachable, nexthop, via, distance, indirect, prevedge, opts) => {
            const prev = prevedge === null ? null : `${prevedge.from}>${prevedge.to}`;
            freshVisits.push([name, reachable, nexthop, via, distance, indirect, prev, opts]);
          }, { weightTieBreak });
          expect(untaggedVisits(g, weightTieBreak)).toEqual(freshVisits);
        },
      ),
      { numRuns: 300 },
    );
  });

  test("a hub whose edge list grows and shrinks one edge at a time keeps the same routes", () => {
    const g = new MeshGraph<NodeBox, EdgeBox>("hub");
    const leaves = Array.from({ length: 300 }, (_, i) => `leaf${(i * 37) % 300}`);
    const routesNow = () => summary(g.computeRoutes({ broadcastTree: false }));
    const freshRoutes = () => {
      const fresh = new MeshGraph("hub");
      for (const name of g.nodes()) fresh.ensureNode(name);
      for (const e of g.edgesByWeight()) fresh.addEdge(edge(e.from, e.to, e.weight, e.options));
      return summary(fresh.computeRoutes({ broadcastTree: false }));
    };
    for (const [i, leaf] of leaves.entries()) {
      g.ensureNode(leaf);
      link(g, "hub", leaf, 1 + (i % 7));
      // A chord to an earlier leaf, so that equal-hop ties are broken by weight.
      if (i > 0) link(g, leaf, leaves[(i * 13) % i]!, 1 + (i % 3));
      if (i % 25 === 0) expect(routesNow()).toEqual(freshRoutes());
      else routesNow();
    }
    expect(routesNow()).toEqual(freshRoutes());
    for (const [i, leaf] of leaves.entries()) {
      if (i % 2 === 0) g.deleteEdge("hub", leaf);
      else g.deleteEdge(leaf, "hub");
      if (i % 25 === 0) expect(routesNow()).toEqual(freshRoutes());
      else routesNow();
    }
    expect(routesNow()).toEqual(freshRoutes());
  });
});

// ---------------------------------------------------------------------------------------------
// Names created and deleted between searches: the search's arrays are kept by node slot, and the
// name order is updated in place, so every search in between must still see the graph as a fresh
// build of the same nodes and edges does.

describe("names created and deleted between searches", () => {
  /** The routes a graph built from scratch with g's nodes and edges gives, with its tree. */
  const freshResult = (g: MeshGraph<NodeBox, EdgeBox>, weightTieBreak: boolean) => {
    const fresh = new MeshGraph(g.myself);
    for (const name of g.nodes()) fresh.ensureNode(name);
    for (const e of g.edgesByWeight()) fresh.addEdge(edge(e.from, e.to, e.weight, e.options));
    const visits: Visit[] = [];
    fresh.forEachRoute((_i, name, reachable, nexthop, via, distance, indirect, prevedge, opts) => {
      const prev = prevedge === null ? null : `${prevedge.from}>${prevedge.to}`;
      visits.push([name, reachable, nexthop, via, distance, indirect, prev, opts]);
    }, { weightTieBreak });
    const table = fresh.computeRoutes({ weightTieBreak });
    return { visits, routes: summary(table), mst: mstPairs(table) };
  };
  const pairs = (tree: readonly { from: string; to: string }[]) =>
    tree.map((e) => (e.from < e.to ? `${e.from}-${e.to}` : `${e.to}-${e.from}`)).sort();

  test("one or many names at a time, with a search after each change, agree with a fresh build", () => {
    // A pool of names larger than the graph ever holds at once, so that deleted names return and
    // freed slots are reused by other names.
    const pool = Array.from({ length: 40 }, (_, i) => `n${String((i * 17) % 40).padStart(2, "0")}`);
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(6), fc.nat(), fc.nat()), { minLength: 10, maxLength: 60 }),
        fc.boolean(),
        (ops, weightTieBreak) => {
          const me = pool[0]!;
          const g = new MeshGraph<NodeBox, EdgeBox>(me);
          const boxes = new Map<string, NodeBox>();
          const create = (name: string) => {
            const box = { name };
            boxes.set(name, box);
            g.tagNode(name, box);
          };
          const addLink = (a: string, b: string, w: number) => {
            if (a === b) return;
            g.addEdge(untagged(a, b, w, w % 5 === 0 ? INDIRECT : 0));
            g.addEdge(untagged(b, a, w + 1));
          };
          for (const [kind, a, b] of ops) {
            const known = g.nodes();
            const some = known[a % known.length]!;
            if (kind === 0) {
              // The engine's pattern: a new name, then its links.
              const name = pool[a % pool.length]!;
              if (!g.hasNode(name)) create(name);
              addLink(name, some === name ? me : some, b % 9);
            } else if (kind === 1) {
              // A burst of new names before the next search (the merge path of the name order).
              for (let k = 0; k < 1 + (b % 24); k++) {
                const name = pool[(a + k * 7) % pool.length]!;
                if (k % 3 === 0) g.ensureNode(name);
                else create(name);
                if (k % 2 === 0) addLink(name, known[(b + k) % known.length]!, (a + k) % 7);
              }
            } else if (kind === 2) {
              if (g.deleteNode(some)) boxes.delete(some);
            } else if (kind === 3) {
              // Several deletions before the next search.
              for (let k = 0; k < 1 + (b % 20); k++) {
                const victim = known[(a + k * 3) % known.length]!;
                if (g.deleteNode(victim)) boxes.delete(victim);
              }
            } else if (kind === 4) {
              addLink(some, known[b % known.length]!, (a + b) % 6);
            } else if (kind === 5) {
              const edges = g.edgesByWeight();
              if (edges.length > 0) {
                const e = edges[b % edges.length]!;
                g.deleteEdge(e.from, e.to);
              }
            } else {
              const edges = g.edgesByWeight();
              if (edges.length > 0) {
                const e = edges[b % edges.length]!;
                g.updateEdge(untagged(e.from, e.to, a % 4, a % 3 === 0 ? INDIRECT : 0));
              }
            }
            const want = freshResult(g, weightTieBreak);
            // Alternate the ways of reading routes, so that each runs right after a change.
            if (b % 3 === 0) {
              const got: Visit[] = [];
              g.forEachRouteTagged(
                (nodeTag, name, reachable, nexthopTag, viaTag, distance, indirect, prev, o) => {
                  expect(nodeTag).toBe(boxes.get(name));
                  const w = want.visits[got.length]!;
                  // An untagged nexthop or via reads undefined: take its name from the oracle then.
                  const nexthop = nexthopTag?.name ?? (w[2] !== null && !boxes.has(w[2]) ? w[2] : null);
                  const via = viaTag?.name ?? (w[3] !== null && !boxes.has(w[3]) ? w[3] : null);
                  const prevName = prev === null ? null : `${prev.from}>${prev.to}`;
                  got.push([name, reachable, nexthop, via, distance, indirect, prevName, o]);
                },
                { weightTieBreak },
              );
              expect(got).toEqual(want.visits);
              expect(pairs(g.broadcastTree())).toEqual(want.mst);
            } else if (b % 3 === 1) {
              expect(untaggedVisits(g, weightTieBreak)).toEqual(want.visits);
              expect(pairs(g.broadcastTree())).toEqual(want.mst);
            } else {
              const table = g.computeRoutes({ weightTieBreak });
              expect(summary(table)).toEqual(want.routes);
              expect(mstPairs(table)).toEqual(want.mst);
            }
          }
          // And the rules themselves, written without the module's code.
          const names = [...g.nodes()];
          const plain = g.edgesByWeight().map((e) => ({
            from: e.from,
            to: e.to,
            weight: e.weight,
            options: e.options,
          }));
          const rules = ruleRoutes(me, names, plain);
          for (const r of g.computeRoutes().routes) expect(r.nexthop ?? "").toBe(rules.get(r.name)!.nexthop);
        },
      ),
      { numRuns: 150 },
    );
  });

  test("a graph learning 400 names one at a time, then losing them, keeps fresh-build routes", () => {
    const names = Array.from({ length: 400 }, (_, i) => `m${(i * 151) % 400}`);
    const g = new MeshGraph<NodeBox, EdgeBox>(names[0]!);
    for (const [i, name] of names.entries()) {
      if (i === 0) continue;
      g.tagNode(name, { name });
      g.addEdge(untagged(name, names[(i * 7) % i]!, 1 + (i % 5)));
      g.addEdge(untagged(names[(i * 7) % i]!, name, 1 + (i % 3)));
      if (i % 40 === 0) expect(untaggedVisits(g, true)).toEqual(freshResult(g, true).visits);
      else g.forEachRouteTagged(() => {});
    }
    expect(untaggedVisits(g, true)).toEqual(freshResult(g, true).visits);
    // Deleting every third node cuts the tree; names come back under other slots.
    for (const [i, name] of names.entries()) {
      if (i % 3 === 1) g.deleteNode(name);
      if (i % 40 === 0) expect(untaggedVisits(g, true)).toEqual(freshResult(g, true).visits);
      else g.forEachRouteTagged(() => {});
    }
    for (const [i, name] of names.entries()) {
      if (i % 3 !== 1) continue;
      g.tagNode(name, { name });
      g.addEdge(untagged(name, names[0]!, 2));
      g.addEdge(untagged(names[0]!, name, 2));
      if (i % 40 === 1) expect(untaggedVisits(g, true)).toEqual(freshResult(g, true).visits);
      else g.forEachRouteTagged(() => {});
    }
    const want = freshResult(g, true);
    expect(untaggedVisits(g, true)).toEqual(want.visits);
    expect(want.visits.every((v) => v[1])).toBe(true);
    expect(mstPairs(g.computeRoutes())).toEqual(want.mst);
  });
});

// ---------------------------------------------------------------------------------------------
// Real tincd 1.0.36 results. Eight tincd 1.0.36 daemons on 127.0.0.1 (DeviceType = dummy), linked
// n1-n2-n3-n4-n5-n6-n7-n8-n1 plus n1-n5, n2-n6, n3-n7, with IndirectData = yes on n3 and n6; the
// weights are the ones tincd measured. After convergence each daemon dumped its edges and nodes
// (SIGUSR2: "nexthop", "via", reachable status bit 0x10) and connections (SIGUSR1: the mst status
// bit 0x100). Scenario B is the same mesh after n4 and n8 were stopped. Edges read
// "from to options(hex) weight"; routes read "node nexthop via", or "node -" when unreachable.

interface TincdDump {
  edges: string[];
  views: Record<string, { routes: string[]; mst: string[]; connections: string[] }>;
}

const TINCD_MESH: TincdDump = {
  edges: [
    "n1 n2 c 2",
    "n1 n5 c 2",
    "n1 n8 c 2",
    "n2 n1 c 2",
    "n2 n3 d 6",
    "n2 n6 d 3",
    "n3 n2 d 6",
    "n3 n4 d 5",
    "n3 n7 d 5",
    "n4 n3 d 5",
    "n4 n5 c 5",
    "n5 n1 c 2",
    "n5 n4 c 5",
    "n5 n6 d 1",
    "n6 n2 d 3",
    "n6 n5 d 1",
    "n6 n7 d 4",
    "n7 n3 d 5",
    "n7 n6 d 4",
    "n7 n8 c 2",
    "n8 n1 c 2",
    "n8 n7 c 2",
  ],
  views: {
    n1: {
      routes: [
        "n1 n1 n1",
        "n2 n2 n2",
        "n3 n2 n2",
        "n4 n5 n4",
        "n5 n5 n5",
        "n6 n2 n2",
        "n7 n8 n7",
        "n8 n8 n8",
      ],
      mst: ["n8", "n2", "n5"],
      connections: ["n8", "n2", "n5"],
    },
    n2: {
      routes: [
        "n1 n1 n1",
        "n2 n2 n2",
        "n3 n3 n2",
        "n4 n3 n4",
        "n5 n1 n5",
        "n6 n6 n2",
        "n7 n3 n7",
        "n8 n1 n8",
      ],
      mst: ["n1"],
      connections: ["n3", "n6", "n1"],
    },
    n4: {
      routes: [
        "n1 n5 n1",
        "n2 n3 n2",
        "n3 n3 n4",
        "n4 n4 n4",
        "n5 n5 n5",
        "n6 n5 n5",
        "n7 n3 n7",
        "n8 n3 n8",
      ],
      mst: ["n3"],
      connections: ["n5", "n3"],
    },
    n5: {
      routes: [
        "n1 n1 n1",
        "n2 n1 n2",
        "n3 n4 n4",
        "n4 n4 n4",
        "n5 n5 n5",
        "n6 n6 n5",
        "n7 n6 n7",
        "n8 n1 n8",
      ],
      mst: ["n1", "n6"],
      connections: ["n4", "n1", "n6"],
    },
    n6: {
      routes: [
        "n1 n2 n6",
        "n2 n2 n6",
        "n3 n2 n6",
        "n4 n5 n6",
        "n5 n5 n6",
        "n6 n6 n6",
        "n7 n7 n6",
        "n8 n7 n6",
      ],
      mst: ["n5"],
      connections: ["n2", "n7", "n5"],
    },
    n7: {
      routes: [
        "n1 n8 n1",
        "n2 n3 n2",
        "n3 n3 n7",
        "n4 n3 n4",
        "n5 n6 n5",
        "n6 n6 n7",
        "n7 n7 n7",
        "n8 n8 n8",
      ],
      mst: ["n8", "n3"],
      connections: ["n6", "n8", "n3"],
    },
    n8: {
      routes: [
        "n1 n1 n1",
        "n2 n1 n2",
        "n3 n7 n7",
        "n4 n1 n4",
        "n5 n1 n5",
        "n6 n7 n7",
        "n7 n7 n7",
        "n8 n8 n8",
      ],
      mst: ["n1", "n7"],
      connections: ["n1", "n7"],
    },
  },
};

const TINCD_PARTITIONED: TincdDump = {
  edges: [
    "n1 n2 c 2",
    "n1 n5 c 2",
    "n2 n1 c 2",
    "n2 n3 d 6",
    "n2 n6 d 3",
    "n3 n2 d 6",
    "n3 n7 d 5",
    "n5 n1 c 2",
    "n5 n6 d 1",
    "n6 n2 d 3",
    "n6 n5 d 1",
    "n6 n7 d 4",
    "n7 n3 d 5",
    "n7 n6 d 4",
  ],
  views: {
    n1: {
      routes: ["n1 n1 n1", "n2 n2 n2", "n3 n2 n2", "n4 -", "n5 n5 n5", "n6 n2 n2", "n7 n2 n2", "n8 -"],
      mst: ["n2", "n5"],
      connections: ["n2", "n5"],
    },
    n2: {
      routes: ["n1 n1 n1", "n2 n2 n2", "n3 n3 n2", "n4 -", "n5 n1 n5", "n6 n6 n2", "n7 n3 n2", "n8 -"],
      mst: ["n1"],
      connections: ["n3", "n6", "n1"],
    },
    n5: {
      routes: ["n1 n1 n1", "n2 n1 n2", "n3 n1 n2", "n4 -", "n5 n5 n5", "n6 n6 n5", "n7 n6 n5", "n8 -"],
      mst: ["n1", "n6"],
      connections: ["n1", "n6"],
    },
    n6: {
      routes: ["n1 n2 n6", "n2 n2 n6", "n3 n2 n6", "n4 -", "n5 n5 n6", "n6 n6 n6", "n7 n7 n6", "n8 -"],
      mst: ["n7", "n5"],
      connections: ["n2", "n7", "n5"],
    },
    n7: {
      routes: ["n1 n3 n7", "n2 n3 n7", "n3 n3 n7", "n4 -", "n5 n6 n7", "n6 n6 n7", "n7 n7 n7", "n8 -"],
      mst: ["n6", "n3"],
      connections: ["n6", "n3"],
    },
  },
};

describe("agreement with tincd 1.0.36's own dumps", () => {
  for (
    const [title, dump] of [["full mesh", TINCD_MESH], ["after a partition", TINCD_PARTITIONED]] as const
  ) {
    test(`${title}: routes (without the 1.1 tie rule) and broadcast-tree connections`, () => {
      for (const [me, view] of Object.entries(dump.views)) {
        const g = new MeshGraph(me);
        for (const line of dump.edges) {
          const [from, to, options, weight] = line.split(" ");
          g.addEdge(edge(from!, to!, Number(weight), Number.parseInt(options!, 16)));
        }
        const routes = g.computeRoutes({ weightTieBreak: false });
        for (const want of view.routes) {
          const name = want.split(" ")[0]!;
          const r = routes.route(name);
          expect(r?.reachable ? `${name} ${r.nexthop} ${r.via}` : `${name} -`).toBe(want);
        }
        // The tree does not depend on the tie rule.
        for (const table of [routes, g.computeRoutes()]) {
          const inTree = view.connections.filter((peer) => table.isMstEdge(me, peer)).sort();
          expect(inTree).toEqual([...view.mst].sort());
        }
      }
    });
  }
});
