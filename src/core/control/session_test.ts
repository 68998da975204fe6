import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { type ControlBackend, ControlSession, MAX_CONTROL_LINE, utf8Length } from "./session.ts";
import type { NodeDump } from "./dump_lines.ts";

const COOKIE = "ab".repeat(32);

function fakeBackend() {
  const calls: string[] = [];
  let level = 2;
  const n: NodeDump = {
    name: "alpha",
    id: "112233445566",
    host: "MYSELF",
    port: "655",
    cipher: 0,
    digest: 0,
    maclength: 0,
    compression: 0,
    options: 0xc,
    status: 0x10,
    nexthop: "alpha",
    via: "alpha",
    distance: 0,
    pmtu: 1518,
    minmtu: 0,
    maxmtu: 1518,
    lastStateChange: 0,
    udpPingRtt: -1,
    inPackets: 0,
    inBytes: 0,
    outPackets: 0,
    outBytes: 0,
  };
  const backend: ControlBackend = {
    name: "alpha",
    pid: 321,
    protocolMajor: 17,
    protocolMinor: 7,
    dumpNodes: () => [n],
    dumpEdges: () => [],
    dumpSubnets:
      () => [{ subnet: "10.0.0.0/8", owner: "alpha" }, { subnet: "10.1.0.0/16#5", owner: "alpha" }],
    dumpConnections: () => [],
    dumpTraffic: () => [{ name: "alpha", inPackets: 1, inBytes: 2, outPackets: 3, outBytes: 4 }],
    stop: () => void calls.push("stop"),
    reload: () => (calls.push("reload"), 0),
    purge: () => void calls.push("purge"),
    retry: () => void calls.push("retry"),
    debugLevel: () => level,
    setDebugLevel: (l) => {
      calls.push(`debug ${l}`);
      level = l;
    },
    disconnect: (name) => (calls.push(`disconnect ${name}`), name === "beta"),
  };
  return { backend, calls };
}

function open() {
  const { backend, calls } = fakeBackend();
  let out = "";
  let closed: string | undefined;
  const s = new ControlSession(backend, COOKIE, (t) => (out += t), (r) => (closed = r));
  s.start();
  const take = () => {
    const o = out;
    out = "";
    return o;
  };
  return { s, calls, take, closed: () => closed };
}

function authed() {
  const o = open();
  o.s.receive(`0 ^${COOKIE} 0\n`);
  o.take();
  return o;
}

describe("control session", () => {
  test("greeting, then ACK with pid after the right cookie", () => {
    const o = open();
    expect(o.take()).toBe("0 alpha 17.7\n");
    o.s.receive(`0 ^${COOKIE} 0\n`);
    expect(o.take()).toBe("4 0 321\n");
    expect(o.s.state).toBe("control");
  });

  test("wrong cookie: closed, nothing more written", () => {
    const o = open();
    o.take();
    o.s.receive(`0 ^${"cd".repeat(32)} 0\n18 0\n`);
    expect(o.take()).toBe("");
    expect(o.closed()).toBe("bad control cookie");
    expect(o.calls).toEqual([]);
  });

  test("requests before the handshake are not obeyed", () => {
    const o = open();
    o.take();
    o.s.receive("18 0\n");
    expect(o.take()).toBe("");
    expect(o.calls).toEqual([]);
    expect(o.s.isClosed()).toBe(true);
  });

  test("simple requests and their replies", () => {
    const o = authed();
    o.s.receive("18 1\n18 8\n18 10\n");
    expect(o.take()).toBe("18 1 0\n18 8 0\n18 10 0\n");
    o.s.receive("18 9 5\n");
    expect(o.take()).toBe("18 9 2\n");
    o.s.receive("18 9 -1\n");
    expect(o.take()).toBe("18 9 5\n");
    o.s.receive("18 12 beta\n18 12 zeta\n18 12\n");
    expect(o.take()).toBe("18 12 0\n18 12 -2\n18 12 -1\n");
    o.s.receive("18 2\n18 7\n18 11 x\n18 14 100\n18 99\n");
    expect(o.take()).toBe("18 -1\n18 -1\n18 -1\n18 -1\n18 -1\n");
    o.s.receive("18 0\n");
    expect(o.take()).toBe("18 0 0\n");
    expect(o.calls).toEqual([
      "reload",
      "purge",
      "retry",
      "debug 5",
      "disconnect beta",
      "disconnect zeta",
      "stop",
    ]);
  });

  test("dumps end with the bare terminator", () => {
    const o = authed();
    o.s.receive("18 5\n18 4\n18 13\n18 3 alpha\n");
    expect(o.take()).toBe(
      "18 5 10.0.0.0/8 alpha\n18 5 10.1.0.0/16#5 alpha\n18 5\n18 4\n18 13 alpha 1 2 3 4\n18 13\n" +
        "18 3 alpha 112233445566 MYSELF port 655 0 0 0 0 c 10 alpha alpha 0 1518 0 1518 0 -1 0 0 0 0\n18 3\n",
    );
  });

  test("lines split anywhere are reassembled", () => {
    fc.assert(fc.property(fc.nat({ max: 80 }), (cut) => {
      const o = open();
      o.take();
      const text = `0 ^${COOKIE} 0\n18 8\n18 10\n`;
      const at = Math.min(cut, text.length);
      o.s.receive(text.slice(0, at));
      o.s.receive(text.slice(at));
      expect(o.take()).toBe("4 0 321\n18 8 0\n18 10 0\n");
    }));
  });

  test("bad input closes: non-CONTROL request, bad SET_DEBUG, overlong line", () => {
    let o = authed();
    o.s.receive("8 1 2 3\n");
    expect(o.closed()).toBe("unauthorized request on control socket");
    o = authed();
    o.s.receive("18 9 x\n");
    expect(o.closed()).toBe("bad SET_DEBUG request");
    o = authed();
    o.s.receive("18 x\n");
    expect(o.closed()).toBe("bad CONTROL request");
    o = authed();
    o.s.receive("1".repeat(MAX_CONTROL_LINE + 1));
    expect(o.closed()).toBe("control line too long");
  });

  test("log streaming by level, as 18 15 LEN + bytes", () => {
    const o = authed();
    o.s.log(0, "before");
    expect(o.take()).toBe("");
    o.s.receive("18 15 3 0\n");
    expect(o.take()).toBe("");
    o.s.log(3, "héllo");
    o.s.log(4, "too verbose");
    expect(o.take()).toBe("18 15 6\nhéllo");
    expect(o.s.connectionDump(9)).toEqual({
      name: "<control>",
      host: "localhost",
      port: "unix",
      options: 0,
      socket: 9,
      status: 0xa00,
    });
    o.s.receive("18 15 -1\n");
    o.s.log(2, "at daemon level");
    o.s.log(3, "above daemon level");
    expect(o.take()).toBe("18 15 15\nat daemon level");
  });

  test("hostile input never throws; only well-formed lines come back", () => {
    const token = fc.oneof(
      fc.constantFrom("18", "0", "4", "-1", "3", "9", "12", "15", `^${COOKIE}`, "^", "x"),
      fc.string({ maxLength: 6 }),
    );
    const line = fc.array(token, { maxLength: 5 }).map((t) => t.join(" "));
    fc.assert(fc.property(fc.boolean(), fc.array(line, { maxLength: 12 }), (auth, lines) => {
      const o = auth ? authed() : open();
      o.take();
      expect(() => o.s.receive(lines.join("\n") + "\n")).not.toThrow();
      const written = o.take();
      for (const out of written.split("\n").filter((l) => l !== "")) {
        expect(out).toMatch(/^(18 -?\d+( \S+)*|4 0 321)$/);
      }
      // Without the cookie (no ACK written), nothing reaches the daemon.
      if (!auth && !written.includes("4 0 321")) expect(o.calls).toEqual([]);
    }));
  });

  test("utf8Length matches TextEncoder", () => {
    fc.assert(fc.property(fc.string({ unit: "grapheme" }), (s) => {
      expect(utf8Length(s)).toBe(new TextEncoder().encode(s).length);
    }));
  });
});
