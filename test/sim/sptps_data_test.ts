import { describe, expect, test } from "bun:test";
import { nodeIdOf } from "../../src/core/sptps/node_id.ts";
import { activeLink, frameTo, inject } from "./legacy_net.ts";
import { tagOf } from "./frames.ts";
import { fragNeededMtu, ipv4Sized, reassembleIpv4 } from "./pmtu_frames.ts";
import { sptpsNet } from "./sptps_net.ts";
import type { Simulator } from "./sim.ts";
import { createCompressor } from "../../src/core/compress/codecs.ts";
import { NULL_PACKET_SETTINGS } from "../../src/core/node/config.ts";

const hex = (b: Uint8Array): string => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");

interface Datagram {
  from: string;
  to: string;
  bytes: Uint8Array;
}

function recordUdp(sim: Simulator): Datagram[] {
  const seen: Datagram[] = [];
  sim.onUdp = (from, to, bytes) => seen.push({ from, to, bytes });
  return seen;
}

function tagsAt(sim: Simulator, name: string): number[] {
  return sim.nodes.get(name)!.tun.map(tagOf);
}

/** Sends `count` frames from `src` (index) to `dst` (index), one every 100 ms. */
function pingPong(sim: Simulator, src: string, dstIndex: number, firstTag: number, count: number): void {
  for (let i = 0; i < count; i++) {
    inject(sim, sim.nodes.get(src)!, frameTo(dstIndex, firstTag + i, 100));
    sim.runUntil(sim.now + 100);
  }
}

describe("SPTPS UDP sessions between two 1.1 nodes", () => {
  test("key exchange over REQ_KEY/ANS_KEY, then frames both ways over UDP with node IDs", () => {
    const sim = sptpsNet([{ name: "carol", index: 3, connectTo: ["dave"] }, { name: "dave", index: 4 }]);
    sim.runUntil(2000);
    expect(activeLink(sim, "carol", "dave")).toBe(true);
    const udp = recordUdp(sim);
    pingPong(sim, "carol", 4, 100, 30);
    pingPong(sim, "dave", 3, 200, 30);
    sim.runUntil(sim.now + 500);
    // Every frame arrives (the first ones over TCP while the session starts).
    expect(tagsAt(sim, "dave").filter((t) => t >= 100 && t < 130)).toEqual(
      [...Array(30).keys()].map((i) => 100 + i),
    );
    expect(tagsAt(sim, "carol").filter((t) => t >= 200 && t < 230)).toEqual(
      [...Array(30).keys()].map((i) => 200 + i),
    );
    const carolId = hex(nodeIdOf("carol"));
    const daveId = hex(nodeIdOf("dave"));
    const fromCarol = udp.filter((d) => d.from === "carol");
    const fromDave = udp.filter((d) => d.from === "dave");
    expect(fromCarol.length).toBeGreaterThan(10);
    expect(fromDave.length).toBeGreaterThan(10);
    for (const d of fromCarol) {
      expect(hex(d.bytes.subarray(0, 6))).toBe("000000000000");
      expect(hex(d.bytes.subarray(6, 12))).toBe(carolId);
    }
    for (const d of fromDave) expect(hex(d.bytes.subarray(6, 12))).toBe(daveId);
    // router mode: a 100-byte frame travels as 12 + 4 + 1 + 86 + 16 bytes
    expect(fromCarol.some((d) => d.bytes.length === 12 + 4 + 1 + 86 + 16)).toBe(true);
  });

  test("the handshake is REQ_KEY ext 15 then ANS_KEY `-1 -1 -1 COMP` lines", () => {
    const sim = sptpsNet([{ name: "carol", index: 3, connectTo: ["dave"] }, { name: "dave", index: 4 }], {
      sim: { logLevel: 4 },
      config: { debugLevel: 4 },
    });
    sim.runUntil(2000);
    // The meta lines travel inside SPTPS: read them from the engines' "Sending request" logs.
    const carol = sim.nodes.get("carol")!;
    inject(sim, carol, frameTo(4, 1, 100));
    sim.runUntil(sim.now + 500);
    const sent = (n: string): string[] =>
      sim.nodes.get(n)!.logs.filter((l) => l.includes("Sending request")).map((l) =>
        JSON.parse(l.slice(l.indexOf("{"))).line as string
      );
    const start = sent("carol").filter((l) => l.startsWith("15 carol dave 15 "));
    expect(start.length).toBe(1);
    // 70-byte datagram KEX record in tinc base64: 94 characters
    expect(start[0]!.split(" ")[4]!.length).toBe(94);
    const answers = sent("dave").filter((l) => l.startsWith("16 dave carol "));
    expect(answers.length).toBeGreaterThanOrEqual(2);
    for (const a of answers) expect(a).toMatch(/^16 dave carol [A-Za-z0-9+/]+ -1 -1 -1 0$/);
    expect(sent("carol").some((l) => /^16 carol dave [A-Za-z0-9+/]+ -1 -1 -1 0$/.test(l))).toBe(true);
    const stats = sim.nodes.get("dave")!.engine.requestStats("carol");
    expect(stats.REQ_KEY?.accepted).toBe(1);
    expect(stats.ANS_KEY?.accepted ?? 0).toBeGreaterThanOrEqual(1);
    expect(sim.nodes.get("carol")!.engine.requestStats("dave").ANS_KEY?.accepted ?? 0).toBeGreaterThanOrEqual(
      1,
    );
  });

  test("compression: each side compresses with the level the other announced in its ANS_KEY", () => {
    const levels: Record<string, number> = { carol: 12, dave: 10 };
    const sim = sptpsNet([{ name: "carol", index: 3, connectTo: ["dave"] }, { name: "dave", index: 4 }], {
      configFor: (n) => ({
        compressor: createCompressor(),
        packet: { ...NULL_PACKET_SETTINGS, compression: levels[n]! },
      }),
    });
    sim.runUntil(2000);
    const udp = recordUdp(sim);
    const frames = new Map<number, Uint8Array>();
    for (let i = 0; i < 20; i++) {
      for (const [src, dst] of [["carol", 4], ["dave", 3]] as const) {
        const f = frameTo(dst, 300 + i + (dst === 3 ? 100 : 0), 800);
        frames.set(tagOf(f), f);
        inject(sim, sim.nodes.get(src)!, f);
      }
      sim.runUntil(sim.now + 100);
    }
    sim.runUntil(sim.now + 500);
    for (const name of ["carol", "dave"]) {
      const got = sim.nodes.get(name)!.tun.filter((f) => frames.has(tagOf(f)));
      expect(got.length).toBe(20);
      for (const f of got) expect([...f.subarray(14)]).toEqual([...frames.get(tagOf(f))!.subarray(14)]);
    }
    // 800-byte frames with a 256-byte period: compressed, their datagrams are far smaller than the
    // 819 bytes of an uncompressed one (the large ones are path MTU probes, never compressed).
    for (const from of ["carol", "dave"]) {
      const data = udp.filter((d) => d.from === from);
      expect(data.filter((d) => d.bytes.length > 40 && d.bytes.length < 600).length).toBeGreaterThan(10);
      expect(data.filter((d) => d.bytes.length === 12 + 4 + 1 + 786 + 16).length).toBe(0);
    }
  });

  test("REQ_PUBKEY/ANS_PUBKEY: a node learns a non-neighbour's key over the mesh, then the session starts", () => {
    const sim = sptpsNet([
      { name: "alice", index: 1, connectTo: ["bob"] },
      { name: "bob", index: 2 },
      { name: "carl", index: 3, connectTo: ["bob"] },
    ], { knowsKey: (viewer, host) => !(viewer === "alice" && host === "carl") });
    sim.runUntil(3000);
    const udp = recordUdp(sim);
    const tags: number[] = [];
    for (let i = 0; i < 40; i++) {
      tags.push(700 + i);
      inject(sim, sim.nodes.get("alice")!, frameTo(3, 700 + i, 100));
      sim.runUntil(sim.now + 100);
    }
    sim.runUntil(sim.now + 500);
    expect(tagsAt(sim, "carl").filter((t) => t >= 700)).toEqual(tags);
    const alice = sim.nodes.get("alice")!;
    expect(alice.files.map((f) => f.path)).toEqual(["hosts/carl"]);
    expect(alice.files[0]!.text).toMatch(/^Ed25519PublicKey = [A-Za-z0-9+/]{43}\n$/);
    // carl answered REQ_PUBKEY (15 alice carl 19) with ANS_PUBKEY (15 carl alice 20 KEY)
    expect(sim.nodes.get("carl")!.engine.requestStats().REQ_KEY?.accepted ?? 0).toBeGreaterThanOrEqual(2);
    expect(udp.filter((d) => d.from === "alice" && d.to === "carl").length).toBeGreaterThan(10);
  });

  test("switch mode: whole frames as PKT_MAC records", () => {
    const sim = sptpsNet([{ name: "carol", index: 3, connectTo: ["dave"] }, { name: "dave", index: 4 }], {
      config: { mode: "switch" },
    });
    sim.runUntil(2000);
    const udp = recordUdp(sim);
    const sent: Uint8Array[] = [];
    for (let i = 0; i < 30; i++) {
      const f = frameTo(4, 900 + i, 100);
      f.fill(0xff, 0, 6);
      f.set([2, 0, 0, 0, 0, 3], 6);
      sent.push(f);
      inject(sim, sim.nodes.get("carol")!, f);
      sim.runUntil(sim.now + 100);
    }
    sim.runUntil(sim.now + 300);
    const got = sim.nodes.get("dave")!.tun.filter((f) => tagOf(f) >= 900);
    expect(got.map((f) => [...f])).toEqual(sent.map((f) => [...f]));
    const data = udp.filter((d) => d.from === "carol" && d.bytes.length === 12 + 4 + 1 + 100 + 16);
    expect(data.length).toBeGreaterThan(20);
  });

  test("both sides starting the UDP session at once still end with one working session", () => {
    const sim = sptpsNet([{ name: "carol", index: 3, connectTo: ["dave"] }, { name: "dave", index: 4 }]);
    sim.runUntil(2000);
    const udp = recordUdp(sim);
    const tags: number[] = [];
    for (let i = 0; i < 20; i++) {
      inject(sim, sim.nodes.get("carol")!, frameTo(4, 1100 + i, 100));
      inject(sim, sim.nodes.get("dave")!, frameTo(3, 1200 + i, 100));
      tags.push(i);
      sim.runUntil(sim.now + 100);
    }
    sim.runUntil(sim.now + 300);
    expect(tagsAt(sim, "dave").filter((t) => t >= 1100 && t < 1120)).toEqual(tags.map((i) => 1100 + i));
    expect(tagsAt(sim, "carol").filter((t) => t >= 1200 && t < 1220)).toEqual(tags.map((i) => 1200 + i));
    // Both directions then run over UDP (no 10-second restart wait).
    // The starts crossed: carol (the smaller name) kept hers and set dave's aside.
    expect(sim.nodes.get("carol")!.engine.requestStats("dave").REQ_KEY?.ignored).toBe(1);
    expect(sim.nodes.get("dave")!.engine.requestStats("carol").REQ_KEY?.accepted).toBe(1);
    const late = udp.filter((d) => d.bytes.length === 12 + 4 + 1 + 86 + 16);
    expect(late.filter((d) => d.from === "carol").length).toBeGreaterThan(10);
    expect(late.filter((d) => d.from === "dave").length).toBeGreaterThan(10);
    expect(Object.keys(sim.nodes.get("carol")!.engine.dropCounts())).toEqual([]);
  });

  test("path MTU: probes find the largest datagram that passes; the router fragments or refuses above it", () => {
    const sim = sptpsNet([{ name: "carol", index: 3, connectTo: ["dave"] }, { name: "dave", index: 4 }], {
      sim: { logLevel: 5 },
      config: { debugLevel: 5 },
    });
    const send = sim.sendUdp.bind(sim);
    sim.sendUdp = (from, to, bytes) => {
      if (bytes.length <= 600) send(from, to, bytes);
    };
    sim.runUntil(2000);
    const udp = recordUdp(sim);
    const big: number[] = [];
    const small: number[] = [];
    for (let i = 0; i < 200; i++) {
      big.push(2000 + i);
      small.push(3000 + i);
      inject(sim, sim.nodes.get("carol")!, ipv4Sized(4, 2000 + i, 1000, false));
      inject(sim, sim.nodes.get("carol")!, frameTo(4, 3000 + i, 200));
      sim.runUntil(sim.now + 100);
    }
    sim.runUntil(sim.now + 300);
    const got = tagsAt(sim, "dave");
    expect(got.filter((t) => t >= 2000 && t < 2200)).toEqual(big);
    expect(got.filter((t) => t >= 3000 && t < 3200)).toEqual(small);
    const settled = sim.nodes.get("carol")!.logs.filter((l) => l.includes("Path MTU settled"));
    expect(settled.length).toBeGreaterThanOrEqual(1);
    const mtu = JSON.parse(settled.at(-1)!.slice(settled.at(-1)!.indexOf("{"))).mtu as number;
    // 600-byte datagrams: 600 - 12 (IDs) - 21 (seqno, type, tag) = 567 bytes of probe data.
    expect(mtu).toBeGreaterThan(567 - 8);
    expect(mtu).toBeLessThanOrEqual(567);
    // The small frames kept using UDP (186-byte IP packets).
    const datagram = (frameLength: number) => 12 + 4 + 1 + frameLength - 14 + 16;
    expect(udp.filter((d) => d.from === "carol" && d.bytes.length === datagram(200)).length)
      .toBeGreaterThan(150);

    // Settled: the path MTU is the node's, and the router acts on it (spec 1.0 §7) with its
    // 590-byte floor: a DF frame above that is refused with ICMP carrying 590 − 14...
    const carolTun = sim.nodes.get("carol")!.tun;
    expect(carolTun).toEqual([]);
    inject(sim, sim.nodes.get("carol")!, ipv4Sized(4, 4000, 1000, true));
    sim.runUntil(sim.now + 100);
    expect(carolTun.map(fragNeededMtu)).toEqual([590 - 14]);
    expect(tagsAt(sim, "dave")).not.toContain(4000);
    // ...and a DF-clear one is cut at the path MTU into fragments that all go over UDP.
    const before = sim.nodes.get("dave")!.tun.length;
    const sentBefore = udp.length;
    const whole = ipv4Sized(4, 4001, 1000, false);
    inject(sim, sim.nodes.get("carol")!, whole);
    sim.runUntil(sim.now + 100);
    const fragments = sim.nodes.get("dave")!.tun.slice(before);
    expect(fragments.length).toBe(2);
    for (const f of fragments) expect(f.length).toBeLessThanOrEqual(mtu);
    expect(reassembleIpv4(fragments)).toEqual(whole.subarray(34));
    const sizes = udp.slice(sentBefore).filter((d) => d.from === "carol").map((d) => d.bytes.length);
    for (const f of fragments) expect(sizes).toContain(datagram(f.length));
  });
});
