import { describe, expect, test } from "bun:test";
import { nodeIdOf } from "../../src/core/sptps/node_id.ts";
import { activeLink, frameTo, inject } from "./legacy_net.ts";
import { tagOf } from "./frames.ts";
import { sptpsNet } from "./sptps_net.ts";
import type { Simulator } from "./sim.ts";
import { NobleSptpsCipher } from "../../src/core/crypto/sptps_noble.ts";

const hex = (b: Uint8Array): string => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");

interface Datagram {
  from: string;
  to: string;
  time: number;
  bytes: Uint8Array;
}

function recordUdp(sim: Simulator): Datagram[] {
  const seen: Datagram[] = [];
  sim.onUdp = (from, to, bytes) => seen.push({ from, to, time: sim.now, bytes });
  return seen;
}

/** Sends frames `src` → 10.61.0.`dstIndex` every `step` ms for `ms`; returns the tags sent. */
function stream(
  sim: Simulator,
  src: string,
  dstIndex: number,
  firstTag: number,
  ms: number,
  step = 100,
): number[] {
  const tags: number[] = [];
  for (let t = 0; t < ms; t += step) {
    const tag = firstTag + tags.length;
    tags.push(tag);
    inject(sim, sim.nodes.get(src)!, frameTo(dstIndex, tag, 120));
    sim.runUntil(sim.now + step);
  }
  sim.runUntil(sim.now + 300);
  return tags;
}

function received(sim: Simulator, name: string, tags: number[]): number[] {
  const want = new Set(tags);
  return sim.nodes.get(name)!.tun.map(tagOf).filter((t) => want.has(t));
}

const chain = [
  { name: "alice", index: 1, connectTo: ["bob"] },
  { name: "bob", index: 2 },
  { name: "carl", index: 3, connectTo: ["bob"] },
];

describe("SPTPS across a mesh", () => {
  test("two SPTPS nodes joined only through a 1.0-mode node exchange UDP-session keys and frames", () => {
    const sim = sptpsNet([chain[0]!, { ...chain[1]!, legacy: true }, chain[2]!]);
    sim.runUntil(3000);
    expect(activeLink(sim, "bob", "alice")).toBe(true);
    expect(activeLink(sim, "bob", "carl")).toBe(true);
    const udp = recordUdp(sim);
    const there = stream(sim, "alice", 3, 1000, 3000);
    const back = stream(sim, "carl", 1, 2000, 3000);
    expect(received(sim, "carl", there)).toEqual(there);
    expect(received(sim, "alice", back)).toEqual(back);
    // bob (1.0 mode) forwarded the REQ_KEY/ANS_KEY lines of the SPTPS handshake.
    const bobStats = sim.nodes.get("bob")!.engine.requestStats();
    expect(bobStats.REQ_KEY?.accepted ?? 0).toBeGreaterThan(0);
    expect(bobStats.ANS_KEY?.accepted ?? 0).toBeGreaterThan(0);
    expect(bobStats.REQ_KEY?.refused ?? 0).toBe(0);
    // ... and the session then carried frames directly over UDP with alice's and carl's IDs.
    const direct = udp.filter((d) => d.from === "alice" && d.to === "carl");
    expect(direct.length).toBeGreaterThan(5);
    for (const d of direct) {
      expect(hex(d.bytes.subarray(0, 6))).toBe("000000000000");
      expect(hex(d.bytes.subarray(6, 12))).toBe(hex(nodeIdOf("alice")));
    }
  });

  test("through a 1.0-mode node with direct UDP blocked: records go as `15 FROM TO 21 b64` via bob", () => {
    const sim = sptpsNet([chain[0]!, { ...chain[1]!, legacy: true }, chain[2]!]);
    sim.udpBlocked = (a, b) => (a === "alice" && b === "carl") || (a === "carl" && b === "alice");
    sim.runUntil(3000);
    const there = stream(sim, "alice", 3, 1000, 5000);
    expect(received(sim, "carl", there)).toEqual(there);
    const carlStats = sim.nodes.get("carl")!.engine.requestStats("bob");
    // REQ_KEY lines: the SPTPS start and then data records (extension 21)
    expect(carlStats.REQ_KEY?.accepted ?? 0).toBeGreaterThan(10);
    expect(sim.nodes.get("bob")!.engine.requestStats().REQ_KEY?.refused ?? 0).toBe(0);
  });

  test("relaying through a third node when direct UDP is blocked, direct again once unblocked", () => {
    const sim = sptpsNet(chain);
    let blocked = true;
    sim.udpBlocked = (a, b) =>
      blocked && ((a === "alice" && b === "carl") || (a === "carl" && b === "alice"));
    sim.runUntil(3000);
    const udp = recordUdp(sim);
    const first = stream(sim, "alice", 3, 1000, 10_000);
    expect(received(sim, "carl", first)).toEqual(first);
    const carlId = hex(nodeIdOf("carl"));
    const relayed = udp.filter((d) =>
      d.from === "alice" && d.to === "bob" && hex(d.bytes.subarray(0, 6)) === carlId
    );
    expect(relayed.length).toBeGreaterThan(20);
    for (const d of relayed) expect(hex(d.bytes.subarray(6, 12))).toBe(hex(nodeIdOf("alice")));
    expect(udp.some((d) => d.from === "alice" && d.to === "carl")).toBe(false);
    blocked = false;
    const mark = udp.length;
    const second = stream(sim, "alice", 3, 5000, 10_000);
    expect(received(sim, "carl", second)).toEqual(second);
    const later = udp.slice(mark).filter((d) =>
      d.from === "alice" && d.to === "carl" && d.bytes.length > 100
    );
    expect(later.length).toBeGreaterThan(20);
    for (const d of later) expect(hex(d.bytes.subarray(0, 6))).toBe("000000000000");
  });

  test("rekeying on KeyExpire keeps traffic flowing", () => {
    const sim = sptpsNet(chain.slice(0, 2), { config: { keyExpire: 3 } });
    sim.runUntil(2000);
    const udp = recordUdp(sim);
    const there = stream(sim, "alice", 2, 1000, 15_000);
    const back = stream(sim, "bob", 1, 9000, 5_000);
    expect(received(sim, "bob", there)).toEqual(there);
    expect(received(sim, "alice", back)).toEqual(back);
    // KEY_CHANGED came with each rekey, and each rekey took handshake records in ANS_KEY.
    const stats = sim.nodes.get("bob")!.engine.requestStats("alice");
    expect(stats.KEY_CHANGED?.accepted ?? 0).toBeGreaterThanOrEqual(4);
    expect(stats.ANS_KEY?.accepted ?? 0).toBeGreaterThanOrEqual(8);
    // Most frames went over UDP, before and after the rekeys.
    const data = udp.filter((d) => d.from === "alice" && d.bytes.length === 12 + 4 + 1 + 106 + 16);
    expect(data.length).toBeGreaterThan(100);
    expect(data.some((d) => d.time > 14_000)).toBe(true);
    expect(Object.keys(sim.nodes.get("bob")!.engine.dropCounts()).filter((k) => k.startsWith("SPTPS")))
      .toEqual([]);
  });

  test("UDP_INFO is forwarded to minor-5 hops and sets the address at its target; MTU_INFO < 512 is ignored", () => {
    const sim = sptpsNet([chain[0]!, chain[1]!, { name: "mallory", index: 9, legacy: true }]);
    sim.runUntil(2000);
    const ext = sim.connectExternal("bob", "mallory", "10.60.0.9");
    const send = (line: string): void => ext.send(new TextEncoder().encode(line + "\n"));
    sim.runUntil(sim.now + 20);
    send("0 mallory 17");
    sim.runUntil(sim.now + 20);
    send("4 655 1 c");
    send("12 1 mallory bob 10.60.0.2 655 c 1");
    sim.runUntil(sim.now + 50);
    send("22 mallory alice 10.9.9.9 6550");
    send("23 mallory alice 400");
    send("23 mallory alice 1400");
    sim.runUntil(sim.now + 50);
    expect(ext.open).toBe(true);
    const mallory = sim.nodes.get("alice")!.engine.view().nodes.find((n) => n.name === "mallory");
    expect(mallory?.udp).toBe("10.9.9.9 6550");
    const bobStats = sim.nodes.get("bob")!.engine.requestStats("mallory");
    expect(bobStats.UDP_INFO).toEqual({ accepted: 1, ignored: 0, refused: 0 });
    expect(bobStats.MTU_INFO).toEqual({ accepted: 1, ignored: 1, refused: 0 });
    expect(sim.nodes.get("alice")!.engine.requestStats("bob").MTU_INFO?.ignored).toBe(1);
  });

  test("sessions share the injected cipher's slots (a private cipher once they are taken)", () => {
    const ports = new Map<string, NobleSptpsCipher>();
    const sim = sptpsNet(chain, {
      configFor: (n) => {
        const port = new NobleSptpsCipher({ slots: 1, arenaSize: 0, maxBatch: 0 });
        ports.set(n, port);
        return { sptpsCipher: port };
      },
    });
    sim.runUntil(3000);
    const toBob = stream(sim, "alice", 2, 100, 3000);
    const toCarl = stream(sim, "alice", 3, 200, 3000);
    const back = stream(sim, "carl", 1, 300, 3000);
    expect(received(sim, "bob", toBob)).toEqual(toBob);
    expect(received(sim, "carl", toCarl)).toEqual(toCarl);
    expect(received(sim, "alice", back)).toEqual(back);
    // alice's first session (with bob) holds slot 0 of her port: its replay window has moved on.
    expect(ports.get("alice")!.replayTop(0)).toBeGreaterThan(2);
    expect(ports.get("bob")!.replayTop(0)).toBeGreaterThan(10);
  });

  test("a relay appends the originator's UDP address to ANS_KEY once its own path MTU is known", () => {
    const sim = sptpsNet(chain, { sim: { logLevel: 3 }, config: { debugLevel: 3 } });
    sim.runUntil(3000);
    // bob talks to carl first, so that bob's UDP session with carl has a path MTU.
    stream(sim, "bob", 3, 100, 3000);
    const there = stream(sim, "alice", 3, 200, 3000);
    expect(received(sim, "carl", there)).toEqual(there);
    const appended = sim.nodes.get("bob")!.logs.filter((l) => l.includes("Appending reflexive UDP address"));
    expect(appended.length).toBeGreaterThan(0);
    expect(appended.some((l) => l.includes('"from":"alice","to":"carl"'))).toBe(true);
    expect(sim.nodes.get("carl")!.engine.requestStats("bob").ANS_KEY?.refused ?? 0).toBe(0);
  });
});
