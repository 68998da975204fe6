/**
 * The one compile entry of tinct. It embeds the WASM crypto core and hands control to the CLI.
 * @module
 */
import wasmPath from "../wasm/build/core.wasm" with { type: "file" };
import { readFileSync } from "node:fs";
import { runCli } from "./cli/app.ts";

const code = await runCli(process.argv.slice(2), {
  // In a compiled binary argv[1] is the embedded script (/$bunfs/…); argv0 is the name it was started
  // under, which decides whether a `tincd`/`tinctd` link acts as the daemon.
  argv0: process.argv[1]?.startsWith("/$bunfs/") ? process.argv0 : process.argv[1] ?? process.argv0,
  env: (name) => process.env[name],
  loadWasm: () => new Uint8Array(readFileSync(wasmPath)),
  stdout: (s) => process.stdout.write(s),
  stderr: (s) => process.stderr.write(s),
});
process.exitCode = code;
