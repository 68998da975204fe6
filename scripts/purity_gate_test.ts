import { describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { checkCorePurity } from "./purity_gate.ts";

const root = join(import.meta.dir, "..");

/** Copies the project's tsconfigs and src/core to a scratch tree so planted files never touch the repo. */
function scratchCopy(): string {
  const dir = mkdtempSync(join(tmpdir(), "tinct-purity-"));
  cpSync(join(root, "src", "core"), join(dir, "src", "core"), { recursive: true });
  for (const f of ["tsconfig.json", "tsconfig.core.json"]) cpSync(join(root, f), join(dir, f));
  // The copy resolves @noble/* and type packages from the project's own node_modules.
  symlinkSync(join(root, "node_modules"), join(dir, "node_modules"));
  return dir;
}

function typecheckCore(dir: string): number {
  const tsc = join(root, "node_modules", ".bin", "tsc");
  return spawnSync(tsc, ["-p", join(dir, "tsconfig.core.json")], { cwd: dir, encoding: "utf8" }).status ?? 1;
}

describe("purity gate", () => {
  test("src/core as committed has no violations", () => {
    expect(checkCorePurity(join(root, "src", "core"))).toEqual([]);
  });

  test("src/core type-checks with no runtime types", () => {
    const r = spawnSync(join(root, "node_modules", ".bin", "tsc"), ["-p", "tsconfig.core.json"], {
      cwd: root,
    });
    expect(r.status).toBe(0);
  });

  test("the gate fails on a planted impure file, with one reason per offence", () => {
    const dir = scratchCopy();
    try {
      writeFileSync(
        join(dir, "src", "core", "planted.ts"),
        [
          'import { readFileSync } from "node:fs";',
          'import { x } from "../runtime/clock.ts";',
          "export const t = Date.now();",
          "export const r = Math.random();",
          "export const p = performance.now();",
          "setTimeout(() => {}, 1);",
          'export const m = import("./mod.ts");',
          "// Date in a comment is fine",
          'export const s = "Math.random in a string is fine";',
          "export { readFileSync, x };",
        ].join("\n"),
      );
      const reasons = checkCorePurity(join(dir, "src", "core")).map((v) => `${v.line}: ${v.reason}`);
      expect(reasons).toEqual([
        "1: imports node:fs (only src/core and @noble/* are allowed)",
        "2: imports ../runtime/clock.ts, outside src/core",
        "3: uses Date (the clock is an input)",
        "4: uses Math.random (randomness comes from the engine's seeded generator)",
        "5: uses performance (the clock is an input)",
        "6: arms a timer",
        "7: uses dynamic import()",
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("the core type-check fails on a planted file that uses a runtime type", () => {
    const dir = scratchCopy();
    try {
      writeFileSync(join(dir, "src", "core", "planted.ts"), "export const v: string = Bun.version;\n");
      expect(typecheckCore(dir)).not.toBe(0);
      rmSync(join(dir, "src", "core", "planted.ts"));
      expect(typecheckCore(dir)).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
