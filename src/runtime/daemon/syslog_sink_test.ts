import { describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { libc } from "../libc.ts";
import { syslogSink, unixAddress } from "./syslog_sink.ts";

describe("syslog sink", () => {
  test("one datagram per line: priority, ident, pid, message with fields", () => {
    const c = libc();
    const dir = mkdtempSync(join(tmpdir(), "tinct-syslog-"));
    const path = join(dir, "log");
    const server = c.socket(1, 2 | 0o4000, 0);
    expect(server).toBeGreaterThanOrEqual(0);
    try {
      const addr = unixAddress(path);
      expect(c.bind(server, addr, addr.length)).toBe(0);
      const sink = syslogSink("tinc.test", path);
      sink.line("Ready");
      sink.line("Closing connection", { peer: "bob" });
      const buf = new Uint8Array(512);
      const got: string[] = [];
      for (let i = 0; i < 2; i++) {
        const n = c.recvfrom(server, buf, buf.length, 0, null, null);
        expect(n).toBeGreaterThan(0);
        got.push(new TextDecoder().decode(buf.subarray(0, n)));
      }
      expect(got).toEqual([
        `<29>tinc.test[${process.pid}]: Ready`,
        `<29>tinc.test[${process.pid}]: Closing connection (peer=bob)`,
      ]);
    } finally {
      c.close(server);
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("without a syslog socket, lines are dropped quietly", () => {
    const sink = syslogSink("tinc.test", "/nonexistent/tinct-no-log");
    expect(() => sink.line("nobody hears this")).not.toThrow();
  });
});
