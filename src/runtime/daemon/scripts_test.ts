import { describe, expect, test } from "bun:test";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runScript, type ScriptSettings } from "./scripts.ts";

describe("scripts", () => {
  const dir = mkdtempSync(join(tmpdir(), "tinct-scripts-"));
  mkdirSync(join(dir, "hosts"));
  const settings: ScriptSettings = {
    confbase: dir,
    extension: "",
    interpreter: undefined,
    timeoutMs: 10_000,
  };

  function script(name: string, body: string): void {
    writeFileSync(join(dir, name), `#!/bin/sh\n${body}\n`);
    chmodSync(join(dir, name), 0o755);
  }

  test("runs with the given variables added to the daemon's environment, in the confbase", () => {
    script("hosts/bob-up", `echo "$NODE $REMOTEPORT $PWD \${PATH:+path}" > out`);
    expect(runScript(settings, "hosts/bob-up", { NODE: "bob", REMOTEPORT: "655" })).toEqual({
      ran: true,
      ok: true,
    });
    expect(readFileSync(join(dir, "out"), "utf8")).toBe(`bob 655 ${dir} path\n`);
  });

  test("a missing script is skipped; a failing one says how it failed", () => {
    expect(runScript(settings, "tinc-down", {})).toEqual({ ran: false });
    script("tinc-up", "exit 3");
    expect(runScript(settings, "tinc-up", {})).toEqual({
      ran: true,
      ok: false,
      reason: "exited with status 3",
    });
  });

  test("ScriptsExtension and ScriptsInterpreter", () => {
    writeFileSync(join(dir, "subnet-up.sh"), 'echo "$SUBNET" > sub\n');
    const r = runScript({ ...settings, extension: ".sh", interpreter: "/bin/sh" }, "subnet-up", {
      SUBNET: "10.0.0.0/8",
    });
    expect(r).toEqual({ ran: true, ok: true });
    expect(readFileSync(join(dir, "sub"), "utf8")).toBe("10.0.0.0/8\n");
    rmSync(dir, { recursive: true, force: true });
  });
});
