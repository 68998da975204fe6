// Installs the pinned toolchain with `npm ci` when node_modules is missing or stale,
// so a newcomer on a fresh clone needs nothing but Node and npm.
import { existsSync, statSync } from "node:fs";
import { execSync } from "node:child_process";

const stamp = "node_modules/.package-lock.json";
const stale = !existsSync(stamp) || statSync("package-lock.json").mtimeMs > statSync(stamp).mtimeMs + 1000;
if (stale || !existsSync("node_modules/.bin/bun") || !existsSync("node_modules/.bin/asc")) {
  console.error("ensure_deps: installing the pinned toolchain with npm ci");
  execSync("npm ci --no-audit --no-fund", { stdio: "inherit" });
}
