import { describe, expect, test } from "bun:test";
import { defaultRouteOptions, Router } from "./router.ts";
import { TestNetwork } from "./test_network.ts";
import { decrementTtl } from "./ttl.ts";
import {
  ethernet,
  ETHERTYPE,
  ip4,
  ip6,
  ipv4,
  ipv6,
  mac,
  pattern,
  pseudo6,
  referenceVerifies,
  word,
} from "./test_packets.ts";

const A = mac("02:00:00:00:00:01");
const B = mac("02:00:00:00:00:02");

function v4(ttl: number, protocol = 17, payload = pattern(40)): Uint8Array {
  return ethernet(
    B,
    A,
    ETHERTYPE.ipv4,
    ipv4({ src: ip4("10.2.0.1"), dst: ip4("10.1.0.1"), protocol, payload, ttl }),
  );
}

function v6(hopLimit: number, nextHeader = 17, payload = pattern(40)): Uint8Array {
  return ethernet(
    B,
    A,
    ETHERTYPE.ipv6,
    ipv6({ src: ip6("fd00:2::1"), dst: ip6("fd00:1::1"), nextHeader, payload, hopLimit }),
  );
}

function router(): Router {
  const net = new TestNetwork()
    .addNode("alpha")
    .addNode("beta")
    .addIpv4("alpha", ip4("10.1.0.0"), 16)
    .addIpv6("alpha", ip6("fd00:1::"), 64);
  return new Router("alpha", net, { ...defaultRouteOptions(), decrementTtl: true });
}

describe("DecrementTTL", () => {
  test("IPv4 TTL goes down by one with a valid header checksum, for every TTL", () => {
    for (let ttl = 2; ttl <= 255; ttl++) {
      const f = v4(ttl);
      expect(decrementTtl(f, f.length)).toBe("decremented");
      expect(f[22]).toBe(ttl - 1);
      expect(referenceVerifies(f.subarray(14, 34))).toBe(true);
    }
  });

  test("IPv6 hop limit goes down by one", () => {
    const f = v6(64);
    expect(decrementTtl(f, f.length)).toBe("decremented");
    expect(f[21]).toBe(63);
  });

  test("a packet from another node that would reach TTL 0 gets ICMP time exceeded (11/0)", () => {
    const f = v4(1);
    const original = f.slice();
    const d = router().route(0, "beta", f, f.length);
    expect([d.action, d.to, d.reason, d.icmp]).toEqual(["send", "beta", "ttl-expired", true]);
    const out = d.frame.subarray(0, d.length);
    expect(out[14 + 8]).toBe(255);
    expect([out[34], out[35]]).toEqual([11, 0]);
    expect(referenceVerifies(out.subarray(34))).toBe(true);
    expect(out.slice(42)).toEqual(original.slice(14));
    expect(out.slice(26, 30)).toEqual(original.slice(30, 34));
  });

  test("IPv6: time exceeded (3/0)", () => {
    const f = v6(1);
    const d = router().route(0, "beta", f, f.length);
    expect(d.reason).toBe("ttl-expired");
    const out = d.frame.subarray(0, d.length);
    expect([out[54], out[55]]).toEqual([3, 0]);
    const icmp = out.subarray(54);
    expect(referenceVerifies(pseudo6(out.slice(22, 38), out.slice(38, 54), 58, icmp.length), icmp)).toBe(
      true,
    );
  });

  test("a time-exceeded error is never answered with another one", () => {
    const f = v4(1, 1, new Uint8Array([11, 0, 0, 0, 0, 0, 0, 0]));
    const d = router().route(0, "beta", f, f.length);
    expect([d.action, d.reason, d.icmp]).toEqual(["drop", "ttl-expired", false]);
    const g = v6(0, 58, new Uint8Array([3, 0, 0, 0, 0, 0, 0, 0]));
    expect(router().route(0, "beta", g, g.length).action).toBe("drop");
  });

  test("frames from our own device are not decremented; from other nodes they are", () => {
    const r = router();
    const f = v4(64);
    r.route(0, "beta", f, f.length);
    expect(f[22]).toBe(63);
    const g = ethernet(
      B,
      A,
      ETHERTYPE.ipv4,
      ipv4({ src: ip4("10.1.0.1"), dst: ip4("10.9.0.1"), protocol: 17, payload: pattern(8), ttl: 1 }),
    );
    const d = r.route(0, "alpha", g, g.length);
    expect(d.reason).toBe("no-subnet");
    expect(word(d.frame, 34)).toBe(0x0306);
  });
});
