import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import {
  checkCookieLine,
  ControlType,
  formatCookie,
  formatCookieLine,
  formatGreeting,
  formatHandshakeAck,
  parseControlLine,
  parseHandshake,
  parseResultLine,
} from "./protocol.ts";
import {
  type EdgeDump,
  formatConnectionLine,
  formatEdgeLine,
  formatNodeLine,
  formatSubnetLine,
  formatTrafficLine,
  isDumpEnd,
  type NodeDump,
  parseConnectionLine,
  parseEdgeLine,
  parseNodeLine,
  parseSubnetLine,
  parseTrafficLine,
} from "./dump_lines.ts";

const COOKIE = "0123456789abcdef".repeat(4);

describe("handshake", () => {
  test("request type numbers are control_common.h's", () => {
    expect([
      ControlType.STOP,
      ControlType.RELOAD,
      ControlType.RESTART,
      ControlType.DUMP_NODES,
      ControlType.DUMP_EDGES,
      ControlType.DUMP_SUBNETS,
      ControlType.DUMP_CONNECTIONS,
      ControlType.DUMP_GRAPH,
      ControlType.PURGE,
      ControlType.SET_DEBUG,
      ControlType.RETRY,
      ControlType.CONNECT,
      ControlType.DISCONNECT,
      ControlType.DUMP_TRAFFIC,
      ControlType.PCAP,
      ControlType.LOG,
    ]).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15]);
    expect(ControlType.INVALID).toBe(-1);
  });

  test("lines as the spec gives them", () => {
    expect(formatCookieLine(COOKIE)).toBe(`0 ^${COOKIE} 0`);
    expect(formatGreeting("alpha", 17, 7)).toBe("0 alpha 17.7");
    expect(formatHandshakeAck(4242)).toBe("4 0 4242");
  });

  test("cookie check accepts only the exact cookie", () => {
    expect(checkCookieLine(`0 ^${COOKIE} 0`, COOKIE)).toBe(true);
    expect(checkCookieLine(`0 ^${COOKIE}`, COOKIE)).toBe(true);
    expect(checkCookieLine(`0 ${COOKIE} 0`, COOKIE)).toBe(false);
    expect(checkCookieLine(`0 ^${COOKIE.slice(0, 63)} 0`, COOKIE)).toBe(false);
    expect(checkCookieLine(`0 ^${COOKIE}0 0`, COOKIE)).toBe(false);
    expect(checkCookieLine(`1 ^${COOKIE} 0`, COOKIE)).toBe(false);
    expect(checkCookieLine("", COOKIE)).toBe(false);
    expect(checkCookieLine("0 ^ 0", "")).toBe(false);
  });

  test("cookie check: any change of one character is refused", () => {
    fc.assert(fc.property(fc.nat({ max: 63 }), fc.integer({ min: 1, max: 15 }), (at, delta) => {
      const digit = Number.parseInt(COOKIE[at]!, 16);
      const other = ((digit + delta) % 16).toString(16);
      const bad = COOKIE.slice(0, at) + other + COOKIE.slice(at + 1);
      expect(checkCookieLine(formatCookieLine(bad), COOKIE)).toBe(false);
    }));
  });

  test("client reads greeting and ack like tinc's sscanf", () => {
    expect(parseHandshake("0 alpha 17.7", "4 0 99")).toEqual({ ok: true, name: "alpha", pid: 99 });
    expect(parseHandshake("0 alpha 17.0", "4 0 1")).toEqual({ ok: true, name: "alpha", pid: 1 });
    expect(parseHandshake("0 alpha", "4 0 1").ok).toBe(false);
    expect(parseHandshake("0 alpha 17.7", "4 1 1").ok).toBe(false);
    expect(parseHandshake("0 alpha 17.7", "3 0 1").ok).toBe(false);
  });

  test("cookie is 64 lower-case hex digits of 32 bytes", () => {
    const bytes = Uint8Array.from({ length: 32 }, (_, i) => i * 8);
    const c = formatCookie(bytes);
    expect(c).toMatch(/^[0-9a-f]{64}$/);
    expect(c.slice(0, 6)).toBe("000810");
    expect(() => formatCookie(new Uint8Array(31))).toThrow(RangeError);
  });

  test("request and result lines", () => {
    expect(parseControlLine("18 9 5")).toEqual({ type: 9, args: ["5"] });
    expect(parseControlLine("18 -1")).toEqual({ type: -1, args: [] });
    expect(parseControlLine("17 3")).toBeNull();
    expect(parseControlLine("18 x")).toBeNull();
    expect(parseResultLine("18 1 0", 1)).toBe(0);
    expect(parseResultLine("18 12 -2", 12)).toBe(-2);
    expect(parseResultLine("18 12 -2", 1)).toBeUndefined();
    expect(parseResultLine("18 1", 1)).toBeUndefined();
  });
});

const NODE: NodeDump = {
  name: "beta",
  id: "0a1b2c3d4e5f",
  host: "192.0.2.7",
  port: "655",
  cipher: 427,
  digest: 672,
  maclength: 32,
  compression: 0,
  options: 0x0700000c,
  status: 0x0812,
  nexthop: "beta",
  via: "beta",
  distance: 1,
  pmtu: 1518,
  minmtu: 1518,
  maxmtu: 1518,
  lastStateChange: 1764064800,
  udpPingRtt: 1234,
  inPackets: 5,
  inBytes: 600,
  outPackets: 7,
  outBytes: 800,
};

describe("dump lines", () => {
  test("node line field order (spec §3.3)", () => {
    expect(formatNodeLine(NODE)).toBe(
      "18 3 beta 0a1b2c3d4e5f 192.0.2.7 port 655 427 672 32 0 700000c 812 beta beta 1 1518 1518 1518 1764064800 1234 5 600 7 800",
    );
    expect(parseNodeLine(formatNodeLine(NODE))).toEqual(NODE);
  });

  test("edge, subnet, connection, traffic lines", () => {
    const e: EdgeDump = {
      from: "a",
      to: "b",
      host: "10.0.0.2",
      port: "655",
      localHost: "unspec",
      localPort: "unspec",
      options: 0xc,
      weight: 12,
    };
    expect(formatEdgeLine(e)).toBe("18 4 a b 10.0.0.2 port 655 unspec port unspec c 12");
    expect(parseEdgeLine(formatEdgeLine(e))).toEqual(e);
    expect(formatSubnetLine({ subnet: "10.1.0.0/16", owner: "a" })).toBe("18 5 10.1.0.0/16 a");
    expect(parseSubnetLine("18 5 ff:ff:ff:ff:ff:ff (broadcast)")).toEqual({
      subnet: "ff:ff:ff:ff:ff:ff",
      owner: "(broadcast)",
    });
    const c = { name: "b", host: "10.0.0.2", port: "40000", options: 0xc, socket: 7, status: 0x102 };
    expect(formatConnectionLine(c)).toBe("18 6 b 10.0.0.2 port 40000 c 7 102");
    expect(parseConnectionLine(formatConnectionLine(c))).toEqual(c);
    const t = { name: "b", inPackets: 1, inBytes: 2, outPackets: 3, outBytes: 4 };
    expect(formatTrafficLine(t)).toBe("18 13 b 1 2 3 4");
    expect(parseTrafficLine(formatTrafficLine(t))).toEqual(t);
  });

  test("terminators and malformed lines", () => {
    expect(isDumpEnd("18 3", 3)).toBe(true);
    expect(isDumpEnd("18 3 x", 3)).toBe(false);
    expect(isDumpEnd("18 4", 3)).toBe(false);
    expect(parseNodeLine("18 3 beta")).toBeNull();
    expect(parseNodeLine(formatNodeLine(NODE).replace(" port ", " prt "))).toBeNull();
    expect(parseNodeLine(formatNodeLine(NODE).replace(" 812 ", " 8z2 "))).toBeNull();
    expect(parseEdgeLine("18 4 a b c port d e port f g 1")).toBeNull();
    expect(parseConnectionLine("18 6 a b port c zz 1 2")).toBeNull();
    expect(parseSubnetLine("18 5 onlyone")).toBeNull();
  });

  test("node lines round-trip for any field values", () => {
    const word = fc.stringMatching(/^[A-Za-z0-9_.:-]{1,20}$/);
    const int = fc.integer({ min: -1, max: 1_000_000 });
    const count = fc.nat({ max: Number.MAX_SAFE_INTEGER });
    const u32 = fc.nat({ max: 0xffffffff });
    fc.assert(fc.property(
      fc.record({
        name: word,
        id: fc.stringMatching(/^[0-9a-f]{12}$/),
        host: word,
        port: word,
        cipher: int,
        digest: int,
        maclength: int,
        compression: int,
        options: u32,
        status: u32,
        nexthop: word,
        via: word,
        distance: int,
        pmtu: int,
        minmtu: int,
        maxmtu: int,
        lastStateChange: int,
        udpPingRtt: int,
        inPackets: count,
        inBytes: count,
        outPackets: count,
        outBytes: count,
      }),
      (n) => {
        expect(parseNodeLine(formatNodeLine(n))).toEqual(n);
      },
    ));
  });
});
