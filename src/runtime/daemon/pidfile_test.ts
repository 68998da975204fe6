import { describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { claimPidfile, readPidfile, removePidfile } from "./pidfile.ts";

describe("pid file", () => {
  const dir = mkdtempSync(join(tmpdir(), "tinct-pid-"));

  test("written as PID and a newline, removed only while it names us", () => {
    const path = join(dir, "sub", "a.pid");
    expect(claimPidfile(path)).toEqual({ ok: true });
    expect(readFileSync(path, "utf8")).toBe(`${process.pid}\n`);
    expect(readPidfile(path)).toBe(process.pid);
    removePidfile(path);
    expect(existsSync(path)).toBe(false);
    writeFileSync(path, "1\n");
    removePidfile(path);
    expect(existsSync(path)).toBe(true);
  });

  test("refused while another live process holds it; a stale one is taken over", () => {
    const path = join(dir, "b.pid");
    writeFileSync(path, `${process.ppid}\n`);
    const r = claimPidfile(path);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toBe(`A tincd is already running with pid ${process.ppid}.`);
    writeFileSync(path, "999999999\n");
    expect(claimPidfile(path)).toEqual({ ok: true });
    writeFileSync(path, "garbage");
    expect(readPidfile(path)).toBeUndefined();
    rmSync(dir, { recursive: true, force: true });
  });
});
