import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { selfCommand, signalReady, spawnDetachedAndWait } from "./detach.ts";
import { processAlive } from "./pidfile.ts";

const dir = mkdtempSync(join(tmpdir(), "tinct-detach-"));
const started: number[] = [];
afterAll(() => {
  for (const pid of started) if (processAlive(pid)) process.kill(pid, "SIGKILL");
  rmSync(dir, { recursive: true, force: true });
});
const fixture = join(import.meta.dir, "detach_fixture.ts");
const run = (mode: string, out: string, timeoutMs = 10_000) =>
  spawnDetachedAndWait([process.execPath, fixture, mode, out], process.env, timeoutMs);

describe("detaching with a readiness pipe", () => {
  test("ready: the parent returns while the child lives on in its own session, in /", async () => {
    const out = join(dir, "ready.json");
    const r = await run("ready", out);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    started.push(r.pid);
    expect(processAlive(r.pid)).toBe(true);
    // The child rewrites the file just after reporting; wait for that version (bounded).
    const readInfo = () => {
      try {
        return JSON.parse(readFileSync(out, "utf8"));
      } catch {
        return {}; // caught between truncate and write
      }
    };
    let info = readInfo();
    for (let i = 0; i < 100 && !("after" in info); i++) {
      await new Promise((res) => setTimeout(res, 10));
      info = readInfo();
    }
    expect(info.pid).toBe(r.pid);
    expect(info.sid).toBe(r.pid); // setsid: session leader
    expect(info.cwd).toBe("/");
    expect(info.after).toBeNull(); // the variable is consumed, scripts do not inherit it
  }, 20_000);

  test("failure reason travels to the parent", async () => {
    const r = await run("fail", join(dir, "fail.json"));
    expect(r).toEqual({ ok: false, reason: "Could not open /dev/net/tun: No such device" });
  }, 20_000);

  test("a child exiting without a report is a failure with its status", async () => {
    const r = await run("silent", join(dir, "silent.json"));
    expect(r).toEqual({ ok: false, reason: "exited with status 3 before reporting" });
  }, 20_000);

  test("a silent child times out", async () => {
    const r = await run("slow", join(dir, "slow.json"), 500);
    expect(r).toEqual({ ok: false, reason: "no readiness report within 500 ms" });
    const info = JSON.parse(readFileSync(join(dir, "slow.json"), "utf8"));
    started.push(info.pid);
  }, 20_000);

  test("a command that cannot start", async () => {
    const r = await spawnDetachedAndWait(["/nonexistent/tinct"], {}, 2000);
    expect(r.ok).toBe(false);
  });

  test("the child side: reporting without the variable is a no-op", () => {
    expect(signalReady({})).toBe(false);
    // From source the command is the runtime and this test's entry script.
    expect(selfCommand()).toEqual([process.execPath, Bun.main]);
  });
});
