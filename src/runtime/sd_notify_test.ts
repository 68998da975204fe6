import { afterEach, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createNotifier, watchdogInterval } from "./sd_notify.ts";
import { bindUnixDatagram, sockaddrUn, type UnixDatagramReceiver } from "./unix_dgram.ts";

const cleanups: (() => void)[] = [];
afterEach(() => {
  while (cleanups.length) cleanups.pop()!();
});

function receiver(path: string): UnixDatagramReceiver {
  const r = bindUnixDatagram(path);
  cleanups.push(() => r.close());
  return r;
}

function tempSocketPath(): string {
  const dir = mkdtempSync(join(tmpdir(), "tinct-notify-"));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return join(dir, "notify");
}

async function next(r: UnixDatagramReceiver, ms = 2000): Promise<string> {
  const end = Date.now() + ms;
  for (;;) {
    const m = r.receive();
    if (m !== null) return m;
    if (Date.now() > end) throw new Error("no datagram arrived");
    await new Promise((res) => setTimeout(res, 5));
  }
}

describe("sd_notify to a real unix datagram socket", () => {
  test("READY, STATUS, STOPPING to a path socket", async () => {
    const path = tempSocketPath();
    const r = receiver(path);
    const n = createNotifier({ NOTIFY_SOCKET: path }, 4242);
    cleanups.push(() => n.close());
    expect(n.enabled).toBe(true);
    n.ready("Ready");
    expect(await next(r)).toBe("READY=1\nMAINPID=4242\nSTATUS=Ready");
    n.status("3 peers");
    expect(await next(r)).toBe("STATUS=3 peers");
    n.stopping();
    expect(await next(r)).toBe("STOPPING=1");
    expect(n.failures).toBe(0);
  });

  test("abstract @ socket", async () => {
    const name = `@tinct-test-${process.pid}-${Date.now()}`;
    const r = receiver(name);
    const n = createNotifier({ NOTIFY_SOCKET: name }, 1);
    cleanups.push(() => n.close());
    n.watchdog();
    expect(await next(r)).toBe("WATCHDOG=1");
  });

  test("the watchdog timer sends WATCHDOG=1 every half WATCHDOG_USEC", async () => {
    const path = tempSocketPath();
    const r = receiver(path);
    const n = createNotifier({ NOTIFY_SOCKET: path, WATCHDOG_USEC: "40000", WATCHDOG_PID: "77" }, 77);
    cleanups.push(() => n.close());
    expect(n.watchdogIntervalMs).toBe(20);
    n.startWatchdog();
    expect(await next(r)).toBe("WATCHDOG=1");
    expect(await next(r)).toBe("WATCHDOG=1");
    n.close();
    await new Promise((res) => setTimeout(res, 60));
    while (r.receive() !== null) { /* drain what was in flight */ }
    await new Promise((res) => setTimeout(res, 60));
    expect(r.receive()).toBeNull();
  });

  test("a missing socket counts a failure and never throws", () => {
    const n = createNotifier({ NOTIFY_SOCKET: "/nonexistent/tinct/notify" }, 1);
    n.ready();
    n.stopping();
    expect(n.failures).toBe(2);
    n.close();
  });

  test("without NOTIFY_SOCKET nothing is sent and no socket is opened", () => {
    let opened = 0;
    const n = createNotifier({}, 1, () => {
      opened++;
      throw new Error("must not open");
    });
    n.ready();
    n.startWatchdog();
    expect(n.enabled).toBe(false);
    expect(opened).toBe(0);
    n.close();
  });
});

describe("watchdogInterval and sockaddr_un", () => {
  test("WATCHDOG_PID unset or ours applies; another pid does not", () => {
    expect(watchdogInterval({ WATCHDOG_USEC: "10000000" }, 5)).toBe(5000);
    expect(watchdogInterval({ WATCHDOG_USEC: "10000000", WATCHDOG_PID: "5" }, 5)).toBe(5000);
    expect(watchdogInterval({ WATCHDOG_USEC: "10000000", WATCHDOG_PID: "6" }, 5)).toBe(0);
    expect(watchdogInterval({ WATCHDOG_USEC: "junk" }, 5)).toBe(0);
    expect(watchdogInterval({}, 5)).toBe(0);
  });

  test("Linux path and abstract layouts, macOS layout", () => {
    const p = sockaddrUn("/run/x", "linux");
    expect(p.length).toBe(2 + 7);
    expect([...p.addr.subarray(0, 9)]).toEqual([1, 0, 47, 114, 117, 110, 47, 120, 0]);
    const a = sockaddrUn("@ab", "linux");
    expect(a.length).toBe(2 + 3);
    expect([...a.addr.subarray(0, 5)]).toEqual([1, 0, 0, 97, 98]);
    const d = sockaddrUn("/x", "darwin");
    expect([...d.addr.subarray(0, 5)]).toEqual([5, 1, 47, 120, 0]);
    expect(() => sockaddrUn("@x", "darwin")).toThrow(RangeError);
    expect(() => sockaddrUn("/" + "a".repeat(200), "linux")).toThrow(RangeError);
  });
});
