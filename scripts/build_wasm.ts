// Builds the WebAssembly crypto core from wasm/assembly with the pinned AssemblyScript compiler.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";

export function buildWasm(target: "release" | "debug" = "release"): string {
  const root = join(import.meta.dir, "..");
  const wasmDir = join(root, "wasm");
  mkdirSync(join(wasmDir, "build"), { recursive: true });
  const asc = join(root, "node_modules", ".bin", "asc");
  const r = spawnSync(asc, ["assembly/index.ts", "--config", "asconfig.json", "--target", target], {
    cwd: wasmDir,
    stdio: "inherit",
  });
  if (r.status !== 0) throw new Error(`asc failed with status ${r.status}`);
  const out = join(wasmDir, "build", target === "release" ? "core.wasm" : "core.debug.wasm");
  if (!existsSync(out)) throw new Error(`asc produced no ${out}`);
  return out;
}

if (import.meta.main) {
  const target = process.argv.includes("--debug") ? "debug" : "release";
  console.log(buildWasm(target));
}
