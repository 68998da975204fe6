import { describe, expect, test } from "bun:test";
import type { SockAddr } from "../../core/node/effects.ts";
import { networkInterfaces } from "node:os";
import { readFileSync } from "node:fs";
import { UdpNet } from "./udp_net.ts";
import { findSocketFd } from "../socket_fd.ts";
import { libc } from "../libc.ts";

/** CI containers may run without IPv6 on loopback; the IPv6 half is checked where it exists. */
const hasIpv6Loopback = Object.values(networkInterfaces()).some((list) =>
  (list ?? []).some((a) => a.address === "::1")
);

// Generous: a positive wait that returns as soon as the event happens; a loaded CI machine can be slow.
async function until(what: string, check: () => boolean, ms = 20_000): Promise<void> {
  const t0 = Date.now();
  while (!check()) {
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(5);
  }
}

describe("UdpNet", () => {
  test("one port carries IPv4 and IPv6; senders appear unmapped with the tinc port", async () => {
    const base = 20000 + (process.pid % 20000);
    const got: Array<{ from: SockAddr; text: string }> = [];
    const a = await UdpNet.open(
      base,
      "any",
      (from, b) => got.push({ from, text: new TextDecoder().decode(b) }),
    );
    const b = await UdpNet.open(base + 1, "any", () => {});
    try {
      b.send({ host: "127.0.0.1", port: base }, new TextEncoder().encode("v4"));
      if (hasIpv6Loopback) b.send({ host: "::1", port: base }, new TextEncoder().encode("v6"));
      const expected = hasIpv6Loopback ? 2 : 1;
      await until("the datagrams", () => got.length === expected);
      const byText = new Map(got.map((g) => [g.text, g.from]));
      expect(byText.get("v4")).toEqual({ host: "127.0.0.1", port: base + 1 });
      if (hasIpv6Loopback) expect(byText.get("v6")).toEqual({ host: "::1", port: base + 1 });
      expect(b.sendFailures).toBe(0);
    } finally {
      a.close();
      b.close();
    }
  });

  test("an ICMP port unreachable for a datagram sent is absorbed; the socket keeps receiving", async () => {
    const base = 20000 + ((process.pid + 29) % 20000);
    const got: string[] = [];
    const a = await UdpNet.open(base, "ipv4", (_from, b) => got.push(new TextDecoder().decode(b)));
    const b = await UdpNet.open(base + 1, "ipv4", () => {});
    const closed = await UdpNet.open(base + 2, "ipv4", () => {});
    closed.close();
    try {
      // Bun reads the ECONNREFUSED from the error queue; unhandled, it was an uncaught error
      // that bun test reports and that made the daemon exit with status 1.
      for (let i = 0; i < 3; i++) {
        a.send({ host: "127.0.0.1", port: base + 2 }, new TextEncoder().encode("lost"));
        await Bun.sleep(20);
      }
      b.send({ host: "127.0.0.1", port: base }, new TextEncoder().encode("still here"));
      await until("the datagram after the refusals", () => got.length === 1);
      expect(got).toEqual(["still here"]);
    } finally {
      a.close();
      b.close();
    }
  });

  test("a port in use is refused with the address in the message", async () => {
    const base = 20000 + ((process.pid + 7) % 20000);
    const a = await UdpNet.open(base, "ipv4", () => {});
    try {
      await expect(UdpNet.open(base, "ipv4", () => {})).rejects.toThrow(`0.0.0.0:${base}`);
    } finally {
      a.close();
    }
  });

  test("a batch goes out in order at its end; a family switch flushes what came before", async () => {
    const base = 20000 + ((process.pid + 13) % 20000);
    const got: string[] = [];
    const a = await UdpNet.open(base, "any", (_from, b) => got.push(new TextDecoder().decode(b)));
    const b = await UdpNet.open(base + 1, "any", () => {});
    try {
      const enc = (t: string) => new TextEncoder().encode(t);
      b.beginBatch();
      for (let i = 0; i < 5; i++) b.send({ host: "127.0.0.1", port: base }, enc(`m${i}`));
      await Bun.sleep(50);
      expect(got).toEqual([]);
      b.endBatch();
      await until("five datagrams", () => got.length === 5);
      expect(got).toEqual(["m0", "m1", "m2", "m3", "m4"]);
      if (hasIpv6Loopback) {
        b.beginBatch();
        b.send({ host: "127.0.0.1", port: base }, enc("v4"));
        b.send({ host: "::1", port: base }, enc("v6"));
        b.endBatch();
        await until("both families", () => got.length === 7);
        expect(got.slice(5).sort()).toEqual(["v4", "v6"]);
      }
      expect(b.sendFailures).toBe(0);
    } finally {
      a.close();
      b.close();
    }
  });
});

describe("UdpNet buffer sizes (UDPRcvBuf / UDPSndBuf)", () => {
  /** SO_RCVBUF (8) or SO_SNDBUF (7) as the kernel reports it: twice what was asked for. */
  function socketBuffer(port: number, option: 7 | 8): number {
    const fd = findSocketFd("udp", port);
    const value = new Uint8Array(4);
    const len = new Uint8Array(new Uint32Array([4]).buffer);
    expect(libc().getsockopt(fd, 1, option, value, len)).toBe(0);
    return new DataView(value.buffer).getInt32(0, true);
  }

  /** What the kernel grants: root passes the rmem/wmem_max cap with the FORCE options. */
  function granted(asked: number, option: 7 | 8): number {
    if (process.getuid?.() === 0) return 2 * asked;
    const max = Number(readFileSync(`/proc/sys/net/core/${option === 8 ? "rmem_max" : "wmem_max"}`, "utf8"));
    return 2 * Math.min(asked, max);
  }

  test("configured sizes are asked for; unset ones get tinc 1.1's 1 MiB", async () => {
    const base = 21000 + (process.pid % 20000);
    const set = await UdpNet.bind([{ host: "127.0.0.1", port: base }], () => {}, {
      receive: 300_000,
      send: 150_000,
    });
    const unset = await UdpNet.bind([{ host: "127.0.0.1", port: base + 1 }], () => {});
    try {
      expect(socketBuffer(base, 8)).toBe(granted(300_000, 8));
      expect(socketBuffer(base, 7)).toBe(granted(150_000, 7));
      expect(socketBuffer(base + 1, 8)).toBe(granted(1024 * 1024, 8));
      expect(socketBuffer(base + 1, 7)).toBe(granted(1024 * 1024, 7));
    } finally {
      set.net.close();
      unset.net.close();
    }
  });
});
