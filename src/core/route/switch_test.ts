import { describe, expect, test } from "bun:test";
import { defaultRouteOptions, type RouteOptions, Router } from "./router.ts";
import { TestNetwork } from "./test_network.ts";
import {
  ethernet,
  ETHERTYPE,
  ip4,
  ip6,
  ipv4,
  ipv6,
  mac,
  pattern,
  referenceVerifies,
  word,
} from "./test_packets.ts";

const LOCAL = mac("02:00:00:00:00:a1");
const STATIC = mac("02:00:00:00:00:a2");
const BETA_MAC = mac("02:00:00:00:00:b0");
const GAMMA_MAC = mac("02:00:00:00:00:c0");

function network(): TestNetwork {
  return new TestNetwork()
    .addNode("alpha")
    .addNode("beta")
    .addNode("gamma", { via: "beta" })
    .addNode("delta", { reachable: false })
    .addMac("alpha", STATIC)
    .addMac("beta", BETA_MAC)
    .addMac("gamma", GAMMA_MAC)
    .addMac("delta", mac("02:00:00:00:00:d0"));
}

function router(
  mode: "switch" | "hub" = "switch",
  options: Partial<RouteOptions> = {},
  net = network(),
): Router {
  return new Router("alpha", net, { ...defaultRouteOptions(), mode, ...options });
}

function frame(dst: Uint8Array, src: Uint8Array, size = 100, vlan?: number): Uint8Array {
  const packet = ipv4({ src: ip4("10.0.0.1"), dst: ip4("10.0.0.2"), protocol: 17, payload: pattern(size) });
  return ethernet(dst, src, ETHERTYPE.ipv4, packet, vlan);
}

describe("switch mode", () => {
  test("a new source MAC from the device is learned once, then only refreshed", () => {
    const r = router();
    const f = frame(BETA_MAC, LOCAL);
    const d = r.route(1000, "alpha", f, f.length);
    expect([d.action, d.to]).toEqual(["send", "beta"]);
    expect(Array.from(d.learnedMac!)).toEqual(Array.from(LOCAL));
    expect(r.route(2000, "alpha", f, f.length).learnedMac).toBeNull();
    expect(r.learnedMacs.size).toBe(1);
  });

  test("learned MACs expire MACExpire seconds after they were last seen", () => {
    const r = router();
    const f = frame(BETA_MAC, LOCAL);
    r.route(1000, "alpha", f, f.length);
    r.route(100_000, "alpha", f, f.length);
    expect(r.learnedMacs.nextExpiry(600)).toBe(700_001);
    expect(r.learnedMacs.expire(700_000, 600)).toEqual([]);
    const gone = r.learnedMacs.expire(700_001, 600);
    expect(gone.map((m) => Array.from(m))).toEqual([Array.from(LOCAL)]);
    expect(r.learnedMacs.size).toBe(0);
    expect(Array.from(r.route(700_002, "alpha", f, f.length).learnedMac!)).toEqual(Array.from(LOCAL));
  });

  test("our static MAC subnets, group source addresses and frames from other nodes are not learned", () => {
    const r = router();
    const s = frame(BETA_MAC, STATIC);
    expect(r.route(0, "alpha", s, s.length).learnedMac).toBeNull();
    const g = frame(BETA_MAC, mac("03:00:00:00:00:01"));
    expect(r.route(0, "alpha", g, g.length).learnedMac).toBeNull();
    const p = frame(STATIC, mac("02:00:00:00:00:99"));
    expect(r.route(0, "beta", p, p.length).learnedMac).toBeNull();
    expect(r.learnedMacs.size).toBe(0);
  });

  test("unknown, broadcast and multicast destinations are broadcast; the device gets a copy of others'", () => {
    const r = router();
    for (
      const dst of [
        mac("02:00:00:00:00:77"),
        mac("ff:ff:ff:ff:ff:ff"),
        mac("01:00:5e:00:00:fb"),
        mac("33:33:00:00:00:01"),
      ]
    ) {
      const f = frame(dst, LOCAL);
      const d = r.route(0, "alpha", f, f.length);
      expect([d.action, d.from, d.localCopy]).toEqual(["broadcast", "alpha", false]);
      const g = frame(dst, BETA_MAC);
      const e = r.route(0, "beta", g, g.length);
      expect([e.action, e.from, e.localCopy]).toEqual(["broadcast", "beta", true]);
    }
  });

  test("a frame learning a MAC and going to an unknown destination carries both outputs", () => {
    const f = frame(mac("ff:ff:ff:ff:ff:ff"), LOCAL);
    const d = router().route(0, "alpha", f, f.length);
    expect(d.action).toBe("broadcast");
    expect(d.learnedMac).not.toBeNull();
  });

  test("unicast to known owners; ours to the device; loops, Forwarding=off, DirectOnly and unreachable dropped", () => {
    const toUs = frame(STATIC, BETA_MAC);
    expect(router().route(0, "beta", toUs, toUs.length).action).toBe("device");
    const loop = frame(BETA_MAC, LOCAL);
    expect(router().route(0, "beta", loop, loop.length).reason).toBe("looping-back");
    const transit = frame(GAMMA_MAC, BETA_MAC);
    expect(router("switch", { forwarding: "off" }).route(0, "beta", transit, transit.length).reason).toBe(
      "forwarding-off",
    );
    const relayed = frame(GAMMA_MAC, LOCAL);
    expect(router("switch", { directOnly: true }).route(0, "alpha", relayed, relayed.length).reason).toBe(
      "direct-only",
    );
    expect(router().route(0, "alpha", relayed, relayed.length).to).toBe("gamma");
    const dead = frame(mac("02:00:00:00:00:d0"), LOCAL);
    expect(router().route(0, "alpha", dead, dead.length).reason).toBe("unreachable");
  });

  test("oversized IPv4 above 576 bytes: DF gets ICMP 3/4 with the path MTU, otherwise fragments", () => {
    const net = network();
    net.nodes.get("beta")!.mtu = 800;
    const big = ethernet(
      BETA_MAC,
      LOCAL,
      ETHERTYPE.ipv4,
      ipv4({
        src: ip4("10.0.0.1"),
        dst: ip4("10.0.0.2"),
        protocol: 17,
        payload: pattern(1000),
        flagsOffset: 0x4000,
      }),
    );
    const d = router("switch", {}, net).route(0, "alpha", big, big.length);
    expect([d.action, d.reason, d.icmp]).toEqual(["device", "too-big", true]);
    expect(word(d.frame, 34)).toBe(0x0304);
    expect(word(d.frame, 40)).toBe(800 - 14);
    expect(referenceVerifies(d.frame.subarray(34, d.length))).toBe(true);

    const soft = frame(BETA_MAC, LOCAL, 1000);
    const e = router("switch", {}, net).route(0, "alpha", soft, soft.length);
    expect([e.action, e.to]).toEqual(["fragments", "beta"]);
    for (const f of e.fragments!) expect(f.length).toBeLessThanOrEqual(800);

    net.nodes.get("beta")!.mtu = 300;
    const small = frame(BETA_MAC, LOCAL, 500);
    expect(small.length).toBeLessThanOrEqual(590);
    expect(router("switch", {}, net).route(0, "alpha", small, small.length).action).toBe("send");
  });

  test("oversized IPv6 above 1280 bytes gets Packet Too Big with the path MTU", () => {
    const net = network();
    net.nodes.get("beta")!.mtu = 1400;
    const big = ethernet(
      BETA_MAC,
      LOCAL,
      ETHERTYPE.ipv6,
      ipv6({ src: ip6("fd00::1"), dst: ip6("fd00::2"), nextHeader: 17, payload: pattern(1450) }),
    );
    const d = router("switch", {}, net).route(0, "alpha", big, big.length);
    expect([d.reason, d.icmp]).toEqual(["too-big", true]);
    expect(d.frame[54]).toBe(2);
    expect(word(d.frame, 58) * 65536 + word(d.frame, 60)).toBe(1386);
  });

  test("802.1Q-tagged frames: the ICMP error keeps the tag and reports mtu - 18", () => {
    const net = network();
    net.nodes.get("beta")!.mtu = 800;
    const tagged = ethernet(
      BETA_MAC,
      LOCAL,
      ETHERTYPE.ipv4,
      ipv4({
        src: ip4("10.0.0.1"),
        dst: ip4("10.0.0.2"),
        protocol: 17,
        payload: pattern(1000),
        flagsOffset: 0x4000,
      }),
      5,
    );
    const d = router("switch", {}, net).route(0, "alpha", tagged, tagged.length);
    expect(d.reason).toBe("too-big");
    expect(Array.from(d.frame.subarray(12, 16))).toEqual([0x81, 0x00, 0, 5]);
    expect(word(d.frame, 38)).toBe(0x0304);
    expect(word(d.frame, 44)).toBe(800 - 18);
  });
});

describe("hub mode", () => {
  test("everything is broadcast, known destinations included", () => {
    const r = router("hub");
    const f = frame(BETA_MAC, LOCAL);
    const d = r.route(0, "alpha", f, f.length);
    expect([d.action, d.localCopy, d.learnedMac]).toEqual(["broadcast", false, null]);
    const g = frame(STATIC, BETA_MAC);
    expect([r.route(0, "beta", g, g.length).action, r.decision.localCopy]).toEqual(["broadcast", true]);
    const odd = ethernet(BETA_MAC, LOCAL, 0x88cc, pattern(10));
    expect(r.route(0, "alpha", odd, odd.length).action).toBe("broadcast");
    expect(r.route(0, "alpha", new Uint8Array(10), 10).reason).toBe("too-short");
  });
});
