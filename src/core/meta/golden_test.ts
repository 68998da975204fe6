/**
 * Golden tests: every request line captured from real tincd 1.0.36 and tinc 1.1 daemons parses,
 * and re-serialises byte-identically in the sender's dialect.
 */
import { describe, expect, test } from "bun:test";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { basename, join, relative } from "node:path";
import { type Dialect, formatRequest, parseRequest } from "./codec.ts";
import { RequestCode } from "./requests.ts";

const FIXTURES = join(import.meta.dir, "..", "..", "..", "..", "shared", "fixtures");

/** Senders that ran tincd 1.0.36; every other captured sender ran tinc 1.1. */
const LEGACY_SENDERS = new Set(["alice", "bob", "eve"]);
const MODERN_SENDERS = new Set(["frank", "grace", "carol", "dave"]);

/**
 * Line captures are the per-direction stream files: `SENDER-to-RECEIVER[-connN].txt` and
 * `decrypted-SENDER-to-RECEIVER.txt`. Other `*.txt` files (segments, udp, keys, checks, logs)
 * are tables, not request lines.
 */
const CAPTURE_NAME = /^(?:decrypted-)?([a-z]+)-to-([a-z]+)(?:-conn\d+)?\.txt$/;

interface CapturedLine {
  file: string;
  sender: string;
  dialect: Dialect;
  line: string;
}

function listCaptures(dir: string, out: string[] = []): string[] {
  for (const entry of readdirSync(dir).sort()) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) listCaptures(path, out);
    else if (CAPTURE_NAME.test(entry)) out.push(path);
  }
  return out;
}

function loadLines(): CapturedLine[] {
  const lines: CapturedLine[] = [];
  for (const file of listCaptures(FIXTURES)) {
    const sender = CAPTURE_NAME.exec(basename(file))![1]!;
    if (!LEGACY_SENDERS.has(sender) && !MODERN_SENDERS.has(sender)) {
      throw new Error(`unknown sender ${sender}`);
    }
    const dialect: Dialect = LEGACY_SENDERS.has(sender) ? "1.0" : "1.1";
    const text = readFileSync(file, "latin1");
    for (const line of text.split("\n")) {
      if (line === "" || line.startsWith("#")) continue;
      lines.push({ file: relative(FIXTURES, file), sender, dialect, line });
    }
  }
  return lines;
}

const captured = loadLines();

describe("golden fixture lines", () => {
  test("the fixture set is the expected one", () => {
    const files = new Set(captured.map((c) => c.file));
    expect(files.size).toBe(22);
    expect(captured.length).toBeGreaterThan(350);
    for (const dialect of ["1.0", "1.1"] as const) {
      expect(captured.some((c) => c.dialect === dialect)).toBe(true);
    }
  });

  test("every captured line parses", () => {
    const failures = captured
      .map((c) => ({ c, r: parseRequest(c.line) }))
      .filter(({ r }) => !r.ok)
      .map(({ c, r }) => `${c.file}: ${c.line.slice(0, 80)} -> ${r.ok ? "" : r.reason}`);
    expect(failures).toEqual([]);
  });

  test("every line re-serialises byte-identically in its sender's dialect (or is a verbatim forward)", () => {
    const byDialect = { "1.0": new Set<string>(), "1.1": new Set<string>() };
    for (const c of captured) byDialect[c.dialect].add(c.line);
    const forwards: string[] = [];
    const mismatches: string[] = [];
    for (const c of captured) {
      const r = parseRequest(c.line);
      if (!r.ok) continue;
      if (formatRequest(r.value, c.dialect) === c.line) continue;
      // tinc forwards flooded lines byte-identically, so a 1.0 node may relay a 1.1-rendered
      // line (and vice versa): it must then match the originator's dialect.
      const other: Dialect = c.dialect === "1.0" ? "1.1" : "1.0";
      if (byDialect[other].has(c.line) && formatRequest(r.value, other) === c.line) {
        forwards.push(`${c.sender}: ${c.line}`);
      } else {
        mismatches.push(
          `${c.file} (${c.dialect}): ${c.line.slice(0, 100)} -> ${formatRequest(r.value, c.dialect)}`,
        );
      }
    }
    expect(mismatches).toEqual([]);
    // The one relay in the captures: eve (1.0) forwarding grace's 1.1 ADD_EDGE with local address.
    expect(forwards).toEqual(["eve: 12 81e8341c grace eve 10.60.0.5 655 c 0 10.60.0.7 655"]);
  });

  test("the 1.0 captures exercise every code 1.0.36 sends", () => {
    const codes = new Set<number>();
    for (const c of captured.filter((c) => c.dialect === "1.0")) {
      const r = parseRequest(c.line);
      if (r.ok) codes.add(r.value.code);
    }
    expect([...codes].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17]);
  });

  test("parsed values of representative lines", () => {
    const cases: [string, unknown][] = [
      ["0 frank 17.7", { code: RequestCode.ID, name: "frank", major: 17, minor: 7 }],
      ["0 eve 17", { code: RequestCode.ID, name: "eve", major: 17, minor: 0 }],
      ["4 655 2 700000c", { code: RequestCode.ACK, port: "655", weight: 2, options: 0x700000c }],
      [
        "12 57c04074 eve frank 10.60.0.6 655 700000c 2",
        {
          code: RequestCode.ADD_EDGE,
          nonce: 0x57c04074,
          from: "eve",
          to: "frank",
          address: "10.60.0.6",
          port: "655",
          options: 0x700000c,
          weight: 2,
        },
      ],
      [
        "16 grace eve 71E7 427 672 4 0 10.60.0.7 655",
        {
          code: RequestCode.ANS_KEY,
          from: "grace",
          to: "eve",
          key: "71E7",
          cipher: 427,
          digest: 672,
          macLength: 4,
          compression: 0,
          address: "10.60.0.7",
          port: "655",
        },
      ],
      [
        "16 carol dave AAAAMkkaOHE831+YdhA4HzK3OHV1 -1 -1 -1 0",
        {
          code: RequestCode.ANS_KEY,
          from: "carol",
          to: "dave",
          key: "AAAAMkkaOHE831+YdhA4HzK3OHV1",
          cipher: -1,
          digest: -1,
          macLength: -1,
          compression: 0,
        },
      ],
      ["15 frank grace 15 AAAA", {
        code: RequestCode.REQ_KEY,
        from: "frank",
        to: "grace",
        ext: 15,
        payload: "AAAA",
      }],
      ["17 1442", { code: RequestCode.PACKET, length: 1442 }],
      ["14 3c6b9801 alice", { code: RequestCode.KEY_CHANGED, nonce: 0x3c6b9801, origin: "alice" }],
    ];
    for (const [line, value] of cases) {
      const r = parseRequest(line);
      expect(r).toEqual({ ok: true, value: value as never });
    }
  });
});
