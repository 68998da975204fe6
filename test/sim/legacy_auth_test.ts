// tinc 1.0 RSA authentication and legacy packet crypto between simulated engines: the handshake
// in clear up to each METAKEY and encrypted after it, frames over "UDP" under aes-256-cbc +
// HMAC-SHA256/4 with tinc's datagram sizes, refusals with logged reasons (unknown names, missing
// or wrong keys, a failed challenge), KeyExpire rotation, and a corrupted meta byte closing only
// its own connection.
import { beforeAll, describe, expect, test } from "bun:test";
import { buildMetakey, metaStreamFromSecret, randomBytesFrom } from "../../src/core/crypto/legacy/mod.ts";
import { parsePublicKeyPem } from "../../src/core/crypto/legacy/rsa_pem.ts";
import {
  activeLink,
  cbcDatagramSize,
  fixtureKey,
  frameTo,
  inject,
  legacyNet,
  type Party,
  testKey,
} from "./legacy_net.ts";
import { type LegacyCryptoProvider, pureLegacyCrypto } from "../../src/core/crypto/legacy/provider.ts";
import { nativeLegacyCrypto } from "../../src/crypto/legacy_native.ts";
import { createCompressor } from "../../src/core/compress/mod.ts";
import { storedForm } from "../../src/core/node/auth/legacy_compress.ts";
import { TINC_PACKET_DEFAULTS } from "../../src/core/node/config.ts";
import { SeededRandom } from "./rng.ts";
import type { Simulator } from "./sim.ts";
import { tagOf } from "./frames.ts";

const alice: Party = { name: "alice", index: 1, key: fixtureKey("alice"), connectTo: ["bob"] };
const bob: Party = { name: "bob", index: 2, key: fixtureKey("bob") };
const carol: Party = { name: "carol", index: 3, key: testKey("carol"), connectTo: ["bob"] };

function tunTags(sim: Simulator, name: string): number[] {
  return sim.nodes.get(name)!.tun.map(tagOf);
}

function logsOf(sim: Simulator, name: string): string[] {
  return sim.nodes.get(name)!.logs;
}

describe("two engines with the fixture's 2048-bit keys", () => {
  let sim: Simulator;
  let settled = false;
  const lines: Array<{ from: string; line: string }> = [];
  const datagrams: Array<{ from: string; size: number }> = [];
  beforeAll(() => {
    sim = legacyNet([alice, bob], { sim: { logLevel: 0 } });
    sim.observe = { onLine: (from, _to, line) => lines.push({ from, line }), onPacket: () => {} };
    sim.onUdp = (from, _to, d) => datagrams.push({ from, size: d.length });
    settled = sim.runUntilSettled(2000, 60_000);
  });

  test("authenticate and activate the connection", () => {
    expect(settled).toBe(true);
    expect(activeLink(sim, "alice", "bob")).toBe(true);
    expect(activeLink(sim, "bob", "alice")).toBe(true);
    const stats = sim.nodes.get("bob")!.engine.requestStats();
    for (const name of ["ID", "METAKEY", "CHALLENGE", "CHAL_REPLY", "ACK"]) {
      expect(stats[name]?.accepted).toBe(1);
    }
    const view = sim.nodes.get("alice")!.engine.view();
    expect(view.nodes.find((n) => n.name === "bob")?.reachable).toBe(true);
  });

  test("ID and METAKEY go in clear, everything after METAKEY is encrypted", () => {
    for (const who of ["alice", "bob"]) {
      const mine = lines.filter((l) => l.from === who).map((l) => l.line);
      expect(mine[0]).toBe(`0 ${who} 17`);
      expect(mine[1]).toMatch(/^1 429 672 0 0 [0-9A-F]{512}$/);
      // No later line is readable: an ACK, CHAL_REPLY or ADD_SUBNET would be if it went in clear.
      for (const line of mine.slice(2)) expect(line).not.toMatch(/^(2|3) [0-9A-F]+$|^4 655 |^10 [0-9a-f]+ /);
    }
  });

  test("frames cross over UDP both ways with tinc's datagram sizes", () => {
    datagrams.length = 0;
    const lengths = [42, 43, 59, 60, 75, 76, 100, 500, 1000, 1400, 1500];
    lengths.forEach((len, i) => {
      inject(sim, sim.nodes.get("alice")!, frameTo(2, 100 + i, len));
      inject(sim, sim.nodes.get("bob")!, frameTo(1, 200 + i, len));
      sim.runUntil(sim.now + 50);
    });
    expect(tunTags(sim, "bob")).toEqual(lengths.map((_, i) => 100 + i));
    expect(tunTags(sim, "alice")).toEqual(lengths.map((_, i) => 200 + i));
    expect(sim.nodes.get("bob")!.tun.map((f) => f.length)).toEqual(lengths);
    for (const who of ["alice", "bob"]) {
      expect(datagrams.filter((d) => d.from === who).map((d) => d.size)).toEqual(
        lengths.map((l) => cbcDatagramSize(l)),
      );
    }
  });
});

describe("the LegacyCryptoProvider port", () => {
  test("a node on the native provider talks to a node on the pure one", () => {
    const calls = { stream: 0, packet: 0 };
    const counting: LegacyCryptoProvider = {
      name: "counting-native",
      createPacketCodec: (p) => {
        calls.packet++;
        return nativeLegacyCrypto.createPacketCodec(p);
      },
      createStreamCipher: (nid, key, iv, dir) => {
        calls.stream++;
        return nativeLegacyCrypto.createStreamCipher(nid, key, iv, dir);
      },
    };
    const sim = legacyNet([alice, bob], {
      configFor: (name) => (name === "bob" ? { legacyCrypto: counting } : { legacyCrypto: pureLegacyCrypto }),
    });
    expect(sim.runUntilSettled(2000, 60_000)).toBe(true);
    let udp = 0;
    sim.onUdp = () => udp++;
    for (let i = 0; i < 3; i++) {
      inject(sim, sim.nodes.get("alice")!, frameTo(2, 10 + i, 700));
      inject(sim, sim.nodes.get("bob")!, frameTo(1, 20 + i, 700));
      sim.runUntil(sim.now + 50);
    }
    expect(tunTags(sim, "bob")).toEqual([10, 11, 12]);
    expect(tunTags(sim, "alice")).toEqual([20, 21, 22]);
    expect(udp).toBe(6);
    expect(calls.stream).toBe(2);
    expect(calls.packet).toBeGreaterThanOrEqual(2);
  });
});

describe("compression chosen by the receiver", () => {
  test("alice asks for LZO: bob compresses toward her (real encoder, or stored form without one)", () => {
    for (const bobHasCompressor of [true, false]) {
      const sim = legacyNet([alice, bob], {
        configFor: (name) =>
          name === "alice"
            ? { packet: { ...TINC_PACKET_DEFAULTS, compression: 10 }, compressor: createCompressor() }
            : bobHasCompressor
            ? { compressor: createCompressor() }
            : {},
      });
      expect(sim.runUntilSettled(2000, 60_000)).toBe(true);
      const sizes: Array<[string, number]> = [];
      sim.onUdp = (from, _to, d) => sizes.push([from, d.length]);
      const frame = frameTo(1, 77, 1200);
      frame.fill(0x41, 40);
      inject(sim, sim.nodes.get("bob")!, frame);
      inject(sim, sim.nodes.get("alice")!, frameTo(2, 78, 1200));
      sim.runUntil(sim.now + 100);
      expect(sim.nodes.get("alice")!.tun.map((f) => [...f])).toEqual([[...frame]]);
      expect(tunTags(sim, "bob")).toEqual([78]);
      const fromBob = sizes.find(([f]) => f === "bob")![1];
      if (bobHasCompressor) expect(fromBob).toBeLessThan(200);
      else expect(fromBob).toBe(cbcDatagramSize(storedForm(10, frame)!.length));
      expect(sizes.find(([f]) => f === "alice")![1]).toBe(cbcDatagramSize(1200));
    }
  });
});

describe("meta bytes cut into random small reads", () => {
  test("the stream switch at METAKEY holds for any chunking", () => {
    for (const seed of [1, 2, 3, 4]) {
      const sim = legacyNet([alice, bob, carol], { sim: { seed, maxChunk: 1 + seed * 5 } });
      expect(sim.runUntilSettled(2000, 60_000)).toBe(true);
      inject(sim, sim.nodes.get("alice")!, frameTo(3, 7, 120));
      sim.runUntil(sim.now + 500);
      expect(tunTags(sim, "carol")).toEqual([7]);
    }
  });
});

describe("three engines in a chain", () => {
  test("all reach each other and alice↔carol traffic flows over UDP directly", () => {
    const sim = legacyNet([alice, bob, carol]);
    const settled = sim.runUntilSettled(2000, 60_000);
    expect(settled).toBe(true);
    const view = sim.nodes.get("alice")!.engine.view();
    expect(view.nodes.filter((n) => n.reachable).map((n) => n.name)).toEqual(["alice", "bob", "carol"]);
    const sizes: Array<[string, string, number]> = [];
    sim.onUdp = (from, to, d) => sizes.push([from, to, d.length]);
    for (let i = 0; i < 5; i++) {
      inject(sim, sim.nodes.get("alice")!, frameTo(3, 300 + i, 200));
      inject(sim, sim.nodes.get("carol")!, frameTo(1, 400 + i, 200));
      sim.runUntil(sim.now + 200);
    }
    expect(tunTags(sim, "carol").filter((t) => t >= 300 && t < 400).length).toBeGreaterThanOrEqual(4);
    expect(tunTags(sim, "alice").filter((t) => t >= 400).length).toBeGreaterThanOrEqual(4);
    expect(sim.nodes.get("bob")!.tun.length).toBe(0);
    const direct = sizes.filter(([f, t]) =>
      (f === "alice" && t === "carol") || (f === "carol" && t === "alice")
    );
    expect(direct.length).toBeGreaterThanOrEqual(8);
    for (const [, , size] of direct) expect(size).toBe(cbcDatagramSize(200));
  });
});

describe("ANS_KEY through a hop", () => {
  test("the hop appends the originator's UDP address once it has a path MTU toward the recipient", () => {
    const sim = legacyNet([alice, bob, carol], {
      sim: { logLevel: 4 },
      config: { pmtuDiscovery: true, debugLevel: 4 },
    });
    expect(sim.runUntilSettled(2000, 60_000)).toBe(true);
    inject(sim, sim.nodes.get("alice")!, frameTo(3, 1, 100));
    sim.runUntil(sim.now + 1000);
    const got = logsOf(sim, "alice").filter((l) =>
      l.includes("Got request") && l.includes('"line":"16 carol alice')
    );
    expect(got.length).toBeGreaterThanOrEqual(1);
    expect(got[0]).toMatch(/"line":"16 carol alice [0-9A-F]{96} 427 672 4 0 10\.60\.0\.3 655"/);
    expect(logsOf(sim, "bob").some((l) => l.includes("Appending reflexive UDP address to ANS_KEY"))).toBe(
      true,
    );
    expect(tunTags(sim, "carol")).toEqual([1]);
  });
});

describe("refusals", () => {
  test("an unknown name, a host without a key and our own name are refused with a reason", () => {
    const sim = legacyNet([bob, { ...carol, connectTo: [] }], {
      sim: { logLevel: 0 },
      hostEdit: (
        _viewer,
        host,
        entry,
      ) => (host === "carol" ? { addresses: entry.addresses, subnets: [] } : entry),
    });
    sim.runUntil(100);
    const peers = ["mallory", "carol", "bob"].map((name) => {
      const ext = sim.connectExternal("bob", name, "10.60.0.66");
      sim.runUntil(sim.now + 10);
      ext.send(new TextEncoder().encode(`0 ${name} 17\n`));
      sim.runUntil(sim.now + 50);
      return ext;
    });
    for (const ext of peers) expect(ext.open).toBe(false);
    const logs = logsOf(sim, "bob").join("\n");
    expect(logs).toContain("Refusing ID: no hosts file for mallory");
    expect(logs).toContain("Refusing ID: no public RSA key known for carol");
    expect(logs).toContain("Refusing ID: peer has our own name");
  });

  test("a wrong public key never lets the connection become active", () => {
    const sim = legacyNet([alice, bob], {
      sim: { logLevel: 0 },
      // bob holds carol's key as alice's: bob's METAKEY cannot be read by the real alice.
      hostEdit: (viewer, host, entry) =>
        viewer === "bob" && host === "alice" ? { ...entry, publicKeyPem: carol.key.publicPem } : entry,
    });
    sim.runUntil(30_000);
    expect(activeLink(sim, "alice", "bob")).toBe(false);
    expect(activeLink(sim, "bob", "alice")).toBe(false);
    expect(logsOf(sim, "alice").some((l) => l.includes("Refusing METAKEY"))).toBe(true);
  });

  test("an impostor without the private key fails the challenge; the real alice stays connected", () => {
    const sim = legacyNet([bob, alice], { sim: { logLevel: 0 } });
    expect(sim.runUntilSettled(2000, 60_000)).toBe(true);
    const ext = sim.connectExternal("bob", "alice", "10.60.0.1");
    sim.runUntil(sim.now + 10);
    // The impostor can build a valid METAKEY to bob (bob's key is public) but cannot read bob's
    // stream, which is encrypted to alice's key, so it cannot answer bob's challenge.
    const bobKey = parsePublicKeyPem(bob.key.publicPem);
    if (!bobKey.ok) throw new Error(bobKey.reason);
    const random = randomBytesFrom(new SeededRandom(5));
    const metakey = buildMetakey(bobKey.value, random);
    if (!metakey.ok) throw new Error(metakey.reason);
    const stream = metaStreamFromSecret(metakey.value.secret, 429, "encrypt");
    if (!stream.ok) throw new Error(stream.reason);
    const text = new TextEncoder();
    ext.send(text.encode(`0 alice 17\n1 429 672 0 0 ${metakey.value.hex}\n`));
    const challenge = Array.from(random(256), (b) => b.toString(16).padStart(2, "0")).join("").toUpperCase();
    ext.send(stream.value.update(text.encode(`2 ${challenge}\n3 ${"AB".repeat(32)}\n`)));
    sim.runUntil(sim.now + 200);
    expect(ext.open).toBe(false);
    expect(logsOf(sim, "bob").join("\n")).toContain("Refusing CHAL_REPLY: alice failed the challenge");
    expect(activeLink(sim, "bob", "alice")).toBe(true);
    expect(sim.nodes.get("bob")!.engine.view().connections.length).toBe(1);
  });

  test("METAKEYs that tinc refuses: cipher or digest none, unknown NIDs, wrong length, bogus MAC length", () => {
    const bobKey = parsePublicKeyPem(bob.key.publicPem);
    if (!bobKey.ok) throw new Error(bobKey.reason);
    const random = randomBytesFrom(new SeededRandom(9));
    const hex = buildMetakey(bobKey.value, random);
    if (!hex.ok) throw new Error(hex.reason);
    const cases: Array<[string, string]> = [
      [`1 0 672 0 0 ${hex.value.hex}`, "cipher NID 0"],
      [`1 429 0 0 0 ${hex.value.hex}`, "digest NID 0"],
      [`1 4242 672 0 0 ${hex.value.hex}`, "4242"],
      [`1 429 672 0 0 ${hex.value.hex.slice(2)}`, "expected 512"],
      [`1 429 672 33 0 ${hex.value.hex}`, "bogus MAC length 33"],
    ];
    const sim = legacyNet([bob, { ...alice, connectTo: [] }], { sim: { logLevel: 0 } });
    sim.runUntil(100);
    for (const [line] of cases) {
      const ext = sim.connectExternal("bob", "alice", "10.60.0.1");
      sim.runUntil(sim.now + 10);
      ext.send(new TextEncoder().encode(`0 alice 17\n${line}\n`));
      sim.runUntil(sim.now + 50);
      expect(ext.open).toBe(false);
    }
    const refusals = logsOf(sim, "bob").filter((l) => l.includes("Refusing METAKEY"));
    expect(refusals.length).toBe(cases.length);
    cases.forEach(([, reason], i) => expect(refusals[i]).toContain(reason));
  });

  test("a connection still authenticating after PingTimeout is closed", () => {
    const sim = legacyNet([bob, { ...alice, connectTo: [] }], {
      sim: { logLevel: 1 },
      config: { debugLevel: 1 },
    });
    sim.runUntil(100);
    const ext = sim.connectExternal("bob", "alice", "10.60.0.1");
    sim.runUntil(sim.now + 10);
    ext.send(new TextEncoder().encode("0 alice 17\n"));
    sim.runUntil(sim.now + 4000);
    expect(ext.open).toBe(true);
    sim.runUntil(sim.now + 8000);
    expect(ext.open).toBe(false);
    expect(logsOf(sim, "bob").join("\n")).toContain("timeout during authentication");
  });
});

describe("keys over time", () => {
  test("KeyExpire rotation keeps traffic flowing", () => {
    const sim = legacyNet([alice, bob], { sim: { logLevel: 2 }, config: { keyExpire: 20, debugLevel: 2 } });
    expect(sim.runUntilSettled(2000, 10_000)).toBe(true);
    let udp = 0;
    sim.onUdp = () => udp++;
    const send = (tag: number): void => {
      inject(sim, sim.nodes.get("alice")!, frameTo(2, tag, 300));
      inject(sim, sim.nodes.get("bob")!, frameTo(1, tag, 300));
      sim.runUntil(sim.now + 100);
    };
    send(1);
    expect(udp).toBe(2);
    sim.runUntil(45_000);
    for (const who of ["alice", "bob"]) {
      expect(logsOf(sim, who).filter((l) => l.includes("Expiring symmetric keys")).length)
        .toBeGreaterThanOrEqual(2);
    }
    udp = 0;
    send(2);
    send(3);
    expect(udp).toBe(4);
    expect(tunTags(sim, "bob")).toEqual([1, 2, 3]);
    expect(tunTags(sim, "alice")).toEqual([1, 2, 3]);
  });

  test("a flipped byte on an authenticated meta stream closes only that connection", () => {
    const sim = legacyNet([alice, bob, carol], { sim: { logLevel: 0 }, config: { pingInterval: 10 } });
    expect(sim.runUntilSettled(2000, 10_000)).toBe(true);
    const bobNode = sim.nodes.get("bob")!;
    const fromAlice = bobNode.engine.view().connections.find((c) => c.name === "alice")!.id;
    const deliver = bobNode.engine.onMetaData.bind(bobNode.engine);
    let flipped = false;
    bobNode.engine.onMetaData = (now, conn, bytes) => {
      if (!flipped && conn === fromAlice) {
        flipped = true;
        const copy = bytes.slice();
        copy[0] = copy[0]! ^ 0x80;
        return deliver(now, conn, copy);
      }
      return deliver(now, conn, bytes);
    };
    for (let guard = 0; guard < 100 && !flipped; guard++) sim.runUntil(sim.now + 500);
    expect(flipped).toBe(true);
    sim.runUntil(sim.now + 1);
    expect(activeLink(sim, "bob", "alice")).toBe(false);
    expect(activeLink(sim, "bob", "carol")).toBe(true);
    expect(logsOf(sim, "bob").some((l) => l.includes("Refusing"))).toBe(true);
    // alice dials again and authenticates afresh.
    expect(sim.runUntilSettled(2000, sim.now + 30_000)).toBe(true);
    expect(activeLink(sim, "bob", "alice")).toBe(true);
  });
});
