import { afterAll, describe, expect, test } from "bun:test";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runScript, scriptArgv, type ScriptSettings } from "./scripts.ts";

const dir = mkdtempSync(join(tmpdir(), "tinct-scripts-"));
mkdirSync(join(dir, "hosts"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const settings: ScriptSettings = { confbase: dir, extension: "", interpreter: undefined, timeoutMs: 10_000 };

function script(name: string, body: string, mode = 0o755): void {
  writeFileSync(join(dir, name), body);
  chmodSync(join(dir, name), mode);
}

describe("scripts", () => {
  test("run with tinc's variables over the daemon's environment, in the confbase", () => {
    script("hosts/bob-up", `#!/bin/sh\necho "$NODE $REMOTEPORT $PWD \${PATH:+path} $KEEP" > out\n`);
    const r = runScript(settings, "hosts/bob-up", { NODE: "bob", REMOTEPORT: "655" }, {
      ...process.env,
      KEEP: "kept",
      NODE: "overridden",
    });
    expect(r).toEqual({ ran: true, ok: true });
    expect(readFileSync(join(dir, "out"), "utf8")).toBe(`bob 655 ${dir} path kept\n`);
  });

  test("as tincd: a variable once given to a script is gone from the inherited environment afterwards", () => {
    const own: ScriptSettings = { ...settings, unset: new Set() };
    const base = { ...process.env, NODE: "/usr/bin/node" };
    script("env-probe", `#!/bin/sh\necho "NODE=$NODE" >> env.log\n`);
    expect(runScript(own, "env-probe", { NAME: "x" }, base)).toEqual({ ran: true, ok: true });
    expect(runScript(own, "env-probe", { NODE: "p" }, base)).toEqual({ ran: true, ok: true });
    expect(runScript(own, "env-probe", { NAME: "x" }, base)).toEqual({ ran: true, ok: true });
    expect(readFileSync(join(dir, "env.log"), "utf8")).toBe("NODE=/usr/bin/node\nNODE=p\nNODE=\n");
  });

  test("one at a time: each has finished when runScript returns, in the order asked", () => {
    const log = join(dir, "order.log");
    // The first is slow: a runner that did not wait would let the second write first.
    script("tinc-up", `#!/bin/sh\nsleep 0.3\necho "up $INTERFACE" >> "${log}"\n`);
    script("host-up", `#!/bin/sh\necho "host $NODE" >> "${log}"\n`);
    const started = Date.now();
    expect(runScript(settings, "tinc-up", { INTERFACE: "tun7" })).toEqual({ ran: true, ok: true });
    expect(Date.now() - started).toBeGreaterThanOrEqual(300);
    expect(runScript(settings, "host-up", { NODE: "alpha" })).toEqual({ ran: true, ok: true });
    expect(readFileSync(log, "utf8")).toBe("up tun7\nhost alpha\n");
  });

  test("a missing script is skipped; a failing one says how it failed", () => {
    expect(runScript(settings, "tinc-down", {})).toEqual({ ran: false });
    script("subnet-down", "#!/bin/sh\nexit 3\n");
    expect(runScript(settings, "subnet-down", {})).toEqual({
      ran: true,
      ok: false,
      reason: "exited with status 3",
    });
  });

  test("as system(): no #! still runs as shell; no execute bit fails with status 126", () => {
    script("subnet-up", `echo "$SUBNET" > noshebang.out\n`);
    expect(runScript(settings, "subnet-up", { SUBNET: "10.0.0.0/24" })).toEqual({ ran: true, ok: true });
    expect(readFileSync(join(dir, "noshebang.out"), "utf8")).toBe("10.0.0.0/24\n");
    script("host-down", "#!/bin/sh\nexit 0\n", 0o644);
    expect(runScript(settings, "host-down", {})).toEqual({
      ran: true,
      ok: false,
      reason: "exited with status 126",
    });
  });

  test("a hung script is bounded by the timeout", () => {
    script("hang", "#!/bin/sh\nexec sleep 30\n");
    const r = runScript({ ...settings, timeoutMs: 200 }, "hang", {});
    expect(r).toEqual({ ran: true, ok: false, reason: "timed out after 200 ms" });
  });

  test("ScriptsExtension and ScriptsInterpreter", () => {
    writeFileSync(join(dir, "subnet-up.sh"), 'echo "$SUBNET" > sub\n');
    const r = runScript({ ...settings, extension: ".sh", interpreter: "/bin/sh" }, "subnet-up", {
      SUBNET: "10.0.0.0/8",
    });
    expect(r).toEqual({ ran: true, ok: true });
    expect(readFileSync(join(dir, "sub"), "utf8")).toBe("10.0.0.0/8\n");
    expect(scriptArgv("/etc/tinc/x/tinc-up", "/usr/bin/python3")).toEqual([
      "/usr/bin/python3",
      "/etc/tinc/x/tinc-up",
    ]);
    expect(scriptArgv("/a b/tinc-up", undefined)).toEqual(["/bin/sh", "-c", '"$0"', "/a b/tinc-up"]);
  });
});
