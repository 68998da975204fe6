import { afterEach, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, renameSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  createLogSink,
  DebugLevel,
  describeError,
  formatLogLine,
  isJournalStream,
  LogPriority,
  priorityForLevel,
  syslogLine,
  timestamp,
} from "./log_sink.ts";
import { bindUnixDatagram } from "./unix_dgram.ts";

const cleanups: (() => void)[] = [];
afterEach(() => {
  while (cleanups.length) cleanups.pop()!();
});
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), "tinct-log-"));
  cleanups.push(() => rmSync(d, { recursive: true, force: true }));
  return d;
}

const fixed = new Date(2026, 10, 5, 7, 8, 9); // local time

describe("log sink", () => {
  test("stderr: tincd 1.0's unadorned lines with fields, or timestamped when asked", () => {
    const out: string[] = [];
    const plain = createLogSink({ kind: "stderr", write: (s) => out.push(s), journal: false }, {
      ident: "tinc.test",
      now: () => fixed,
    });
    plain.line("tincd starting");
    plain.line("Closing connection", { peer: "bob", port: 655, skipped: undefined }, LogPriority.INFO);
    const stamped = createLogSink(
      { kind: "stderr", write: (s) => out.push(s), journal: false, timestamps: true },
      { ident: "tinc.test", now: () => fixed },
    );
    stamped.line("status");
    expect(out).toEqual([
      "tincd starting\n",
      "Closing connection (peer=bob, port=655)\n",
      "2026-11-05 07:08:09 status\n",
    ]);
  });

  test("journald: <N> priority prefix, no timestamp", () => {
    const out: string[] = [];
    const sink = createLogSink({ kind: "stderr", write: (s) => out.push(s), journal: true }, {
      ident: "x",
    });
    sink.line("Error: cannot open device", {}, LogPriority.ERR);
    expect(out).toEqual(["<3>Error: cannot open device\n"]);
  });

  test("JOURNAL_STREAM must match stderr's dev:ino", () => {
    expect(isJournalStream("8:1234", { dev: 8, ino: 1234 })).toBe(true);
    expect(isJournalStream("8:1234", { dev: 8, ino: 1235 })).toBe(false);
    expect(isJournalStream(undefined, { dev: 8, ino: 1234 })).toBe(false);
    expect(isJournalStream("junk", { dev: 8, ino: 1234 })).toBe(false);
  });

  test("log file: tincd's line format, reopened after rotation", () => {
    const dir = tempDir();
    const path = join(dir, "tinc.test.log");
    const sink = createLogSink({ kind: "file", path }, {
      ident: "tinc.test",
      pid: 99,
      now: () => fixed,
    });
    cleanups.push(() => sink.close());
    sink.line("first");
    renameSync(path, path + ".1"); // logrotate
    sink.line("second, still into the rotated file", undefined, LogPriority.NOTICE);
    sink.reopen(); // SIGHUP
    sink.line("third");
    expect(readFileSync(path + ".1", "utf8")).toBe(
      "2026-11-05 07:08:09 tinc.test[99]: first\n2026-11-05 07:08:09 tinc.test[99]: second, still into the rotated file\n",
    );
    expect(readFileSync(path, "utf8")).toBe("2026-11-05 07:08:09 tinc.test[99]: third\n");
  });

  test("an unwritable log file counts lost records and never throws", () => {
    const sink = createLogSink({ kind: "file", path: "/nonexistent/dir/x.log" }, {
      ident: "t",
    });
    sink.line("x", {}, 3);
    expect(sink.lost).toBe(1);
  });

  test("syslog: RFC 3164 datagram to a unix socket, facility daemon", async () => {
    const path = join(tempDir(), "log");
    const r = bindUnixDatagram(path);
    cleanups.push(() => r.close());
    const sink = createLogSink({ kind: "syslog", socketPath: path }, {
      ident: "tinc.test",
      pid: 7,
      now: () => fixed,
    });
    cleanups.push(() => sink.close());
    sink.line("Cannot bind", {}, LogPriority.ERR);
    sink.line("Closing connection", { peer: "bob" });
    const got: string[] = [];
    for (let i = 0; i < 100 && got.length < 2; i++) {
      const d = r.receive();
      if (d !== null) got.push(d);
      else await new Promise((res) => setTimeout(res, 5));
    }
    expect(got).toEqual([
      "<27>Nov  5 07:08:09 tinc.test[7]: Cannot bind",
      "<29>Nov  5 07:08:09 tinc.test[7]: Closing connection (peer=bob)",
    ]);
    expect(sink.lost).toBe(0);
  });

  test("syslog without a socket: lines are counted lost, never thrown", () => {
    const sink = createLogSink({ kind: "syslog", socketPath: "/nonexistent/tinct-no-log" }, { ident: "t" });
    cleanups.push(() => sink.close());
    expect(() => sink.line("nobody hears this")).not.toThrow();
    expect(sink.lost).toBe(1);
  });

  test("memory: priority and formatted line", () => {
    const lines: string[] = [];
    const sink = createLogSink({ kind: "memory", lines }, { ident: "t" });
    sink.line("Ready");
    sink.line("Got ADD_EDGE", { from: "a" }, priorityForLevel(DebugLevel.PROTOCOL));
    expect(lines).toEqual(["<5>Ready", "<7>Got ADD_EDGE (from=a)"]);
  });

  test("formats", () => {
    expect(formatLogLine("m")).toBe("m");
    expect(formatLogLine("m", { a: 1, b: false, c: undefined })).toBe("m (a=1, b=false)");
    expect([0, 1, 2, 3, 5, 10].map(priorityForLevel)).toEqual([5, 6, 6, 7, 7, 7]);
    expect(timestamp(fixed)).toBe("2026-11-05 07:08:09");
    expect(syslogLine(LogPriority.DEBUG, fixed, "t", 1, "m")).toBe("<31>Nov  5 07:08:09 t[1]: m");
    const e = new Error("Could not open /dev/net/tun: No such device");
    expect(describeError(e, 5)).toBe("Could not open /dev/net/tun: No such device");
    expect(describeError(e, 10)).toContain("at ");
    expect(describeError("plain", 0)).toBe("plain");
  });
});
