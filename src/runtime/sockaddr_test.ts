import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { decodeSockaddr, encodeSockaddr, formatIpv6, parseIpv6 } from "./sockaddr.ts";

describe("sockaddr", () => {
  test("IPv4 on Linux and macOS", () => {
    const l = encodeSockaddr({ host: "10.1.2.3", port: 655 }, false, "linux")!;
    expect(l.length).toBe(16);
    expect([...l.addr.subarray(0, 8)]).toEqual([2, 0, 0x02, 0x8f, 10, 1, 2, 3]);
    const d = encodeSockaddr({ host: "10.1.2.3", port: 655 }, false, "darwin")!;
    expect([...d.addr.subarray(0, 4)]).toEqual([16, 2, 0x02, 0x8f]);
    expect(decodeSockaddr(l.addr, "linux")).toEqual({ host: "10.1.2.3", port: 655 });
    expect(decodeSockaddr(d.addr, "darwin")).toEqual({ host: "10.1.2.3", port: 655 });
  });

  test("IPv6, mapped IPv4 on a v6 socket, scope ids, bad input", () => {
    const e = encodeSockaddr({ host: "fe80::1%3", port: 1 }, false, "linux")!;
    expect(e.length).toBe(28);
    expect(e.addr[0]).toBe(10);
    expect(e.addr[24]).toBe(3);
    expect(decodeSockaddr(e.addr, "linux")).toEqual({ host: "fe80::1", port: 1 });
    const m = encodeSockaddr({ host: "192.0.2.7", port: 9 }, true, "linux")!;
    expect([...m.addr.subarray(18, 24)]).toEqual([0xff, 0xff, 192, 0, 2, 7]);
    expect(decodeSockaddr(m.addr, "linux")).toEqual({ host: "192.0.2.7", port: 9 });
    expect(encodeSockaddr({ host: "example.org", port: 1 })).toBeNull();
    expect(decodeSockaddr(new Uint8Array(28), "linux")).toBeNull();
  });

  test("RFC 5952 formatting matches known forms", () => {
    const f = (s: string) => formatIpv6(parseIpv6(s)!.bytes);
    expect(f("2001:db8:0:0:0:0:2:1")).toBe("2001:db8::2:1");
    expect(f("2001:db8:0:1:1:1:1:1")).toBe("2001:db8:0:1:1:1:1:1");
    expect(f("2001:0:0:1:0:0:0:1")).toBe("2001:0:0:1::1");
    expect(f("::")).toBe("::");
    expect(f("::1")).toBe("::1");
    expect(f("fd88::")).toBe("fd88::");
    expect(f("::ffff:1.2.3.4")).toBe("1.2.3.4");
    expect(parseIpv6("1.2.3.4")).toBeNull();
    expect(parseIpv6("fe80::1%eth0")).toBeNull(); // only numeric scope ids
  });

  test("property: random IPv6 bytes survive format → parse; text equals URL's canonical form", () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), (bytes) => {
        const text = formatIpv6(bytes);
        if (text.includes(".")) return; // mapped: reported as IPv4 by design
        expect([...parseIpv6(text)!.bytes]).toEqual([...bytes]);
        expect(`[${text}]`).toBe(new URL(`http://[${text}]/`).hostname);
      }),
      { numRuns: 500 },
    );
  });

  test("property: sparse addresses (many zero groups) format like URL does", () => {
    const group = fc.oneof(fc.constant(0), fc.constant(0), fc.integer({ min: 0, max: 0xffff }));
    fc.assert(
      fc.property(fc.array(group, { minLength: 8, maxLength: 8 }), (gs) => {
        const text = gs.map((g) => g.toString(16)).join(":");
        const formatted = formatIpv6(parseIpv6(text)!.bytes);
        if (formatted.includes(".")) return;
        expect(`[${formatted}]`).toBe(new URL(`http://[${text}]/`).hostname);
      }),
      { numRuns: 500 },
    );
  });
});
