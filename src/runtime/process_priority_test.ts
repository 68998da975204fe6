import { describe, expect, test } from "bun:test";
import { join } from "node:path";

/** Runs applyProcessPriority in a child (a nice value cannot be lowered back without privilege). */
function inChild(priority: string): { result: string; nice: number } {
  const module = join(import.meta.dir, "process_priority.ts");
  const code = `import { getPriority } from "node:os";
import { applyProcessPriority } from ${JSON.stringify(module)};
const result = applyProcessPriority(${JSON.stringify(priority)}) ?? "ok";
console.log(JSON.stringify({ result, nice: getPriority() }));`;
  const child = Bun.spawnSync([process.execPath, "-e", code], { stdout: "pipe", stderr: "pipe" });
  if (child.exitCode !== 0) throw new Error(child.stderr.toString());
  return JSON.parse(child.stdout.toString());
}

describe("ProcessPriority", () => {
  test("low is nice 10, as tincd sets it", () => {
    expect(inChild("low")).toEqual({ result: "ok", nice: 10 });
  });

  test("high is nice -10 with privilege; without, tincd's setpriority error", () => {
    const got = inChild("high");
    if (process.getuid?.() === 0) expect(got).toEqual({ result: "ok", nice: -10 });
    else {
      expect(got.result).toStartWith("System call `setpriority' failed: ");
      expect(got.nice).toBe(0);
    }
  });
});
