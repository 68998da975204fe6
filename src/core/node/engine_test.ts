// One engine driven by hand through its inputs: the ID/ACK gate, and every contradiction and
// dedup bullet of tinc's edge and subnet handlers, checked on the lines the engine sends.
import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { Engine } from "./engine.ts";
import { type HostConfig, withDefaults } from "./config.ts";
import type { Effects, SockAddr } from "./effects.ts";
import type { Subnet } from "../subnet/subnet.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();

function v4(a: number, b: number, c: number, d: number, prefix: number): Subnet {
  return { kind: "ipv4", address: Uint8Array.of(a, b, c, d), prefix, weight: 10 };
}

interface Harness {
  engine: Engine;
  sent: Map<number, string[]>;
  closed: number[];
  /** Connections closed with the tarpit flag (tinc's treatment of failed peers). */
  tarpitted: number[];
  scripts: Array<{ name: string; env: Record<string, string> }>;
  udp: Array<{ to: SockAddr; bytes: Uint8Array }>;
  tun: Uint8Array[];
  logs: string[];
  /** Lines sent on `conn` since the last call. */
  take(conn: number): string[];
}

function harness(
  options: Partial<Parameters<typeof withDefaults>[0]> & { hostsExtra?: string[] } = {},
): Harness {
  const { hostsExtra, ...extra } = options;
  const hosts = new Map<string, HostConfig>([
    ["alpha", { addresses: [], subnets: [v4(10, 1, 0, 0, 16)] }],
    ["beta", { addresses: [{ host: "192.0.2.2", port: 655 }], subnets: [] }],
    ["gamma", { addresses: [], subnets: [] }],
  ]);
  for (const n of hostsExtra ?? []) if (!hosts.has(n)) hosts.set(n, { addresses: [], subnets: [] });
  const sent = new Map<number, string[]>();
  const h: Harness = {
    engine: undefined as unknown as Engine,
    sent,
    closed: [],
    tarpitted: [],
    scripts: [],
    udp: [],
    tun: [],
    logs: [],
    take(conn) {
      const lines = sent.get(conn) ?? [];
      sent.set(conn, []);
      return lines;
    },
  };
  let nextConn = 100;
  const rawPending = new Map<number, boolean>();
  const fx: Effects = {
    sendMeta: (conn, bytes) => {
      // Lines only; the raw frame after `17 LEN` comes in a call of its own and is skipped.
      const list = sent.get(conn) ?? [];
      if (rawPending.get(conn)) rawPending.set(conn, false);
      else {
        for (const line of dec.decode(bytes).split("\n")) if (line !== "") list.push(line);
        if (/^17 \d+$/.test(list[list.length - 1] ?? "")) rawPending.set(conn, true);
      }
      sent.set(conn, list);
    },
    connect: () => nextConn++,
    close: (conn, tarpit) => {
      h.closed.push(conn);
      if (tarpit === true) h.tarpitted.push(conn);
    },
    sendUdp: (to, bytes) => void h.udp.push({ to, bytes }),
    writeTun: (frame) => h.tun.push(frame),
    runScript: (name, env) => h.scripts.push({ name, env }),
    readFile: () => {},
    writeFile: () => {},
    resolve: () => {},
    log: (level, message, fields) => h.logs.push(`${level} ${message} ${JSON.stringify(fields)}`),
  };
  let seed = 1;
  h.engine = new Engine(
    withDefaults({ name: "alpha", hosts, debugLevel: 5, ...extra }),
    fx,
    { nextU32: () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) },
  );
  h.engine.start(0);
  return h;
}

/** An accepted connection from `peer`, authenticated with --bypass-security. */
function accept(h: Harness, conn: number, peer: string, now = 10): void {
  h.engine.onMetaConnected(now, conn, { outgoing: false, peerAddress: { host: "192.0.2.9", port: 40000 } });
  h.engine.onMetaData(now, conn, enc.encode(`0 ${peer} 17\n4 655 20 8\n`));
}

function feed(h: Harness, conn: number, text: string, now = 20): void {
  h.engine.onMetaData(now, conn, enc.encode(text));
}

describe("authentication gate", () => {
  test("the server answers ID with its ID and ACK, then sends everything it knows", () => {
    const h = harness();
    accept(h, 1, "beta");
    const lines = h.take(1);
    expect(lines[0]).toBe("0 alpha 17");
    expect(lines[1]).toMatch(/^4 655 \d+ 8$/);
    expect(lines[2]).toMatch(/^10 [0-9a-f]+ alpha 10\.1\.0\.0\/16#10$/);
    expect(lines[3]).toMatch(/^12 [0-9a-f]+ alpha beta 192\.0\.2\.9 655 8 \d+$/);
    expect(h.closed).toEqual([]);
  });

  test("an unknown host, our own name and a wrong version are refused with a reason", () => {
    for (const id of ["0 delta 17", "0 alpha 17", "0 beta 16", "0 be-ta 17"]) {
      const h = harness();
      h.engine.onMetaConnected(1, 7, { outgoing: false, peerAddress: { host: "192.0.2.9", port: 1 } });
      feed(h, 7, id + "\n");
      expect({ id, closed: h.closed }).toEqual({ id, closed: [7] });
      expect(h.logs.some((l) => l.includes("Refusing ID"))).toBe(true);
    }
  });

  test("an outgoing connection must meet the name it dialled", () => {
    const h = harness({ connectTo: ["beta"] });
    const conn = 100; // the first id our fake connect() hands out
    h.engine.onMetaConnected(5, conn, { outgoing: true, peerAddress: { host: "192.0.2.2", port: 655 } });
    expect(h.take(conn)).toEqual(["0 alpha 17"]);
    feed(h, conn, "0 gamma 17\n");
    expect(h.closed).toEqual([conn]);
  });

  test("before ACK only the expected request passes; after it, auth requests close", () => {
    const h = harness();
    h.engine.onMetaConnected(1, 3, { outgoing: false, peerAddress: { host: "192.0.2.9", port: 1 } });
    feed(h, 3, "8\n");
    expect(h.closed).toEqual([3]);
    const h2 = harness();
    accept(h2, 4, "beta");
    feed(h2, 4, "0 beta 17\n");
    expect(h2.closed).toEqual([4]);
  });

  test("STATUS, ERROR, TERMREQ and unknown codes close the connection", () => {
    for (const line of ["5 x", "6 y", "7", "18 0", "99", "", "hello"]) {
      const h = harness();
      accept(h, 2, "beta");
      feed(h, 2, line + "\n");
      expect({ line, closed: h.closed }).toEqual({ line, closed: [2] });
    }
  });

  test("a line that does not end within 2176 bytes closes the connection", () => {
    const h = harness();
    accept(h, 2, "beta");
    feed(h, 2, "8".repeat(2175));
    expect(h.closed).toEqual([]);
    feed(h, 2, "8");
    expect(h.closed).toEqual([2]);
  });
});

describe("edges", () => {
  test("ADD_EDGE: new is added and forwarded byte-identical to the others; a duplicate is ignored", () => {
    const h = harness();
    accept(h, 1, "beta");
    accept(h, 2, "gamma");
    h.take(1);
    h.take(2);
    const line = "12 1a2b beta gamma 192.0.2.3 655 8 40";
    feed(h, 1, line + "\n");
    expect(h.take(2)).toEqual([line]);
    expect(h.take(1)).toEqual([]);
    feed(h, 2, line + "\n");
    expect(h.take(1)).toEqual([]);
    expect(h.engine.view().edges).toContainEqual({
      from: "beta",
      to: "gamma",
      address: "192.0.2.3",
      port: "655",
      options: 8,
      weight: 40,
    });
  });

  test("ADD_EDGE for one of our edges that differs: our true edge goes back to the sender only", () => {
    const h = harness();
    accept(h, 1, "beta");
    accept(h, 2, "gamma");
    h.take(1);
    h.take(2);
    feed(h, 1, "12 77 alpha gamma 203.0.113.1 655 8 1\n");
    const back = h.take(1);
    expect(back.length).toBe(1);
    expect(back[0]).toMatch(/^12 [0-9a-f]+ alpha gamma 192\.0\.2\.9 655 8 \d+$/);
    expect(h.take(2)).toEqual([]);
  });

  test("ADD_EDGE for an edge of ours that does not exist: DEL_EDGE back", () => {
    const h = harness();
    accept(h, 1, "beta");
    h.take(1);
    feed(h, 1, "12 78 alpha gamma 203.0.113.1 655 8 1\n");
    expect(h.take(1)).toEqual([expect.stringMatching(/^13 [0-9a-f]+ alpha gamma$/)]);
    expect(h.engine.view().edges.some((e) => e.from === "alpha" && e.to === "gamma")).toBe(false);
  });

  test("DEL_EDGE for our own edge: ADD_EDGE back; for an unknown edge: ignored", () => {
    const h = harness();
    accept(h, 1, "beta");
    h.take(1);
    feed(h, 1, "13 79 alpha beta\n");
    expect(h.take(1)).toEqual([expect.stringMatching(/^12 [0-9a-f]+ alpha beta 192\.0\.2\.9 655 8 \d+$/)]);
    feed(h, 1, "13 80 beta gamma\n");
    expect(h.take(1)).toEqual([]);
    expect(h.closed).toEqual([]);
  });

  test("the peer becomes reachable with its reverse edge: host-up, hosts/NAME-up, ANS_KEY pushed", () => {
    const h = harness();
    accept(h, 1, "beta");
    h.take(1);
    feed(h, 1, "10 5 beta 10.2.0.0/16#10\n12 6 beta alpha 192.0.2.1 655 8 20\n");
    expect(h.scripts.map((s) => s.name)).toEqual([
      "tinc-up",
      "subnet-up",
      "host-up",
      "hosts/beta-up",
      "subnet-up",
    ]);
    expect(h.scripts[2]!.env).toMatchObject({
      NODE: "beta",
      REMOTEADDRESS: "192.0.2.9",
      REMOTEPORT: "655",
      NAME: "alpha",
    });
    expect(h.scripts[4]!.env).toMatchObject({ NODE: "beta", SUBNET: "10.2.0.0/16", WEIGHT: "10" });
    expect(h.take(1)).toEqual([expect.stringMatching(/^16 alpha beta [0-9A-F]{2} 0 0 0 0$/)]);
    // Losing the connection: DEL_EDGE for our edge, host-down, subnet-down.
    h.engine.onMetaClosed(30, 1);
    expect(h.scripts.slice(5).map((s) => s.name)).toEqual(["host-down", "hosts/beta-down", "subnet-down"]);
  });
});

describe("subnets", () => {
  test("ADD_SUBNET for ourselves: DEL_SUBNET back; DEL_SUBNET of ours: ADD_SUBNET back", () => {
    const h = harness();
    accept(h, 1, "beta");
    h.take(1);
    feed(h, 1, "10 99 alpha 10.9.0.0/16#10\n");
    expect(h.take(1)).toEqual([expect.stringMatching(/^11 [0-9a-f]+ alpha 10\.9\.0\.0\/16#10$/)]);
    feed(h, 1, "11 98 alpha 10.1.0.0/16#10\n");
    expect(h.take(1)).toEqual([expect.stringMatching(/^10 [0-9a-f]+ alpha 10\.1\.0\.0\/16#10$/)]);
  });

  test("known subnets and seen lines are ignored; unknown DEL_SUBNET is ignored; bad subnets close", () => {
    const h = harness();
    accept(h, 1, "beta");
    accept(h, 2, "gamma");
    h.take(1);
    h.take(2);
    feed(h, 1, "10 1 gamma 10.3.0.0/16#10\n");
    expect(h.take(2)).toEqual(["10 1 gamma 10.3.0.0/16#10"]);
    feed(h, 1, "10 2 gamma 10.3.0.0/16#10\n11 3 gamma 10.4.0.0/16#10\n10 1 gamma 10.3.0.0/16#10\n");
    expect(h.take(2)).toEqual([]);
    feed(h, 1, "10 4 gamma 10.300.0.0/16#10\n");
    expect(h.closed).toEqual([1]);
  });
});

describe("keys, pings and packets", () => {
  test("PING is answered with PONG; a missing PONG closes at the next check", () => {
    const h = harness({ pingInterval: 60, pingTimeout: 5 });
    accept(h, 1, "beta", 0);
    h.take(1);
    feed(h, 1, "8\n", 1);
    expect(h.take(1)).toEqual(["9"]);
    h.engine.onTimer(60_000);
    expect(h.take(1)).toEqual(["8"]);
    h.engine.onTimer(65_000);
    expect(h.closed).toEqual([1]);
  });

  test("REQ_KEY for us is answered; ANS_KEY with cipher none validates the key; bad keys are ignored", () => {
    const h = harness();
    accept(h, 1, "beta");
    feed(h, 1, "10 5 beta 10.2.0.0/16#10\n12 6 beta alpha 192.0.2.1 655 8 20\n");
    h.take(1);
    feed(h, 1, "15 beta alpha\n");
    expect(h.take(1)).toEqual([expect.stringMatching(/^16 alpha beta [0-9A-F]{2} 0 0 0 0$/)]);
    feed(h, 1, "16 beta alpha 0A0B 0 0 0 0\n16 beta alpha 0A 427 672 4 0\n");
    expect(h.closed).toEqual([]);
    const frame = new Uint8Array(42);
    frame[12] = 0x08;
    frame.set([10, 2, 0, 5], 30);
    h.engine.onTunFrame(40, frame);
    expect(h.udp.length).toBe(0); // no valid key yet: REQ_KEY, and the frame over TCP
    expect(h.take(1)).toEqual(["15 alpha beta", "17 42"]);
    feed(h, 1, "16 beta alpha 5C 0 0 0 0\n");
    h.engine.onTunFrame(41, frame);
    expect(h.udp.length).toBe(1);
    expect(h.udp[0]!.to).toEqual({ host: "192.0.2.9", port: 655 });
    expect([...h.udp[0]!.bytes.subarray(0, 4)]).toEqual([0, 0, 0, 1]);
    expect(h.udp[0]!.bytes.subarray(4)).toEqual(frame);
  });

  test("PACKET carries a raw frame that may contain newlines", () => {
    const h = harness();
    accept(h, 1, "beta");
    feed(h, 1, "12 6 beta alpha 192.0.2.1 655 8 20\n");
    const frame = new Uint8Array(42).fill(10);
    frame[12] = 0x08;
    frame[13] = 0x00;
    frame.set([10, 1, 0, 7], 30);
    const bytes = new Uint8Array([...enc.encode("17 42\n"), ...frame, ...enc.encode("8\n")]);
    h.engine.onMetaData(50, 1, bytes);
    expect(h.tun).toEqual([frame]);
    expect(h.take(1)).toContain("9");
  });
});

describe("coalesced graph()", () => {
  test("one graph run per batch ends in the same state as a run after every change", () => {
    const names = ["beta", "gamma", "delta", "eps", "zeta"];
    const lineArb = fc.oneof(
      fc.tuple(
        fc.constantFrom(...names, "alpha"),
        fc.constantFrom(...names, "alpha"),
        fc.integer({ min: 1, max: 9 }),
      )
        .filter(([f, t]) => f !== t)
        .map(([f, t, w]) => `12 ${f} ${t} 192.0.2.${w} 655 ${w % 3 === 0 ? 9 : 8} ${w}`),
      fc.tuple(fc.constantFrom(...names), fc.constantFrom(...names, "alpha"))
        .filter(([f, t]) => f !== t)
        .map(([f, t]) => `13 ${f} ${t}`),
    );
    fc.assert(
      fc.property(fc.array(lineArb, { minLength: 1, maxLength: 40 }), (lines) => {
        const stepwise = harness({ hostsExtra: names });
        const batched = harness({ hostsExtra: names });
        accept(stepwise, 1, "beta");
        accept(batched, 1, "beta");
        // Unique nonces so that dedup does not hide a line from either engine.
        const text = lines.map((l, i) => {
          const [code, ...rest] = l.split(" ");
          return `${code} ${(i + 1).toString(16)} ${rest.join(" ")}`;
        });
        for (const l of text) feed(stepwise, 1, l + "\n");
        batched.engine.batch(20, () => {
          for (const l of text) batched.engine.onMetaData(20, 1, enc.encode(l + "\n"));
        });
        const a = stepwise.engine.view();
        const b = batched.engine.view();
        expect(b.nodes).toEqual(a.nodes);
        expect(b.edges).toEqual(a.edges);
        expect(b.connections.map((c) => c.mst)).toEqual(a.connections.map((c) => c.mst));
      }),
      { numRuns: 300, seed: 7 },
    );
  });
});

describe("routing through the route layer", () => {
  test("a frame from the device to no known subnet comes back as ICMP net unknown", () => {
    const h = harness();
    const frame = new Uint8Array(14 + 28);
    frame[12] = 0x08;
    frame[14] = 0x45;
    frame[17] = 28;
    frame[22] = 64;
    frame[23] = 17;
    frame.set([10, 1, 0, 1], 26);
    frame.set([198, 51, 100, 7], 30);
    h.engine.onTunFrame(5, frame);
    expect(h.tun.length).toBe(1);
    const icmp = h.tun[0]!;
    expect([icmp[12], icmp[13]]).toEqual([0x08, 0x00]);
    expect(icmp[23]).toBe(1); // protocol ICMP
    expect([icmp[34], icmp[35]]).toEqual([3, 6]); // destination unreachable, network unknown
    expect(h.engine.dropCounts()).toEqual({});
  });
});

describe("restated edges and subnets (send_everything with fresh nonces)", () => {
  /** alpha with peers beta (conn 1) and gamma (conn 2), holding beta→gamma and beta's subnet. */
  function known(): Harness {
    const h = harness();
    accept(h, 1, "beta");
    accept(h, 2, "gamma");
    feed(h, 1, "12 10 beta gamma 192.0.2.3 655 c 5\n10 11 beta 10.2.0.0/16#10\n");
    h.take(1);
    h.take(2);
    h.logs.length = 0;
    return h;
  }
  const ignoredAs = (h: Harness): string[] =>
    h.logs.filter((l) => l.includes("Ignoring")).map((l) => l.replace(/ \{.*$/, "").replace(/^\d+ /, ""));

  test("exact restatements, in any accepted spelling, are ignored and remembered, never forwarded", () => {
    const restatements: Array<[string, string]> = [
      ["12 1a beta gamma 192.0.2.3 655 c 5", "Ignoring ADD_EDGE: identical edge already known"],
      ["12 1B beta gamma 192.0.2.3 655 c 5", "Ignoring ADD_EDGE: identical edge already known"],
      ["12 123456789 beta gamma 192.0.2.3 655 c 5", "Ignoring ADD_EDGE: identical edge already known"],
      ["12  1c beta gamma 192.0.2.3 655 c 5", "Ignoring ADD_EDGE: identical edge already known"],
      ["12 1d beta gamma 192.0.2.3 655 0c 5", "Ignoring ADD_EDGE: identical edge already known"],
      ["12 1e beta gamma 192.0.2.3 655 c 5 extra", "Ignoring ADD_EDGE: identical edge already known"],
      ["12\t1f beta gamma 192.0.2.3 655 c 5", "Ignoring ADD_EDGE: identical edge already known"],
      ["10 2a beta 10.2.0.0/16#10", "Ignoring ADD_SUBNET: subnet already known"],
      ["10 2b beta 10.2.0.0/16", "Ignoring ADD_SUBNET: subnet already known"],
      ["10 2c beta 10.2.0.0/16#10 extra", "Ignoring ADD_SUBNET: subnet already known"],
    ];
    for (const [line, reason] of restatements) {
      const h = known();
      const seenBefore = h.engine.memoryFigures().seenRequests;
      feed(h, 1, `${line}\n`);
      expect({ line, ignored: ignoredAs(h) }).toEqual({ line, ignored: [reason] });
      expect({ line, seen: h.engine.memoryFigures().seenRequests }).toEqual({ line, seen: seenBefore + 1 });
      expect({ line, forwarded: h.take(2), closed: h.closed }).toEqual({ line, forwarded: [], closed: [] });
      // The same line again is a plain duplicate.
      feed(h, 2, `${line}\n`);
      expect(ignoredAs(h).at(-1)).toMatch(/already seen$/);
    }
  });

  test("near misses are handled in full: changed edges replace and flood, bad nonces close", () => {
    const h = known();
    feed(h, 1, "12 3a beta gamma 192.0.2.3 655 c 6\n");
    expect(h.take(2)).toEqual(["12 3a beta gamma 192.0.2.3 655 c 6"]);
    expect(h.engine.view().edges.find((e) => e.from === "beta" && e.to === "gamma")?.weight).toBe(6);
    feed(h, 1, "10 3b beta 10.2.0.0/16#11\n");
    expect(h.take(2)).toEqual(["10 3b beta 10.2.0.0/16#11"]);
    feed(h, 1, "12 zz beta gamma 192.0.2.3 655 c 6\n");
    expect(h.closed).toEqual([1]);
  });
});

describe("failed peers are tarpitted, not closed (tincd 1.0.35+)", () => {
  test("refused input and an authentication timeout tarpit; a peer's own close and a PING timeout do not", () => {
    const h = harness();
    h.engine.onMetaConnected(1, 7, { outgoing: false, peerAddress: { host: "192.0.2.9", port: 1 } });
    feed(h, 7, "0 delta 17\n");
    h.engine.onMetaConnected(1, 8, { outgoing: false, peerAddress: { host: "192.0.2.9", port: 2 } });
    h.engine.onTimer(60_000);
    accept(h, 9, "beta", 61_000);
    h.engine.onMetaClosed(61_500, 9);
    expect({ closed: h.closed, tarpitted: h.tarpitted }).toEqual({ closed: [7, 8, 9], tarpitted: [7, 8] });
    accept(h, 10, "gamma", 62_000);
    h.engine.onTimer(200_000);
    h.engine.onTimer(400_000);
    expect(h.closed).toContain(10);
    expect(h.tarpitted).not.toContain(10);
  });
});

describe("retry (tincd's ALRM)", () => {
  test("every active connection is PINGed at once and must answer by the next check", () => {
    const h = harness();
    accept(h, 1, "beta");
    accept(h, 2, "gamma");
    h.take(1);
    h.take(2);
    h.engine.onControl(30, { type: "retry" });
    expect([h.take(1), h.take(2)]).toEqual([["8"], ["8"]]);
    feed(h, 1, "9\n", 31);
    h.engine.onTimer(10_000);
    expect(h.closed).toEqual([2]);
  });
});

describe("TunnelServer (tinc ignores indirect registrations)", () => {
  test("edges are taken only when they start or end at us or at the sender; nothing is forwarded", () => {
    const h = harness({ tunnelServer: true, hostsExtra: ["delta"] });
    accept(h, 1, "beta");
    accept(h, 2, "gamma");
    h.take(1);
    h.take(2);
    // Between two other nodes: ignored.
    feed(h, 1, "12 a1 gamma delta 192.0.2.4 655 8 10\n");
    expect(h.engine.view().edges.some((e) => e.from === "gamma")).toBe(false);
    // One of ours that beta claims and we do not have: handled (DEL_EDGE back), as tinc does.
    feed(h, 1, "12 a2 alpha delta 192.0.2.4 655 8 10\n");
    expect(h.take(1)).toEqual([expect.stringMatching(/^13 [0-9a-f]+ alpha delta$/)]);
    // The sender's own edge: taken, not forwarded to gamma.
    feed(h, 1, "12 a3 beta delta 192.0.2.4 655 8 10\n");
    expect(h.engine.view().edges.some((e) => e.from === "beta" && e.to === "delta")).toBe(true);
    expect(h.take(2)).toEqual([]);
    // Deleting an edge between others is ignored too; the sender's own goes, silently.
    feed(h, 2, "13 b1 beta delta\n");
    expect(h.engine.view().edges.some((e) => e.from === "beta" && e.to === "delta")).toBe(true);
    feed(h, 1, "13 b2 beta delta\n");
    expect(h.engine.view().edges.some((e) => e.from === "beta" && e.to === "delta")).toBe(false);
    expect(h.take(2)).toEqual([]);
  });

  test("subnets come from the hosts files: a peer's own unknown subnet is logged and dropped, others' ignored", () => {
    const h = harness({ tunnelServer: true });
    accept(h, 1, "beta");
    accept(h, 2, "gamma");
    h.take(1);
    h.take(2);
    feed(h, 1, "10 c1 beta 10.2.0.0/16#10\n");
    feed(h, 1, "10 c2 gamma 10.3.0.0/16#10\n");
    expect(h.engine.view().subnets).toEqual([{ owner: "alpha", subnet: "10.1.0.0/16#10" }]);
    expect(h.take(2)).toEqual([]);
    expect(h.logs.some((l) => l.includes("Ignoring unauthorized ADD_SUBNET") && l.includes("10.2.0.0/16")))
      .toBe(
        true,
      );
    expect(h.logs.some((l) => l.includes("Ignoring unauthorized ADD_SUBNET") && l.includes("10.3.0.0/16")))
      .toBe(
        false,
      );
  });
});
