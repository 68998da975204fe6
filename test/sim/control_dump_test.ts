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
import { frameInto, tagOf } from "./frames.ts";
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

  test("traffic counters: frames in from the device and out toward the next hop, in at the far end", () => {
    const adj = neighbours(spec);
    const a = [...spec.names].sort().find((x) => adj.get(x)!.length > 0)!;
    const b = adj.get(a)![0]!;
    const traffic = (at: string, of: string) =>
      sim.nodes.get(at)!.engine.controlDumps().traffic.find((t) => t.name === of)!;
    const before = { aMe: traffic(a, a), aB: traffic(a, b), bA: traffic(b, a), bMe: traffic(b, b) };
    const frames = [0, 1, 2, 3, 4].map((i) => frameInto(spec.subnets.get(b)![0]!, 9000 + i));
    const got: number[] = [];
    sim.nodes.get(b)!.onTun = (f) => void got.push(tagOf(f));
    for (const f of frames) sim.schedule(sim.now, sim.nodes.get(a), (e, now) => e.onTunFrame(now, f));
    sim.runUntil(sim.now + 2000);
    delete sim.nodes.get(b)!.onTun;
    expect(got.sort()).toEqual([9000, 9001, 9002, 9003, 9004]);
    const bytes = frames.reduce((n, f) => n + f.length, 0);
    const delta = (
      now: { inPackets: number; inBytes: number; outPackets: number; outBytes: number },
      then: typeof now,
    ) => ({
      inPackets: now.inPackets - then.inPackets,
      inBytes: now.inBytes - then.inBytes,
      outPackets: now.outPackets - then.outPackets,
      outBytes: now.outBytes - then.outBytes,
    });
    // a: 5 frames read from its device (myself in), 5 sent toward b (b out).
    expect(delta(traffic(a, a), before.aMe)).toMatchObject({ inPackets: 5, inBytes: bytes });
    expect(delta(traffic(a, b), before.aB)).toMatchObject({ outPackets: 5, outBytes: bytes });
    // b: 5 received from a, 5 written to its device (myself out).
    expect(delta(traffic(b, a), before.bA)).toMatchObject({ inPackets: 5, inBytes: bytes });
    expect(delta(traffic(b, b), before.bMe)).toMatchObject({ outPackets: 5, outBytes: bytes });
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
