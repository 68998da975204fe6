import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MemoryFileSystem, nodeFileSystem } from "./fs_port.ts";
import {
  claimPidfile,
  formatPidfile,
  livePid,
  parsePidfile,
  readPidfile,
  removePidfile,
  writePidfile,
} from "./pidfile.ts";

const dir = mkdtempSync(join(tmpdir(), "tinct-fs-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const enc = (s: string) => new TextEncoder().encode(s);
const dec = (b: Uint8Array | null) => (b === null ? null : new TextDecoder().decode(b));

describe("file system port", () => {
  test("read: bytes, or null when absent", async () => {
    const p = join(dir, "hosts-alpha");
    expect(await nodeFileSystem.read(p)).toBeNull();
    writeFileSync(p, "Subnet = 10.0.0.0/24\n");
    expect(dec(await nodeFileSystem.read(p))).toBe("Subnet = 10.0.0.0/24\n");
    await expect(nodeFileSystem.read(dir)).rejects.toThrow(); // a directory is an error, not "absent"
  });

  test("replace is atomic (no temp file left) and keeps or sets the mode; append appends", async () => {
    const p = join(dir, "rsa_key.priv");
    await nodeFileSystem.replace(p, enc("one"), 0o600);
    await nodeFileSystem.replace(p, enc("two")); // keeps the replaced file's mode
    expect(readFileSync(p, "utf8")).toBe("two");
    expect(statSync(p).mode & 0o777).toBe(0o600);
    await nodeFileSystem.replace(join(dir, "new"), enc("n"));
    expect(statSync(join(dir, "new")).mode & 0o777).toBe(0o644);
    expect(readdirSync(dir).filter((f) => f.endsWith(".tmp"))).toEqual([]);
    await nodeFileSystem.append(p, enc("+three"));
    expect(readFileSync(p, "utf8")).toBe("two+three");
    await expect(nodeFileSystem.replace(join(dir, "no", "such"), enc("x"))).rejects.toThrow();
  });

  test("memory fake behaves alike", async () => {
    const fs = new MemoryFileSystem();
    expect(await fs.read("/a")).toBeNull();
    await fs.replace("/a", enc("x"));
    await fs.append("/a", enc("y"));
    expect(dec(await fs.read("/a"))).toBe("xy");
  });
});

describe("pid file", () => {
  test("both tinc forms round-trip", () => {
    expect(formatPidfile({ pid: 42 })).toBe("42\n");
    const full = { pid: 42, control: { cookie: "ab".repeat(32), host: "127.0.0.1", port: 655 } };
    expect(formatPidfile(full)).toBe(`42 ${"ab".repeat(32)} 127.0.0.1 port 655\n`);
    expect(parsePidfile(formatPidfile(full))).toEqual(full);
    expect(parsePidfile("42\n")).toEqual({ pid: 42 });
    expect(parsePidfile("junk")).toBeNull();
    expect(parsePidfile("")).toBeNull();
  });

  test("write, detect a live daemon, remove only our own", async () => {
    const p = join(dir, "tinc.test.pid");
    await writePidfile(p, { pid: process.pid });
    expect(livePid(p)).toBe(process.pid);
    expect(livePid(p, () => false)).toBeNull(); // stale file: the pid is gone
    removePidfile(p, process.pid + 1); // not ours: kept
    expect(readFileSync(p, "utf8")).toBe(`${process.pid}\n`);
    removePidfile(p);
    expect(livePid(p)).toBeNull();
  });

  test("claimed as PID and a newline (directory created), removed only while it names us", () => {
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

  test("a claim is refused while another live process holds it; a stale one is taken over", () => {
    const path = join(dir, "b.pid");
    writeFileSync(path, `${process.ppid} ${"cd".repeat(32)} 127.0.0.1 port 655\n`);
    const r = claimPidfile(path);
    expect(r).toEqual({ ok: false, reason: `A tincd is already running with pid ${process.ppid}.` });
    writeFileSync(path, "999999999\n");
    expect(claimPidfile(path)).toEqual({ ok: true });
    writeFileSync(path, "garbage");
    expect(readPidfile(path)).toBeUndefined();
    expect(readPidfile(join(dir, "absent.pid"))).toBeUndefined();
  });
});
