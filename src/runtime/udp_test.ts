import { describe, expect, test } from "bun:test";
import { FakeUdpNetwork, openUdp, type UdpPeer, unmapAddress } from "./udp.ts";
import { inodesForPort } from "./socket_fd.ts";

function collector() {
  const got: { bytes: Uint8Array; from: UdpPeer }[] = [];
  return { got, onDatagram: (bytes: Uint8Array, from: UdpPeer) => got.push({ bytes: bytes.slice(), from }) };
}

// Generous: a positive wait that returns as soon as the event happens; a loaded CI machine can be slow.
async function until(cond: () => boolean, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond() && Date.now() < end) await new Promise((r) => setTimeout(r, 5));
}

describe("UDP endpoint on loopback", () => {
  for (const host of ["127.0.0.1", "::1"]) {
    test(`${host}: datagrams arrive with the sender's address and port; DF is set`, async () => {
      const a = collector();
      const b = collector();
      const ea = await openUdp({ host, port: 0, onDatagram: a.onDatagram });
      const eb = await openUdp({ host, port: 0, onDatagram: b.onDatagram });
      try {
        expect(ea.port).toBeGreaterThan(0);
        expect(ea.pmtuDiscovery).toBe(true);
        expect(ea.send(new Uint8Array([1, 2, 3]), { host, port: eb.port })).toBe("sent");
        expect(eb.send(new Uint8Array([9]), { host, port: ea.port })).toBe("sent");
        await until(() => a.got.length > 0 && b.got.length > 0);
        expect([...b.got[0]!.bytes]).toEqual([1, 2, 3]);
        expect(b.got[0]!.from).toEqual({ host, port: ea.port });
        expect(a.got[0]!.from).toEqual({ host, port: eb.port });
      } finally {
        ea.close();
        eb.close();
      }
    });
  }

  test("a dual-stack endpoint on :: reports IPv4 peers unmapped and can answer them", async () => {
    const six = collector();
    const four = collector();
    const e6 = await openUdp({ host: "::", port: 0, onDatagram: six.onDatagram });
    const e4 = await openUdp({ host: "127.0.0.1", port: 0, onDatagram: four.onDatagram });
    try {
      e4.send(new Uint8Array([4]), { host: "127.0.0.1", port: e6.port });
      await until(() => six.got.length > 0);
      expect(six.got[0]!.from).toEqual({ host: "127.0.0.1", port: e4.port });
      expect(e6.send(new Uint8Array([6]), six.got[0]!.from)).toBe("sent");
      await until(() => four.got.length > 0);
      expect([...four.got[0]!.bytes]).toEqual([6]);
    } finally {
      e6.close();
      e4.close();
    }
  });

  test("binding a taken port fails with the address in the message", async () => {
    const e = await openUdp({ host: "127.0.0.1", port: 0, onDatagram: () => {} });
    try {
      await expect(openUdp({ host: "127.0.0.1", port: e.port, onDatagram: () => {} })).rejects.toThrow(
        /127\.0\.0\.1 port/,
      );
    } finally {
      e.close();
    }
  });
});

describe("UDP helpers and fake", () => {
  test("unmapAddress", () => {
    expect(unmapAddress("::ffff:10.0.0.1")).toBe("10.0.0.1");
    expect(unmapAddress("::FFFF:192.0.2.1")).toBe("192.0.2.1");
    expect(unmapAddress("10.0.0.1")).toBe("10.0.0.1");
    expect(unmapAddress("::ffff:a:b")).toBe("::ffff:a:b");
    expect(unmapAddress("fe80::1")).toBe("fe80::1");
  });

  test("unmapAddress answers right when the address repeats and alternates (the last answer is kept)", () => {
    const cases: Array<[string, string]> = [
      ["::ffff:10.0.0.1", "10.0.0.1"],
      ["::ffff:10.0.0.1", "10.0.0.1"],
      ["10.0.0.2", "10.0.0.2"],
      ["::ffff:10.0.0.1", "10.0.0.1"],
      ["fe80::1", "fe80::1"],
      ["fe80::1", "fe80::1"],
      ["", ""],
      ["::FFFF:192.0.2.1", "192.0.2.1"],
    ];
    for (const [host, expected] of cases) expect(unmapAddress(host)).toBe(expected);
  });

  test("inodesForPort reads /proc/net/udp lines", () => {
    const table = [
      "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode",
      "  1: 0100007F:028F 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 4242 2",
      "  2: 0100007F:0290 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 4343 2",
    ].join("\n");
    expect(inodesForPort(table, 655)).toEqual(["4242"]);
    expect(inodesForPort(table, 1)).toEqual([]);
  });

  test("the fake network delivers in order, reports too-big above its MTU", async () => {
    const net = new FakeUdpNetwork();
    const b = collector();
    const ea = net.open({ host: "10.0.0.1", port: 655, onDatagram: () => {} });
    const eb = net.open({ host: "10.0.0.2", port: 655, onDatagram: b.onDatagram });
    expect(ea.send(new Uint8Array([1]), { host: "10.0.0.2", port: 655 })).toBe("sent");
    expect(ea.send(new Uint8Array([2]), { host: "10.0.0.2", port: 655 })).toBe("sent");
    expect(ea.send(new Uint8Array(1501), { host: "10.0.0.2", port: 655 })).toBe("too-big");
    await Promise.resolve();
    expect(b.got.map((g) => g.bytes[0])).toEqual([1, 2]);
    expect(b.got[0]!.from).toEqual({ host: "10.0.0.1", port: 655 });
    expect(() => net.open({ host: "10.0.0.2", port: 655, onDatagram: () => {} })).toThrow(/in use/);
    eb.close();
    expect(ea.send(new Uint8Array([3]), { host: "10.0.0.2", port: 655 })).toBe("sent");
  });
});
