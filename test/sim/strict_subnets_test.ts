// StrictSubnets and TunnelServer on a simulated network: a node with either takes every
// node's subnets from its own hosts/ files, never from the network.
//
//   StrictSubnets:   a ── b ── c        b: StrictSubnets = yes; its hosts/c lists only one of
//                                          c's two subnets; its hosts/d (never started) one
//   TunnelServer:    l1 ── h ── l2      h: TunnelServer = yes, Subnet 10.99.0.0/16 covers the
//                    │                     leaves; its hosts/l2 lists one of l2's two subnets
//                    x                     x is linked to l1 only: the hub takes l1's news
//                                          about the l1–x link (it involves the sender), none
//                                          about x's subnets (x tells them, not l1)
import { describe, expect, test } from "bun:test";
import { type EngineConfig, type HostConfig, withDefaults } from "../../src/core/node/config.ts";
import type { Subnet } from "../../src/core/subnet/subnet.ts";
import { parseSubnet } from "../../src/core/subnet/subnet_text.ts";
import { frameInto, tagOf } from "./frames.ts";
import { type ScriptRun, Simulator } from "./sim.ts";

function subnet(text: string): Subnet {
  const r = parseSubnet(text);
  if (!r.ok) throw new Error(r.reason);
  return r.value;
}

const ADDRESS = new Map([["a", 1], ["b", 2], ["c", 3], ["d", 4], ["h", 10], ["l1", 11], ["l2", 12], [
  "x",
  13,
]]);

function host(name: string, subnets: string[]): HostConfig {
  return { addresses: [{ host: `10.0.0.${ADDRESS.get(name)}`, port: 655 }], subnets: subnets.map(subnet) };
}

function config(
  name: string,
  hosts: Record<string, string[]>,
  connectTo: string[],
  extra: Partial<EngineConfig> = {},
) {
  return withDefaults({
    ...extra,
    name,
    netname: "sim",
    device: "/dev/net/tun",
    iface: "tun0",
    hosts: new Map(Object.entries(hosts).map(([n, s]) => [n, host(n, s)])),
    connectTo,
  });
}

function subnetsOf(sim: Simulator, name: string): string[] {
  return sim.nodes.get(name)!.engine.view().subnets.map((s) => `${s.owner} ${s.subnet}`).sort();
}

function nodesOf(sim: Simulator, name: string): string[] {
  return sim.nodes.get(name)!.engine.view().nodes.map((n) =>
    `${n.name}${n.reachable ? "" : " (unreachable)"}`
  );
}

function subnetScripts(runs: ScriptRun[]): string[] {
  return runs.filter((r) => r.name.startsWith("subnet-")).map((r) =>
    `${r.name} ${r.env.NODE} ${r.env.SUBNET}`
  )
    .sort();
}

/** Sends a tagged frame from `from`'s device into `dst` and returns the nodes whose device got it. */
function deliver(sim: Simulator, from: string, dst: string, tag: number): string[] {
  sim.tunFrame(from, frameInto(subnet(dst), tag));
  sim.runUntil(sim.now + 2000);
  return [...sim.nodes.values()].filter((n) => n.name !== from && n.tun.some((f) => tagOf(f) === tag))
    .map((n) => n.name);
}

describe("StrictSubnets", () => {
  const truth = {
    a: ["10.1.0.0/16"],
    b: ["10.2.0.0/16"],
    c: ["10.3.0.0/16", "10.33.0.0/16"],
    d: ["10.4.0.0/16"],
  };
  const strictHosts = { ...truth, c: ["10.3.0.0/16"] };
  const build = (): Simulator => {
    const sim = new Simulator({ seed: 5, latency: 5, tick: 1, logLevel: 0 });
    sim.addNode(config("a", truth, ["b"]), host("a", []).addresses[0]!);
    sim.addNode(config("b", strictHosts, [], { strictSubnets: true }), host("b", []).addresses[0]!);
    sim.addNode(config("c", truth, ["b"]), host("c", []).addresses[0]!);
    for (const n of ["a", "b", "c"]) sim.start(n);
    expect(sim.runUntilSettled(3000, 60_000)).toBe(true);
    return sim;
  };

  test("the strict node holds the subnets of its hosts files only, and says what it ignored", () => {
    const sim = build();
    expect(subnetsOf(sim, "b")).toEqual([
      "a 10.1.0.0/16#10",
      "b 10.2.0.0/16#10",
      "c 10.3.0.0/16#10",
      "d 10.4.0.0/16#10",
    ]);
    expect(nodesOf(sim, "b")).toEqual(["a", "b", "c", "d (unreachable)"]);
    // subnet-up for what it holds of reachable nodes, once; nothing for c's other subnet or for d.
    expect(subnetScripts(sim.nodes.get("b")!.scripts)).toEqual([
      "subnet-up a 10.1.0.0/16",
      "subnet-up b 10.2.0.0/16",
      "subnet-up c 10.3.0.0/16",
    ]);
    expect(sim.nodes.get("b")!.logs.some((l) => l.includes("Ignoring unauthorized ADD_SUBNET"))).toBe(true);
    // It still forwards what it refuses, and its send_everything carries what its files say
    // (d's subnet included, unreachable leftovers are part of it): a, not strict, has it all.
    expect(subnetsOf(sim, "a")).toEqual([
      "a 10.1.0.0/16#10",
      "b 10.2.0.0/16#10",
      "c 10.3.0.0/16#10",
      "c 10.33.0.0/16#10",
      "d 10.4.0.0/16#10",
    ]);
  });

  test("it routes to the subnet its files give c, not to the one c claims", () => {
    const sim = build();
    expect(deliver(sim, "b", "10.3.0.0/16", 7001)).toEqual(["c"]);
    expect(deliver(sim, "b", "10.33.0.0/16", 7002)).toEqual([]);
  });

  test("reload follows the hosts files: subnets gone are announced gone, new ones announced", () => {
    const sim = build();
    const b = sim.nodes.get("b")!;
    const since = sim.now;
    // d (unreachable) moves to another subnet; c gains its second one, which drops and redoes
    // the connection to c (its hosts entry changed), as tinc does.
    const next = config("b", { ...truth, d: ["10.44.0.0/16"] }, [], { strictSubnets: true });
    sim.schedule(sim.now, b, (e, now) => e.onConfigReload(now, next));
    expect(sim.runUntilSettled(3000, sim.now + 60_000)).toBe(true);
    expect(subnetsOf(sim, "b")).toEqual([
      "a 10.1.0.0/16#10",
      "b 10.2.0.0/16#10",
      "c 10.3.0.0/16#10",
      "c 10.33.0.0/16#10",
      "d 10.44.0.0/16#10",
    ]);
    expect(subnetsOf(sim, "a")).toEqual([
      "a 10.1.0.0/16#10",
      "b 10.2.0.0/16#10",
      "c 10.3.0.0/16#10",
      "c 10.33.0.0/16#10",
      "d 10.44.0.0/16#10",
    ]);
    expect(subnetScripts(b.scripts.filter((r) => r.time >= since))).toEqual([
      "subnet-down c 10.3.0.0/16",
      "subnet-up c 10.3.0.0/16",
      "subnet-up c 10.33.0.0/16",
    ]);
    expect(deliver(sim, "b", "10.33.0.0/16", 7003)).toEqual(["c"]);
  });
});

describe("TunnelServer", () => {
  const truth = {
    h: ["10.99.0.0/16"],
    l1: ["10.99.1.0/24"],
    l2: ["10.99.2.0/24", "10.99.22.0/24"],
    x: ["10.99.9.0/24"],
  };
  const build = (): Simulator => {
    const sim = new Simulator({ seed: 8, latency: 5, tick: 1, logLevel: 0 });
    const hubHosts = { ...truth, l2: ["10.99.2.0/24"] };
    sim.addNode(config("h", hubHosts, [], { tunnelServer: true }), host("h", []).addresses[0]!);
    sim.addNode(config("l1", truth, ["h"]), host("l1", []).addresses[0]!);
    sim.addNode(config("l2", truth, ["h"]), host("l2", []).addresses[0]!);
    sim.addNode(config("x", truth, ["l1"]), host("x", []).addresses[0]!);
    for (const n of ["h", "l1", "l2", "x"]) sim.start(n);
    expect(sim.runUntilSettled(3000, 60_000)).toBe(true);
    return sim;
  };

  test("the hub takes from each leaf only what concerns the leaf, and tells a leaf only about itself", () => {
    const sim = build();
    expect(nodesOf(sim, "h")).toEqual(["h", "l1", "l2", "x"]);
    const hubEdges = sim.nodes.get("h")!.engine.view().edges.map((e) => `${e.from}>${e.to}`);
    // Both directions of l1–x involve the sender l1; the leaves' edges to each other would not.
    expect(hubEdges).toEqual(["h>l1", "h>l2", "l1>h", "l1>x", "l2>h", "x>l1"]);
    expect(subnetsOf(sim, "h")).toEqual([
      "h 10.99.0.0/16#10",
      "l1 10.99.1.0/24#10",
      "l2 10.99.2.0/24#10",
      "x 10.99.9.0/24#10",
    ]);
    expect(sim.nodes.get("h")!.logs.some((l) => l.includes("Ignoring unauthorized ADD_SUBNET"))).toBe(true);
    // Leaves learn the hub and themselves; l1 also learns x through its own link.
    expect(nodesOf(sim, "l2")).toEqual(["h", "l2"]);
    expect(subnetsOf(sim, "l2")).toEqual(["h 10.99.0.0/16#10", "l2 10.99.2.0/24#10", "l2 10.99.22.0/24#10"]);
    expect(nodesOf(sim, "l1")).toEqual(["h", "l1", "x"]);
  });

  test("leaf to leaf goes through the hub's table, never a leaf's claim", () => {
    const sim = build();
    expect(deliver(sim, "l2", "10.99.1.0/24", 8001)).toEqual(["l1"]);
    expect(deliver(sim, "l1", "10.99.2.0/24", 8002)).toEqual(["l2"]);
    // l2's second subnet is not in the hub's files: the hub's own /16 is the longest match.
    expect(deliver(sim, "l1", "10.99.22.0/24", 8003)).toEqual(["h"]);
    // x's subnet is in the hub's files (x itself could not tell the hub): routed on through l1.
    expect(deliver(sim, "l2", "10.99.9.0/24", 8004)).toEqual(["x"]);
  });
});
