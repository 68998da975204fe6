// Binary size and start-up time of `tinct --version` (a benchmark, not a test).
//   bun scripts/bench_startup.ts [--runs 30] [--target linux-x64]
import { spawnSync } from "node:child_process";
import { statSync } from "node:fs";
import { join } from "node:path";

const argv = process.argv.slice(2);
const runs = Number(argv[argv.indexOf("--runs") + 1] ?? 30) || 30;
const target = argv.includes("--target") ? argv[argv.indexOf("--target") + 1]! : "linux-x64";
const bin = join(import.meta.dir, "..", "dist", "bin", `tinct-${target}`);

const times: number[] = [];
for (let i = 0; i < runs + 3; i++) {
  const t0 = performance.now();
  const r = spawnSync(bin, ["--version"]);
  const dt = performance.now() - t0;
  if (r.status !== 0) throw new Error(`${bin} --version failed`);
  if (i >= 3) times.push(dt); // the first runs warm the page cache
}
times.sort((a, b) => a - b);
const pct = (p: number) => times[Math.min(times.length - 1, Math.floor(p * times.length))]!.toFixed(1);
const mib = (statSync(bin).size / 1048576).toFixed(1);
console.log(
  `tinct-${target}: ${mib} MiB; --version over ${runs} runs: median ${pct(0.5)} ms, p90 ${pct(0.9)} ms, min ${
    pct(0)
  } ms`,
);
