// PMTU discovery between two RSA-authenticated engines with PMTUDiscovery on (spec 1.0 §4.4, §7):
// with no probe echoed every frame goes over TCP and the node MTU stays 1518; on a path that
// drops datagrams above a limit, discovery settles below it and the settled MTU becomes the
// node's: frames that fit go over UDP, larger DF frames are answered with ICMP "fragmentation
// needed" carrying that MTU, larger DF-clear ones are fragmented to fit and go over UDP too.
import { describe, expect, test } from "bun:test";
import type { SockAddr } from "../../src/core/node/effects.ts";
import { cbcDatagramSize, fixtureKey, frameTo, inject, legacyNet, type Party } from "./legacy_net.ts";
import type { SimNode, Simulator } from "./sim.ts";
import { tagOf } from "./frames.ts";
import { fragNeededMtu, ipv4Sized, reassembleIpv4 } from "./pmtu_frames.ts";

const alice: Party = { name: "alice", index: 1, key: fixtureKey("alice"), connectTo: ["bob"] };
const bob: Party = { name: "bob", index: 2, key: fixtureKey("bob") };

/** Drops datagrams longer than `limit` bytes, as a path with a small MTU would; counts the rest. */
function limitPath(sim: Simulator, limit: number): { delivered: number[]; attempted: number } {
  const seen = { delivered: [] as number[], attempted: 0 };
  const send = sim.sendUdp.bind(sim);
  sim.sendUdp = (from: SimNode, to: SockAddr, bytes: Uint8Array) => {
    seen.attempted++;
    if (bytes.length > limit) return;
    seen.delivered.push(bytes.length);
    send(from, to, bytes);
  };
  return seen;
}

/** Sends one tagged frame alice→bob and reports how many datagrams left alice meanwhile. */
function sendOne(
  sim: Simulator,
  udp: { delivered: number[] },
  tag: number,
  length: number,
  frame = frameTo(2, tag, length),
): number {
  const before = udp.delivered.length;
  inject(sim, sim.nodes.get("alice")!, frame);
  sim.runUntil(sim.now + 20);
  return udp.delivered.length - before;
}

describe("PMTU discovery between engines", () => {
  test("nothing echoed: every frame goes over TCP, and probing backs off", () => {
    const sim = legacyNet([alice, bob], { config: { pmtuDiscovery: true } });
    const udp = limitPath(sim, 0);
    expect(sim.runUntilSettled(2000, 60_000)).toBe(true);
    sim.runUntil(sim.now + 15_000);
    // Each side: bursts 1..9 of 3 probes, one per second, then quiet until PingInterval.
    expect(udp.attempted).toBe(2 * 9 * 3);
    for (const [tag, len] of [[1, 100], [2, 600], [3, 1400]] as const) {
      expect(sendOne(sim, udp, tag, len)).toBe(0);
    }
    // Not settled: the node MTU is still 1518, so even a DF frame of 1400 bytes is not refused.
    expect(sendOne(sim, udp, 4, 1400, ipv4Sized(2, 4, 1400, true))).toBe(0);
    expect(udp.attempted).toBe(2 * 9 * 3);
    expect(sim.nodes.get("bob")!.tun.map(tagOf)).toEqual([1, 2, 3, 4]);
    expect(sim.nodes.get("alice")!.tun).toEqual([]);
    sim.runUntil(sim.now + 60_000);
    expect(udp.attempted).toBe(2 * 10 * 3);
  });

  test("a path that drops datagrams above 1300 bytes: the settled MTU reaches the router", () => {
    const sim = legacyNet([alice, bob], { config: { pmtuDiscovery: true } });
    const udp = limitPath(sim, 1300);
    expect(sim.runUntilSettled(2000, 60_000)).toBe(true);
    // Discovery runs 1 s bursts for up to 30 s, then settles.
    sim.runUntil(sim.now + 35_000);
    const mtu = sim.nodes.get("alice")!.engine.controlDumps().nodes.find((n) => n.name === "bob")!.pmtu;
    // The largest frame whose datagram passes, give or take the last probe step.
    expect(cbcDatagramSize(mtu)).toBeLessThanOrEqual(1300);
    expect(cbcDatagramSize(mtu + 16)).toBeGreaterThan(1300);
    const aliceTun = sim.nodes.get("alice")!.tun;
    const bobTun = sim.nodes.get("bob")!.tun;

    expect([sendOne(sim, udp, 1, 1000), sendOne(sim, udp, 2, mtu, ipv4Sized(2, 2, mtu, true))]).toEqual([
      1,
      1,
    ]);
    expect(bobTun.map(tagOf)).toEqual([1, 2]);

    // DF set and too big: refused with the path MTU minus the Ethernet header, nothing sent.
    expect(sendOne(sim, udp, 3, 1400, ipv4Sized(2, 3, 1400, true))).toBe(0);
    expect(bobTun.length).toBe(2);
    expect(aliceTun.map(fragNeededMtu)).toEqual([mtu - 14]);

    // DF clear and too big: cut into fragments that each fit the path, all over UDP.
    const big = ipv4Sized(2, 5, 1400, false);
    const fragments = sendOne(sim, udp, 5, 1400, big);
    expect(fragments).toBe(2);
    const arrived = bobTun.slice(2);
    expect(arrived.length).toBe(2);
    for (const f of arrived) expect(f.length).toBeLessThanOrEqual(mtu);
    expect(reassembleIpv4(arrived)).toEqual(big.subarray(34));
    expect(aliceTun.length).toBe(1);
  });

  test("the local stack refuses datagrams above 1300 bytes: settled within seconds, DF frames refused", () => {
    const sim = legacyNet([alice, bob], { config: { pmtuDiscovery: true } });
    const send = sim.sendUdp.bind(sim);
    sim.sendUdp = (from: SimNode, to: SockAddr, bytes: Uint8Array) => {
      if (bytes.length > 1300) return "too-big";
      send(from, to, bytes);
    };
    expect(sim.runUntilSettled(2000, 60_000)).toBe(true);
    // tincd narrows maxmtu on EMSGSIZE too, so discovery ends long before its 30th burst.
    sim.runUntil(sim.now + 12_000);
    const dump = sim.nodes.get("alice")!.engine.controlDumps().nodes.find((n) => n.name === "bob")!;
    expect(dump.pmtu).toBe(dump.minmtu);
    expect(dump.maxmtu).toBe(dump.minmtu);
    expect(cbcDatagramSize(dump.pmtu)).toBeLessThanOrEqual(1300);
    expect(cbcDatagramSize(dump.pmtu + 16)).toBeGreaterThan(1300);
    inject(sim, sim.nodes.get("alice")!, ipv4Sized(2, 7, 1400, true));
    sim.runUntil(sim.now + 20);
    expect(sim.nodes.get("alice")!.tun.map(fragNeededMtu)).toEqual([dump.pmtu - 14]);
  });

  test("without PMTUDiscovery on one side the bit is ANDed away and frames go over UDP at once", () => {
    const sim = legacyNet([alice, bob], {
      configFor: (name) => ({ pmtuDiscovery: name === "alice" }),
    });
    const udp = limitPath(sim, 1600);
    expect(sim.runUntilSettled(2000, 60_000)).toBe(true);
    expect(udp.delivered.every((len) => len !== 0)).toBe(true);
    const probes = udp.delivered.length;
    expect(sendOne(sim, udp, 1, 1400)).toBe(1);
    expect(probes).toBe(0);
  });
});
