/**
 * The built executables (dist/bin, made by scripts/build.ts before this suite) really run:
 * natively for x64, under qemu-user for arm64, under Debian's musl loader for x64-musl; the
 * others are checked by their headers since this machine cannot run them.
 */
import { beforeAll, describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { TARGETS } from "../../scripts/build.ts";
import { VERSION } from "../../src/version.ts";

const root = join(import.meta.dir, "..", "..");
const bin = (t: string) => join(root, "dist", "bin", `tinct-${t}`);

function run(cmd: string[], env: Record<string, string> = {}, cwd = root) {
  const r = spawnSync(cmd[0]!, cmd.slice(1), {
    cwd,
    env: { ...process.env, ...env },
    encoding: "utf8",
    timeout: 60_000,
  });
  return { status: r.status, out: `${r.stdout ?? ""}${r.stderr ?? ""}` };
}

/** ELF e_machine and PT_INTERP, read straight from the file header. */
function elfInfo(path: string): { machine: number; interp: string } {
  const b = readFileSync(path);
  expect(b.subarray(0, 4).toString("latin1")).toBe("\x7fELF");
  const machine = b.readUInt16LE(18);
  const phoff = Number(b.readBigUInt64LE(32));
  const phentsize = b.readUInt16LE(54);
  const phnum = b.readUInt16LE(56);
  for (let i = 0; i < phnum; i++) {
    const ph = phoff + i * phentsize;
    if (b.readUInt32LE(ph) === 3) {
      const off = Number(b.readBigUInt64LE(ph + 8));
      const size = Number(b.readBigUInt64LE(ph + 32));
      return { machine, interp: b.subarray(off, off + size - 1).toString("latin1") };
    }
  }
  return { machine, interp: "" };
}

function checkRuns(prefix: string[], env: Record<string, string> = {}) {
  const v = run([...prefix, "--version"], env);
  expect(v.out).toContain(`tinct ${VERSION}`);
  expect(v.status).toBe(0);
  const s = run([...prefix, "selftest"], env);
  expect(s.out).toContain("selftest: all");
  expect(s.out).not.toContain("FAIL");
  // Workers are separate entry points of the compiled build: prove they start in this executable.
  expect(s.out).toContain("ok   tun reader worker");
  expect(s.out).toContain("ok   udp reader worker");
  expect(s.status).toBe(0);
}

describe("executables", () => {
  test("the build yields all seven targets", () => {
    const missing = Object.keys(TARGETS).filter((t) => !existsSync(bin(t)));
    expect(missing).toEqual([]);
  });

  test("linux-x64: --version, --help, selftest", () => {
    checkRuns([bin("linux-x64")]);
    const h = run([bin("linux-x64"), "--help"]);
    expect(h.status).toBe(0);
    expect(h.out).toContain("daemon");
  });

  test("started through a link named tincd or tinctd, the executable is the daemon", () => {
    const dir = mkdtempSync(join(tmpdir(), "tinct-link-"));
    try {
      for (const name of ["tincd", "tinctd"]) {
        symlinkSync(bin("linux-x64"), join(dir, name));
        const r = run([join(dir, name), "--version"]);
        expect(r.status).toBe(0);
        expect(r.out).toContain("tincd 1.0.36 compatible");
      }
      // Control: under its own name the same flag gives the plain version line.
      expect(run([bin("linux-x64"), "--version"]).out).not.toContain("tincd 1.0.36 compatible");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("linux-x64-baseline runs natively", () => {
    expect(elfInfo(bin("linux-x64-baseline")).machine).toBe(62);
    checkRuns([bin("linux-x64-baseline")]);
  });

  test("linux-arm64 runs under qemu-user", () => {
    expect(elfInfo(bin("linux-arm64"))).toEqual({ machine: 183, interp: "/lib/ld-linux-aarch64.so.1" });
    const qemu = "/usr/bin/qemu-aarch64-static";
    expect(existsSync(qemu)).toBe(true); // installed by .ci/run (qemu-user-static)
    expect(existsSync("/usr/aarch64-linux-gnu/lib/ld-linux-aarch64.so.1")).toBe(true); // libc6-arm64-cross
    checkRuns([qemu, "-L", "/usr/aarch64-linux-gnu", bin("linux-arm64")]);
  }, 120_000); // qemu-user emulation is slow on a loaded machine

  describe("linux-x64-musl under Debian's musl loader", () => {
    let libDir = "";
    beforeAll(() => {
      libDir = mkdtempSync(join(tmpdir(), "tinct-musl-"));
      const cc = run([
        "musl-gcc",
        "-shared",
        "-fPIC",
        "-O2",
        "-Wl,-soname,ld-linux-x86-64.so.2",
        "-o",
        join(libDir, "ld-linux-x86-64.so.2"),
        join(import.meta.dir, "musl_compat.c"),
      ]);
      if (cc.status !== 0) throw new Error(`musl-gcc failed: ${cc.out}`);
      for (const lib of ["libstdc++.so.6", "libgcc_s.so.1"]) {
        symlinkSync(join("/usr/lib/x86_64-linux-gnu", lib), join(libDir, lib));
      }
    });

    test("is a musl executable", () => {
      expect(elfInfo(bin("linux-x64-musl"))).toEqual({ machine: 62, interp: "/lib/ld-musl-x86_64.so.1" });
      expect(existsSync("/lib/ld-musl-x86_64.so.1")).toBe(true); // Debian's musl package
    });

    test("--version and selftest", () => {
      checkRuns([bin("linux-x64-musl")], { LD_LIBRARY_PATH: libDir });
      rmSync(libDir, { recursive: true, force: true });
    });
  });

  test("linux-arm64-musl is an aarch64 musl executable", () => {
    expect(elfInfo(bin("linux-arm64-musl"))).toEqual({ machine: 183, interp: "/lib/ld-musl-aarch64.so.1" });
  });

  test("darwin executables are Mach-O for the right CPU", () => {
    const cpu = (t: string) => {
      const b = readFileSync(bin(t)).subarray(0, 8);
      expect(b.readUInt32LE(0)).toBe(0xfeedfacf);
      return b.readUInt32LE(4);
    };
    expect(cpu("darwin-arm64")).toBe(0x0100000c);
    expect(cpu("darwin-x64")).toBe(0x01000007);
  });

  test("a compiled binary ignores .env and bunfig.toml in its working directory", () => {
    const dir = mkdtempSync(join(tmpdir(), "tinct-autoload-"));
    try {
      const marker = join(dir, "preloaded");
      writeFileSync(join(dir, ".env"), "TINCT_ENV_PROBE=from-dotenv\n");
      writeFileSync(
        join(dir, "preload.ts"),
        `require("node:fs").writeFileSync(${JSON.stringify(marker)}, "x");\n`,
      );
      writeFileSync(join(dir, "bunfig.toml"), `preload = ["./preload.ts"]\n`);
      mkdirSync(join(dir, "sub"));
      const r = run([bin("linux-x64"), "selftest"], {}, dir);
      expect(r.status).toBe(0);
      expect(r.out).not.toContain("from-dotenv");
      expect(existsSync(marker)).toBe(false);
      // Control: the probe is reported when it really is in the environment.
      const c = run([bin("linux-x64"), "selftest"], { TINCT_ENV_PROBE: "from-env" }, dir);
      expect(c.out).toContain("env probe: from-env");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
