// Runs every suite and prints one closing line `N passed, N failed, N skipped` counted from the
// real results: each check (type-check, format, lint) counts as one test; bun test suites are
// counted from their JUnit reports. Per-suite durations are printed for CI.
//   bun scripts/test_all.ts                 everything
//   bun scripts/test_all.ts --only unit,sim suites by name
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { countJunit, type Counts } from "./junit_counts.ts";

const root = join(import.meta.dir, "..");
const out = join(root, ".test-out");
const bin = (name: string) => join(root, "node_modules", ".bin", name);

interface Suite {
  name: string;
  /** A single command whose exit status is one test result. */
  check?: string[];
  /** Directories or files handed to `bun test`, counted from the JUnit report. */
  bunTest?: string[];
  timeoutMs?: number;
  before?: () => void;
}

const suites: Suite[] = [
  { name: "typecheck", check: [bin("tsc"), "-p", "tsconfig.json"] },
  { name: "typecheck-core", check: [bin("tsc"), "-p", "tsconfig.core.json"] },
  { name: "format", check: [bin("deno"), "fmt", "--check", "--quiet"] },
  { name: "lint", check: [bin("deno"), "lint", "--quiet"] },
  { name: "unit", bunTest: ["src", "scripts"], before: () => run([bin("bun"), "scripts/build_wasm.ts"]) },
  { name: "sim", bunTest: ["test/sim"] },
  {
    name: "exe",
    bunTest: ["test/exe"],
    timeoutMs: 600_000,
    before: () => run([bin("bun"), "scripts/build.ts"]),
  },
  { name: "netns", bunTest: ["test/netns"], timeoutMs: 1_800_000 },
];

function run(cmd: string[], timeoutMs = 600_000): number {
  const r = spawnSync(cmd[0]!, cmd.slice(1), { cwd: root, stdio: "inherit", timeout: timeoutMs });
  return r.status ?? 1;
}

const only = (() => {
  const i = process.argv.indexOf("--only");
  return i >= 0 ? new Set((process.argv[i + 1] ?? "").split(",")) : null;
})();

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
const total: Counts = { passed: 0, failed: 0, skipped: 0 };
const timings: string[] = [];

for (const suite of suites) {
  if (only && !only.has(suite.name)) continue;
  const t0 = performance.now();
  const counts: Counts = { passed: 0, failed: 0, skipped: 0 };
  console.log(`\n=== suite ${suite.name} ===`);
  try {
    suite.before?.();
  } catch (e) {
    console.error(`suite ${suite.name}: preparation failed: ${(e as Error).message}`);
    counts.failed++;
  }
  if (counts.failed === 0 && suite.check) {
    if (run(suite.check, suite.timeoutMs) === 0) counts.passed++;
    else counts.failed++;
  } else if (counts.failed === 0 && suite.bunTest) {
    const paths = suite.bunTest.filter((p) => existsSync(join(root, p)));
    if (paths.length > 0) {
      const report = join(out, `${suite.name}.xml`);
      const status = run(
        [
          bin("bun"),
          "test",
          "--timeout",
          "120000",
          "--reporter=junit",
          `--reporter-outfile=${report}`,
          ...paths.map((p) => `./${p}`),
        ],
        suite.timeoutMs,
      );
      const c = existsSync(report) ? countJunit(readFileSync(report, "utf8")) : null;
      if (c === null) counts.failed++;
      else {
        counts.passed += c.passed;
        counts.failed += c.failed;
        counts.skipped += c.skipped;
        // A crashed runner (non-zero exit with no failure recorded) must not pass silently.
        if (status !== 0 && c.failed === 0) counts.failed++;
      }
    }
  }
  const secs = ((performance.now() - t0) / 1000).toFixed(1);
  timings.push(
    `${suite.name}: ${secs} s (${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped)`,
  );
  total.passed += counts.passed;
  total.failed += counts.failed;
  total.skipped += counts.skipped;
}

console.log("\n=== suite durations ===");
for (const t of timings) console.log(t);
console.log(`${total.passed} passed, ${total.failed} failed, ${total.skipped} skipped`);
process.exit(total.failed === 0 ? 0 : 1);
