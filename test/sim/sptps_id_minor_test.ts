// The minor of the acceptor's ID line when it lacks the connector's Ed25519 key. tinc's acceptor
// answers 7 there, and a connector that knows the acceptor's key then starts SPTPS while the
// acceptor (treating the connector as minor 1) expects METAKEY: the connection never comes up.
// We answer 1, which makes that connector take the legacy upgrade path (both send `4 PUBKEY`,
// the acceptor appends the key and terminates, the redial uses SPTPS).
import { describe, expect, test } from "bun:test";
import { activeLink } from "./legacy_net.ts";
import { sptpsNet } from "./sptps_net.ts";
import type { Simulator } from "./sim.ts";

const ascii = (b: Uint8Array): string => String.fromCharCode(...b);
const encode = (s: string): Uint8Array => new TextEncoder().encode(s);

/** carol dials dave; dave lacks carol's key. Records each side's ID lines; `rewrite` edits bytes. */
function lopsided(rewrite?: (from: string, bytes: Uint8Array) => Uint8Array): {
  sim: Simulator;
  ids: Map<string, string[]>;
} {
  const sim = sptpsNet([{ name: "carol", index: 3, connectTo: ["dave"] }, { name: "dave", index: 4 }], {
    knowsKey: (viewer, host) => !(viewer === "dave" && host === "carol"),
  });
  const ids = new Map<string, string[]>();
  const send = sim.enqueueMeta.bind(sim);
  sim.enqueueMeta = (ep, bytes) => {
    const from = (ep.owner as { name: string }).name;
    const out = rewrite?.(from, bytes) ?? bytes;
    const text = ascii(out.subarray(0, 20));
    if (text.startsWith(`0 ${from} 17.`)) ids.set(from, [...ids.get(from) ?? [], text.split("\n")[0]!]);
    send(ep, out);
  };
  return { sim, ids };
}

describe("ID minor of an acceptor that lacks the connector's key", () => {
  test("we answer 17.1; the connector that knows our key upgrades us, then both use SPTPS", () => {
    const { sim, ids } = lopsided();
    sim.runUntil(30_000);
    // First connection: carol 7 (she knows dave's key), dave 1; after the upgrade both 7.
    expect(ids.get("carol")![0]).toBe("0 carol 17.7");
    expect(ids.get("dave")![0]).toBe("0 dave 17.1");
    expect(ids.get("dave")!.at(-1)).toBe("0 dave 17.7");
    expect(sim.nodes.get("dave")!.files.map((f) => f.path)).toEqual(["hosts/carol"]);
    expect(activeLink(sim, "carol", "dave")).toBe(true);
    const edge = sim.nodes.get("dave")!.engine.view().edges.find((e) =>
      e.from === "dave" && e.to === "carol"
    )!;
    expect(edge.options >>> 24).toBe(7);
  });

  test("tinc's 17.7 in that place would never connect (why we do not copy it)", () => {
    const { sim, ids } = lopsided((from, bytes) =>
      from === "dave" && ascii(bytes).startsWith("0 dave 17.1\n")
        ? Uint8Array.from([...encode("0 dave 17.7\n"), ...bytes.subarray(12)])
        : bytes
    );
    sim.runUntil(30_000);
    expect(ids.get("dave")!.length).toBeGreaterThan(1);
    expect(ids.get("dave")!.every((l) => l === "0 dave 17.7")).toBe(true);
    expect(activeLink(sim, "carol", "dave")).toBe(false);
    expect(sim.nodes.get("dave")!.files).toEqual([]);
    // carol went SPTPS on dave's 7: dave, expecting plaintext, refuses her KEX record as a line
    // (or carol gives up first on his plaintext reply); every redial ends the same way.
    expect(sim.nodes.get("dave")!.engine.requestStats().UNKNOWN?.refused ?? 0).toBeGreaterThan(0);
  });
});
