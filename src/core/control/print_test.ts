import { describe, expect, test } from "bun:test";
import type { EdgeDump, NodeDump } from "./dump_lines.ts";
import { NodeStatus } from "./dump_lines.ts";
import {
  graphColor,
  infoKind,
  printConnection,
  printEdge,
  printGraph,
  printNode,
  printNodeInfo,
  printSubnet,
  printSubnetInfo,
  stripDefaultWeight,
} from "./print.ts";

function node(name: string, over: Partial<NodeDump> = {}): NodeDump {
  return {
    name,
    id: "000000000000",
    host: "10.0.0.1",
    port: "655",
    cipher: 0,
    digest: 0,
    maclength: 0,
    compression: 0,
    options: 0,
    status: NodeStatus.reachable | NodeStatus.validkey,
    nexthop: name,
    via: name,
    distance: 1,
    pmtu: 1518,
    minmtu: 0,
    maxmtu: 1518,
    lastStateChange: 0,
    udpPingRtt: -1,
    inPackets: 0,
    inBytes: 0,
    outPackets: 0,
    outBytes: 0,
    ...over,
  };
}

function edge(from: string, to: string, weight: number): EdgeDump {
  return {
    from,
    to,
    host: "10.0.0.9",
    port: "655",
    localHost: "unspec",
    localPort: "unspec",
    options: 0xc,
    weight,
  };
}

describe("printed dump lines", () => {
  test("node line as tinc prints it, with and without rtt", () => {
    const n = node("beta", { status: 0x12, options: 0x700000c, udpPingRtt: 1234, inPackets: 3, outBytes: 9 });
    expect(printNode(n)).toBe(
      "beta id 000000000000 at 10.0.0.1 port 655 cipher 0 digest 0 maclength 0 compression 0 options 700000c " +
        "status 0012 nexthop beta via beta distance 1 pmtu 1518 (min 0 max 1518) rx 3 0 tx 0 9 rtt 1.234",
    );
    expect(printNode(node("a", { udpPingRtt: 5 }))).toEndWith(" rtt 0.005");
    expect(printNode(node("a"))).toEndWith("tx 0 0");
    expect(printNode(node("a", { host: "MYSELF", status: 0x1812 }))).toContain("at MYSELF port 655 ");
    expect(printNode(node("a", { status: 0x1812 }))).toContain(" status 1812 ");
  });

  test("edge, subnet and connection lines", () => {
    expect(printEdge(edge("a", "b", 12))).toBe(
      "a to b at 10.0.0.9 port 655 local unspec port unspec options c weight 12",
    );
    expect(stripDefaultWeight("10.0.0.0/8#10")).toBe("10.0.0.0/8");
    expect(stripDefaultWeight("10.0.0.0/8#100")).toBe("10.0.0.0/8#100");
    expect(stripDefaultWeight("10.0.0.0/8#5")).toBe("10.0.0.0/8#5");
    expect(printSubnet({ subnet: "10.1.0.0/16#10", owner: "a" })).toBe("10.1.0.0/16 owner a");
    expect(printSubnet({ subnet: "ff:ff:ff:ff:ff:ff", owner: "(broadcast)" })).toBe(
      "ff:ff:ff:ff:ff:ff owner (broadcast)",
    );
    expect(
      printConnection({ name: "b", host: "10.0.0.2", port: "655", options: 0xc, socket: 5, status: 0x102 }),
    )
      .toBe("b at 10.0.0.2 port 655 options c socket 5 status 102");
  });
});

describe("dump graph", () => {
  test("colours (spec §3.3)", () => {
    expect(graphColor(node("me", { host: "MYSELF" }))).toBe("green");
    expect(graphColor(node("x", { status: 0 }))).toBe("red");
    expect(graphColor(node("x", { via: "y" }))).toBe("orange");
    expect(graphColor(node("x", { status: NodeStatus.reachable }))).toBe("black");
    expect(graphColor(node("x", { minmtu: 1400 }))).toBe("green");
    expect(graphColor(node("x"))).toBe("black");
  });

  test("undirected: each pair once (FROM after TO), weights as float %f", () => {
    const out = printGraph(
      [node("a", { host: "MYSELF" }), node("b", { status: 0 })],
      [edge("a", "b", 10), edge("b", "a", 3)],
      false,
    );
    expect(out).toEqual([
      "graph {",
      ` "a" [label = "a", color = "green", style = "filled"];`,
      ` "b" [label = "b", color = "red"];`,
      ` "b" -- "a" [w = 21846.333984, weight = 21846.333984];`,
      "}",
    ]);
  });

  test("directed: every edge; weight 0 prints inf", () => {
    const out = printGraph([], [edge("a", "b", 10), edge("b", "a", 0)], true);
    expect(out).toEqual([
      "digraph {",
      ` "a" -> "b" [w = 6554.600098, weight = 6554.600098];`,
      ` "b" -> "a" [w = inf, weight = inf];`,
      "}",
    ]);
  });
});

describe("info", () => {
  const nodes = [
    node("alpha", { host: "MYSELF", nexthop: "alpha", via: "alpha", distance: 0 }),
    node("beta", { minmtu: 1400, pmtu: 1400, options: 0x700000c, lastStateChange: 100 }),
    node("gamma", { via: "beta", nexthop: "beta" }),
    node("delta", { status: 0 }),
    node("eps", { nexthop: "beta" }),
  ];
  const edges = [edge("alpha", "beta", 10), edge("beta", "alpha", 10), edge("beta", "gamma", 10)];
  const subnets = [
    { subnet: "10.1.0.0/16", owner: "beta" },
    { subnet: "10.1.2.3#10", owner: "beta" },
    { subnet: "10.2.0.0/16#5", owner: "gamma" },
    { subnet: "fd00::/64", owner: "gamma" },
    { subnet: "02:00:00:00:00:01", owner: "alpha" },
  ];
  const fmt = (t: number) => `T${t}`;

  test("which kind of item", () => {
    expect(infoKind("beta")).toBe("node");
    expect(infoKind("10.1.0.0/16")).toBe("subnet");
    expect(infoKind("fd00::1")).toBe("subnet");
    expect(infoKind("bad-name")).toBe("invalid");
  });

  test("node summary", () => {
    const r = printNodeInfo("beta", nodes, edges, subnets, fmt, 17);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(
      [
        "Node:         beta",
        "Node ID:      000000000000",
        "Address:      10.0.0.1 port 655",
        "Online since: T100",
        "Status:       validkey reachable",
        "Options:      pmtu_discovery clamp_mss",
        "Protocol:     17.7",
        "Reachability: directly with UDP",
        "PMTU:         1400",
        "Edges:        alpha gamma",
        "Subnets:      10.1.0.0/16 10.1.2.3",
        "",
      ].join("\n"),
    );
  });

  test("reachability wording", () => {
    const reach = (name: string) =>
      printNodeInfo(name, nodes, edges, subnets, fmt, 17).stdout.split("\n").find((l) =>
        l.startsWith("Reach")
      );
    expect(reach("alpha")).toBe("Reachability: can reach itself");
    expect(reach("gamma")).toBe("Reachability: indirectly via beta");
    expect(reach("delta")).toBe("Reachability: unreachable");
    expect(reach("eps")).toBe("Reachability: none, forwarded via beta");
    expect(printNodeInfo("delta", nodes, edges, subnets, fmt, 17).stdout).toContain("Last seen:    never\n");
    expect(printNodeInfo("zeta", nodes, edges, subnets, fmt, 17)).toEqual({
      stdout: "",
      stderr: "Unknown node zeta.\n",
      code: 1,
    });
  });

  test("subnet and address lookups", () => {
    expect(printSubnetInfo("10.1.9.9", subnets).stdout).toBe("Subnet: 10.1.0.0/16\nOwner:  beta\n");
    expect(printSubnetInfo("10.1.2.3", subnets).stdout).toBe(
      "Subnet: 10.1.0.0/16\nOwner:  beta\nSubnet: 10.1.2.3\nOwner:  beta\n",
    );
    expect(printSubnetInfo("10.1.0.0/16", subnets).stdout).toBe("Subnet: 10.1.0.0/16\nOwner:  beta\n");
    expect(printSubnetInfo("10.2.0.0/16#5", subnets).stdout).toBe("Subnet: 10.2.0.0/16#5\nOwner:  gamma\n");
    expect(printSubnetInfo("10.2.0.0/16#7", subnets).code).toBe(1);
    expect(printSubnetInfo("fd00::5", subnets).stdout).toBe("Subnet: fd00::/64\nOwner:  gamma\n");
    expect(printSubnetInfo("02:00:00:00:00:01", subnets).stdout).toContain("Owner:  alpha");
    expect(printSubnetInfo("10.9.0.0/16", subnets)).toEqual({
      stdout: "",
      stderr: "Unknown subnet 10.9.0.0/16.\n",
      code: 1,
    });
    expect(printSubnetInfo("10.9.0.1", subnets).stderr).toBe("Unknown address 10.9.0.1.\n");
    expect(printSubnetInfo("10.300.0.1", subnets).stderr).toBe(
      "Could not parse subnet or address '10.300.0.1'.\n",
    );
  });
});
