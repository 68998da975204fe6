import { describe, expect, test } from "bun:test";
import { defaultRouteOptions, type RouteDecision, type RouteOptions, Router } from "./router.ts";
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
  pseudo6,
  referenceVerifies,
  word,
} from "./test_packets.ts";

const HOST_MAC = mac("02:00:00:00:00:01");
const TAP_MAC = mac("fe:fd:00:00:00:00");

/** alpha (us) 10.1/16, beta 10.2/16 direct, gamma 10.3/16 behind beta, delta 10.4/16 unreachable. */
function network(): TestNetwork {
  return new TestNetwork()
    .addNode("alpha")
    .addNode("beta")
    .addNode("gamma", { via: "beta" })
    .addNode("delta", { reachable: false })
    .addIpv4("alpha", ip4("10.1.0.0"), 16)
    .addIpv4("beta", ip4("10.2.0.0"), 16)
    .addIpv4("gamma", ip4("10.3.0.0"), 16)
    .addIpv4("delta", ip4("10.4.0.0"), 16)
    .addIpv6("alpha", ip6("fd00:1::"), 64)
    .addIpv6("beta", ip6("fd00:2::"), 64)
    .addIpv6("gamma", ip6("fd00:3::"), 64)
    .addIpv6("delta", ip6("fd00:4::"), 64);
}

function router(options: Partial<RouteOptions> = {}, net = network()): Router {
  return new Router("alpha", net, { ...defaultRouteOptions(), ...options });
}

function frame4(
  src: string,
  dst: string,
  payloadLength = 32,
  extra: { df?: boolean; ttl?: number; tos?: number } = {},
) {
  return ethernet(
    TAP_MAC,
    HOST_MAC,
    ETHERTYPE.ipv4,
    ipv4({
      src: ip4(src),
      dst: ip4(dst),
      protocol: 17,
      payload: pattern(payloadLength),
      flagsOffset: extra.df ? 0x4000 : 0,
      ttl: extra.ttl ?? 64,
      tos: extra.tos ?? 0,
    }),
  );
}

function frame6(src: string, dst: string, payloadLength = 32, hopLimit = 64) {
  return ethernet(
    TAP_MAC,
    HOST_MAC,
    ETHERTYPE.ipv6,
    ipv6({ src: ip6(src), dst: ip6(dst), nextHeader: 17, payload: pattern(payloadLength), hopLimit }),
  );
}

function bytesOf(d: RouteDecision): Uint8Array {
  return d.frame.slice(0, d.length);
}

/** Checks every field of an ICMP error built from `original` (a copy taken before routing). */
function expectIcmp4(
  d: RouteDecision,
  original: Uint8Array,
  type: number,
  code: number,
  quotedFrom = original.length,
) {
  expect(d.icmp).toBe(true);
  const out = bytesOf(d);
  const quoted = Math.min(quotedFrom - 14, 548);
  expect(out.length).toBe(14 + 20 + 8 + quoted);
  expect(out.slice(0, 6)).toEqual(original.slice(6, 12));
  expect(out.slice(6, 12)).toEqual(original.slice(0, 6));
  expect(word(out, 12)).toBe(0x0800);
  const ip = out.subarray(14, 34);
  expect(ip[0]).toBe(0x45);
  expect(word(ip, 2)).toBe(28 + quoted);
  expect(word(ip, 2)).toBeLessThanOrEqual(576);
  expect(ip[8]).toBe(255);
  expect(ip[9]).toBe(1);
  expect(ip.slice(12, 16)).toEqual(original.slice(30, 34));
  expect(ip.slice(16, 20)).toEqual(original.slice(26, 30));
  expect(referenceVerifies(ip)).toBe(true);
  const icmp = out.subarray(34);
  expect(icmp[0]).toBe(type);
  expect(icmp[1]).toBe(code);
  expect(referenceVerifies(icmp)).toBe(true);
  expect(icmp.slice(8)).toEqual(original.slice(14, 14 + quoted));
  return icmp;
}

function expectIcmp6(
  d: RouteDecision,
  original: Uint8Array,
  type: number,
  code: number,
  quotedFrom = original.length,
) {
  expect(d.icmp).toBe(true);
  const out = bytesOf(d);
  const quoted = Math.min(quotedFrom - 14, 528);
  expect(out.length).toBe(14 + 40 + 8 + quoted);
  expect(out.slice(0, 6)).toEqual(original.slice(6, 12));
  expect(out.slice(6, 12)).toEqual(original.slice(0, 6));
  const ip = out.subarray(14, 54);
  expect(ip[0]! >> 4).toBe(6);
  expect(word(ip, 4)).toBe(8 + quoted);
  expect(40 + 8 + quoted).toBeLessThanOrEqual(576);
  expect(ip[6]).toBe(58);
  expect(ip[7]).toBe(255);
  expect(ip.slice(8, 24)).toEqual(original.slice(38, 54));
  expect(ip.slice(24, 40)).toEqual(original.slice(22, 38));
  const icmp = out.subarray(54);
  expect(icmp[0]).toBe(type);
  expect(icmp[1]).toBe(code);
  expect(referenceVerifies(pseudo6(ip.slice(8, 24), ip.slice(24, 40), 58, icmp.length), icmp)).toBe(true);
  expect(icmp.slice(8)).toEqual(original.slice(14, 14 + quoted));
  return icmp;
}

describe("router mode, IPv4 (spec §7 table)", () => {
  test("a routable packet goes to the owner unchanged, in the same buffer", () => {
    const r = router();
    const f = frame4("10.1.0.1", "10.2.0.5");
    const copy = f.slice();
    const d = r.route(0, "alpha", f, f.length);
    expect(d.action).toBe("send");
    expect(d.to).toBe("beta");
    expect(d.frame).toBe(f);
    expect(d.length).toBe(f.length);
    expect(f).toEqual(copy);
    expect(r.route(1, "alpha", f, f.length)).toBe(d);
  });

  test("a packet behind a relay is addressed to its owner (the engine picks the via)", () => {
    const f = frame4("10.1.0.1", "10.3.0.5");
    const d = router().route(0, "alpha", f, f.length);
    expect([d.action, d.to]).toEqual(["send", "gamma"]);
  });

  test("a packet for one of our subnets from another node goes to the device", () => {
    const f = frame4("10.2.0.5", "10.1.0.1");
    const d = router().route(0, "beta", f, f.length);
    expect([d.action, d.reason]).toEqual(["device", "routed"]);
  });

  test("no matching subnet: ICMP 3/6 (net unknown) back to the device", () => {
    const f = frame4("10.1.0.1", "192.168.7.7", 100);
    const original = f.slice();
    const d = router().route(0, "alpha", f, f.length);
    expect([d.action, d.reason]).toEqual(["device", "no-subnet"]);
    expectIcmp4(d, original, 3, 6);
  });

  test("no matching subnet for a packet from another node: the ICMP goes back to that node", () => {
    const f = frame4("10.2.0.1", "192.168.7.7");
    const original = f.slice();
    const d = router().route(0, "beta", f, f.length);
    expect([d.action, d.to, d.reason]).toEqual(["send", "beta", "no-subnet"]);
    expectIcmp4(d, original, 3, 6);
  });

  test("owner is the packet's source: dropped", () => {
    const f = frame4("10.2.0.1", "10.2.0.9");
    const d = router().route(0, "beta", f, f.length);
    expect([d.action, d.reason]).toEqual(["drop", "looping-back"]);
  });

  test("owner unreachable: ICMP 3/0", () => {
    const f = frame4("10.1.0.1", "10.4.0.1");
    const original = f.slice();
    const d = router().route(0, "alpha", f, f.length);
    expect(d.reason).toBe("unreachable");
    expectIcmp4(d, original, 3, 0);
  });

  test("Forwarding=off: another node's packet for a third node gets ICMP 3/9; ours and for us pass", () => {
    const r = router({ forwarding: "off" });
    const f = frame4("10.2.0.1", "10.3.0.1");
    const original = f.slice();
    const d = r.route(0, "beta", f, f.length);
    expect([d.action, d.to, d.reason]).toEqual(["send", "beta", "prohibited"]);
    expectIcmp4(d, original, 3, 9);
    const mine = frame4("10.2.0.1", "10.1.0.1");
    expect(r.route(0, "beta", mine, mine.length).action).toBe("device");
    const out = frame4("10.1.0.1", "10.3.0.1");
    expect(r.route(0, "alpha", out, out.length).action).toBe("send");
  });

  test("the next hop toward the owner is the source: routing loop, dropped", () => {
    const f = frame4("10.2.0.1", "10.3.0.1");
    const d = router().route(0, "beta", f, f.length);
    expect([d.action, d.reason]).toEqual(["drop", "routing-loop"]);
  });

  test("DirectOnly and owner reached through a relay: ICMP 3/9", () => {
    const f = frame4("10.1.0.1", "10.3.0.1");
    const original = f.slice();
    const r = router({ directOnly: true });
    const d = r.route(0, "alpha", f, f.length);
    expect(d.reason).toBe("prohibited");
    expectIcmp4(d, original, 3, 9);
    const direct = frame4("10.1.0.1", "10.2.0.1");
    expect(r.route(0, "alpha", direct, direct.length).action).toBe("send");
  });

  test("too big with DF: ICMP 3/4 with next-hop MTU max(via.mtu, 590) - 14", () => {
    const net = network();
    net.nodes.get("beta")!.mtu = 1400;
    const f = frame4("10.1.0.1", "10.3.0.1", 1500 - 34, { df: true });
    expect(f.length).toBe(1500);
    const original = f.slice();
    const d = router({}, net).route(0, "alpha", f, f.length);
    expect([d.action, d.reason]).toEqual(["device", "too-big"]);
    const icmp = expectIcmp4(d, original, 3, 4, 1400);
    expect(word(icmp, 6)).toBe(1386);

    net.nodes.get("beta")!.mtu = 400;
    const g = frame4("10.1.0.1", "10.2.0.1", 700 - 34, { df: true });
    const icmp2 = expectIcmp4(router({}, net).route(0, "alpha", g.slice(), g.length), g, 3, 4, 590);
    expect(word(icmp2, 6)).toBe(576);
  });

  test("up to max(via.mtu, 590) bytes pass even when via.mtu is smaller", () => {
    const net = network();
    net.nodes.get("beta")!.mtu = 400;
    const f = frame4("10.1.0.1", "10.2.0.1", 590 - 34, { df: true });
    expect(router({}, net).route(0, "alpha", f, f.length).action).toBe("send");
  });

  test("too big without DF: fragments for the next hop, each within its MTU", () => {
    const net = network();
    net.nodes.get("beta")!.mtu = 1000;
    const f = frame4("10.1.0.1", "10.3.0.1", 2000);
    const d = router({}, net).route(0, "alpha", f, f.length);
    expect([d.action, d.to, d.reason]).toEqual(["fragments", "beta", "fragmented"]);
    expect(d.fragments!.length).toBe(3);
    for (const frag of d.fragments!) expect(frag.length).toBeLessThanOrEqual(1000);
  });

  test("a next hop MTU below 590 still bounds every fragment", () => {
    const net = network();
    net.nodes.get("beta")!.mtu = 400;
    const f = frame4("10.1.0.1", "10.2.0.1", 1000);
    const d = router({}, net).route(0, "alpha", f, f.length);
    expect(d.action).toBe("fragments");
    expect(d.fragments!.length).toBe(3);
    for (const frag of d.fragments!) expect(frag.length).toBeLessThanOrEqual(400);
  });

  test("224/4 and 255.255.255.255 are broadcast; with Broadcast=no they are routed by subnet", () => {
    for (const dst of ["224.0.0.251", "239.1.2.3", "255.255.255.255"]) {
      const f = frame4("10.1.0.1", dst);
      const d = router().route(0, "alpha", f, f.length);
      expect([d.action, d.localCopy, d.from]).toEqual(["broadcast", false, "alpha"]);
      const g = frame4("10.2.0.1", dst);
      const e = router().route(0, "beta", g, g.length);
      expect([e.action, e.localCopy, e.from]).toEqual(["broadcast", true, "beta"]);
      const h = frame4("10.1.0.1", dst);
      const n = router({ broadcast: "no" }).route(0, "alpha", h, h.length);
      expect([n.action, n.reason]).toEqual(["device", "no-subnet"]);
    }
    const notQuite = frame4("10.1.0.1", "255.255.255.254");
    expect(router().route(0, "alpha", notQuite, notQuite.length).reason).toBe("no-subnet");
  });

  test("PriorityInheritance carries the TOS byte", () => {
    const f = frame4("10.1.0.1", "10.2.0.1", 32, { tos: 0xb8 });
    expect(router({ priorityInheritance: true }).route(0, "alpha", f, f.length).priority).toBe(0xb8);
    expect(router().route(0, "alpha", f, f.length).priority).toBe(-1);
  });

  test("frames shorter than 14 bytes and IPv4 shorter than a header are dropped", () => {
    const r = router();
    expect(r.route(0, "alpha", new Uint8Array(13), 13).reason).toBe("too-short");
    const f = frame4("10.1.0.1", "10.2.0.1").slice(0, 33);
    expect(r.route(0, "alpha", f, f.length).reason).toBe("too-short");
    const other = ethernet(TAP_MAC, HOST_MAC, 0x88cc, pattern(40));
    expect(r.route(0, "alpha", other, other.length).reason).toBe("unknown-ethertype");
  });

  test("Forwarding=kernel hands every frame from another node to the device", () => {
    const r = router({ forwarding: "kernel" });
    const f = frame4("10.2.0.1", "10.3.0.1");
    expect([r.route(0, "beta", f, f.length).action, r.decision.reason]).toEqual([
      "device",
      "kernel-forwarding",
    ]);
    const short = new Uint8Array(5);
    expect(r.route(0, "beta", short, 5).action).toBe("device");
    const local = frame4("10.1.0.1", "10.3.0.1");
    expect(r.route(0, "alpha", local, local.length).action).toBe("send");
  });
});

describe("router mode, IPv6", () => {
  test("routable, own and unknown destinations", () => {
    const r = router();
    const f = frame6("fd00:1::1", "fd00:2::5");
    expect([r.route(0, "alpha", f, f.length).action, r.decision.to]).toEqual(["send", "beta"]);
    const mine = frame6("fd00:2::5", "fd00:1::1");
    expect(r.route(0, "beta", mine, mine.length).action).toBe("device");
  });

  test("no subnet: ICMPv6 1/3", () => {
    const f = frame6("fd00:1::1", "2001:db8::1", 700);
    const original = f.slice();
    const d = router().route(0, "alpha", f, f.length);
    expect(d.reason).toBe("no-subnet");
    expectIcmp6(d, original, 1, 3);
  });

  test("owner is the source: dropped; unreachable: ICMPv6 1/0", () => {
    const f = frame6("fd00:2::1", "fd00:2::2");
    expect(router().route(0, "beta", f, f.length).reason).toBe("looping-back");
    const g = frame6("fd00:1::1", "fd00:4::1");
    const original = g.slice();
    expectIcmp6(router().route(0, "alpha", g, g.length), original, 1, 0);
  });

  test("Forwarding=off and DirectOnly: ICMPv6 1/1", () => {
    const f = frame6("fd00:2::1", "fd00:3::1");
    const original = f.slice();
    const d = router({ forwarding: "off" }).route(0, "beta", f, f.length);
    expect([d.action, d.to]).toEqual(["send", "beta"]);
    expectIcmp6(d, original, 1, 1);
    const g = frame6("fd00:1::1", "fd00:3::1");
    const original2 = g.slice();
    expectIcmp6(router({ directOnly: true }).route(0, "alpha", g, g.length), original2, 1, 1);
  });

  test("routing loop dropped", () => {
    const f = frame6("fd00:2::1", "fd00:3::1");
    expect(router().route(0, "beta", f, f.length).reason).toBe("routing-loop");
  });

  test("too big: Packet Too Big with MTU max(via.mtu, 1294) - 14", () => {
    const net = network();
    net.nodes.get("beta")!.mtu = 1400;
    const f = frame6("fd00:1::1", "fd00:2::1", 1500 - 54);
    const original = f.slice();
    const icmp = expectIcmp6(router({}, net).route(0, "alpha", f, f.length), original, 2, 0, 1400);
    expect(word(icmp, 4) * 65536 + word(icmp, 6)).toBe(1386);

    net.nodes.get("beta")!.mtu = 1000;
    const g = frame6("fd00:1::1", "fd00:2::1", 1400 - 54);
    const original2 = g.slice();
    const icmp2 = expectIcmp6(router({}, net).route(0, "alpha", g, g.length), original2, 2, 0, 1294);
    expect(word(icmp2, 6)).toBe(1280);
    const fits = frame6("fd00:1::1", "fd00:2::1", 1294 - 54);
    expect(router({}, net).route(0, "alpha", fits, fits.length).action).toBe("send");
  });

  test("destinations starting with ff are broadcast unless Broadcast=no", () => {
    const f = frame6("fd00:1::1", "ff02::1");
    expect(router().route(0, "alpha", f, f.length).action).toBe("broadcast");
    expect(router({ broadcast: "no" }).route(0, "alpha", f, f.length).reason).toBe("no-subnet");
  });
});

describe("ICMP rate limit", () => {
  test("at most 3 errors per clock second, shared by IPv4 and IPv6", () => {
    const r = router();
    const results: string[] = [];
    const at = (now: number, v6 = false) => {
      const f = v6 ? frame6("fd00:1::1", "2001:db8::1") : frame4("10.1.0.1", "192.168.0.1");
      const d = r.route(now, "alpha", f, f.length);
      results.push(d.rateLimited ? "limited" : d.action);
      return d;
    };
    at(5000);
    at(5100, true);
    at(5200);
    const limited = at(5300, true);
    expect([limited.action, limited.reason, limited.icmp]).toEqual(["drop", "no-subnet", false]);
    at(5999);
    at(6000);
    at(6001, true);
    at(6500);
    at(6999);
    at(9000);
    expect(results).toEqual([
      "device",
      "device",
      "device",
      "limited",
      "limited",
      "device",
      "device",
      "device",
      "limited",
      "device",
    ]);
  });
});

describe("TAP device in router mode", () => {
  test("frames written to the device get the interface MAC, learned from ARP", () => {
    const r = router({ deviceIsTap: true });
    const f = frame4("10.2.0.1", "10.1.0.1");
    r.route(0, "beta", f, f.length);
    expect(f.slice(0, 6)).toEqual(mac("fe:fd:00:00:00:00"));
    const ifaceMac = mac("52:54:00:12:34:56");
    const arp = ethernet(
      mac("ff:ff:ff:ff:ff:ff"),
      ifaceMac,
      ETHERTYPE.arp,
      new Uint8Array([0, 1, 8, 0, 6, 4, 0, 1, ...ifaceMac, 10, 1, 0, 1, 0, 0, 0, 0, 0, 0, 10, 1, 0, 99]),
    );
    expect(r.route(1, "alpha", arp, arp.length).reason).toBe("arp-own-target");
    const g = frame4("10.2.0.1", "10.1.0.1");
    const d = r.route(2, "beta", g, g.length);
    expect(d.action).toBe("device");
    expect(g.slice(0, 6)).toEqual(ifaceMac);
  });

  test("the local copy of a broadcast from another node also gets the interface MAC", () => {
    const r = router({ deviceIsTap: true });
    const f = frame4("10.2.0.1", "224.0.0.251");
    const d = r.route(0, "beta", f, f.length);
    expect([d.action, d.localCopy]).toEqual(["broadcast", true]);
    expect(f.slice(0, 6)).toEqual(mac("fe:fd:00:00:00:00"));
    const own = frame4("10.1.0.1", "224.0.0.251");
    own[0] = 0x01;
    r.route(0, "alpha", own, own.length);
    expect(own[0]).toBe(0x01);
  });

  test("a TUN device (not TAP) keeps the frame as routed", () => {
    const f = frame4("10.2.0.1", "10.1.0.1");
    router().route(0, "beta", f, f.length);
    expect(f.slice(0, 6)).toEqual(TAP_MAC);
  });
});
