/**
 * Starting without `-D`: the command re-runs itself as a detached child (own session, stdio on
 * /dev/null) with a readiness pipe on fd 3, and returns only when the child reports. The child
 * writes `READY\n` once the device, sockets and tinc-up are done, or `ERROR <reason>\n` when
 * start-up failed, then closes the pipe; a child that exits silently counts as a failure.
 *
 * ```
 *   tinct daemon -c DIR ──spawn (setsid, env TINCT_DETACHED=1, fd 3 = pipe)──▶ child daemon
 *        ◀──────────── "READY\n" | "ERROR reason\n" ──────────────────────────┘
 *   exit 0 | exit 1 with the reason on stderr
 * ```
 * @module
 */
import { spawn } from "node:child_process";
import { closeSync, writeSync } from "node:fs";
import type { Readable } from "node:stream";
import type { CliIo } from "../../cli/app.ts";

/** Set in the child's environment; its value is the readiness fd. */
export const DETACHED_ENV = "TINCT_DETACHED";
const READY_FD = 3;
const READY_TIMEOUT_MS = 60_000;

/** The command that re-runs this program: the executable, plus the script when run from source. */
function selfCommand(): string[] {
  const main = Bun.main;
  const compiled = main.startsWith("/$bunfs/") || main.includes("~BUN");
  return compiled ? [process.execPath] : [process.execPath, main];
}

/** Parent side: start the detached child and wait for its word. */
export async function spawnDetached(args: string[], io: CliIo): Promise<number> {
  const [exe, ...pre] = selfCommand();
  const child = spawn(exe!, [...pre, "daemon", ...args], {
    detached: true,
    stdio: ["ignore", "ignore", "ignore", "pipe"],
    env: { ...process.env, [DETACHED_ENV]: String(READY_FD) },
  });
  const pipe = child.stdio[READY_FD] as Readable | null;
  let text = "";
  const outcome = await new Promise<string>((resolve) => {
    const timer = setTimeout(
      () => resolve(`ERROR no word from the daemon in ${READY_TIMEOUT_MS / 1000} s`),
      READY_TIMEOUT_MS,
    );
    pipe?.on("data", (d: Buffer) => {
      text += d.toString();
      if (text.includes("\n")) {
        clearTimeout(timer);
        resolve(text.slice(0, text.indexOf("\n")));
      }
    });
    child.on("exit", (code, signal) => {
      clearTimeout(timer);
      resolve(
        text.includes("\n")
          ? text.slice(0, text.indexOf("\n"))
          : `ERROR the daemon exited during start-up (${signal ?? `status ${code}`})`,
      );
    });
    child.on("error", (e) => {
      clearTimeout(timer);
      resolve(`ERROR could not start the daemon: ${e.message}`);
    });
  });
  pipe?.destroy();
  child.unref();
  if (outcome === "READY") return 0;
  io.stderr(`${outcome.replace(/^ERROR /, "")}\n`);
  return 1;
}

/** Child side: report readiness (`null`) or the reason start-up failed, once. */
export function reportReady(error: string | null): void {
  try {
    writeSync(READY_FD, error === null ? "READY\n" : `ERROR ${error.replaceAll("\n", "; ")}\n`);
    closeSync(READY_FD);
  } catch {
    // The starter is gone; nothing to tell.
  }
}
