import { describe, expect, test } from "bun:test";
import type { SockAddr } from "../../core/node/effects.ts";
import { type MetaEvents, MetaNet } from "./meta_net.ts";

interface Recorder extends MetaEvents {
  log: string[];
  bytes: Map<number, Uint8Array[]>;
}

function recorder(): Recorder {
  const log: string[] = [];
  const bytes = new Map<number, Uint8Array[]>();
  return {
    log,
    bytes,
    accepted: (id: number, peer: SockAddr) => void log.push(`accepted ${id} ${peer.host}`),
    connected: (id: number, peer: SockAddr) => void log.push(`connected ${id} ${peer.host}:${peer.port}`),
    data: (id: number, b: Uint8Array) => {
      const list = bytes.get(id) ?? [];
      list.push(b.slice());
      bytes.set(id, list);
    },
    closed: (id: number, reason: string) => void log.push(`closed ${id} ${reason}`),
  };
}

// Generous: a positive wait that returns as soon as the event happens; a loaded CI machine can be slow.
async function until(what: string, check: () => boolean, ms = 20_000): Promise<void> {
  const t0 = Date.now();
  while (!check()) {
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(5);
  }
}

function total(list: Uint8Array[] | undefined): Uint8Array {
  const out = new Uint8Array((list ?? []).reduce((n, b) => n + b.length, 0));
  let o = 0;
  for (const b of list ?? []) {
    out.set(b, o);
    o += b.length;
  }
  return out;
}

describe("MetaNet", () => {
  test("accept, connect, 8 MiB in order through partial writes, close reported once", async () => {
    const server = recorder();
    const client = recorder();
    const a = new MetaNet(server);
    const b = new MetaNet(client);
    try {
      const port = a.listen("127.0.0.1", 0);
      const id = b.connect({ host: "127.0.0.1", port }, 2000);
      await until("both ends up", () => client.log.length === 1 && server.log.length === 1);
      expect(client.log).toEqual([`connected ${id} 127.0.0.1:${port}`]);
      expect(server.log[0]).toStartWith("accepted ");
      const serverId = Number(server.log[0]!.split(" ")[1]);
      const payload = new Uint8Array(8 * 1024 * 1024);
      for (let i = 0; i < payload.length; i++) payload[i] = (i * 7 + (i >> 11)) & 0xff;
      for (let off = 0; off < payload.length; off += 65536) b.send(id, payload.subarray(off, off + 65536));
      await until("all bytes", () => total(server.bytes.get(serverId)).length === payload.length, 30_000);
      expect(Buffer.compare(total(server.bytes.get(serverId)), payload)).toBe(0);
      a.close(serverId);
      await until("client sees the close", () => client.log.length === 2);
      expect(client.log[1]).toStartWith(`closed ${id}`);
      expect(server.log.length).toBe(1);
    } finally {
      a.closeAll();
      b.closeAll();
    }
  });

  test("a refused dial is reported as closed", async () => {
    const probe = new MetaNet(recorder());
    const port = probe.listen("127.0.0.1", 0);
    probe.closeAll();
    const client = recorder();
    const b = new MetaNet(client);
    const id = b.connect({ host: "127.0.0.1", port }, 2000);
    await until("failure", () => client.log.length === 1);
    expect(client.log[0]).toStartWith(`closed ${id}`);
    b.closeAll();
  });
});

describe("MetaNet connection-burst limit (tincd's tarpit)", () => {
  test("the 10th connection within a second is held open unserved; a second later they are served again", async () => {
    let clock = 1_000_000;
    const server = recorder();
    const held: string[] = [];
    server.tarpitted = (peer) => void held.push(peer.host);
    const a = new MetaNet(server, () => clock);
    const port = a.listen("127.0.0.1", 0);
    const client = recorder();
    const b = new MetaNet(client);
    try {
      const dial = async (n: number): Promise<void> => {
        for (let i = 0; i < n; i++) b.connect({ host: "127.0.0.1", port }, 5000);
        await until(`${n} more connections`, () => {
          const accepted = server.log.filter((l) => l.startsWith("accepted")).length;
          return accepted + held.length >= dialled;
        });
      };
      let dialled = 12;
      await dial(12);
      expect(server.log.filter((l) => l.startsWith("accepted")).length).toBe(9);
      expect(held).toEqual(["127.0.0.1", "127.0.0.1", "127.0.0.1"]);
      // Held, not refused: every dial completed and none was closed.
      await until(
        "12 dials completed",
        () => client.log.filter((l) => l.startsWith("connected")).length === 12,
      );
      expect(client.log.some((l) => l.startsWith("closed"))).toBe(false);
      // Two seconds later the counters have drained by two: a new connection is served.
      clock += 2000;
      dialled = 13;
      await dial(1);
      expect(server.log.filter((l) => l.startsWith("accepted")).length).toBe(10);
    } finally {
      a.closeAll();
      b.closeAll();
    }
  });
});

describe("MetaNet MaxConnectionBurst", () => {
  test("a configured burst of 4 serves 3 connections in a second and holds the rest", async () => {
    const server = recorder();
    const held: string[] = [];
    server.tarpitted = (peer) => void held.push(peer.host);
    const a = new MetaNet(server, () => 5_000_000, 4);
    const port = a.listen("127.0.0.1", 0);
    const b = new MetaNet(recorder());
    try {
      for (let i = 0; i < 6; i++) b.connect({ host: "127.0.0.1", port }, 5000);
      await until(
        "6 connections seen",
        () => server.log.filter((l) => l.startsWith("accepted")).length + held.length >= 6,
      );
      expect(server.log.filter((l) => l.startsWith("accepted")).length).toBe(3);
      expect(held.length).toBe(3);
    } finally {
      a.closeAll();
      b.closeAll();
    }
  });
});

describe("MetaNet tarpit for failed peers", () => {
  test("close(id, true) holds the socket open and deaf; the 11th such socket evicts the first", async () => {
    const server = recorder();
    // A clock that moves 10 s per accept: the burst limit never applies here.
    let clock = 0;
    const a = new MetaNet(server, () => (clock += 10_000));
    const port = a.listen("127.0.0.1", 0);
    const client = recorder();
    const b = new MetaNet(client);
    try {
      const ids: number[] = [];
      for (let i = 0; i < 11; i++) {
        ids.push(b.connect({ host: "127.0.0.1", port }, 5000));
        await until(
          `accept ${i + 1}`,
          () => server.log.filter((l) => l.startsWith("accepted")).length === i + 1,
        );
        const serverId = Number(server.log.filter((l) => l.startsWith("accepted")).at(-1)!.split(" ")[1]);
        a.close(serverId, true);
      }
      // The first socket was evicted by the 11th: its client hears the close; the others hear nothing.
      await until(
        "the evicted socket's close",
        () => client.log.some((l) => l.startsWith(`closed ${ids[0]} `)),
      );
      b.send(ids[5]!, new TextEncoder().encode("0 intruder 17\n"));
      await Bun.sleep(200);
      expect(client.log.filter((l) => l.startsWith("closed")).map((l) => l.split(" ")[1])).toEqual([
        String(ids[0]),
      ]);
      expect(server.bytes.size).toBe(0);
      expect(server.log.some((l) => l.startsWith("closed"))).toBe(false);
    } finally {
      a.closeAll();
      b.closeAll();
    }
  });
});

describe("MetaNet tarpit reads nothing", () => {
  test("a held socket is not read: a client writing 32 MiB into it stalls", async () => {
    const server = recorder();
    const a = new MetaNet(server, () => 0);
    const port = a.listen("127.0.0.1", 0);
    let drained = 0;
    const client = await Bun.connect({
      hostname: "127.0.0.1",
      port,
      socket: { data: () => {}, drain: () => void drained++ },
    });
    try {
      await until("the accept", () => server.log.some((l) => l.startsWith("accepted")));
      const id = Number(server.log.find((l) => l.startsWith("accepted"))!.split(" ")[1]);
      a.close(id, true);
      const chunk = new Uint8Array(1 << 20);
      let written = 0;
      // Write until the kernel stops taking bytes, then give a reader 1 s to drain them.
      for (let i = 0; i < 32; i++) {
        const n = client.write(chunk);
        written += Math.max(0, n);
        if (n < chunk.length) break;
      }
      const before = drained;
      await Bun.sleep(1000);
      expect(written).toBeLessThan(32 << 20);
      expect(drained).toBe(before);
      expect(server.bytes.size).toBe(0);
    } finally {
      client.end();
      a.closeAll();
    }
  });
});
