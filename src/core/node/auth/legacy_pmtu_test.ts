import { describe, expect, test } from "bun:test";
import { OPTION_PMTU_DISCOVERY } from "../../meta/requests.ts";
import { NodeCore } from "../core.ts";
import { TINC_PACKET_DEFAULTS, withDefaults } from "../config.ts";
import { inertEffects, type RandomSource } from "../effects.ts";
import type { NodeRec } from "../world.ts";
import {
  PMTU_MAX,
  pmtuNextDeadline,
  pmtuReply,
  pmtuReset,
  pmtuRouteMtu,
  pmtuStart,
  pmtuState,
  pmtuTick,
} from "./legacy_pmtu.ts";

class Xorshift implements RandomSource {
  constructor(private x: number) {}
  nextU32(): number {
    let x = this.x;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.x = x >>> 0;
    return this.x;
  }
}

const quiet = inertEffects();

/** A node `peer` seen from `me`: reachable, keyed, with PMTU_DISCOVERY on the link. */
function setup(seed = 9): { core: NodeCore; peer: NodeRec } {
  const core = new NodeCore(
    withDefaults({
      name: "me",
      hosts: new Map(),
      packet: TINC_PACKET_DEFAULTS,
      pingInterval: 60,
      pingTimeout: 5,
    }),
    quiet,
    new Xorshift(seed),
  );
  const peer = core.node("peer")!;
  peer.reachable = true;
  peer.validKey = true;
  peer.options = OPTION_PMTU_DISCOVERY;
  return { core, peer };
}

/** Runs the probe timers up to `until`, answering probes no longer than `pathMtu`. */
function run(
  core: NodeCore,
  peer: NodeRec,
  until: number,
  pathMtu: number,
  sent: number[],
  localMtu = PMTU_MAX,
): void {
  const send = (n: NodeRec, probe: Uint8Array): void | "too-big" => {
    expect([...probe.subarray(0, 14)]).toEqual(new Array(14).fill(0));
    sent.push(probe.length);
    if (probe.length > localMtu) return "too-big";
    if (probe.length <= pathMtu) pmtuReply(core, n, probe.length);
  };
  if (pmtuState(core, peer).at === undefined) pmtuStart(core, peer, send);
  for (let guard = 0; guard < 10_000; guard++) {
    const t = pmtuNextDeadline(core);
    if (t > until) break;
    core.now = t;
    pmtuTick(core, send);
  }
  core.now = until;
}

describe("PMTU discovery", () => {
  test("converges below the path MTU within 30 bursts and settles", () => {
    for (const pathMtu of [1518, 1400, 1280, 576]) {
      const { core, peer } = setup(pathMtu);
      const sent: number[] = [];
      run(core, peer, 31_000, pathMtu, sent);
      const s = pmtuState(core, peer);
      expect(s.probes).toBe(31);
      expect(s.mtu).toBeLessThanOrEqual(pathMtu);
      expect(s.mtu).toBeGreaterThan(pathMtu - 64);
      expect(peer.minmtu).toBe(s.mtu);
      for (const len of sent) expect(len >= 64 && len <= PMTU_MAX).toBe(true);
      expect(sent.length).toBeLessThanOrEqual(30 * 3);
    }
  });

  test("after settling: a burst plus a maxmtu+8 probe every PingInterval; its echo restarts discovery", () => {
    const { core, peer } = setup(3);
    const sent: number[] = [];
    run(core, peer, 31_000, 1400, sent);
    const mtu = pmtuState(core, peer).mtu;
    sent.length = 0;
    run(core, peer, 31_000 + 61_000 + 6_000, 1400, sent);
    expect(sent).toContain(mtu + 8);
    expect(sent.length).toBe(4);
    expect(pmtuState(core, peer).probes).toBe(31);
    expect(pmtuState(core, peer).mtu).toBe(mtu);
    // The path grows: the maxmtu+8 probe is echoed and discovery resumes (at 10) toward MTU.
    sent.length = 0;
    run(core, peer, core.now + 60_000 + 30_000, 1518, sent);
    expect(sent[0]).toBe(mtu + 8);
    expect(pmtuState(core, peer).probes).toBe(31);
    expect(pmtuState(core, peer).mtu).toBeGreaterThan(mtu + 8);
  });

  test("the router's node MTU: 1518 until settled, then minmtu, kept while re-probing, 1518 after a reset", () => {
    const { core, peer } = setup(7);
    const sent: number[] = [];
    expect(pmtuRouteMtu(core, peer)).toBe(PMTU_MAX);
    run(core, peer, 5_000, 1400, sent);
    expect(peer.minmtu).toBeGreaterThan(0);
    expect(pmtuRouteMtu(core, peer)).toBe(PMTU_MAX);
    run(core, peer, 31_000, 1400, sent);
    const settled = pmtuRouteMtu(core, peer);
    expect(settled).toBe(peer.minmtu);
    expect(settled).toBeLessThanOrEqual(1400);
    expect(settled).toBeGreaterThan(1400 - 64);
    // The path grows: discovery resumes, the old MTU holds until it settles higher.
    run(core, peer, core.now + 60_000 + 2_000, 1518, sent);
    expect(pmtuState(core, peer).probes).toBeLessThan(30);
    expect(pmtuRouteMtu(core, peer)).toBe(settled);
    run(core, peer, core.now + 30_000, 1518, sent);
    expect(pmtuRouteMtu(core, peer)).toBeGreaterThan(settled);
    pmtuReset(core, peer);
    expect(pmtuRouteMtu(core, peer)).toBe(PMTU_MAX);
    expect(peer.minmtu).toBe(0);
  });

  test("a probe the local stack refuses as too big lowers maxmtu and the router's MTU at once", () => {
    const { core, peer } = setup(8);
    const sent: number[] = [];
    // The first burst (at 0 s) holds sizes in (0, 1518]; those above 1460 come back "too-big".
    run(core, peer, 0, 1460, sent, 1460);
    const refused = sent.filter((len) => len > 1460);
    const s = pmtuState(core, peer);
    expect(refused.length).toBeGreaterThan(0); // seed 8 draws one
    expect(s.maxmtu).toBe(Math.min(...refused) - 1);
    expect(pmtuRouteMtu(core, peer)).toBe(s.maxmtu);
    // Refusals narrow from above as echoes narrow from below: settled long before 30 bursts.
    run(core, peer, 15_000, 1460, sent, 1460);
    expect(s.probes).toBe(31);
    expect(pmtuRouteMtu(core, peer)).toBe(peer.minmtu);
    expect(peer.minmtu).toBeLessThanOrEqual(1460);
    expect(peer.minmtu).toBeGreaterThan(1460 - 64);
  });

  test("no replies: 9 bursts of 3 at 1 s, then one burst per PingInterval + PingTimeout", () => {
    const { core, peer } = setup(4);
    const sent: number[] = [];
    run(core, peer, 9_500, 0, sent);
    expect(sent.length).toBe(27);
    run(core, peer, 200_000, 0, sent);
    // 200 s: bursts at about 70 s and 135 s, then the next cycle (each PingInterval + PingTimeout).
    expect(sent.length).toBeGreaterThanOrEqual(27 + 6);
    expect(sent.length).toBeLessThanOrEqual(27 + 9);
    expect(peer.minmtu).toBe(0);
  });

  test("stops when the node loses its key or reachability; a later key starts afresh", () => {
    const { core, peer } = setup(5);
    const sent: number[] = [];
    run(core, peer, 3_500, 1400, sent);
    expect(peer.minmtu).toBeGreaterThan(0);
    peer.validKey = false;
    run(core, peer, 10_000, 1400, sent);
    expect(pmtuNextDeadline(core)).toBe(Infinity);
    peer.validKey = true;
    const before = sent.length;
    run(core, peer, 10_001, 1400, sent);
    expect(sent.length).toBe(before + 3);
  });

  test("links without PMTU_DISCOVERY are never probed", () => {
    const { core, peer } = setup(6);
    peer.options = 0;
    const sent: number[] = [];
    run(core, peer, 60_000, 1500, sent);
    expect(sent).toEqual([]);
    expect(pmtuNextDeadline(core)).toBe(Infinity);
  });
});
