// tinc options checked for what they do (not how they parse), against tincd 1.0.36, mostly on
// a simulated line of three nodes:
//
//   a ── b ── c        a and c each ConnectTo b only; c's subnet is 10.3.0.0/16, and so on.
//
// IndirectData, TCPOnly, Broadcast, Forwarding, DirectOnly, DecrementTTL, DeviceType, Mode,
// MaxTimeout/MinTimeout, MACExpire, KeyExpire, per-peer Weight/ClampMSS/PMTU/PMTUDiscovery and
// TunnelServer's broadcasts. Frames carry a tag (frames.ts) and are followed hop by hop: UDP
// datagrams (`seqno ‖ frame` without packet crypto), PACKET lines on the meta connections, and
// writes to each node's device.
import { describe, expect, test } from "bun:test";
import { type EngineConfig, type HostConfig, withDefaults } from "../../src/core/node/config.ts";
import type { Subnet } from "../../src/core/subnet/subnet.ts";
import { parseSubnet } from "../../src/core/subnet/subnet_text.ts";
import { frameInto, ipv4Frame, tagOf } from "./frames.ts";
import { Simulator } from "./sim.ts";

function subnet(text: string): Subnet {
  const r = parseSubnet(text);
  if (!r.ok) throw new Error(r.reason);
  return r.value;
}

const INDEX: Record<string, number> = { a: 1, b: 2, c: 3 };

/** hosts/NAME for every node of the line; `extra` adds host variables (shared by all nodes, as
 * host files are). */
function hosts(extra: Record<string, Partial<HostConfig>> = {}): Map<string, HostConfig> {
  return new Map(
    Object.entries(INDEX).map(([name, i]) => [name, {
      addresses: [{ host: `10.0.0.${i}`, port: 655 }],
      subnets: [subnet(`10.${i}.0.0/16`)],
      ...extra[name],
    }]),
  );
}

interface LineSetup {
  hostVars?: Record<string, Partial<HostConfig>>;
  config?: Record<string, Partial<EngineConfig>>;
  /** Runs at 1 s, before c starts (at 2 s instead of 0). */
  beforeC?: (sim: Simulator) => void;
}

/** The trace being recorded; meta streams are observed from their first byte (an observer
 * that started mid-stream could take PACKET bytes for lines). */
let current: { tag: number; trace: Trace } | undefined;
/** Every meta line of each simulated line, as `from>to LINE`, with the time it was delivered. */
const metaLines = new WeakMap<Simulator, Array<{ at: number; text: string }>>();

/** The meta lines of `sim` from `since` on whose request code is `code`. */
function linesOf(sim: Simulator, code: number, since = 0): string[] {
  return metaLines.get(sim)!.filter((l) => l.at >= since && l.text.split(" ")[1] === String(code))
    .map((l) => l.text);
}

function line(setup: LineSetup = {}): Simulator {
  const sim = new Simulator({ seed: 11, latency: 5, jitter: 0, tick: 1, logLevel: 0 });
  const lines: Array<{ at: number; text: string }> = [];
  metaLines.set(sim, lines);
  sim.observe = {
    onLine: (src, dst, text) => {
      lines.push({ at: sim.now, text: `${src}>${dst} ${text}` });
    },
    onPacket: (src, dst, frame) => {
      if (current !== undefined && tagOf(frame) === current.tag) current.trace.tcp.push(`${src}>${dst}`);
    },
  };
  sim.onUdp = (src, dst, datagram) => {
    if (current !== undefined && tagOf(datagram.subarray(4)) === current.tag) {
      current.trace.udp.push(`${src}>${dst}`);
    }
  };
  const all = hosts(setup.hostVars);
  for (const name of Object.keys(INDEX)) {
    const config = withDefaults({
      ...setup.config?.[name],
      name,
      hosts: all,
      connectTo: name === "b" ? [] : ["b"],
    });
    sim.addNode(config, all.get(name)!.addresses[0]!);
  }
  const beforeC = setup.beforeC;
  for (const name of Object.keys(INDEX)) sim.start(name, name === "c" && beforeC !== undefined ? 2000 : 0);
  if (beforeC !== undefined) {
    sim.runUntil(1000);
    beforeC(sim);
  }
  expect(sim.runUntilSettled(3000, 60_000)).toBe(true);
  return sim;
}

/** Where one tagged frame went: UDP hops, PACKET hops, and the devices that got it. */
interface Trace {
  udp: string[];
  tcp: string[];
  device: string[];
}

function trace(sim: Simulator, from: string, to: string, tag: number): Trace {
  const frame = frameInto(subnet(`10.${INDEX[to]}.0.0/16`), tag);
  // The sender's own address as the source, so that ICMP answers find their way back.
  frame.set([10, INDEX[from]!, 0, 1], 26);
  return traceFrame(sim, from, frame);
}

/** Follows a frame built with a tag (frames.ts) from `from`'s device. */
function traceFrame(sim: Simulator, from: string, frame: Uint8Array): Trace {
  const tag = tagOf(frame);
  const t: Trace = { udp: [], tcp: [], device: [] };
  current = { tag, trace: t };
  const before = new Map([...sim.nodes].map(([name, n]) => [name, n.tun.length]));
  sim.tunFrame(from, frame);
  sim.runUntil(sim.now + 1000);
  for (const [name, n] of sim.nodes) {
    if (n.tun.slice(before.get(name)).some((f) => tagOf(f) === tag)) t.device.push(name);
  }
  current = undefined;
  return t;
}

/** Lets every pair that will talk exchange keys first (the first frames go over TCP meanwhile). */
function warmUp(sim: Simulator, pairs: Array<[string, string]>): void {
  let tag = 900_000;
  for (const [from, to] of pairs) trace(sim, from, to, tag++);
  sim.runUntil(sim.now + 2000);
}

/** Every ordered pair of the line. */
const BOTH_WAYS = "a>c c>a a>b b>a b>c c>b".split(" ").map((p) => p.split(">") as [string, string]);

describe("IndirectData and TCPOnly (graph.c via, send_packet)", () => {
  test("without either, a and c talk over UDP directly once keys are known", () => {
    const sim = line();
    warmUp(sim, BOTH_WAYS);
    expect(trace(sim, "a", "c", 1)).toEqual({ udp: ["a>c"], tcp: [], device: ["c"] });
    expect(trace(sim, "c", "a", 2)).toEqual({ udp: ["c>a"], tcp: [], device: ["a"] });
  });

  test("IndirectData = yes in hosts/c: a sends to c through b, still over UDP", () => {
    const sim = line({ hostVars: { c: { indirectData: true } } });
    warmUp(sim, BOTH_WAYS);
    expect(trace(sim, "a", "c", 3)).toEqual({ udp: ["a>b", "b>c"], tcp: [], device: ["c"] });
    // c's own option makes every edge of c indirect, in both directions: c reaches a through b.
    expect(trace(sim, "c", "a", 4)).toEqual({ udp: ["c>b", "b>a"], tcp: [], device: ["a"] });
    // b is c's neighbour: direct UDP.
    expect(trace(sim, "b", "c", 5)).toEqual({ udp: ["b>c"], tcp: [], device: ["c"] });
  });

  test("TCPOnly = yes in hosts/c: c's hop is TCP both ways; b forwards c's frames to a over UDP", () => {
    const sim = line({ hostVars: { c: { tcpOnly: true } } });
    warmUp(sim, BOTH_WAYS);
    expect(trace(sim, "a", "c", 6)).toEqual({ udp: ["a>b"], tcp: ["b>c"], device: ["c"] });
    // tincd's receive_tcppacket: a frame from a TCPOnly connection is an ordinary frame
    // (priority 0), not one that must stay on TCP (−1), so b sends it on to a over UDP.
    expect(trace(sim, "c", "a", 7)).toEqual({ udp: ["b>a"], tcp: ["c>b"], device: ["a"] });
    expect(trace(sim, "b", "c", 8)).toEqual({ udp: [], tcp: ["b>c"], device: ["c"] });
  });

  test("a frame that came over an ordinary meta connection stays on TCP (priority −1)", () => {
    const sim = line();
    warmUp(sim, [["b", "c"], ["c", "b"]]);
    // a has no key for c yet: the frame goes to c's nexthop b as PACKET, and b, though it could
    // use UDP to c, keeps it on TCP.
    expect(trace(sim, "a", "c", 9)).toEqual({ udp: [], tcp: ["a>b", "b>c"], device: ["c"] });
    sim.runUntil(sim.now + 2000);
    expect(trace(sim, "a", "c", 10)).toEqual({ udp: ["a>c"], tcp: [], device: ["c"] });
  });
});

describe("Broadcast (net_packet.c broadcast_packet)", () => {
  const everywhere = (tag: number): Uint8Array => ipv4Frame(new Uint8Array([255, 255, 255, 255]), tag);

  test("mst: along the tree, each node once; b passes a's broadcast on to c", () => {
    const sim = line({
      config: { a: { broadcast: "mst" }, b: { broadcast: "mst" }, c: { broadcast: "mst" } },
    });
    warmUp(sim, BOTH_WAYS);
    expect(traceFrame(sim, "a", everywhere(20))).toEqual({
      udp: ["a>b", "b>c"],
      tcp: [],
      device: ["b", "c"],
    });
  });

  test("no: a broadcast stays on the node that read it", () => {
    const sim = line({ config: { a: { broadcast: "no" }, b: { broadcast: "no" }, c: { broadcast: "no" } } });
    warmUp(sim, BOTH_WAYS);
    const a = sim.nodes.get("a")!;
    const before = a.tun.length;
    expect(traceFrame(sim, "a", everywhere(21))).toEqual({ udp: [], tcp: [], device: [] });
    // Not a broadcast any more, so routed as unicast: no subnet holds 255.255.255.255, and the
    // router answers ICMP net unknown (type 3, code 6), as tincd's route_ipv4 does.
    expect(a.tun.slice(before).map((f) => `${f[23]} ${f[34]}/${f[35]}`)).toEqual(["1 3/6"]);
    // Unicast is unaffected.
    expect(trace(sim, "a", "c", 22).device).toEqual(["c"]);
  });

  test("direct: a copy to every node reached directly (c too, over UDP), none forwarded", () => {
    const sim = line({
      config: { a: { broadcast: "direct" }, b: { broadcast: "direct" }, c: { broadcast: "direct" } },
    });
    warmUp(sim, BOTH_WAYS);
    expect(traceFrame(sim, "a", everywhere(23))).toEqual({
      udp: ["a>b", "a>c"],
      tcp: [],
      device: ["b", "c"],
    });
  });

  test("direct with IndirectData on c: c is reached through b, so it gets no copy", () => {
    const sim = line({
      hostVars: { c: { indirectData: true } },
      config: { a: { broadcast: "direct" }, b: { broadcast: "direct" }, c: { broadcast: "direct" } },
    });
    warmUp(sim, BOTH_WAYS);
    expect(traceFrame(sim, "a", everywhere(24))).toEqual({ udp: ["a>b"], tcp: [], device: ["b"] });
    // b has a meta connection to c: c gets b's broadcasts.
    expect(traceFrame(sim, "b", everywhere(25))).toEqual({
      udp: ["b>a", "b>c"],
      tcp: [],
      device: ["a", "c"],
    });
  });
});

/** `proto type/code` of each frame `name`'s device got since `since` (ICMP answers). */
function icmpSince(sim: Simulator, name: string, since: number): string[] {
  return sim.nodes.get(name)!.tun.slice(since).map((f) => `${f[23]} ${f[34]}/${f[35]}`);
}

describe("Forwarding, DirectOnly, DecrementTTL and DeviceType=tap reach the router (route.c)", () => {
  // With IndirectData on c, a's frames for c are handed to b, which must route them on.
  const relayed = { c: { indirectData: true } };

  test("Forwarding = off on b: b refuses a's frame for c with ICMP prohibited, still takes its own", () => {
    const sim = line({ hostVars: relayed, config: { b: { forwarding: "off" } } });
    warmUp(sim, [["a", "b"], ["b", "a"], ["b", "c"], ["c", "b"]]);
    const since = sim.nodes.get("a")!.tun.length;
    expect(trace(sim, "a", "c", 30)).toEqual({ udp: ["a>b"], tcp: [], device: [] });
    // ICMP destination unreachable, network administratively prohibited (3/9), back to a.
    expect(icmpSince(sim, "a", since)).toEqual(["1 3/9"]);
    expect(trace(sim, "a", "b", 31).device).toEqual(["b"]);
    expect(trace(sim, "c", "b", 32).device).toEqual(["b"]);
  });

  test("Forwarding = kernel on b: a's frame for c goes to b's device instead", () => {
    const sim = line({ hostVars: relayed, config: { b: { forwarding: "kernel" } } });
    warmUp(sim, [["a", "b"], ["b", "a"], ["b", "c"], ["c", "b"]]);
    expect(trace(sim, "a", "c", 33)).toEqual({ udp: ["a>b"], tcp: [], device: ["b"] });
    // Frames b reads from its own device are still routed.
    expect(trace(sim, "b", "c", 34).device).toEqual(["c"]);
  });

  test("DirectOnly = yes on a: nothing for c while c is reached through b; direct c is fine", () => {
    const relay = line({ hostVars: relayed, config: { a: { directOnly: true } } });
    warmUp(relay, BOTH_WAYS);
    const since = relay.nodes.get("a")!.tun.length;
    expect(trace(relay, "a", "c", 35)).toEqual({ udp: [], tcp: [], device: [] });
    expect(icmpSince(relay, "a", since)).toEqual(["1 3/9"]);
    expect(trace(relay, "a", "b", 36).device).toEqual(["b"]);
    const direct = line({ config: { a: { directOnly: true } } });
    warmUp(direct, BOTH_WAYS);
    expect(trace(direct, "a", "c", 37)).toEqual({ udp: ["a>c"], tcp: [], device: ["c"] });
  });

  test("DecrementTTL = yes on c: frames from other nodes arrive with TTL 63, its own leave with 64", () => {
    const sim = line({ config: { c: { decrementTtl: true } } });
    warmUp(sim, BOTH_WAYS);
    const ttlAt = (name: string, tag: number): number[] =>
      sim.nodes.get(name)!.tun.filter((f) => tagOf(f) === tag).map((f) => f[22]!);
    trace(sim, "a", "c", 38);
    expect(ttlAt("c", 38)).toEqual([63]);
    trace(sim, "c", "a", 39);
    expect(ttlAt("a", 39)).toEqual([64]);
    // The header checksum follows the TTL (frames.ts sends a zero checksum: 0x0000 + 0x0100).
    expect(sim.nodes.get("c")!.tun.filter((f) => tagOf(f) === 38).map((f) => (f[24]! << 8) | f[25]!))
      .toEqual([0x0100]);
  });

  test("DeviceType = tap in router mode: frames written to the device carry the interface's MAC", () => {
    const sim = line({ config: { c: { deviceIsTap: true } } });
    warmUp(sim, BOTH_WAYS);
    trace(sim, "a", "c", 40);
    trace(sim, "c", "a", 41);
    const macOf = (name: string, tag: number): string[] =>
      sim.nodes.get(name)!.tun.filter((f) => tagOf(f) === tag).map((f) =>
        [...f.subarray(0, 6)].map((b) => b.toString(16)).join(":")
      );
    // tinc's default until an ARP request from the interface teaches it the real one.
    expect(macOf("c", 40)).toEqual(["fe:fd:0:0:0:0"]);
    expect(macOf("a", 41)).toEqual(["0:0:0:0:0:0"]);
  });
});

describe("MaxTimeout (net_socket.c retry_outgoing, protocol_misc.c pong_h)", () => {
  /** a ConnectTo x; x is at 10.0.0.9 and answers only while it listens. */
  function dialler(maxTimeout: number, minTimeout = 0): { sim: Simulator; dials: number[] } {
    const sim = new Simulator({ seed: 3, latency: 5, jitter: 0, tick: 1, logLevel: 0 });
    const all = new Map<string, HostConfig>([
      ["a", { addresses: [{ host: "10.0.0.1", port: 655 }], subnets: [subnet("10.1.0.0/16")] }],
      ["x", { addresses: [{ host: "10.0.0.9", port: 655 }], subnets: [subnet("10.9.0.0/16")] }],
    ]);
    const common = { hosts: all, maxTimeout, minTimeout, pingInterval: 2, pingTimeout: 1 };
    sim.addNode(withDefaults({ ...common, name: "a", connectTo: ["x"] }), { host: "10.0.0.1", port: 655 });
    sim.addNode(withDefaults({ ...common, name: "x" }), { host: "10.0.0.9", port: 655 });
    const dials: number[] = [];
    const dial = sim.dial.bind(sim);
    sim.dial = (from, address) => {
      if (from.name === "a") dials.push(sim.now);
      return dial(from, address);
    };
    sim.start("a");
    return { sim, dials };
  }

  /** Seconds between one failed dial (refused after a round trip) and the next. */
  const waits = (dials: number[]): number[] => dials.slice(1).map((t, i) => (t - dials[i]! - 10) / 1000);

  test("each failed round waits 5 s longer, up to MaxTimeout", () => {
    const { sim, dials } = dialler(12);
    sim.runUntil(60_000);
    expect(waits(dials)).toEqual([5, 10, 12, 12, 12]);
  });

  test("MinTimeout: the wait starts there, then grows by 5 s up to MaxTimeout", () => {
    const { sim, dials } = dialler(20, 8);
    sim.runUntil(80_000);
    expect(waits(dials)).toEqual([8, 13, 18, 20, 20]);
  });

  test("a ConnectTo without any Address is retried every MaxTimeout", () => {
    const sim = new Simulator({ seed: 3, latency: 5, jitter: 0, tick: 1, logLevel: 0 });
    const all = new Map<string, HostConfig>([
      ["a", { addresses: [{ host: "10.0.0.1", port: 655 }], subnets: [] }],
      ["y", { addresses: [], subnets: [] }],
    ]);
    sim.addNode(withDefaults({ name: "a", hosts: all, connectTo: ["y"], maxTimeout: 30 }), {
      host: "10.0.0.1",
      port: 655,
    });
    sim.start("a");
    sim.runUntil(100_000);
    const tries = sim.nodes.get("a")!.logs.filter((l) => l.includes("No address known for ConnectTo"))
      .map((l) => Number(l.split(" ")[0]));
    expect(tries).toEqual([0, 30_000, 60_000, 90_000]);
  });

  test("a PONG on the connection resets the wait: after a drop the next try is 5 s later", () => {
    const { sim, dials } = dialler(12);
    sim.runUntil(20_000); // tries at 0, 5 and 15 s have failed; the next is due at 27 s
    sim.start("x");
    sim.runUntil(31_000); // connected at ~27 s, then PING and PONG within PingInterval (2 s)
    expect(sim.nodes.get("a")!.engine.view().nodes.find((n) => n.name === "x")?.reachable).toBe(true);
    const x = sim.nodes.get("x")!;
    x.listening = false;
    const dropped = sim.now;
    sim.schedule(sim.now, x, (e, now) => e.onControl(now, { type: "stop" }));
    const before = dials.length;
    sim.runUntil(dropped + 30_000);
    const after = dials.slice(before);
    expect(after.length).toBeGreaterThanOrEqual(2);
    // Dropped by x (one latency to learn it), then 5 s; then, refused, 10 s.
    expect(after[0]! - dropped).toBe(5 + 5000);
    expect(after[1]! - after[0]! - 10).toBe(10_000);
  });
});

describe("Mode = switch and MACExpire (route.c route_mac, learn_mac, age_subnets)", () => {
  /** An Ethernet frame from `src` (a MAC) to the broadcast address, tagged. */
  function fromMac(src: number[], tag: number): Uint8Array {
    const f = ipv4Frame(new Uint8Array([255, 255, 255, 255]), tag);
    f.fill(0xff, 0, 6);
    f.set(src, 6);
    return f;
  }
  const MAC = [0x02, 0, 0, 0, 0, 0x0a];
  const OTHER = [0x02, 0, 0, 0, 0, 0x0b];
  const macSubnets = (sim: Simulator, name: string): string[] =>
    sim.nodes.get(name)!.engine.view().subnets.filter((s) => s.subnet.includes(":")).map((s) =>
      `${s.owner} ${s.subnet}`
    );

  test("switch: a frame for a learned MAC goes to its owner only; an unknown MAC is broadcast", () => {
    const switched = { mode: "switch" as const };
    const sim = line({ config: { a: switched, b: switched, c: switched } });
    warmUp(sim, BOTH_WAYS);
    sim.tunFrame("a", fromMac(MAC, 55));
    sim.runUntil(sim.now + 1000);
    const toMac = (dst: number[], tag: number): Uint8Array => {
      const f = fromMac([0x02, 0, 0, 0, 0, 0x0c], tag);
      f.set(dst, 0);
      return f;
    };
    // c's own source MAC is learned on the way too; what matters is where each frame lands.
    expect(traceFrame(sim, "c", toMac(MAC, 56))).toEqual({ udp: ["c>a"], tcp: [], device: ["a"] });
    expect(traceFrame(sim, "c", toMac([0x02, 0, 0, 0, 0, 0x0f], 57))).toEqual({
      udp: ["c>b", "b>a"],
      tcp: [],
      device: ["a", "b"],
    });
  });

  test("a learned MAC is announced, kept while frames refresh it, withdrawn MACExpire after the last", () => {
    const switched = { mode: "switch" as const, macExpire: 10, pingTimeout: 5 };
    const sim = line({ config: { a: switched, b: switched, c: switched } });
    const start = sim.now;
    sim.tunFrame("a", fromMac(MAC, 50));
    sim.runUntil(start + 1000);
    const learned = macSubnets(sim, "a");
    expect(learned).toHaveLength(1);
    expect(macSubnets(sim, "c")).toEqual(learned);
    // A second MAC seen once, 3 s later.
    sim.runUntil(start + 3000);
    sim.tunFrame("a", fromMac(OTHER, 49));
    sim.runUntil(start + 4000);
    expect(macSubnets(sim, "c")).toHaveLength(2);
    // Refreshed every 6 s for 24 s: never 10 s without a frame.
    for (let i = 1; i <= 4; i++) {
      sim.runUntil(start + i * 6000);
      sim.tunFrame("a", fromMac(MAC, 50 + i));
      // The second one expired at 13 s; a periodic check (every 5 s) has withdrawn it by 18 s.
      if (i === 3) expect(macSubnets(sim, "c")).toEqual(learned);
    }
    sim.runUntil(start + 24_000 + 9_000);
    expect(macSubnets(sim, "c")).toEqual(learned);
    // 10 s after the last frame it has expired; the next periodic check (every PingTimeout)
    // withdraws it everywhere.
    sim.runUntil(start + 24_000 + 10_000 + 5_000 + 100);
    expect(macSubnets(sim, "a")).toEqual([]);
    expect(macSubnets(sim, "b")).toEqual([]);
    expect(macSubnets(sim, "c")).toEqual([]);
    const downs = sim.nodes.get("c")!.scripts.filter((r) => r.name === "subnet-down" && r.env.NODE === "a");
    expect(downs.map((r) => r.env.SUBNET)).toEqual(["2:0:0:0:0:b", "2:0:0:0:0:a"]);
  });
});

/** A TCP SYN from 10.<from>.0.1 to 10.<to>.0.1 whose MSS option says `mss`; ports make the tag. */
function synWithMss(from: string, to: string, mss: number, tag: number): Uint8Array {
  const f = new Uint8Array(14 + 20 + 24);
  f[12] = 0x08;
  f[14] = 0x45;
  f[17] = f.length - 14;
  f[22] = 64;
  f[23] = 6; // TCP
  f.set([10, INDEX[from]!, 0, 1], 26);
  f.set([10, INDEX[to]!, 0, 1], 30);
  const view = new DataView(f.buffer);
  view.setUint32(34, tag); // source and destination port
  f[34 + 12] = 6 << 4; // 24-byte header
  f[34 + 13] = 0x02; // SYN
  f.set([2, 4], 34 + 20);
  view.setUint16(34 + 22, mss);
  return f;
}

function mssAt(sim: Simulator, name: string, tag: number): number[] {
  return sim.nodes.get(name)!.tun.filter((f) => tagOf(f) === tag).map((f) => (f[56]! << 8) | f[57]!);
}

describe("per-peer host variables in ACK (protocol_auth.c send_ack, ack_h)", () => {
  test("hosts/b's Weight and ClampMSS shape a's ACK to b; PMTUDiscovery is ours only", () => {
    // a: PMTUDiscovery off; b: on. hosts/b (shared, so b's own file too) asks for PMTUDiscovery,
    // Weight 77 and no ClampMSS. tincd's send_ack reads IndirectData, TCPOnly, ClampMSS and
    // Weight from hosts/PEER, but PMTU_DISCOVERY from our own setting only.
    const sim = line({
      hostVars: { b: { weight: 77, clampMss: false, pmtuDiscovery: true } },
      config: { a: { pmtuDiscovery: false }, b: { pmtuDiscovery: true } },
    });
    const acks = linesOf(sim, 4);
    expect(acks.filter((l) => l.startsWith("a>b "))).toEqual(["a>b 4 655 77 0"]);
    // b to a: hosts/a says nothing, so b's own choices: measured weight, PMTU, and no ClampMSS
    // (hosts/b is b's own file too).
    expect(acks.filter((l) => l.startsWith("b>a "))).toEqual([expect.stringMatching(/^b>a 4 655 \d+ 4$/)]);
    // The edge takes the mean weight; its options are the OR, except PMTU_DISCOVERY, the AND.
    const edge = sim.nodes.get("c")!.engine.view().edges.find((e) => e.from === "a" && e.to === "b");
    const bWeight = Number(acks.find((l) => l.startsWith("b>a "))!.split(" ")[3]);
    expect(edge?.weight).toBe(Math.trunc((77 + bWeight) / 2));
    expect(edge?.options).toBe(0);
  });

  test("TCPOnly in hosts/c: both ACKs on the b–c link say INDIRECT|TCPONLY and never PMTU_DISCOVERY", () => {
    const on = { pmtuDiscovery: true };
    const sim = line({ hostVars: { c: { tcpOnly: true } }, config: { a: on, b: on, c: on } });
    const acks = linesOf(sim, 4).map((l) => `${l.split(" ")[0]} ${l.split(" ")[4]}`).sort();
    // The a–b link, untouched by c's setting, keeps discovery (0xc); b–c says 0xb both ways.
    expect(acks).toEqual(["a>b c", "b>a c", "b>c b", "c>b b"]);
  });

  test("ClampMSS: on by default; ClampMSS = no in hosts/c (everyone's copy) leaves c's MSS alone", () => {
    const clamped = line();
    warmUp(clamped, BOTH_WAYS);
    clamped.tunFrame("a", synWithMss("a", "c", 9000, 0x1234_0050));
    clamped.runUntil(clamped.now + 1000);
    // 1518-byte frames: 1518 − 14 (Ethernet) − 20 (IPv4) − 20 (TCP).
    expect(mssAt(clamped, "c", 0x1234_0050)).toEqual([1464]);
    const unclamped = line({ hostVars: { c: { clampMss: false } } });
    warmUp(unclamped, BOTH_WAYS);
    unclamped.tunFrame("a", synWithMss("a", "c", 9000, 0x1234_0051));
    unclamped.runUntil(unclamped.now + 1000);
    expect(mssAt(unclamped, "c", 0x1234_0051)).toEqual([9000]);
  });
});

describe("KeyExpire (net.c main_loop, protocol_key.c send_key_changed)", () => {
  test("at KeyExpire b forgets its keys, floods KEY_CHANGED and pushes fresh keys to its neighbours", () => {
    const sim = line({ config: { b: { keyExpire: 30 } } });
    warmUp(sim, BOTH_WAYS);
    const since = sim.now;
    // b started at 0; its keys expire at 30 s (the others keep theirs for an hour).
    expect(since).toBeLessThan(30_000);
    sim.runUntil(29_000);
    expect(linesOf(sim, 14, since)).toEqual([]);
    sim.runUntil(31_000);
    expect(linesOf(sim, 14, since).map((l) => l.replace(/ 14 [0-9a-f]+ /, " 14 N "))).toEqual([
      "b>a 14 N b",
      "b>c 14 N b",
    ]);
    // A new ANS_KEY to each direct neighbour, unasked (no REQ_KEY for b in between).
    expect(linesOf(sim, 16, 29_000).map((l) => l.split(" ").slice(0, 4).join(" ")).sort()).toEqual([
      "b>a 16 b a",
      "b>c 16 b c",
    ]);
    expect(linesOf(sim, 15, 29_000)).toEqual([]);
    // Traffic through b goes on over UDP with the new keys.
    expect(trace(sim, "a", "b", 60)).toEqual({ udp: ["a>b"], tcp: [], device: ["b"] });
    expect(trace(sim, "c", "b", 61)).toEqual({ udp: ["c>b"], tcp: [], device: ["b"] });
    // Only b expires; a and c do at KeyExpire's default, an hour on.
    expect(metaLines.get(sim)!.filter((l) => / 14 /.test(l.text) && !l.text.endsWith(" b")).length).toBe(0);
  });
});

describe("KeyExpire: the old key dies at once", () => {
  test("a frame under c's old key that lands after c's expiry is dropped; a re-keys over TCP", () => {
    const sim = line({ config: { c: { keyExpire: 30 } } });
    warmUp(sim, BOTH_WAYS);
    // c expires at 30 s. a's frame leaves at that instant: it lands 5 ms later, before c's
    // KEY_CHANGED has reached a through b (10 ms).
    const c = sim.nodes.get("c")!;
    const before = c.tun.length;
    sim.runUntil(29_999);
    sim.schedule(
      30_000,
      sim.nodes.get("a")!,
      (e, now) => e.onTunFrame(now, frameInto(subnet("10.3.0.0/16"), 70)),
    );
    sim.runUntil(30_500);
    expect(c.tun.slice(before).filter((f) => tagOf(f) === 70)).toEqual([]);
    // a has heard by now: no key for c, so REQ_KEY and the frame over TCP through b.
    expect(trace(sim, "a", "c", 71)).toEqual({ udp: [], tcp: ["a>b", "b>c"], device: ["c"] });
    expect(trace(sim, "a", "c", 72)).toEqual({ udp: ["a>c"], tcp: [], device: ["c"] });
  });
});

describe("Mode = hub (route.c: every frame is a broadcast)", () => {
  test("a unicast frame from a's device reaches every other device along the tree", () => {
    const hub = { mode: "hub" as const };
    const sim = line({ config: { a: hub, b: hub, c: hub } });
    warmUp(sim, BOTH_WAYS);
    expect(trace(sim, "a", "c", 80)).toEqual({ udp: ["a>b", "b>c"], tcp: [], device: ["b", "c"] });
    expect(trace(sim, "c", "b", 81)).toEqual({ udp: ["c>b", "b>a"], tcp: [], device: ["a", "b"] });
  });
});

describe("TunnelServer forwards no broadcasts (net_packet.c broadcast_packet)", () => {
  test("a leaf's broadcast reaches the hub's device and stops there", () => {
    // b is the tunnel server; a and c are its leaves.
    const sim = line({ config: { b: { tunnelServer: true } } });
    warmUp(sim, [["a", "b"], ["b", "a"], ["c", "b"], ["b", "c"]]);
    const everywhere = ipv4Frame(new Uint8Array([255, 255, 255, 255]), 90);
    expect(traceFrame(sim, "a", everywhere)).toEqual({ udp: ["a>b"], tcp: [], device: ["b"] });
    // Nor does the hub send its own anywhere; it is still a broadcast, not a frame for no
    // subnet (no ICMP comes back to its device).
    const b = sim.nodes.get("b")!;
    const before = b.tun.length;
    expect(traceFrame(sim, "b", ipv4Frame(new Uint8Array([255, 255, 255, 255]), 91)))
      .toEqual({ udp: [], tcp: [], device: [] });
    expect(b.tun.length).toBe(before);
  });
});

describe("PMTU = N (protocol_auth.c ack_h caps n->mtu)", () => {
  /** A tagged IPv4 frame of `length` bytes from 10.<from>.0.1 to 10.<to>.0.1, DF as asked. */
  function bigFrame(
    from: string,
    to: string,
    length: number,
    dontFragment: boolean,
    tag: number,
  ): Uint8Array {
    const f = new Uint8Array(length);
    f.set(ipv4Frame(new Uint8Array([10, INDEX[to]!, 0, 1]), tag));
    f.set([10, INDEX[from]!, 0, 1], 26);
    new DataView(f.buffer).setUint16(16, length - 14);
    if (dontFragment) f[20] = 0x40;
    return f;
  }

  test("hosts/c's PMTU caps what c's meta neighbour b sends it; a, without a connection, is not capped", () => {
    const sim = line({ hostVars: { c: { pmtu: 1000 } } });
    warmUp(sim, BOTH_WAYS);
    const b = sim.nodes.get("b")!;
    const since = b.tun.length;
    // DF set and above 1000: ICMP fragmentation needed back to b's device.
    expect(traceFrame(sim, "b", bigFrame("b", "c", 1200, true, 100))).toEqual({
      udp: [],
      tcp: [],
      device: [],
    });
    expect(icmpSince(sim, "b", since)).toEqual(["1 3/4"]);
    // Without DF, b fragments it to fit 1000 bytes.
    const c = sim.nodes.get("c")!;
    const before = c.tun.length;
    sim.tunFrame("b", bigFrame("b", "c", 1200, false, 101));
    sim.runUntil(sim.now + 1000);
    const pieces = c.tun.slice(before).filter((f) => f[23] === 17);
    expect(pieces.map((f) => f.length <= 1000)).toEqual([true, true]);
    // a reaches c directly over UDP but has no meta connection to it: full size.
    expect(traceFrame(sim, "a", bigFrame("a", "c", 1200, true, 102))).toEqual({
      udp: ["a>c"],
      tcp: [],
      device: ["c"],
    });
  });

  test("our own PMTU caps too and the lower wins, even when a dump made c's state before the ACK", () => {
    // hosts/b says 900 (b's own PMTU), hosts/c 1000. StrictSubnets makes b know c from its hosts
    // files before c connects, and b dumps its nodes then (a dump used to create c's discovery
    // state at full size, which the ACK's cap then missed).
    const sim = line({
      hostVars: { b: { pmtu: 900 }, c: { pmtu: 1000 } },
      config: { b: { strictSubnets: true } },
      beforeC: (s) => void s.nodes.get("b")!.engine.controlDumps(),
    });
    warmUp(sim, BOTH_WAYS);
    const since = sim.nodes.get("b")!.tun.length;
    expect(traceFrame(sim, "b", bigFrame("b", "c", 950, true, 110))).toEqual({
      udp: [],
      tcp: [],
      device: [],
    });
    expect(icmpSince(sim, "b", since)).toEqual(["1 3/4"]);
    expect(sim.nodes.get("b")!.engine.controlDumps().nodes.find((n) => n.name === "c")!.pmtu).toBe(900);
  });
});
