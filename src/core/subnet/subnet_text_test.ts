import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import type { Subnet } from "./subnet.ts";
import {
  compareSubnets,
  formatSubnet,
  hasHostBits,
  parseSubnet,
  subnetContains,
  subnetEquals,
} from "./subnet_text.ts";

function parsed(text: string): Subnet {
  const r = parseSubnet(text);
  if (!r.ok) throw new Error(`expected ${text} to parse: ${r.reason}`);
  return r.value;
}

const v4 = (a: number[], prefix: number, weight = 10): Subnet => ({
  kind: "ipv4",
  address: Uint8Array.from(a),
  prefix,
  weight,
});

const subnet: fc.Arbitrary<Subnet> = fc.oneof(
  fc.record({
    kind: fc.constant("mac" as const),
    address: fc.uint8Array({ minLength: 6, maxLength: 6 }),
    weight: fc.integer({ min: -0x80000000, max: 0x7fffffff }),
  }),
  fc.record({
    kind: fc.constant("ipv4" as const),
    address: fc.uint8Array({ minLength: 4, maxLength: 4 }),
    prefix: fc.integer({ min: 0, max: 32 }),
    weight: fc.integer({ min: -100, max: 100 }),
  }),
  fc.record({
    kind: fc.constant("ipv6" as const),
    address: fc.array(fc.oneof(fc.constant(0), fc.constant(0), fc.integer({ min: 0, max: 255 })), {
      minLength: 16,
      maxLength: 16,
    }).map((a) => Uint8Array.from(a)),
    prefix: fc.integer({ min: 0, max: 128 }),
    weight: fc.integer({ min: 0, max: 100 }),
  }),
);

describe("parseSubnet", () => {
  test("1.0.36 renderings from the captures", () => {
    expect(parsed("10.61.0.1/32#10")).toEqual(v4([10, 61, 0, 1], 32));
    expect(parsed("fd00:61:0:0:0:0:0:1/128#10")).toEqual({
      kind: "ipv6",
      address: Uint8Array.of(0xfd, 0, 0, 0x61, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1),
      prefix: 128,
      weight: 10,
    });
    expect(parsed("2:0:0:0:0:7#10")).toEqual({
      kind: "mac",
      address: Uint8Array.of(2, 0, 0, 0, 0, 7),
      weight: 10,
    });
  });

  test("1.1 renderings from the captures", () => {
    expect(parsed("10.61.0.6")).toEqual(v4([10, 61, 0, 6], 32));
    expect(parsed("10.61.7.0/24#20")).toEqual(v4([10, 61, 7, 0], 24, 20));
    expect(parsed("fd00:61:7::/48")).toEqual(parsed("fd00:61:7:0:0:0:0:0/48#10"));
    expect(parsed("fd00:61::6")).toEqual(parsed("fd00:61:0:0:0:0:0:6/128"));
    expect(parsed("02:00:00:00:00:07")).toEqual(parsed("2:0:0:0:0:7"));
  });

  test("IPv6 forms: ::, leading/trailing ::, dotted-quad tails", () => {
    expect(parsed("::")).toEqual({ kind: "ipv6", address: new Uint8Array(16), prefix: 128, weight: 10 });
    expect(parsed("::/0")).toMatchObject({ prefix: 0 });
    expect(parsed("::1").address[15]).toBe(1);
    expect(parsed("1::").address[1]).toBe(1);
    expect(parsed("::ffff:10.1.2.3").address).toEqual(
      Uint8Array.of(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 255, 255, 10, 1, 2, 3),
    );
    expect(parsed("0:0:0:0:0:ffff:10.1.2.3")).toEqual(parsed("::ffff:a01:203"));
    expect(parsed("FD00::ABCD").address[15]).toBe(0xcd);
  });

  test("weights and defaults", () => {
    expect(parsed("1.2.3.4#-5").weight).toBe(-5);
    expect(parsed("1.2.3.0/24").weight).toBe(10);
    expect(parsed("1:2:3:4:5:6#0")).toMatchObject({ kind: "mac", weight: 0 });
  });

  test("host bits are accepted (only config files refuse them)", () => {
    const s = parsed("10.1.2.3/16");
    expect(s).toEqual(v4([10, 1, 2, 3], 16));
    expect(hasHostBits(s)).toBe(true);
    expect(hasHostBits(parsed("10.1.0.0/16"))).toBe(false);
    expect(hasHostBits(parsed("10.1.0.128/25"))).toBe(false);
    expect(hasHostBits(parsed("10.1.0.64/25"))).toBe(true);
    expect(hasHostBits(parsed("fd00::1/64"))).toBe(true);
    expect(hasHostBits(parsed("fd00::/64"))).toBe(false);
    expect(hasHostBits(parsed("1:2:3:4:5:6"))).toBe(false);
  });

  test("refusals", () => {
    const refused = [
      "",
      "garbage",
      "1.2.3.4/33",
      "1.2.3.4/-1",
      "1.2.3.4/",
      "1.2.3.4/8x",
      "1.2.3.256",
      "1.2.3",
      "1.2.3.4.5",
      "1.2.3.4#",
      "1.2.3.4#1#2",
      "1.2.3.4#99999999999",
      "fd00::/129",
      "1:2:3:4:5:6/48",
      "1:2:3:4:5:6:7:8:9",
      "1:2:3:4:5:6:7",
      "1::2::3",
      "1:2:3:4:5:6:7::8",
      "12345::",
      "g::",
      "::1.2.3",
      "::1.2.3.4:5",
      "100:2:3:4:5:6",
      "1.2.3.4 ",
    ];
    for (const text of refused) {
      const r = parseSubnet(text);
      expect({ text, ok: r.ok }).toEqual({ text, ok: false });
      if (!r.ok) expect(r.reason).toMatch(/^bad subnet/);
    }
  });

  test("never throws", () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.stringMatching(/^[0-9a-f:./#-]{0,40}$/)), (s) => {
        expect(typeof parseSubnet(s).ok).toBe("boolean");
      }),
      { numRuns: 5000 },
    );
  });
});

describe("formatSubnet", () => {
  test("1.0 forms: always /len and #weight, 8 groups, unpadded MAC", () => {
    expect(formatSubnet(v4([10, 1, 0, 0], 16))).toBe("10.1.0.0/16#10");
    expect(formatSubnet(v4([10, 61, 0, 1], 32))).toBe("10.61.0.1/32#10");
    expect(formatSubnet(parsed("fd00::/64"))).toBe("fd00:0:0:0:0:0:0:0/64#10");
    expect(formatSubnet(parsed("fe:fd:00:00:00:02"))).toBe("fe:fd:0:0:0:2#10");
  });

  test("1.1 forms: host routes bare, #10 omitted, RFC 5952, padded MAC", () => {
    expect(formatSubnet(v4([10, 61, 0, 6], 32), "1.1")).toBe("10.61.0.6");
    expect(formatSubnet(v4([10, 61, 7, 0], 24, 20), "1.1")).toBe("10.61.7.0/24#20");
    expect(formatSubnet(parsed("fd00:61:7::/48"), "1.1")).toBe("fd00:61:7::/48");
    expect(formatSubnet(parsed("fd00:61::6"), "1.1")).toBe("fd00:61::6");
    expect(formatSubnet(parsed("2:0:0:0:0:7"), "1.1")).toBe("02:00:00:00:00:07");
    expect(formatSubnet(parsed("::"), "1.1")).toBe("::");
    expect(formatSubnet(parsed("::1"), "1.1")).toBe("::1");
    expect(formatSubnet(parsed("1::"), "1.1")).toBe("1::");
    // A single zero group is not compressed; the first of two equal runs is.
    expect(formatSubnet(parsed("1:0:2:3:4:5:6:7"), "1.1")).toBe("1:0:2:3:4:5:6:7");
    expect(formatSubnet(parsed("1:0:0:2:0:0:3:4"), "1.1")).toBe("1::2:0:0:3:4");
    expect(formatSubnet(parsed("1:0:0:2:0:0:0:4"), "1.1")).toBe("1:0:0:2::4");
  });

  test("round trip in both dialects", () => {
    fc.assert(
      fc.property(subnet, fc.constantFrom("1.0" as const, "1.1" as const), (s, dialect) => {
        const r = parseSubnet(formatSubnet(s, dialect));
        expect(r).toEqual({ ok: true, value: s });
      }),
      { numRuns: 5000 },
    );
  });

  test("1.0 and 1.1 renderings parse to the same subnet", () => {
    fc.assert(
      fc.property(subnet, (s) => {
        const a = parseSubnet(formatSubnet(s, "1.0"));
        const b = parseSubnet(formatSubnet(s, "1.1"));
        expect(a).toEqual(b);
      }),
      { numRuns: 2000 },
    );
  });
});

describe("subnetContains", () => {
  test("prefix matching", () => {
    const net = parsed("10.1.0.0/16");
    expect(subnetContains(net, Uint8Array.of(10, 1, 200, 3))).toBe(true);
    expect(subnetContains(net, Uint8Array.of(10, 2, 0, 0))).toBe(false);
    expect(subnetContains(parsed("10.1.0.128/25"), Uint8Array.of(10, 1, 0, 200))).toBe(true);
    expect(subnetContains(parsed("10.1.0.128/25"), Uint8Array.of(10, 1, 0, 100))).toBe(false);
    expect(subnetContains(parsed("0.0.0.0/0"), Uint8Array.of(1, 2, 3, 4))).toBe(true);
    expect(subnetContains(parsed("fd00:61::/64"), parsed("fd00:61::5").address)).toBe(true);
    expect(subnetContains(parsed("fd00:61::/64"), parsed("fd00:62::5").address)).toBe(false);
    expect(subnetContains(parsed("2:0:0:0:0:7"), Uint8Array.of(2, 0, 0, 0, 0, 7))).toBe(true);
    expect(subnetContains(parsed("2:0:0:0:0:7"), Uint8Array.of(2, 0, 0, 0, 0, 8))).toBe(false);
  });

  test("host bits in the subnet do not matter past the prefix", () => {
    expect(subnetContains(parsed("10.1.2.3/16"), Uint8Array.of(10, 1, 9, 9))).toBe(true);
  });

  test("wrong address length never matches", () => {
    expect(subnetContains(parsed("0.0.0.0/0"), new Uint8Array(16))).toBe(false);
    expect(subnetContains(parsed("::/0"), new Uint8Array(4))).toBe(false);
    expect(subnetContains(parsed("1:2:3:4:5:6"), new Uint8Array(4))).toBe(false);
  });

  test("agrees with a bitwise reference", () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 4, maxLength: 4 }),
        fc.uint8Array({ minLength: 4, maxLength: 4 }),
        fc.integer({ min: 0, max: 32 }),
        (net, addr, prefix) => {
          const toInt = (b: Uint8Array) => ((b[0]! << 24) | (b[1]! << 16) | (b[2]! << 8) | b[3]!) >>> 0;
          const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
          const expected = ((toInt(net) & mask) >>> 0) === ((toInt(addr) & mask) >>> 0);
          expect(subnetContains(v4([...net], prefix), addr)).toBe(expected);
        },
      ),
    );
  });
});

describe("compareSubnets / subnetEquals", () => {
  test("tinc's tree order: kind, longer prefix first, address, lower weight first", () => {
    const sorted = [
      parsed("1.2.3.0/24#20"),
      parsed("fd00::/64"),
      parsed("1.2.3.4/32"),
      parsed("1:2:3:4:5:6"),
      parsed("1.2.3.0/24#5"),
      parsed("1.2.4.0/24"),
      parsed("0.0.0.0/0"),
    ].sort(compareSubnets).map((s) => formatSubnet(s));
    expect(sorted).toEqual([
      "1:2:3:4:5:6#10",
      "1.2.3.4/32#10",
      "1.2.3.0/24#5",
      "1.2.3.0/24#20",
      "1.2.4.0/24#10",
      "0.0.0.0/0#10",
      "fd00:0:0:0:0:0:0:0/64#10",
    ]);
  });

  test("is a consistent total order", () => {
    fc.assert(
      fc.property(subnet, subnet, subnet, (a, b, c) => {
        expect(Math.sign(compareSubnets(a, b))).toBe(-Math.sign(compareSubnets(b, a)) || 0);
        expect(compareSubnets(a, a)).toBe(0);
        expect(subnetEquals(a, b)).toBe(compareSubnets(a, b) === 0);
        if (compareSubnets(a, b) <= 0 && compareSubnets(b, c) <= 0) {
          expect(compareSubnets(a, c)).toBeLessThanOrEqual(0);
        }
      }),
      { numRuns: 3000 },
    );
  });

  test("equality covers weight and prefix", () => {
    expect(subnetEquals(parsed("1.2.3.0/24"), parsed("1.2.3.0/24#10"))).toBe(true);
    expect(subnetEquals(parsed("1.2.3.0/24"), parsed("1.2.3.0/24#11"))).toBe(false);
    expect(subnetEquals(parsed("1.2.3.0/24"), parsed("1.2.3.0/25"))).toBe(false);
    expect(subnetEquals(parsed("::"), parsed("0.0.0.0/0"))).toBe(false);
  });
});
