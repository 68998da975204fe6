import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { type RouteOptions, Router } from "./router.ts";
import { TestNetwork } from "./test_network.ts";
import {
  arpRequest,
  ethernet,
  ETHERTYPE,
  icmp6,
  ip4,
  ip6,
  ipv4,
  ipv6,
  mac,
  neighborSolicitation,
  pattern,
  pseudo4,
  pseudo6,
  referenceVerifies,
  tcp,
  u16,
} from "./test_packets.ts";

const A = mac("02:00:00:00:00:01");
const B = mac("02:00:00:00:00:b0");

function network(): TestNetwork {
  return new TestNetwork()
    .addNode("alpha")
    .addNode("beta", { mtu: 700 })
    .addNode("gamma", { via: "beta", mtu: 1200 })
    .addNode("delta", { reachable: false })
    .addIpv4("alpha", ip4("10.1.0.0"), 16)
    .addIpv4("beta", ip4("10.2.0.0"), 16)
    .addIpv4("gamma", ip4("10.3.0.0"), 16)
    .addIpv4("delta", ip4("10.4.0.0"), 16)
    .addIpv6("alpha", ip6("fd00:1::"), 64)
    .addIpv6("beta", ip6("fd00:2::"), 64)
    .addIpv6("gamma", ip6("fd00:3::"), 64)
    .addMac("beta", B)
    .addMac("gamma", mac("02:00:00:00:00:c0"));
}

const seeds: Uint8Array[] = [
  ethernet(
    B,
    A,
    ETHERTYPE.ipv4,
    ipv4({ src: ip4("10.1.0.1"), dst: ip4("10.2.0.1"), protocol: 17, payload: pattern(900) }),
  ),
  ethernet(
    B,
    A,
    ETHERTYPE.ipv4,
    ipv4({
      src: ip4("10.1.0.1"),
      dst: ip4("10.3.0.1"),
      protocol: 6,
      payload: tcp((n) => pseudo4(ip4("10.1.0.1"), ip4("10.3.0.1"), 6, n), [1, 2, 4, ...u16(1460)]),
    }),
  ),
  ethernet(
    B,
    A,
    ETHERTYPE.ipv4,
    ipv4({
      src: ip4("10.1.0.1"),
      dst: ip4("10.9.0.1"),
      protocol: 17,
      payload: pattern(40),
      flagsOffset: 0x4000,
      ttl: 1,
    }),
  ),
  ethernet(
    B,
    A,
    ETHERTYPE.ipv4,
    ipv4({
      src: ip4("10.1.0.1"),
      dst: ip4("10.2.0.1"),
      protocol: 17,
      payload: pattern(1200),
      options: new Uint8Array([0x82, 4, 1, 2]),
    }),
    9,
  ),
  ethernet(mac("ff:ff:ff:ff:ff:ff"), A, ETHERTYPE.arp, arpRequest(A, ip4("10.1.0.1"), ip4("10.2.0.9"))),
  ethernet(
    B,
    A,
    ETHERTYPE.ipv6,
    ipv6({
      src: ip6("fd00:1::1"),
      dst: ip6("fd00:2::1"),
      nextHeader: 6,
      payload: tcp(
        (n) => pseudo6(ip6("fd00:1::1"), ip6("fd00:2::1"), 6, n),
        [2, 4, ...u16(1440)],
        pattern(800),
      ),
    }),
  ),
  ethernet(
    B,
    A,
    ETHERTYPE.ipv6,
    ipv6({
      src: ip6("fe80::1"),
      dst: ip6("ff02::1:ff00:1"),
      nextHeader: 58,
      hopLimit: 255,
      payload: icmp6(ip6("fe80::1"), ip6("ff02::1:ff00:1"), neighborSolicitation(ip6("fd00:2::1"), A)),
    }),
  ),
];

const mutated = fc.tuple(
  fc.constantFrom(...seeds),
  fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 6 }),
  fc.option(fc.nat(), { nil: undefined }),
).map(([seed, edits, cut]) => {
  const f = seed.slice();
  for (const [at, value] of edits) f[at % f.length] = value;
  return cut === undefined ? f : f.slice(0, cut % (f.length + 1));
});

const frames = fc.oneof(
  fc.uint8Array({ maxLength: 200 }),
  mutated,
  fc.constantFrom(...seeds).map((s) => s.slice()),
);

const options: fc.Arbitrary<RouteOptions> = fc.record({
  mode: fc.constantFrom("router", "switch", "hub"),
  forwarding: fc.constantFrom("off", "internal", "kernel"),
  directOnly: fc.boolean(),
  decrementTtl: fc.boolean(),
  broadcast: fc.constantFrom("no", "mst", "direct"),
  priorityInheritance: fc.boolean(),
  deviceIsTap: fc.boolean(),
});

function linkLength(f: Uint8Array): number {
  return f[12] === 0x81 && f[13] === 0 ? 18 : 14;
}

const ACTIONS = ["send", "device", "broadcast", "fragments", "drop"];

describe("robustness", () => {
  test("random and mutated frames never throw and always get a well-formed decision", () => {
    fc.assert(
      fc.property(
        frames,
        options,
        fc.constantFrom("alpha", "beta", "gamma", "delta", "stranger"),
        fc.integer({ min: 0, max: 10_000_000 }),
        (frame, opts, source, now) => {
          const r = new Router("alpha", network(), opts);
          const d = r.route(now, source, frame, frame.length);
          expect(ACTIONS).toContain(d.action);
          expect(typeof d.reason).toBe("string");
          if (d.action === "send" || d.action === "fragments") expect(d.to.length).toBeGreaterThan(0);
          if (d.action !== "drop") expect(d.length).toBeLessThanOrEqual(d.frame.length);
          if (d.action === "fragments") {
            expect(d.fragments!.length).toBeGreaterThan(0);
            for (const f of d.fragments!) {
              const link = linkLength(f);
              expect(referenceVerifies(f.subarray(link, link + (f[link]! & 15) * 4))).toBe(true);
            }
          }
          if (d.icmp) {
            const link = linkLength(d.frame);
            const v4 = d.frame[link]! >> 4 === 4;
            const out = d.frame.subarray(0, d.length);
            if (v4) {
              expect(referenceVerifies(out.subarray(link, link + 20))).toBe(true);
              expect(referenceVerifies(out.subarray(link + 20))).toBe(true);
            } else {
              const body = out.subarray(link + 40);
              expect(
                referenceVerifies(
                  pseudo6(out.slice(link + 8, link + 24), out.slice(link + 24, link + 40), 58, body.length),
                  body,
                ),
              ).toBe(true);
            }
            expect(d.length - link).toBeLessThanOrEqual(576);
          }
        },
      ),
      { numRuns: 3000 },
    );
  });

  test("a length larger than the buffer is clamped, never read past", () => {
    const r = new Router("alpha", network(), {
      mode: "router",
      forwarding: "internal",
      directOnly: false,
      decrementTtl: true,
      broadcast: "mst",
      priorityInheritance: true,
      deviceIsTap: true,
    });
    const f = seeds[0]!.slice(0, 20);
    const d = r.route(0, "beta", f, 5000);
    expect(d.length).toBeLessThanOrEqual(20);
    expect(d.action).toBe("drop");
    for (const bad of [-1, Number.NaN]) {
      const e = r.route(0, "beta", f, bad);
      expect([e.action, e.reason, e.length]).toEqual(["drop", "too-short", 0]);
    }
  });
});
