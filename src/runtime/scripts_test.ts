import { afterAll, describe, expect, test } from "bun:test";
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createScriptQueue, scriptArgv, type ScriptResult } from "./scripts.ts";

const dir = mkdtempSync(join(tmpdir(), "tinct-scripts-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function script(name: string, body: string, mode = 0o755): string {
  const p = join(dir, name);
  writeFileSync(p, body);
  chmodSync(p, mode);
  return p;
}

describe("script queue with real processes", () => {
  test("scripts run one at a time in the order asked, with their environment", async () => {
    const log = join(dir, "order.log");
    // The first script is slow: if the queue ran them concurrently the order would break.
    const slow = script("tinc-up", `#!/bin/sh\nsleep 0.3\necho "up $INTERFACE $NETNAME" >> "${log}"\n`);
    const fast = script("host-up", `#!/bin/sh\necho "host $NODE" >> "${log}"\nexit 3\n`);
    const q = createScriptQueue();
    const started = Date.now();
    const a = q.run({ path: slow, env: { INTERFACE: "tun7", NETNAME: "vpn" } });
    const b = q.run({ path: fast, env: { NODE: "alpha" } });
    expect(q.pending).toBe(2);
    // The event loop stays free while they run.
    let ticks = 0;
    const t = setInterval(() => ticks++, 20);
    const [ra, rb] = await Promise.all([a, b]);
    clearInterval(t);
    expect(ticks).toBeGreaterThan(3);
    expect(Date.now() - started).toBeGreaterThanOrEqual(300);
    expect(readFileSync(log, "utf8")).toBe("up tun7 vpn\nhost alpha\n");
    expect(ra.status).toBe(0);
    expect(rb.status).toBe(3);
    expect(q.pending).toBe(0);
  });

  test("a script without #! runs as a shell script; without the execute bit it fails with 126", async () => {
    const q = createScriptQueue();
    const out = join(dir, "noshebang.out");
    const plain = script("subnet-up", `echo "$SUBNET" > "${out}"\n`);
    const noexec = script("host-down", "#!/bin/sh\nexit 0\n", 0o644);
    expect((await q.run({ path: plain, env: { SUBNET: "10.0.0.0/24" } })).status).toBe(0);
    expect(readFileSync(out, "utf8")).toBe("10.0.0.0/24\n");
    expect((await q.run({ path: noexec, env: {} })).status).toBe(126);
  });

  test("a missing script is skipped silently; a hung one can be bounded", async () => {
    const q = createScriptQueue();
    expect(await q.run({ path: join(dir, "nope"), env: {} })).toEqual({
      path: join(dir, "nope"),
      status: null,
      skipped: "absent",
    });
    const hang = script("hang", "#!/bin/sh\nexec sleep 30\n");
    const r = await q.run({ path: hang, env: {}, timeoutMs: 200 });
    expect(r.signal).toBe("SIGKILL");
    expect(r.error).toContain("timed out");
  });

  test("ScriptsInterpreter runs the interpreter with the script path", () => {
    expect(scriptArgv({ path: "/etc/tinc/x/tinc-up", env: {}, interpreter: "/usr/bin/python3" })).toEqual([
      "/usr/bin/python3",
      "/etc/tinc/x/tinc-up",
    ]);
    expect(scriptArgv({ path: "/a b/tinc-up", env: {} })).toEqual(["/bin/sh", "-c", '"$0"', "/a b/tinc-up"]);
  });
});

describe("script queue with a fake spawner", () => {
  test("order holds even when earlier scripts take longer; env overlays the base", async () => {
    const started: string[] = [];
    const finished: string[] = [];
    let running = 0;
    let maxRunning = 0;
    const q = createScriptQueue(
      async (argv, env) => {
        const path = argv[argv.length - 1]!;
        started.push(`${path}:${env.A}:${env.B}`);
        running++;
        maxRunning = Math.max(maxRunning, running);
        await new Promise((r) => setTimeout(r, path === "s0" ? 30 : 1));
        running--;
        finished.push(path);
        return { path, status: 0 } satisfies ScriptResult;
      },
      { A: "base", B: "base" },
      () => true,
    );
    await Promise.all([0, 1, 2, 3].map((i) => q.run({ path: `s${i}`, env: { B: `b${i}` } })));
    expect(finished).toEqual(["s0", "s1", "s2", "s3"]);
    expect(started).toEqual(["s0:base:b0", "s1:base:b1", "s2:base:b2", "s3:base:b3"]);
    expect(maxRunning).toBe(1);
  });

  test("a spawner that throws yields an error result and the queue goes on", async () => {
    let calls = 0;
    const q = createScriptQueue(
      () => {
        if (calls++ === 0) throw new Error("boom");
        return Promise.resolve({ path: "x", status: 0 });
      },
      {},
      () => true,
    );
    const [a, b] = await Promise.all([q.run({ path: "a", env: {} }), q.run({ path: "b", env: {} })]);
    expect(a.error).toBe("boom");
    expect(b.status).toBe(0);
  });
});
