import { describe, expect, test } from "bun:test";
import { type BroadcastConnection, type BroadcastNode, broadcastTargets } from "./broadcast.ts";

const connections: BroadcastConnection[] = [
  { peer: "beta", active: true, mst: true },
  { peer: "gamma", active: true, mst: false },
  { peer: "delta", active: false, mst: true },
  { peer: "eps", active: true, mst: true },
];

const nodes: BroadcastNode[] = [
  { name: "alpha", reachable: true, via: "alpha", nexthop: "alpha" },
  { name: "beta", reachable: true, via: "beta", nexthop: "beta" },
  { name: "gamma", reachable: true, via: "beta", nexthop: "beta" },
  { name: "delta", reachable: false, via: "delta", nexthop: "delta" },
  { name: "eps", reachable: true, via: "alpha", nexthop: "eps" },
  { name: "zeta", reachable: true, via: "zeta", nexthop: "eps" },
];

function targets(mode: "no" | "mst" | "direct", from: string, fromNexthop: string, tunnelServer = false) {
  return broadcastTargets({ mode, tunnelServer, myself: "alpha", from, fromNexthop, connections, nodes });
}

describe("broadcast targets", () => {
  test("mst: active MST connections except the one toward the source", () => {
    expect(targets("mst", "alpha", "alpha")).toEqual(["beta", "eps"]);
    expect(targets("mst", "beta", "beta")).toEqual(["eps"]);
    expect(targets("mst", "zeta", "eps")).toEqual(["beta"]);
  });

  test("direct: only our own frames, only to directly reached nodes", () => {
    expect(targets("direct", "alpha", "alpha")).toEqual(["beta", "eps", "zeta"]);
    expect(targets("direct", "beta", "beta")).toEqual([]);
  });

  test("no, and TunnelServer: nowhere", () => {
    expect(targets("no", "alpha", "alpha")).toEqual([]);
    expect(targets("mst", "alpha", "alpha", true)).toEqual([]);
    expect(targets("direct", "alpha", "alpha", true)).toEqual([]);
  });

  test("appends to a caller-provided array", () => {
    const out = ["x"];
    expect(
      broadcastTargets({
        mode: "mst",
        tunnelServer: false,
        myself: "alpha",
        from: "alpha",
        fromNexthop: "alpha",
        connections,
        nodes,
      }, out),
    ).toBe(out);
    expect(out).toEqual(["x", "beta", "eps"]);
  });
});
