/**
 * Builds random meshes for the simulator and the independent oracle the tests compare every
 * node's view against: the true topology, BFS next hops (neighbours in name order, as tinc's BFS
 * takes edges; with link weights, tinc 1.1's rule that among paths with the same hop count the
 * lower weighted distance wins) and a Kruskal minimum spanning tree over (weight, from, to).
 * @module
 */
import { type EngineConfig, type HostConfig, withDefaults } from "../../src/core/node/config.ts";
import type { Subnet } from "../../src/core/subnet/subnet.ts";
import { SeededRandom } from "./rng.ts";
import { type SimOptions, Simulator } from "./sim.ts";

export interface Link {
  /** The side with ConnectTo. */
  a: string;
  b: string;
  /** `Weight` a has configured for b, and b for a. */
  weightAB: number;
  weightBA: number;
}

export interface MeshSpec {
  names: string[];
  links: Link[];
  subnets: Map<string, Subnet[]>;
  ip: Map<string, string>;
}

export function nodeName(i: number): string {
  return `n${i.toString().padStart(4, "0")}`;
}

/** IPv4 /24 and IPv6 /64 subnets unique to node i (1–3 of them). */
function subnetsFor(i: number, count: number): Subnet[] {
  const out: Subnet[] = [];
  for (let k = 0; k < count; k++) {
    if (k === 1) {
      const a = new Uint8Array(16);
      a[0] = 0xfd;
      a[6] = i >> 8;
      a[7] = i & 255;
      out.push({ kind: "ipv6", address: a, prefix: 64, weight: 10 });
    } else {
      out.push({
        kind: "ipv4",
        address: Uint8Array.of(172, 16 + k * 8 + (i >> 8), i & 255, 0),
        prefix: 24,
        weight: 10,
      });
    }
  }
  return out;
}

/**
 * A random connected mesh: a random spanning tree plus `extra` random links, each dialled by
 * one side, with random configured weights.
 */
export function randomMesh(count: number, extra: number, seed: number, firstIndex = 0): MeshSpec {
  const rng = new SeededRandom(seed);
  const names = Array.from({ length: count }, (_, i) => nodeName(firstIndex + i));
  const links: Link[] = [];
  const have = new Set<string>();
  const addLink = (x: string, y: string): boolean => {
    if (x === y) return false;
    const key = x < y ? `${x} ${y}` : `${y} ${x}`;
    if (have.has(key)) return false;
    have.add(key);
    links.push({ a: x, b: y, weightAB: 1 + rng.int(100), weightBA: 1 + rng.int(100) });
    return true;
  };
  for (let i = 1; i < count; i++) addLink(names[i]!, names[rng.int(i)]!);
  for (let k = 0, tries = 0; k < extra && tries < extra * 20; tries++) {
    if (addLink(rng.pick(names), rng.pick(names))) k++;
  }
  const subnets = new Map<string, Subnet[]>();
  const ip = new Map<string, string>();
  names.forEach((n, i) => {
    const idx = firstIndex + i;
    subnets.set(n, subnetsFor(idx, 1 + rng.int(3)));
    ip.set(n, `10.${(idx >> 16) & 255}.${(idx >> 8) & 255}.${idx & 255}`);
  });
  return { names, links, subnets, ip };
}

/** Hosts view of one node: shared entries plus its own per-peer Weight overrides. */
class HostsOverlay implements ReadonlyMap<string, HostConfig> {
  constructor(private shared: ReadonlyMap<string, HostConfig>, private own: Map<string, HostConfig>) {}
  get(key: string): HostConfig | undefined {
    return this.own.get(key) ?? this.shared.get(key);
  }
  has(key: string): boolean {
    return this.own.has(key) || this.shared.has(key);
  }
  get size(): number {
    return this.shared.size;
  }
  forEach(cb: (value: HostConfig, key: string, map: ReadonlyMap<string, HostConfig>) => void): void {
    for (const [k, v] of this.entries()) cb(v, k, this);
  }
  *entries(): MapIterator<[string, HostConfig]> {
    for (const k of this.shared.keys()) yield [k, this.get(k)!];
  }
  keys(): MapIterator<string> {
    return this.shared.keys();
  }
  *values(): MapIterator<HostConfig> {
    for (const k of this.shared.keys()) yield this.get(k)!;
  }
  [Symbol.iterator](): MapIterator<[string, HostConfig]> {
    return this.entries();
  }
}

export interface BuildOptions {
  sim?: Partial<SimOptions>;
  config?: Partial<EngineConfig>;
  /** Hosts every node knows besides the mesh (e.g. an external test peer). */
  extraHosts?: Map<string, HostConfig>;
  /** Start times are spread over this many ms. */
  startSpread?: number;
}

/** Creates the simulator with one engine per node and starts them all. */
export function buildSim(spec: MeshSpec, opts: BuildOptions = {}): Simulator {
  const sim = new Simulator(opts.sim ?? {});
  const shared = new Map<string, HostConfig>();
  for (const n of spec.names) {
    shared.set(n, { addresses: [{ host: spec.ip.get(n)!, port: 655 }], subnets: spec.subnets.get(n)! });
  }
  for (const [n, h] of opts.extraHosts ?? []) shared.set(n, h);
  const own = new Map<string, Map<string, HostConfig>>(spec.names.map((n) => [n, new Map()]));
  const connectTo = new Map<string, string[]>(spec.names.map((n) => [n, []]));
  for (const l of spec.links) {
    own.get(l.a)!.set(l.b, { ...shared.get(l.b)!, weight: l.weightAB });
    own.get(l.b)!.set(l.a, { ...shared.get(l.a)!, weight: l.weightBA });
    connectTo.get(l.a)!.push(l.b);
  }
  for (const n of spec.names) {
    const config = withDefaults({
      ...opts.config,
      name: n,
      netname: "sim",
      device: "/dev/net/tun",
      iface: "tun0",
      hosts: new HostsOverlay(shared, own.get(n)!),
      connectTo: connectTo.get(n)!,
    });
    sim.addNode(config, { host: spec.ip.get(n)!, port: 655 });
  }
  const spread = opts.startSpread ?? 500;
  for (const n of spec.names) sim.start(n, sim.rng.int(spread + 1));
  return sim;
}

// ---- the oracle -----------------------------------------------------------------------------

export function neighbours(spec: MeshSpec): Map<string, string[]> {
  const adj = new Map<string, string[]>(spec.names.map((n) => [n, []]));
  for (const l of spec.links) {
    adj.get(l.a)!.push(l.b);
    adj.get(l.b)!.push(l.a);
  }
  for (const list of adj.values()) list.sort();
  return adj;
}

/**
 * BFS from `src` with neighbours in name order: next hop of every reachable node. Without
 * `weight` the first path found wins (tinc 1.0.36). With it, tinc 1.1's tie rule: a node already
 * found is taken over by a path with the same hop count and a strictly lower weighted distance,
 * and queued again so that the nodes behind it follow.
 */
export function oracleNexthops(
  adj: Map<string, string[]>,
  src: string,
  weight?: (a: string, b: string) => number,
): Map<string, string> {
  const hop = new Map<string, string>([[src, src]]);
  const hops = new Map<string, number>([[src, 0]]);
  const weighted = new Map<string, number>([[src, 0]]);
  const queue = [src];
  // Each re-queue lowers a weighted distance, so this ends; the bound only guards the test.
  for (let i = 0; i < queue.length && i < 100 * (adj.size + 1) ** 2; i++) {
    const n = queue[i]!;
    for (const x of adj.get(n) ?? []) {
      if (x === src) continue;
      const viaN = weighted.get(n)! + (weight?.(n, x) ?? 0);
      if (hop.has(x)) {
        if (weight === undefined || hops.get(x) !== hops.get(n)! + 1 || weighted.get(x)! <= viaN) continue;
      }
      hop.set(x, n === src ? x : hop.get(n)!);
      hops.set(x, hops.get(n)! + 1);
      weighted.set(x, viaN);
      queue.push(x);
    }
  }
  return hop;
}

/** The weight both directed edges of a link carry, by endpoint names (either order). */
export function linkWeights(spec: MeshSpec): (a: string, b: string) => number {
  const byPair = new Map<string, number>();
  for (const l of spec.links) byPair.set(l.a < l.b ? `${l.a} ${l.b}` : `${l.b} ${l.a}`, linkWeight(l));
  return (a, b) => byPair.get(a < b ? `${a} ${b}` : `${b} ${a}`) ?? Infinity;
}

export function linkWeight(l: Link): number {
  return Math.trunc((l.weightAB + l.weightBA) / 2);
}

/** Kruskal over (weight, lower name, higher name): the set of `a b` keys (a < b) in the tree. */
export function oracleMst(spec: MeshSpec, alive: (l: Link) => boolean = () => true): Set<string> {
  const edges = spec.links.filter(alive).map((l) => {
    const [x, y] = l.a < l.b ? [l.a, l.b] : [l.b, l.a];
    return { w: linkWeight(l), x, y };
  });
  edges.sort((p, q) => p.w - q.w || (p.x < q.x ? -1 : p.x > q.x ? 1 : p.y < q.y ? -1 : p.y > q.y ? 1 : 0));
  const parent = new Map<string, string>();
  const find = (n: string): string => {
    let r = n;
    while (parent.has(r)) r = parent.get(r)!;
    return r;
  };
  const tree = new Set<string>();
  for (const e of edges) {
    const rx = find(e.x);
    const ry = find(e.y);
    if (rx === ry) continue;
    parent.set(rx, ry);
    tree.add(`${e.x} ${e.y}`);
  }
  return tree;
}
