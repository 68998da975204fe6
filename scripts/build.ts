// Builds the WASM core, then one self-contained tinct executable per target into dist/bin/.
//   bun scripts/build.ts               all targets
//   bun scripts/build.ts --host-only   linux-x64 only (the quick path for the README's main command)
//   bun scripts/build.ts --target linux-arm64 [--target …]
import { spawnSync } from "node:child_process";
import { mkdirSync, readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { buildWasm } from "./build_wasm.ts";

export const TARGETS: Record<string, string> = {
  "linux-x64": "bun-linux-x64",
  "linux-x64-baseline": "bun-linux-x64-baseline",
  "linux-arm64": "bun-linux-arm64",
  "linux-x64-musl": "bun-linux-x64-musl",
  "linux-arm64-musl": "bun-linux-arm64-musl",
  "darwin-arm64": "bun-darwin-arm64",
  "darwin-x64": "bun-darwin-x64",
};

const root = join(import.meta.dir, "..");

/** Every Worker file (`*_worker.ts` under src/) must be an entry point of the compiled build. */
export function workerEntries(dir = join(root, "src")): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...workerEntries(p));
    else if (name.endsWith("_worker.ts")) out.push(relative(root, p));
  }
  return out.sort();
}

export function compileTarget(name: string): string {
  const bunTarget = TARGETS[name];
  if (!bunTarget) throw new Error(`unknown target ${name}; known: ${Object.keys(TARGETS).join(", ")}`);
  mkdirSync(join(root, "dist", "bin"), { recursive: true });
  const outfile = join("dist", "bin", `tinct-${name}`);
  const args = [
    "build",
    "--compile",
    `--target=${bunTarget}`,
    // The daemon runs as root from arbitrary directories: never pick up a stray .env or bunfig.toml.
    "--no-compile-autoload-dotenv",
    "--no-compile-autoload-bunfig",
    "--no-compile-autoload-tsconfig",
    "--no-compile-autoload-package-json",
    "--minify-syntax",
    "--minify-whitespace",
    // Precompiled bytecode cuts `tinct --version` start-up several-fold; it needs ESM output because
    // main.ts uses top-level await.
    "--bytecode",
    "--format=esm",
    "src/main.ts",
    ...workerEntries(),
    "--outfile",
    outfile,
  ];
  const bun = join(root, "node_modules", ".bin", "bun");
  const r = spawnSync(bun, args, { cwd: root, stdio: ["ignore", "inherit", "inherit"] });
  if (r.status !== 0) throw new Error(`bun build for ${name} failed with status ${r.status}`);
  return join(root, outfile);
}

if (import.meta.main) {
  const argv = process.argv.slice(2);
  let names = Object.keys(TARGETS);
  if (argv.includes("--host-only")) names = ["linux-x64"];
  const picked = argv.flatMap((a, i) => (a === "--target" && argv[i + 1] ? [argv[i + 1]!] : []));
  if (picked.length > 0) names = picked;
  buildWasm("release");
  for (const name of names) {
    const t0 = performance.now();
    const out = compileTarget(name);
    const mb = (statSync(out).size / 1048576).toFixed(1);
    console.log(
      `built ${relative(root, out)} (${mb} MiB) in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
    );
  }
}
