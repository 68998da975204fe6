import { describe, expect, test } from "bun:test";
import { connectTcp, fakeStreamPair, listenTcp, type StreamHandlers, type TcpStream } from "./tcp.ts";

async function until(cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond() && Date.now() < end) await new Promise((r) => setTimeout(r, 5));
}

function recorder() {
  const r = {
    chunks: [] as Uint8Array[],
    closed: 0,
    drains: 0,
    bytes: () => r.chunks.reduce((n, c) => n + c.length, 0),
    handlers: {
      onData: (_s: TcpStream, b: Uint8Array) => void r.chunks.push(b.slice()),
      onDrain: () => void r.drains++,
      onClose: () => void r.closed++,
    } satisfies StreamHandlers,
  };
  return r;
}

function pattern(n: number): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = (i * 7 + (i >> 8)) & 0xff;
  return b;
}

function concat(chunks: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let o = 0;
  for (const c of chunks) {
    out.set(c, o);
    o += c.length;
  }
  return out;
}

describe("TCP on loopback", () => {
  for (const host of ["127.0.0.1", "::1"]) {
    test(`${host}: 4 MiB in one write arrives intact through partial writes and drain`, async () => {
      const server = recorder();
      const accepted: TcpStream[] = [];
      const l = listenTcp({
        host,
        port: 0,
        now: () => 0,
        onAccept: (s) => (accepted.push(s), server.handlers),
      });
      const client = recorder();
      const c = await connectTcp({ host, port: l.port, handlers: client.handlers, maxOutputBuffer: 8 << 20 });
      try {
        const data = pattern(4 << 20);
        const r = c.write(data);
        expect(["sent", "queued"]).toContain(r);
        await until(() => server.bytes() === data.length);
        expect(Buffer.compare(concat(server.chunks), data)).toBe(0);
        expect(c.bufferedBytes).toBe(0);
        if (r === "queued") expect(client.drains).toBeGreaterThan(0);
        expect(accepted[0]!.remote.host).toBe(host);
        // And back the other way.
        accepted[0]!.write(new Uint8Array([1, 2, 3]));
        await until(() => client.bytes() === 3);
        expect([...concat(client.chunks)]).toEqual([1, 2, 3]);
        // The server closes: the client hears it.
        accepted[0]!.close();
        await until(() => client.closed > 0);
        expect(client.closed).toBe(1);
      } finally {
        c.close();
        l.close();
      }
    }, 20_000);
  }

  test("MaxOutputBufferSize: once output is queued, more than the limit is refused", async () => {
    const l = listenTcp({
      host: "127.0.0.1",
      port: 0,
      now: () => 0,
      onAccept: () => ({ onData: () => {}, onClose: () => {} }),
    });
    const c = await connectTcp({
      host: "127.0.0.1",
      port: l.port,
      handlers: { onData: () => {}, onClose: () => {} },
      maxOutputBuffer: 1000,
    });
    try {
      // 64 MiB cannot fit the socket buffers at once: part is taken, the rest queued past the limit.
      expect(c.write(new Uint8Array(64 << 20))).toBe("queued");
      expect(c.bufferedBytes).toBeGreaterThan(1000);
      expect(c.write(new Uint8Array(10))).toBe("overflow");
    } finally {
      c.close();
      l.close();
    }
  }, 20_000);

  test(
    "accept burst: from the 10th connection within a second, sockets go to the tarpit (10 slots)",
    async () => {
      let served = 0;
      const l = listenTcp({
        host: "127.0.0.1",
        port: 0,
        now: () => 1000, // all within one second
        onAccept: () => (served++, { onData: () => {}, onClose: () => {} }),
      });
      const clients: TcpStream[] = [];
      const closedByServer: number[] = [];
      try {
        for (let i = 0; i < 25; i++) {
          const idx = i;
          clients.push(
            await connectTcp({
              host: "127.0.0.1",
              port: l.port,
              handlers: { onData: () => {}, onClose: () => void closedByServer.push(idx) },
            }),
          );
          await until(() => served + l.tarpitted() + closedByServer.length >= idx + 1, 10_000);
        }
        expect(served).toBe(9);
        expect(l.tarpitted()).toBe(10);
        // 16 were tarpitted; the first 6 of them (connections 9..14) were evicted and closed.
        await until(() => closedByServer.length >= 6);
        expect(closedByServer.sort((a, b) => a - b)).toEqual([9, 10, 11, 12, 13, 14]);
      } finally {
        for (const c of clients) c.close();
        l.close();
      }
    },
    30_000,
  );

  test("bindHost: the connection leaves from the given local address (node:net path)", async () => {
    const server = recorder();
    const accepted: TcpStream[] = [];
    const l = listenTcp({
      host: "127.0.0.1",
      port: 0,
      now: () => 0,
      onAccept: (s) => (accepted.push(s), server.handlers),
    });
    const client = recorder();
    const c = await connectTcp({
      host: "127.0.0.1",
      port: l.port,
      bindHost: "127.0.0.2",
      handlers: client.handlers,
    });
    try {
      await until(() => accepted.length > 0);
      expect(accepted[0]!.remote.host).toBe("127.0.0.2");
      const data = pattern(2 << 20);
      expect(["sent", "queued"]).toContain(c.write(data));
      await until(() => server.bytes() === data.length);
      expect(Buffer.compare(concat(server.chunks), data)).toBe(0);
      accepted[0]!.write(new Uint8Array([5]));
      await until(() => client.bytes() === 1);
      accepted[0]!.close();
      await until(() => client.closed > 0);
      expect(client.closed).toBe(1);
      await expect(
        connectTcp({ host: "127.0.0.1", port: l.port, bindHost: "192.0.2.1", handlers: client.handlers }),
      ).rejects.toThrow(/from 192\.0\.2\.1/);
    } finally {
      c.close();
      l.close();
    }
  }, 20_000);

  test("connect failure names the address", async () => {
    const l = listenTcp({
      host: "127.0.0.1",
      port: 0,
      onAccept: () => ({ onData: () => {}, onClose: () => {} }),
    });
    const port = l.port;
    l.close();
    await expect(connectTcp({ host: "127.0.0.1", port, handlers: { onData: () => {}, onClose: () => {} } }))
      .rejects.toThrow(`127.0.0.1 port ${port}`);
  });

  test("listening on a taken port fails with the address", () => {
    const l = listenTcp({
      host: "127.0.0.1",
      port: 0,
      onAccept: () => ({ onData: () => {}, onClose: () => {} }),
    });
    try {
      expect(() =>
        listenTcp({
          host: "127.0.0.1",
          port: l.port,
          onAccept: () => ({ onData: () => {}, onClose: () => {} }),
        })
      )
        .toThrow(/127\.0\.0\.1 port/);
    } finally {
      l.close();
    }
  });
});

describe("fake stream pair", () => {
  test("partial writes queue, drain flushes in order, close reaches the peer", async () => {
    const a = recorder();
    const b = recorder();
    const pair = fakeStreamPair(a.handlers, b.handlers, 4, 100);
    expect(pair.a.write(new Uint8Array([1, 2, 3, 4, 5, 6]))).toBe("queued");
    expect(pair.a.write(new Uint8Array([7]))).toBe("queued");
    expect(pair.a.write(new Uint8Array(200))).toBe("overflow");
    await Promise.resolve();
    pair.drainBoth();
    await Promise.resolve();
    expect([...concat(b.chunks)]).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(a.drains).toBe(1);
    pair.a.close();
    await Promise.resolve();
    expect(b.closed).toBe(1);
    expect(a.closed).toBe(0);
    expect(pair.a.write(new Uint8Array([1]))).toBe("closed");
  });
});
