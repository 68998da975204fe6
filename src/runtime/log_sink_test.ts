import { afterEach, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, renameSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  createLogSink,
  DebugLevel,
  describeError,
  isJournalStream,
  LogPriority,
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
  test("debug level filters records; stderr lines carry a timestamp", () => {
    const out: string[] = [];
    const sink = createLogSink({ kind: "stderr", write: (s) => out.push(s), journal: false }, {
      debugLevel: 2,
      ident: "tinc.test",
      now: () => fixed,
    });
    sink.log(DebugLevel.ALWAYS, LogPriority.NOTICE, "tincd starting");
    sink.log(DebugLevel.STATUS, LogPriority.INFO, "status");
    sink.log(DebugLevel.TRAFFIC, LogPriority.DEBUG, "hidden");
    expect(out).toEqual(["2026-11-05 07:08:09 tincd starting\n", "2026-11-05 07:08:09 status\n"]);
    expect(sink.enabled(5)).toBe(false);
    sink.debugLevel = 5; // SIGINT toggles it
    sink.log(DebugLevel.TRAFFIC, LogPriority.DEBUG, "now shown");
    expect(out.length).toBe(3);
  });

  test("journald: <N> priority prefix, no timestamp", () => {
    const out: string[] = [];
    const sink = createLogSink({ kind: "stderr", write: (s) => out.push(s), journal: true }, {
      debugLevel: 0,
      ident: "x",
    });
    sink.log(0, LogPriority.ERR, "Error: cannot open device");
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
      debugLevel: 0,
      ident: "tinc.test",
      pid: 99,
      now: () => fixed,
    });
    cleanups.push(() => sink.close());
    sink.log(0, LogPriority.NOTICE, "first");
    renameSync(path, path + ".1"); // logrotate
    sink.log(0, LogPriority.NOTICE, "second, still into the rotated file");
    sink.reopen(); // SIGHUP
    sink.log(0, LogPriority.NOTICE, "third");
    expect(readFileSync(path + ".1", "utf8")).toBe(
      "2026-11-05 07:08:09 tinc.test[99]: first\n2026-11-05 07:08:09 tinc.test[99]: second, still into the rotated file\n",
    );
    expect(readFileSync(path, "utf8")).toBe("2026-11-05 07:08:09 tinc.test[99]: third\n");
  });

  test("an unwritable log file counts lost records and never throws", () => {
    const sink = createLogSink({ kind: "file", path: "/nonexistent/dir/x.log" }, {
      debugLevel: 0,
      ident: "t",
    });
    sink.log(0, 3, "x");
    expect(sink.lost).toBe(1);
  });

  test("syslog: RFC 3164 datagram to a unix socket, facility daemon", async () => {
    const path = join(tempDir(), "log");
    const r = bindUnixDatagram(path);
    cleanups.push(() => r.close());
    const sink = createLogSink({ kind: "syslog", socketPath: path }, {
      debugLevel: 0,
      ident: "tinc.test",
      pid: 7,
      now: () => fixed,
    });
    cleanups.push(() => sink.close());
    sink.log(0, LogPriority.ERR, "Cannot bind");
    let got: string | null = null;
    for (let i = 0; i < 100 && got === null; i++) {
      got = r.receive();
      if (got === null) await new Promise((res) => setTimeout(res, 5));
    }
    expect(got).toBe("<27>Nov  5 07:08:09 tinc.test[7]: Cannot bind");
    expect(sink.lost).toBe(0);
  });

  test("formats", () => {
    expect(timestamp(fixed)).toBe("2026-11-05 07:08:09");
    expect(syslogLine(LogPriority.DEBUG, fixed, "t", 1, "m")).toBe("<31>Nov  5 07:08:09 t[1]: m");
    const e = new Error("Could not open /dev/net/tun: No such device");
    expect(describeError(e, 5)).toBe("Could not open /dev/net/tun: No such device");
    expect(describeError(e, 10)).toContain("at ");
    expect(describeError("plain", 0)).toBe("plain");
  });
});
