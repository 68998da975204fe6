import { describe, expect, test } from "bun:test";
import { defaultRouteOptions, type RouteOptions, Router } from "./router.ts";
import { TestNetwork } from "./test_network.ts";
import {
  arpRequest,
  concat,
  ethernet,
  ETHERTYPE,
  icmp6,
  ip4,
  ip6,
  ipv6,
  mac,
  neighborSolicitation,
  pseudo6,
  referenceVerifies,
} from "./test_packets.ts";

const HOST = mac("02:00:00:00:00:01");
const FAKE = mac("02:00:00:00:00:fe");
const BROADCAST = mac("ff:ff:ff:ff:ff:ff");

function router(options: Partial<RouteOptions> = {}): Router {
  const net = new TestNetwork()
    .addNode("alpha")
    .addNode("beta")
    .addIpv4("alpha", ip4("10.1.0.0"), 16)
    .addIpv4("beta", ip4("10.2.0.0"), 16)
    .addIpv6("alpha", ip6("fd00:1::"), 64)
    .addIpv6("beta", ip6("fd00:2::"), 64);
  return new Router("alpha", net, { ...defaultRouteOptions(), ...options });
}

describe("ARP in router mode", () => {
  const request = () =>
    ethernet(BROADCAST, HOST, ETHERTYPE.arp, arpRequest(HOST, ip4("10.1.0.1"), ip4("10.2.0.5")));

  test("a request for another node's address is answered in place with the fake neighbour MAC", () => {
    const f = request();
    const d = router().route(0, "alpha", f, f.length);
    expect([d.action, d.reason, d.frame === f, d.length]).toEqual(["device", "arp-reply", true, 42]);
    const expected = concat(
      HOST,
      FAKE,
      [0x08, 0x06],
      [0, 1, 0x08, 0x00, 6, 4, 0, 2],
      FAKE,
      ip4("10.2.0.5"),
      HOST,
      ip4("10.1.0.1"),
    );
    expect(f).toEqual(expected);
  });

  test("padding of a minimum-size Ethernet frame is kept", () => {
    const f = concat(request(), new Uint8Array(18));
    const d = router().route(0, "alpha", f, f.length);
    expect([d.action, d.length]).toEqual(["device", 60]);
  });

  test("requests for our own, unknown or from other nodes are dropped; malformed ones too", () => {
    const own = ethernet(BROADCAST, HOST, ETHERTYPE.arp, arpRequest(HOST, ip4("10.1.0.1"), ip4("10.1.0.2")));
    expect(router().route(0, "alpha", own, own.length).reason).toBe("arp-own-target");
    const unknown = ethernet(
      BROADCAST,
      HOST,
      ETHERTYPE.arp,
      arpRequest(HOST, ip4("10.1.0.1"), ip4("8.8.8.8")),
    );
    expect(router().route(0, "alpha", unknown, unknown.length).reason).toBe("arp-unknown-target");
    const fromPeer = request();
    expect(router().route(0, "beta", fromPeer, fromPeer.length).reason).toBe("arp-from-peer");
    const reply = request();
    reply[21] = 2;
    expect(router().route(0, "alpha", reply, reply.length).reason).toBe("arp-unsupported");
    const short = request().slice(0, 41);
    expect(router().route(0, "alpha", short, short.length).reason).toBe("too-short");
  });
});

describe("IPv6 Neighbor Solicitation in router mode", () => {
  const src = ip6("fe80::1");
  const solicitedNode = ip6("ff02::1:ff00:5");
  const target = ip6("fd00:2::5");

  function solicitation(withOption: boolean): Uint8Array {
    const body = icmp6(src, solicitedNode, neighborSolicitation(target, withOption ? HOST : undefined));
    return ethernet(
      mac("33:33:ff:00:00:05"),
      HOST,
      ETHERTYPE.ipv6,
      ipv6({ src, dst: solicitedNode, nextHeader: 58, hopLimit: 255, payload: body }),
    );
  }

  test("answered with a solicited Neighbor Advertisement carrying the target link-layer address", () => {
    const f = solicitation(true);
    const d = router().route(0, "alpha", f, f.length);
    expect([d.action, d.reason, d.frame === f]).toEqual(["device", "neighbor-advert", true]);
    const advert = icmp6(
      target,
      src,
      concat([136, 0, 0, 0, 0x40, 0, 0, 0], target, [2, 1], FAKE),
    );
    const expected = ethernet(
      HOST,
      FAKE,
      ETHERTYPE.ipv6,
      ipv6({ src: target, dst: src, nextHeader: 58, hopLimit: 255, payload: advert }),
    );
    expect(f.slice(0, d.length)).toEqual(expected);
    const icmp = f.subarray(54, d.length);
    expect(referenceVerifies(pseudo6(target, src, 58, icmp.length), icmp)).toBe(true);
  });

  test("without a source link-layer option the advertisement has no option either", () => {
    const f = solicitation(false);
    const d = router().route(0, "alpha", f, f.length);
    expect(d.action).toBe("device");
    expect(d.length).toBe(14 + 40 + 24);
    const icmp = f.subarray(54, d.length);
    expect(icmp[0]).toBe(136);
    expect(referenceVerifies(pseudo6(target, src, 58, icmp.length), icmp)).toBe(true);
  });

  test("a bad checksum is refused before anything else is looked at", () => {
    const f = solicitation(true);
    f[54 + 20] = f[54 + 20]! ^ 1;
    expect(router().route(0, "alpha", f, f.length).reason).toBe("ns-bad-checksum");
  });

  test("own or unknown targets, other nodes' solicitations and truncated ones are dropped", () => {
    const make = (t: Uint8Array) =>
      ethernet(
        HOST,
        HOST,
        ETHERTYPE.ipv6,
        ipv6({
          src,
          dst: solicitedNode,
          nextHeader: 58,
          hopLimit: 255,
          payload: icmp6(src, solicitedNode, neighborSolicitation(t, HOST)),
        }),
      );
    const own = make(ip6("fd00:1::9"));
    expect(router().route(0, "alpha", own, own.length).reason).toBe("ns-own-target");
    const unknown = make(ip6("2001:db8::1"));
    expect(router().route(0, "alpha", unknown, unknown.length).reason).toBe("ns-unknown-target");
    const peer = solicitation(true);
    expect(router().route(0, "beta", peer, peer.length).reason).toBe("ns-from-peer");
    const truncated = solicitation(true).slice(0, 80);
    expect(router().route(0, "alpha", truncated, truncated.length).reason).toBe("ns-unsupported");
  });

  test("with a TAP device the interface MAC is learned from the solicitation", () => {
    const r = router({ deviceIsTap: true });
    const f = solicitation(true);
    r.route(0, "alpha", f, f.length);
    expect(Array.from(r.deviceMac)).toEqual(Array.from(HOST));
    expect(f.slice(0, 6)).toEqual(HOST);
  });

  test("other options are skipped when looking for the source link-layer address; broken framing is refused", () => {
    const withNonce = (options: number[]) => {
      const body = concat([135, 0, 0, 0, 0, 0, 0, 0], target, options);
      return ethernet(
        HOST,
        HOST,
        ETHERTYPE.ipv6,
        ipv6({
          src,
          dst: solicitedNode,
          nextHeader: 58,
          hopLimit: 255,
          payload: icmp6(src, solicitedNode, body),
        }),
      );
    };
    const nonceThenLla = withNonce([14, 1, 1, 2, 3, 4, 5, 6, 1, 1, ...HOST]);
    const d = router().route(0, "alpha", nonceThenLla, nonceThenLla.length);
    expect([d.action, d.length]).toEqual(["device", 14 + 40 + 32]);
    expect(Array.from(nonceThenLla.subarray(54 + 24, 54 + 32))).toEqual([2, 1, ...FAKE]);
    const icmp = nonceThenLla.subarray(54, d.length);
    expect(referenceVerifies(pseudo6(target, src, 58, icmp.length), icmp)).toBe(true);
    const zeroLength = withNonce([1, 0, ...HOST]);
    expect(router().route(0, "alpha", zeroLength, zeroLength.length).reason).toBe("ns-unsupported");
    const overrun = withNonce([1, 2, ...HOST]);
    expect(router().route(0, "alpha", overrun, overrun.length).reason).toBe("ns-unsupported");
  });
});
