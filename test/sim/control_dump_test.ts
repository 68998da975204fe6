// The control-socket dumps of a converged 12-node mesh agree with each engine's view and the
// oracle: every node listed once with its node ID, the reachable bit, next hop and via, edges
// and subnets as the view has them, one dump line per active meta connection; after a
// partition what a node can no longer reach loses the reachable bit and its next hop.
import { beforeAll, describe, expect, test } from "bun:test";
import { sha512 } from "@noble/hashes/sha2.js";
import { formatSubnet } from "../../src/core/subnet/subnet_text.ts";
import { NodeStatus } from "../../src/core/control/dump_lines.ts";
import { formatNodeLine, parseNodeLine } from "../../src/core/control/dump_lines.ts";
import { buildSim, linkWeights, type MeshSpec, neighbours, oracleNexthops, randomMesh } from "./mesh.ts";
import type { Simulator } from "./sim.ts";

let spec: MeshSpec;
let sim: Simulator;

function nodeId(name: string): string {
  return Array.from(
    sha512(new TextEncoder().encode(name)).slice(0, 6),
    (b) => b.toString(16).padStart(2, "0"),
  )
    .join("");
}

beforeAll(() => {
  spec = randomMesh(12, 6, 424242);
  sim = buildSim(spec, { sim: { seed: 7 }, startSpread: 500 });
  expect(sim.runUntilSettled(3000, 120_000)).toBe(true);
});

describe("control dumps", () => {
  test("agree with the view and the oracle", () => {
    const names = [...spec.names].sort();
    const adj = neighbours(spec);
    for (const name of names) {
      const engine = sim.nodes.get(name)!.engine;
      const d = engine.controlDumps();
      const v = engine.view();
      const hops = oracleNexthops(adj, name, linkWeights(spec));
      expect(d.nodes.map((n) => n.name)).toEqual(names);
      for (const n of d.nodes) {
        expect(n.id).toBe(nodeId(n.name));
        expect(n.status & NodeStatus.reachable).toBe(NodeStatus.reachable);
        expect(parseNodeLine(formatNodeLine(n))).toEqual(n);
        if (n.name === name) {
          expect(n).toMatchObject({ host: "MYSELF", port: "655", nexthop: name, via: name, distance: 0 });
        } else {
          expect(n.nexthop).toBe(hops.get(n.name)!);
          expect(n.via).toBe(n.name);
          expect(n.distance).toBeGreaterThan(0);
        }
      }
      expect(
        d.edges.map((e) => ({
          from: e.from,
          to: e.to,
          address: e.host,
          port: e.port,
          options: e.options,
          weight: e.weight,
        })),
      )
        .toEqual(v.edges);
      expect(d.edges.every((e) => e.localHost === "unspec" && e.localPort === "unspec")).toBe(true);
      const subnets = names.flatMap((n) => spec.subnets.get(n)!.map((s) => `${formatSubnet(s, "1.1")} ${n}`));
      expect(d.subnets.map((s) => `${s.subnet} ${s.owner}`).sort()).toEqual(subnets.sort());
      const active = v.connections.filter((c) => c.phase === "active").length;
      expect(d.connections.filter((c) => (c.status & 2) !== 0).length).toBe(active);
      expect(d.connections.filter((c) => (c.status & 0x100) !== 0).length).toBe(
        v.connections.filter((c) => c.mst).length,
      );
      expect(d.traffic.map((t) => t.name)).toEqual(names);
    }
  });

  test("a partition clears the reachable bit of what is cut off", () => {
    const names = [...spec.names].sort();
    const half = new Set(names.slice(0, 6));
    sim.partition((n) => (half.has(n) ? 0 : 1));
    // Held connections time out (PingTimeout) before the graph changes.
    sim.runUntil(sim.now + 200_000);
    const adj = neighbours(spec);
    // What each node can still reach: its component among links that stay on one side.
    const component = (from: string): Set<string> => {
      const seen = new Set([from]);
      const queue = [from];
      while (queue.length > 0) {
        const at = queue.shift()!;
        for (const next of adj.get(at)!) {
          if (half.has(next) !== half.has(at) || seen.has(next)) continue;
          seen.add(next);
          queue.push(next);
        }
      }
      return seen;
    };
    for (const name of names) {
      const d = sim.nodes.get(name)!.engine.controlDumps();
      const reach = component(name);
      for (const n of d.nodes) {
        expect({ name: n.name, reachable: (n.status & NodeStatus.reachable) !== 0 }).toEqual({
          name: n.name,
          reachable: reach.has(n.name),
        });
        if (!reach.has(n.name)) expect([n.nexthop, n.via]).toEqual(["-", "-"]);
      }
    }
  });
});
