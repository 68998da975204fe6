import { describe, expect, test } from "bun:test";
import { openUdp, type UdpPeer } from "./udp.ts";
import { openUdpFfi } from "./udp_ffi.ts";

// Generous: a positive wait that returns as soon as the event happens; a loaded CI machine can be slow.
async function until(cond: () => boolean, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond() && Date.now() < end) await new Promise((r) => setTimeout(r, 5));
}

describe("FFI UDP endpoint (recvmmsg reader Worker)", () => {
  for (const host of ["127.0.0.1", "::1"]) {
    test(`${host}: round trip with a Bun endpoint, sender addresses both ways`, async () => {
      const gotFfi: { bytes: number[]; from: UdpPeer }[] = [];
      const gotBun: { bytes: number[]; from: UdpPeer }[] = [];
      const ffi = await openUdpFfi({
        host,
        port: 0,
        receiveBuffer: 1 << 20,
        onDatagram: (b, from) => void gotFfi.push({ bytes: [...b], from }),
      });
      const bun = await openUdp({
        host,
        port: 0,
        onDatagram: (b, from) => void gotBun.push({ bytes: [...b], from }),
      });
      try {
        expect(ffi.port).toBeGreaterThan(0);
        expect(ffi.pmtuDiscovery).toBe(true);
        expect(bun.send(new Uint8Array([1, 2]), { host, port: ffi.port })).toBe("sent");
        await until(() => gotFfi.length > 0);
        expect(gotFfi[0]).toEqual({ bytes: [1, 2], from: { host, port: bun.port } });
        expect(ffi.send(new Uint8Array([3]), gotFfi[0]!.from)).toBe("sent");
        await until(() => gotBun.length > 0);
        expect(gotBun[0]).toEqual({ bytes: [3], from: { host, port: ffi.port } });
      } finally {
        await ffi.closeAsync();
        bun.close();
      }
    });
  }

  test(
    "a burst of 3000 datagrams from two senders arrives whole, in order per sender, in batches",
    async () => {
      const seen = new Map<number, number[]>();
      const rx = await openUdpFfi({
        host: "127.0.0.1",
        port: 0,
        receiveBuffer: 4 << 20,
        onDatagram: (b, from) => {
          const list = seen.get(from.port) ?? [];
          list.push(b[0]! | (b[1]! << 8));
          seen.set(from.port, list);
        },
      });
      const a = await openUdpFfi({ host: "127.0.0.1", port: 0, onDatagram: () => {} });
      const b = await openUdpFfi({ host: "127.0.0.1", port: 0, onDatagram: () => {} });
      try {
        const buf = new Uint8Array(200);
        for (let i = 0; i < 1500; i++) {
          buf[0] = i & 0xff;
          buf[1] = i >> 8;
          expect(a.send(buf, { host: "127.0.0.1", port: rx.port })).toBe("sent");
          expect(b.send(buf, { host: "127.0.0.1", port: rx.port })).toBe("sent");
          if (i % 250 === 249) await new Promise((r) => setTimeout(r, 1));
        }
        await until(() => [...seen.values()].reduce((n, l) => n + l.length, 0) >= 3000);
        const expected = Array.from({ length: 1500 }, (_, i) => i);
        expect(seen.get(a.port)).toEqual(expected);
        expect(seen.get(b.port)).toEqual(expected);
        expect(rx.stats().frames).toBe(3000);
        expect(rx.stats().batches).toBeLessThan(3000); // several datagrams per wake-up
      } finally {
        await Promise.all([rx.closeAsync(), a.closeAsync(), b.closeAsync()]);
      }
    },
    20_000,
  );

  test("IPV6_V6ONLY by default: the port can be bound again for IPv4", async () => {
    const six = await openUdpFfi({ host: "::", port: 0, onDatagram: () => {} });
    try {
      const four = await openUdpFfi({ host: "0.0.0.0", port: six.port, onDatagram: () => {} });
      await four.closeAsync();
      await expect(openUdpFfi({ host: "::", port: six.port, onDatagram: () => {} })).rejects.toThrow(
        /Could not bind UDP :: port/,
      );
    } finally {
      await six.closeAsync();
    }
  });

  test("a dual-stack socket (v6Only false) sees IPv4 senders unmapped and answers them", async () => {
    const got: UdpPeer[] = [];
    const six = await openUdpFfi({
      host: "::",
      port: 0,
      v6Only: false,
      onDatagram: (_b, f) => void got.push(f),
    });
    const replies: number[] = [];
    const four = await openUdp({ host: "127.0.0.1", port: 0, onDatagram: (b) => void replies.push(b[0]!) });
    try {
      four.send(new Uint8Array([1]), { host: "127.0.0.1", port: six.port });
      await until(() => got.length > 0);
      expect(got[0]).toEqual({ host: "127.0.0.1", port: four.port });
      expect(six.send(new Uint8Array([9]), got[0]!)).toBe("sent");
      await until(() => replies.length > 0);
      expect(replies).toEqual([9]);
      expect(six.send(new Uint8Array([1]), { host: "not-an-address", port: 1 })).toBe("dropped");
    } finally {
      await six.closeAsync();
      four.close();
    }
  });
});
