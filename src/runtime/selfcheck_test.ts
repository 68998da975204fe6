import { expect, test } from "bun:test";
import { runtimeSelfCheck } from "./selfcheck.ts";

test("the reader Worker moves frames from an fd through the shared ring intact", async () => {
  const r = await runtimeSelfCheck(500);
  expect(r.detail).toBe("reader worker ring: sent 500, received 500, corrupt 0");
  expect(r.ok).toBe(true);
});

test("a reader whose fd hangs up reports failure instead of spinning", async () => {
  const { libc } = await import("./libc.ts");
  const { startTunReader } = await import("./tun_reader.ts");
  const c = libc();
  const fds = new Int32Array(2);
  expect(c.socketpair(1, 1, /* SOCK_STREAM: EOF and POLLHUP when the peer closes */ 0, fds)).toBe(0);
  let failedWith = -1;
  const reader = await startTunReader(
    {
      name: "hup",
      mode: "tap",
      fd: fds[0]!,
      codec: "ethernet",
      read: () => 0,
      write: () => 0,
      close: () => {},
    },
    { onFrame: () => {}, onFailed: (e) => (failedWith = e) },
    { slots: 4, slotSize: 128 },
  );
  c.close(fds[1]!);
  for (let i = 0; i < 2000 && failedWith < 0; i++) await new Promise((r) => setTimeout(r, 10));
  expect(failedWith).toBe(5); // EIO
  expect(reader.stats().polls).toBeLessThan(50);
  await reader.stop();
  c.close(fds[0]!);
});

test("the UDP reader Worker self-check passes", async () => {
  const { udpReaderSelfCheck } = await import("./selfcheck.ts");
  // A Worker's start can take seconds on a loaded machine: allow 30 s, not the default 5 s.
  const r = await udpReaderSelfCheck(300, 30_000);
  expect(r.detail).toBe("udp reader worker: sent 300, received 300, wrong sender 0");
  expect(r.ok).toBe(true);
});
