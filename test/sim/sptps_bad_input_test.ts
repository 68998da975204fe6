import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { formatPublicKey } from "../../src/core/sptps/key_files.ts";
import { activeLink, frameTo, inject } from "./legacy_net.ts";
import { tagOf } from "./frames.ts";
import { edKey, sptpsNet } from "./sptps_net.ts";
import type { Simulator } from "./sim.ts";

const chain = [
  { name: "alice", index: 1, connectTo: ["bob"] },
  { name: "bob", index: 2 },
  { name: "carl", index: 3, connectTo: ["bob"] },
];

function drops(sim: Simulator, name: string, prefix: string): number {
  let n = 0;
  for (const [k, v] of Object.entries(sim.nodes.get(name)!.engine.dropCounts())) {
    if (k.startsWith(prefix)) n += v;
  }
  return n;
}

function internalErrors(sim: Simulator): string[] {
  return [...sim.nodes.values()].flatMap((n) => n.logs.filter((l) => l.includes("Internal error")));
}

/** Sends `count` tagged frames src → 10.61.0.dst, 100 ms apart; true when all arrived. */
function flows(sim: Simulator, src: string, dst: string, dstIndex: number, tag: number, count = 10): boolean {
  const tags: number[] = [];
  for (let i = 0; i < count; i++) {
    tags.push(tag + i);
    inject(sim, sim.nodes.get(src)!, frameTo(dstIndex, tag + i, 120));
    sim.runUntil(sim.now + 100);
  }
  sim.runUntil(sim.now + 300);
  const got = new Set(sim.nodes.get(dst)!.tun.map(tagOf));
  return tags.every((t) => got.has(t));
}

/** A two-node net with a working UDP session alice → bob, and alice's datagrams recorded. */
function established(): { sim: Simulator; datagrams: Uint8Array[] } {
  const sim = sptpsNet(chain, { sim: { logLevel: 0 } });
  sim.runUntil(2000);
  const datagrams: Uint8Array[] = [];
  sim.onUdp = (from, to, bytes) => {
    if (from === "alice" && to === "bob" && bytes.length > 100) datagrams.push(bytes.slice());
  };
  expect(flows(sim, "alice", "bob", 2, 100, 20)).toBe(true);
  delete sim.onUdp;
  return { sim, datagrams };
}

function injectUdp(sim: Simulator, to: string, fromName: string, bytes: Uint8Array): void {
  const from = sim.nodes.get(fromName)!.address;
  sim.schedule(sim.now, sim.nodes.get(to)!, (e, now) => e.onUdp(now, from, bytes));
  sim.runUntil(sim.now + 1);
}

describe("bad SPTPS input is dropped with a counted reason", () => {
  test("mutated datagrams (any byte of the record) never reach the TUN", () => {
    const { sim, datagrams } = established();
    expect(datagrams.length).toBeGreaterThan(5);
    const bob = sim.nodes.get("bob")!;
    fc.assert(
      fc.property(
        fc.nat({ max: datagrams.length - 1 }),
        fc.nat(),
        fc.integer({ min: 1, max: 255 }),
        (which, at, flip) => {
          const d = datagrams[which]!.slice();
          const pos = 12 + (at % (d.length - 12));
          d[pos] = d[pos]! ^ flip;
          const before = bob.tun.length;
          const dropped = drops(sim, "bob", "SPTPS record");
          injectUdp(sim, "bob", "alice", d);
          expect(bob.tun.length).toBe(before);
          expect(drops(sim, "bob", "SPTPS record")).toBe(dropped + 1);
        },
      ),
      { numRuns: 40, seed: 7 },
    );
    expect(internalErrors(sim)).toEqual([]);
    sim.runUntil(sim.now + 12_000);
    expect(flows(sim, "alice", "bob", 2, 500)).toBe(true);
    expect(flows(sim, "carl", "bob", 2, 600)).toBe(true);
  });

  test("replayed datagrams are dropped and traffic goes on", () => {
    const { sim, datagrams } = established();
    const bob = sim.nodes.get("bob")!;
    const before = bob.tun.length;
    for (const d of datagrams.slice(0, 5)) injectUdp(sim, "bob", "alice", d);
    expect(bob.tun.length).toBe(before);
    expect(drops(sim, "bob", "SPTPS record: replay") + drops(sim, "bob", "SPTPS record: bad-seqno"))
      .toBe(5);
    expect(flows(sim, "alice", "bob", 2, 700)).toBe(true);
    expect(internalErrors(sim)).toEqual([]);
  });

  test("a mutated meta record closes only that connection; other tunnels keep flowing; it comes back", () => {
    const { sim } = established();
    const bob = sim.nodes.get("bob")!;
    const conn = bob.engine.view().connections.find((c) => c.name === "alice")!;
    const garbage = new Uint8Array(40);
    garbage[1] = 20;
    for (let i = 2; i < garbage.length; i++) garbage[i] = (i * 37) & 0xff;
    sim.schedule(sim.now, bob, (e, now) => e.onMetaData(now, conn.id, garbage));
    sim.runUntil(sim.now + 1);
    expect(drops(sim, "bob", "meta SPTPS")).toBe(1);
    expect(activeLink(sim, "bob", "alice")).toBe(false);
    expect(flows(sim, "carl", "bob", 2, 800)).toBe(true);
    sim.runUntil(sim.now + 20_000);
    expect(activeLink(sim, "bob", "alice")).toBe(true);
    expect(flows(sim, "alice", "carl", 3, 900)).toBe(true);
    expect(internalErrors(sim)).toEqual([]);
  });

  test("wrong signatures: meta connection refused; UDP-session handshake dropped, frames still delivered", () => {
    const wrong = formatPublicKey(edKey("mallory").publicKey);
    const sim = sptpsNet(chain, {
      sim: { logLevel: 0 },
      hostOverride: (viewer, host) => (viewer === "carl" && host === "alice" ? wrong : undefined),
    });
    sim.runUntil(3000);
    expect(activeLink(sim, "bob", "carl")).toBe(true);
    expect(flows(sim, "alice", "carl", 3, 100, 20)).toBe(true);
    expect(drops(sim, "carl", "SPTPS handshake: bad-signature")).toBeGreaterThan(0);
    expect(internalErrors(sim)).toEqual([]);

    const meta = sptpsNet(chain.slice(0, 2), {
      sim: { logLevel: 0 },
      hostOverride: (viewer, host) => (viewer === "bob" && host === "alice" ? wrong : undefined),
    });
    meta.runUntil(3000);
    expect(activeLink(meta, "bob", "alice")).toBe(false);
    expect(drops(meta, "bob", "meta SPTPS")).toBeGreaterThan(0);
    expect(internalErrors(meta)).toEqual([]);
  });

  test("random datagrams, from a peer's address or an unknown one, are dropped and counted", () => {
    const { sim } = established();
    const bob = sim.nodes.get("bob")!;
    const aliceAddr = sim.nodes.get("alice")!.address;
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 200 }), fc.boolean(), (bytes, fromAlice) => {
        const before = bob.tun.length;
        const dropped = Object.values(bob.engine.dropCounts()).reduce((a, b) => a + b, 0);
        const from = fromAlice ? aliceAddr : { host: "10.60.0.77", port: 655 };
        sim.schedule(sim.now, bob, (e, now) => e.onUdp(now, from, bytes));
        sim.runUntil(sim.now + 1);
        expect(bob.tun.length).toBe(before);
        expect(Object.values(bob.engine.dropCounts()).reduce((a, b) => a + b, 0)).toBeGreaterThan(dropped);
      }),
      { numRuns: 200, seed: 11 },
    );
    expect(internalErrors(sim)).toEqual([]);
    sim.runUntil(sim.now + 12_000);
    expect(flows(sim, "alice", "bob", 2, 1000)).toBe(true);
  });
});
