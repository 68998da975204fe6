// Bad input: ≥ 100,000 random and mutated request lines of every code, fed by fast-check into
// authenticated meta connections of a live 8-node mesh. Nothing throws inside the engine,
// memory stays bounded, the mesh keeps working, and per handler both accepted and refused
// lines are counted (a run refused wholesale at the gate would prove nothing).
import { beforeAll, describe, expect, test } from "bun:test";
import fc from "fast-check";
import { formatSubnet } from "../../src/core/subnet/subnet_text.ts";
import type { HostConfig } from "../../src/core/node/config.ts";
import { frameInto, tagOf } from "./frames.ts";
import type { Subnet } from "../../src/core/subnet/subnet.ts";
import { buildSim, type MeshSpec, randomMesh } from "./mesh.ts";
import type { Simulator } from "./sim.ts";

const LINES = 100_000;
const MAX_NODES = 40;
const MAX_SEEN = 20_000;
const MAX_SUBNETS = 6;
const TARGETS = ["n0002", "n0005"];
const MALLORY = "mallory";

let spec: MeshSpec;
let sim: Simulator;
let initialConnections: Map<string, string[]>;

function activePeers(s: Simulator, name: string): string[] {
  return s.nodes.get(name)!.engine.view().connections.filter((c) =>
    c.phase === "active" && c.name !== MALLORY
  )
    .map((c) => c.name!).sort();
}

beforeAll(() => {
  spec = randomMesh(8, 4, 77);
  const extraHosts = new Map<string, HostConfig>([[MALLORY, { addresses: [], subnets: [] }]]);
  sim = buildSim(spec, {
    sim: { seed: 3, maxChunk: 0, logLevel: 0 },
    config: {
      maxNodes: MAX_NODES,
      maxSeenRequests: MAX_SEEN,
      maxSubnetsPerNode: MAX_SUBNETS,
      pingInterval: 60,
    },
    extraHosts,
  });
  expect(sim.runUntilSettled(3000, 120_000)).toBe(true);
  initialConnections = new Map(spec.names.map((n) => [n, activePeers(sim, n)]));
});

// ---- line generators ------------------------------------------------------------------------

const goodName = fc.constantFrom(
  "n0000",
  "n0001",
  "n0002",
  "n0003",
  "n0004",
  "n0005",
  "n0006",
  "n0007",
  MALLORY,
);
// Unknown but valid names come from a small pool: each creates a node, and every reconnect
// sends everything we know, so an unbounded pool would only make the run slow.
const junkName = fc.integer({ min: 0, max: 29 }).map((i) => `x${i}`);
const anyName = fc.oneof(
  { weight: 12, arbitrary: goodName },
  { weight: 1, arbitrary: junkName },
  {
    weight: 1,
    arbitrary: fc.string({ unit: "binary-ascii", maxLength: 12 }).filter((n) => !/^[A-Za-z0-9_]+$/.test(n)),
  },
);
const nonce = fc.integer({ min: 0, max: 0x7fffffff }).map((n) => n.toString(16));
const subnetText = fc.oneof(
  fc.tuple(
    fc.integer({ min: 0, max: 255 }),
    fc.integer({ min: 0, max: 255 }),
    fc.integer({ min: 0, max: 32 }),
  )
    .map(([a, b, p]) => `10.${a}.${b}.0/${p}#10`),
  fc.tuple(fc.integer({ min: 0, max: 0xffff }), fc.integer({ min: 0, max: 128 })).map(([g, p]) =>
    `fd00:${g.toString(16)}::/${p}`
  ),
  fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 6, maxLength: 6 }).map((m) =>
    m.map((x) => x.toString(16)).join(":")
  ),
  fc.constantFrom(...spec_subnets()),
);
function spec_subnets(): string[] {
  // The real subnets of the mesh (the seed is fixed), so DEL_SUBNET sometimes hits.
  return [...randomMesh(8, 4, 77).subnets.values()].flat().map((s: Subnet) => formatSubnet(s));
}
const port = fc.oneof(fc.constant("655"), fc.integer({ min: 0, max: 70000 }).map(String));
const addr = fc.oneof(fc.constant("10.0.0.3"), fc.ipV4(), fc.ipV6(), fc.constant("bogus"));
const hexKey = fc.oneof(
  fc.integer({ min: 0, max: 255 }).map((n) => n.toString(16).padStart(2, "0")),
  fc.stringMatching(/^[0-9A-Fa-f]{0,8}$/),
);
const smallInt = fc.oneof(
  fc.integer({ min: -2, max: 100 }),
  fc.constantFrom(427, 672, 0x7fffffff, -0x80000000),
);

/**
 * Valid-shaped lines of every request code. The handlers past the gate get most of the weight;
 * the codes that always close the connection (auth requests on an active connection, STATUS,
 * ERROR, TERMREQ, unknown codes) stay present but rarer, or every run would be reconnecting.
 */
const template: fc.Arbitrary<string> = fc.oneof(
  { weight: 1, arbitrary: anyName.map((n) => `0 ${n} 17`) },
  { weight: 1, arbitrary: hexKey.map((k) => `1 429 672 0 0 ${k}`) },
  { weight: 1, arbitrary: hexKey.map((k) => `2 ${k}`) },
  { weight: 1, arbitrary: hexKey.map((k) => `3 ${k}`) },
  { weight: 1, arbitrary: fc.tuple(port, smallInt).map(([p, w]) => `4 ${p} ${w} c`) },
  { weight: 1, arbitrary: fc.constantFrom("5 0 x", "6 1 y", "7") },
  { weight: 5, arbitrary: fc.constantFrom("8", "9") },
  { weight: 5, arbitrary: fc.tuple(nonce, anyName, subnetText).map(([x, o, s]) => `10 ${x} ${o} ${s}`) },
  { weight: 5, arbitrary: fc.tuple(nonce, anyName, subnetText).map(([x, o, s]) => `11 ${x} ${o} ${s}`) },
  {
    weight: 5,
    arbitrary: fc.tuple(nonce, anyName, anyName, addr, port, fc.integer({ min: 0, max: 15 }), smallInt).map(
      ([x, f, t, a, p, o, w]) => `12 ${x} ${f} ${t} ${a} ${p} ${o.toString(16)} ${w}`,
    ),
  },
  { weight: 5, arbitrary: fc.tuple(nonce, anyName, anyName).map(([x, f, t]) => `13 ${x} ${f} ${t}`) },
  { weight: 5, arbitrary: fc.tuple(nonce, anyName).map(([x, o]) => `14 ${x} ${o}`) },
  { weight: 5, arbitrary: fc.tuple(anyName, anyName).map(([f, t]) => `15 ${f} ${t}`) },
  {
    weight: 5,
    arbitrary: fc.tuple(anyName, anyName, hexKey, smallInt, smallInt, smallInt, smallInt).map(
      ([f, t, k, c, d, m, z]) => `16 ${f} ${t} ${k} ${c} ${d} ${m} ${z}`,
    ),
  },
  // PACKET: the next LEN bytes are a raw frame, swallowing the lines that follow; mostly short.
  {
    weight: 5,
    arbitrary: fc.oneof(
      { weight: 9, arbitrary: fc.integer({ min: 0, max: 80 }) },
      { weight: 1, arbitrary: fc.integer({ min: 0, max: 3000 }) },
    ).map((n) => `17 ${n}`),
  },
  { weight: 1, arbitrary: fc.integer({ min: 18, max: 30 }).map((n) => `${n} 1 2 3`) },
);

/** Token- and character-level mutations of a template line. */
const mutated: fc.Arbitrary<string> = fc.tuple(
  template,
  fc.array(
    fc.tuple(
      fc.constantFrom("replace", "delete", "duplicate", "insertChar", "deleteChar", "append", "swap"),
      fc.nat(),
      fc.oneof(
        fc.string({ unit: "binary-ascii", maxLength: 6 }).filter((n) => !/^[A-Za-z0-9_]+$/.test(n)),
        anyName,
        fc.integer({ min: -20, max: 20 }).map(String),
        fc.constantFrom("2147483648", "-2147483649", "99999999999", "ffffffffff", "0x10"),
        nonce,
      ),
    ),
    { minLength: 1, maxLength: 3 },
  ),
).map(([line, ops]) => {
  let tokens = line.split(" ");
  for (const [op, at, text] of ops) {
    const i = at % Math.max(1, tokens.length);
    if (op === "replace") tokens[i] = text;
    else if (op === "delete") tokens.splice(i, 1);
    else if (op === "duplicate") tokens.splice(i, 0, tokens[i] ?? "");
    else if (op === "append") tokens.push(text);
    else if (op === "swap" && tokens.length > 1) {
      const j = (i + 1) % tokens.length;
      [tokens[i], tokens[j]] = [tokens[j]!, tokens[i]!];
    } else {
      const joined = tokens.join(" ");
      const k = at % Math.max(1, joined.length);
      tokens = (op === "insertChar"
        ? joined.slice(0, k) + text.slice(0, 1) + joined.slice(k)
        : joined.slice(0, k) + joined.slice(k + 1)).split(" ");
    }
  }
  return tokens.join(" ");
});

const anyLine = fc.oneof(
  { weight: 10, arbitrary: template },
  { weight: 5, arbitrary: mutated },
  { weight: 1, arbitrary: fc.string({ unit: "binary-ascii", maxLength: 60 }) },
).map((l) => l.replace(/\n/g, " "));

// ---- the run --------------------------------------------------------------------------------

describe("hostile lines on authenticated connections", () => {
  test(`${LINES} random and mutated lines: contained, bounded, mesh still works`, () => {
    const fed = (): number => {
      let total = 0;
      for (const t of TARGETS) {
        for (const [name, s] of Object.entries(sim.nodes.get(t)!.engine.requestStats(MALLORY))) {
          // The handshake's ACK of each reconnection is ours, not a fuzzed line.
          total += s.accepted + s.ignored + s.refused - (name === "ACK" ? s.accepted : 0);
        }
      }
      return total;
    };
    const handshake = new TextEncoder().encode("0 mallory 17\n4 655 50 8\n");
    const peers = new Map<string, ReturnType<Simulator["acceptExternalNow"]>>();
    let lines = 0;
    let maxSeen = 0;
    let maxNodes = 0;
    let maxSubnets = 0;
    const feedLine = (target: string, line: string): void => {
      let peer = peers.get(target);
      if (peer === undefined || !peer.open) {
        peer = sim.acceptExternalNow(target, MALLORY, "192.0.2.66");
        peers.set(target, peer);
        peer.feed(handshake);
      }
      peer.feed(new TextEncoder().encode(line + "\n"));
      if (++lines % 500 === 0) {
        // Let the mesh carry what was accepted (floods, key requests, relayed packets).
        sim.runUntil(sim.now + 1000);
        for (const n of sim.nodes.values()) {
          const m = n.engine.memoryFigures();
          maxSeen = Math.max(maxSeen, m.seenRequests);
          maxNodes = Math.max(maxNodes, m.nodes);
          maxSubnets = Math.max(maxSubnets, m.subnets);
        }
      }
    };
    let generated = 0;
    for (let batch = 0; fed() < LINES && batch < 100; batch++) {
      // fast-check drives the generation; each run hands one line to one target's connection.
      fc.assert(
        fc.property(anyLine, fc.nat(TARGETS.length - 1), (line, which) => {
          generated++;
          feedLine(TARGETS[which]!, line);
          return true;
        }),
        { numRuns: 10_000, seed: 1000 + batch },
      );
    }
    sim.runUntil(sim.now + 5000);
    expect(fed()).toBeGreaterThanOrEqual(LINES);

    // Per-handler outcomes of mallory's lines.
    const table: Record<string, { accepted: number; ignored: number; refused: number }> = {};
    for (const t of TARGETS) {
      for (const [name, s] of Object.entries(sim.nodes.get(t)!.engine.requestStats(MALLORY))) {
        const row = table[name] ??= { accepted: 0, ignored: 0, refused: 0 };
        row.accepted += s.accepted;
        row.ignored += s.ignored;
        row.refused += s.refused;
      }
    }
    console.log(`fuzz: ${generated} lines generated, ${fed()} handled after authentication `);
    console.table(table);
    for (
      const name of [
        "ADD_SUBNET",
        "DEL_SUBNET",
        "ADD_EDGE",
        "DEL_EDGE",
        "KEY_CHANGED",
        "REQ_KEY",
        "ANS_KEY",
        "PACKET",
      ]
    ) {
      expect({ name, accepted: table[name]!.accepted > 0, refused: table[name]!.refused > 0 }).toEqual({
        name,
        accepted: true,
        refused: true,
      });
    }

    // Nothing was thrown inside any engine.
    for (const n of sim.nodes.values()) {
      expect(n.logs.filter((l) => l.includes("Internal error"))).toEqual([]);
    }

    // Memory stayed bounded; the dedup cache ages out.
    // Mutations put nonces and numbers where names go, so new names keep coming: the node
    // limit must have been reached and held.
    expect(maxNodes).toBe(MAX_NODES);
    expect(maxSeen).toBeLessThanOrEqual(MAX_SEEN);
    expect(maxSubnets).toBeLessThanOrEqual(MAX_NODES * MAX_SUBNETS);
    for (const p of peers.values()) p.endpoint.closed = true;
    sim.runUntil(sim.now + 130_000);
    for (const n of sim.nodes.values()) expect(n.engine.memoryFigures().seenRequests).toBeLessThan(200);

    // The mesh still works: every original link is up (PINGs answered across two intervals),
    // every original node reaches every other, and a new subnet still floods everywhere.
    for (const name of spec.names) expect(activePeers(sim, name)).toEqual(initialConnections.get(name)!);
    for (const name of spec.names) {
      const reach = sim.nodes.get(name)!.engine.view().nodes.filter((n) => spec.names.includes(n.name));
      expect(reach.every((n) => n.reachable)).toBe(true);
    }
    // An edge change still floods: drop one original link, everyone sees its edges go; the
    // dialling side reconnects and everyone sees them back.
    const link = spec.links[0]!;
    const hasEdge = (viewer: string): boolean =>
      sim.nodes.get(viewer)!.engine.view().edges.some((e) => e.from === link.a && e.to === link.b);
    expect(spec.names.every(hasEdge)).toBe(true);
    expect(sim.nodes.get(link.a)!.engine.onControl(sim.now, { type: "disconnect", name: link.b })).toEqual({
      ok: true,
    });
    sim.runUntil(sim.now + 1000);
    expect(spec.names.filter(hasEdge)).toEqual([]);
    expect(sim.runUntilSettled(2000, sim.now + 60_000)).toBe(true);
    expect(spec.names.every(hasEdge)).toBe(true);
    // And a frame still crosses the mesh to a real subnet.
    const dst = spec.names[7]!;
    const before = sim.nodes.get(dst)!.tun.length;
    sim.tunFrame(spec.names[0]!, frameInto(spec.subnets.get(dst)![0]!, 4242));
    sim.runUntil(sim.now + 2000);
    expect(sim.nodes.get(dst)!.tun.slice(before).map(tagOf)).toEqual([4242]);
  }, 120_000);
});
