/**
 * `tinct daemon`: the tincd-compatible daemon entry. The runtime is being built (issue: the
 * daemon on real TUN/TAP); until it lands this command says so plainly and exits non-zero.
 * @module
 */
import type { CliIo } from "./app.ts";

export function runDaemonCommand(_args: string[], io: CliIo): number {
  io.stderr("tinct daemon: the daemon runtime is not built yet in this version\n");
  return 2;
}
