import { describe, expect, test } from "bun:test";
import { activeLink } from "./legacy_net.ts";
import { sptpsNet } from "./sptps_net.ts";

const ascii = (b: Uint8Array): string => String.fromCharCode(...b);

describe("SPTPS meta connections (tinc 1.1, protocol 17.7)", () => {
  test("two 1.1 nodes: plaintext ID 17.7, then KEX records; ACK carries minor 7 in the top byte", () => {
    const sim = sptpsNet([{ name: "carol", index: 3, connectTo: ["dave"] }, { name: "dave", index: 4 }]);
    const wire = new Map<string, Uint8Array[]>();
    const origSend = sim.enqueueMeta.bind(sim);
    sim.enqueueMeta = (ep, bytes) => {
      const from = (ep.owner as { name: string }).name;
      const list = wire.get(from) ?? [];
      list.push(bytes.slice());
      wire.set(from, list);
      origSend(ep, bytes);
    };
    sim.runUntil(3000);
    expect(activeLink(sim, "carol", "dave")).toBe(true);
    expect(activeLink(sim, "dave", "carol")).toBe(true);
    for (const [name, chunks] of wire) {
      const first = chunks[0]!;
      expect(ascii(first)).toBe(`0 ${name} 17.7\n`);
      const kex = chunks[1]!;
      // len 0x0041, type 128, version 0
      expect([...kex.subarray(0, 4)]).toEqual([0x00, 0x41, 0x80, 0x00]);
      // after the ID line nothing on the wire is plaintext request text
      for (const c of chunks.slice(1)) expect(ascii(c)).not.toContain(" carol ");
    }
    const edges = sim.nodes.get("carol")!.engine.view().edges;
    const cd = edges.find((e) => e.from === "carol" && e.to === "dave")!;
    expect(cd.options >>> 24).toBe(7);
  });

  test("a peer we know the key of that announces 17.0 is refused (roll back)", () => {
    const sim = sptpsNet([{ name: "carol", index: 3, connectTo: ["dave"] }, { name: "dave", index: 4 }], {
      configFor: (n) => (n === "carol" ? { experimentalProtocol: false } : {}),
    });
    sim.runUntil(3000);
    expect(activeLink(sim, "dave", "carol")).toBe(false);
    expect(sim.nodes.get("dave")!.engine.requestStats().ID?.refused ?? 0).toBeGreaterThan(0);
  });

  test("ExperimentalProtocol = no on both: plain 1.0 protocol with ID 17.0 and no top byte", () => {
    const sim = sptpsNet([
      { name: "carol", index: 3, connectTo: ["dave"], legacy: true },
      { name: "dave", index: 4, legacy: true },
    ]);
    const lines: string[] = [];
    sim.observe = { onLine: (_f, _t, l) => lines.push(l), onPacket: () => {} };
    sim.runUntil(3000);
    expect(activeLink(sim, "carol", "dave")).toBe(true);
    expect(lines).toContain("0 carol 17.0");
    const ack = lines.find((l) => l.startsWith("4 "))!;
    expect(parseInt(ack.split(" ")[3]!, 16) >>> 24).toBe(0);
  });

  test("minor 1: a peer without our key gets it through the legacy upgrade (`4 PUBKEY`), then SPTPS", () => {
    const sim = sptpsNet([{ name: "carol", index: 3, connectTo: ["dave"] }, { name: "dave", index: 4 }], {
      knowsKey: (viewer, host) => !(viewer === "dave" && host === "carol"),
      sim: { logLevel: 3 },
      config: { debugLevel: 3 },
    });
    sim.runUntil(1000);
    const dave = sim.nodes.get("dave")!;
    expect(dave.files.map((f) => [f.path, f.mode])).toEqual([["hosts/carol", "append"]]);
    expect(dave.files[0]!.text).toMatch(/^Ed25519PublicKey = [A-Za-z0-9+/]{43}\n$/);
    expect(dave.engine.requestStats().ACK?.refused).toBe(1);
    // carol redials and this time both sides know both keys.
    sim.runUntil(30_000);
    expect(activeLink(sim, "carol", "dave")).toBe(true);
    const edge = dave.engine.view().edges.find((e) => e.from === "dave" && e.to === "carol")!;
    expect(edge.options >>> 24).toBe(7);
  });

  test("1.1 nodes with Ed25519 keys only (no RSA, security on) connect; a 1.0-mode peer is refused", () => {
    const sim = sptpsNet([
      { name: "carol", index: 3, connectTo: ["dave", "eve"] },
      { name: "dave", index: 4 },
      { name: "eve", index: 5, legacy: true },
    ], { config: { bypassSecurity: false } });
    sim.runUntil(3000);
    expect(activeLink(sim, "carol", "dave")).toBe(true);
    expect(activeLink(sim, "carol", "eve")).toBe(false);
    const stats = sim.nodes.get("carol")!.engine.requestStats();
    expect((stats.ID?.refused ?? 0) + (stats.METAKEY?.refused ?? 0)).toBeGreaterThan(0);
  });
});
