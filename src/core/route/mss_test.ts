import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { clampMss, findMssValue } from "./mss.ts";
import { defaultRouteOptions, Router } from "./router.ts";
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
  pseudo4,
  pseudo6,
  referenceVerifies,
  tcp,
  u16,
  word,
} from "./test_packets.ts";

const A = mac("02:00:00:00:00:01");
const B = mac("02:00:00:00:00:02");
const SRC4 = ip4("10.1.0.1");
const DST4 = ip4("10.2.0.1");
const SRC6 = ip6("fd00:1::1");
const DST6 = ip6("fd00:2::1");

function syn4(options: number[], vlan?: number): Uint8Array {
  const seg = tcp((n) => pseudo4(SRC4, DST4, 6, n), options);
  return ethernet(
    B,
    A,
    ETHERTYPE.ipv4,
    ipv4({ src: SRC4, dst: DST4, protocol: 6, payload: seg, flagsOffset: 0x4000 }),
    vlan,
  );
}

function syn6(options: number[]): Uint8Array {
  const seg = tcp((n) => pseudo6(SRC6, DST6, 6, n), options);
  return ethernet(B, A, ETHERTYPE.ipv6, ipv6({ src: SRC6, dst: DST6, nextHeader: 6, payload: seg }));
}

function tcpVerifies4(f: Uint8Array, link = 14): boolean {
  const seg = f.subarray(link + 20);
  return referenceVerifies(pseudo4(SRC4, DST4, 6, seg.length), seg);
}

function tcpVerifies6(f: Uint8Array): boolean {
  const seg = f.subarray(54);
  return referenceVerifies(pseudo6(SRC6, DST6, 6, seg.length), seg);
}

/** Options before the MSS: no-ops, window scale (3 bytes), SACK permitted (2), timestamps (10). */
// TCP options hold at most 40 bytes; the MSS option itself takes 4, so fillers stay within 36.
const filler = fc.array(
  fc.constantFrom([1], [3, 3, 7], [4, 2], [8, 10, 1, 2, 3, 4, 5, 6, 7, 8]),
  { maxLength: 4 },
).map((parts) => parts.flat()).filter((bytes) => bytes.length <= 36);

describe("ClampMSS", () => {
  test("lowers the MSS of an IPv4 SYN to mtu - 54 and keeps the checksum valid", () => {
    const f = syn4([2, 4, ...u16(1460)]);
    expect(clampMss(f, f.length, 1400)).toBe(1346);
    expect(word(f, 14 + 20 + 22)).toBe(1346);
    expect(tcpVerifies4(f)).toBe(true);
  });

  test("never raises the MSS", () => {
    const f = syn4([2, 4, ...u16(536)]);
    const before = f.slice();
    expect(clampMss(f, f.length, 1518)).toBe(0);
    expect(f).toEqual(before);
  });

  test("IPv6 SYN: mtu - 74", () => {
    const f = syn6([1, 1, 2, 4, ...u16(1440)]);
    expect(clampMss(f, f.length, 1400)).toBe(1326);
    expect(tcpVerifies6(f)).toBe(true);
  });

  test("VLAN-tagged IPv4: mtu - 58", () => {
    const f = syn4([2, 4, ...u16(1460)], 7);
    expect(clampMss(f, f.length, 1400)).toBe(1342);
    expect(tcpVerifies4(f, 18)).toBe(true);
  });

  test("property: at any option position, odd offsets included, the checksum stays valid", () => {
    fc.assert(
      fc.property(
        filler,
        fc.integer({ min: 600, max: 65535 }),
        fc.integer({ min: 600, max: 1518 }),
        fc.boolean(),
        (pre, mss, mtu, v6) => {
          const options = [...pre, 2, 4, ...u16(mss)];
          const f = v6 ? syn6(options) : syn4(options);
          const headers = v6 ? 74 : 54;
          const result = clampMss(f, f.length, mtu);
          const expected = mss > mtu - headers ? mtu - headers : 0;
          expect(result).toBe(expected);
          const tcpStart = v6 ? 54 : 34;
          expect(word(f, findMssValue(f, f.length, tcpStart))).toBe(expected || mss);
          expect(v6 ? tcpVerifies6(f) : tcpVerifies4(f)).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });

  test("no MSS option, an MSS after end-of-options, malformed options, non-TCP and later fragments are left alone", () => {
    const cases = [
      syn4([1, 1, 1, 1]),
      syn4([0, 0, 2, 4, ...u16(1460)]),
      syn4([3, 0, 2, 4, ...u16(1460)]),
      syn4([2, 3, 5, 180]),
    ];
    const udp = ethernet(
      B,
      A,
      ETHERTYPE.ipv4,
      ipv4({ src: SRC4, dst: DST4, protocol: 17, payload: pattern(40) }),
    );
    cases.push(udp);
    const later = ethernet(
      B,
      A,
      ETHERTYPE.ipv4,
      ipv4({
        src: SRC4,
        dst: DST4,
        protocol: 6,
        payload: tcp((n) => pseudo4(SRC4, DST4, 6, n), [2, 4, ...u16(1460)]),
        flagsOffset: 10,
      }),
    );
    cases.push(later);
    for (const f of cases) {
      const before = f.slice();
      expect(clampMss(f, f.length, 600)).toBe(0);
      expect(f).toEqual(before);
    }
  });
});

describe("ClampMSS in the router", () => {
  function net(): TestNetwork {
    return new TestNetwork()
      .addNode("alpha")
      .addNode("beta", { mtu: 1400 })
      .addIpv4("alpha", ip4("10.1.0.0"), 16)
      .addIpv4("beta", ip4("10.2.0.0"), 16);
  }

  test("uses min(source MTU, next hop MTU) when the next hop has the ClampMSS option", () => {
    const f = syn4([2, 4, ...u16(1460)]);
    const d = new Router("alpha", net(), defaultRouteOptions()).route(0, "alpha", f, f.length);
    expect([d.action, d.clampedMss]).toEqual(["send", 1346]);
    expect(tcpVerifies4(f)).toBe(true);
  });

  test("leaves segments alone when the next hop lacks the option", () => {
    const n = net();
    n.nodes.get("beta")!.clampMss = false;
    const f = syn4([2, 4, ...u16(1460)]);
    expect(new Router("alpha", n, defaultRouteOptions()).route(0, "alpha", f, f.length).clampedMss).toBe(0);
  });

  test("for a segment arriving for us, the source's MTU applies", () => {
    const n = net();
    n.nodes.get("beta")!.mtu = 1300;
    const seg = tcp((len) => pseudo4(DST4, SRC4, 6, len), [2, 4, ...u16(1460)]);
    const f = ethernet(A, B, ETHERTYPE.ipv4, ipv4({ src: DST4, dst: SRC4, protocol: 6, payload: seg }));
    const d = new Router("alpha", n, defaultRouteOptions()).route(0, "beta", f, f.length);
    expect([d.action, d.clampedMss]).toEqual(["device", 1246]);
    const s = f.subarray(34);
    expect(referenceVerifies(pseudo4(DST4, SRC4, 6, s.length), s)).toBe(true);
  });
});
