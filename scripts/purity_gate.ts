// The purity gate of architecture.md: src/core may import only src/core and @noble/*, and must
// not read the clock, draw randomness, arm timers or load code dynamically.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";

export interface Violation {
  file: string;
  line: number;
  reason: string;
}

const FORBIDDEN: Array<[RegExp, string]> = [
  [/\bDate\b/, "uses Date (the clock is an input)"],
  [/\bMath\.random\b/, "uses Math.random (randomness comes from the engine's seeded generator)"],
  [/\bperformance\b/, "uses performance (the clock is an input)"],
  [/\b(setTimeout|setInterval|setImmediate|clearTimeout|clearInterval|queueMicrotask)\b/, "arms a timer"],
  [/\bimport\s*\(/, "uses dynamic import()"],
  [/\brequire\s*\(/, "uses require()"],
  [/\b(Bun|Deno|process|Buffer|globalThis)\b/, "touches a runtime global"],
];

function listTs(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...listTs(p));
    else if (name.endsWith(".ts") && !name.endsWith("_test.ts")) out.push(p);
  }
  return out;
}

/** Removes comments and string contents so that prose does not trip the gate. */
function codeOnly(line: string, state: { inBlock: boolean }): string {
  let s = line;
  if (state.inBlock) {
    const end = s.indexOf("*/");
    if (end < 0) return "";
    s = s.slice(end + 2);
    state.inBlock = false;
  }
  s = s.replace(/\/\*.*?\*\//g, "");
  const open = s.indexOf("/*");
  if (open >= 0) {
    s = s.slice(0, open);
    state.inBlock = true;
  }
  s = s.replace(/\/\/.*$/, "");
  return s.replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`(?:[^`\\]|\\.)*`/g, '""');
}

export function checkCorePurity(coreDir: string): Violation[] {
  const root = resolve(coreDir);
  const violations: Violation[] = [];
  for (const file of listTs(root)) {
    const rel = relative(root, file);
    const state = { inBlock: false };
    readFileSync(file, "utf8").split("\n").forEach((raw, i) => {
      const line = i + 1;
      for (const m of raw.matchAll(/(?:\bfrom\s+|\bimport\s+)["']([^"']+)["']/g)) {
        const spec = m[1]!;
        if (spec.startsWith("@noble/")) continue;
        if (spec.startsWith(".")) {
          const target = resolve(dirname(file), spec);
          if (target === root || target.startsWith(root + "/")) continue;
          violations.push({ file: rel, line, reason: `imports ${spec}, outside src/core` });
        } else {violations.push({
            file: rel,
            line,
            reason: `imports ${spec} (only src/core and @noble/* are allowed)`,
          });}
      }
      const code = codeOnly(raw, state);
      for (const [re, reason] of FORBIDDEN) if (re.test(code)) violations.push({ file: rel, line, reason });
    });
  }
  return violations;
}

if (import.meta.main) {
  const dir = process.argv[2] ?? join(import.meta.dir, "..", "src", "core");
  const v = checkCorePurity(dir);
  for (const x of v) console.error(`${x.file}:${x.line}: ${x.reason}`);
  process.exit(v.length === 0 ? 0 : 1);
}
