/**
 * Test support: the bytes of wasm/build/core.wasm, rebuilt first when missing or older than a
 * source in wasm/assembly (so `bun test src/crypto` works on a fresh clone).
 * @module
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { buildWasm } from "../../scripts/build_wasm.ts";

const root = join(import.meta.dir, "..", "..");
let cached: Uint8Array | undefined;

/** The release core's bytes, built on demand. */
export function coreBytes(): Uint8Array {
  if (cached) return cached;
  const out = join(root, "wasm", "build", "core.wasm");
  const sources = join(root, "wasm", "assembly");
  const newest = Math.max(
    statSync(join(root, "wasm", "asconfig.json")).mtimeMs,
    ...readdirSync(sources).map((f) => statSync(join(sources, f)).mtimeMs),
  );
  if (!existsSync(out) || statSync(out).mtimeMs < newest) buildWasm("release");
  cached = new Uint8Array(readFileSync(out));
  return cached;
}

/** Lowercase hex of bytes. */
export function toHex(b: Uint8Array): string {
  return Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
}

/** Bytes of a hex string. */
export function fromHex(s: string): Uint8Array {
  const out = new Uint8Array(s.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(s.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** Path of a file in the shared fixtures beside the repository. */
export function fixturePath(...parts: string[]): string {
  return join(root, "..", "shared", "fixtures", ...parts);
}
