/**
 * Detaching without fork(): Bun cannot fork, so `tinct daemon` without -D re-runs itself
 * ({@link selfCommand}) as a child in a new session (setsid), stdio on /dev/null, with a readiness
 * pipe as fd 3 whose number is passed in $TINCT_READY_FD. The child reports once, after the
 * device, sockets and tinc-up are done (or start-up failed), then closes the pipe:
 *
 * ```
 *   parent ──spawn(detached, fd 3 = pipe, TINCT_READY_FD=3)──▶ child
 *          ◀─────── "READY\n"  |  "FAILED <reason>\n" ────────┘
 *   returns {ok: true} | {ok: false, reason}; a child that exits or stays silent is a failure
 * ```
 * @module
 */
import { spawn } from "node:child_process";
import { closeSync, writeSync } from "node:fs";
import type { Readable } from "node:stream";

/** Environment variable naming the readiness fd in the child. */
export const READY_FD_ENV = "TINCT_READY_FD";
const READY_FD = 3;

/**
 * The command that re-runs this program: the executable alone when compiled (`bun build
 * --compile`), else the runtime and the entry script.
 */
export function selfCommand(): string[] {
  const main = Bun.main;
  const compiled = main.startsWith("/$bunfs/") || main.includes("~BUN");
  return compiled ? [process.execPath] : [process.execPath, main];
}

/** The parent's answer. */
export type DetachResult = { ok: true; pid: number } | { ok: false; reason: string };

/**
 * Starts `argv` detached and waits for its report.
 * @param argv the command (e.g. [process.execPath, "daemon", …])
 * @param env the child's environment ($TINCT_READY_FD is added)
 * @param timeoutMs how long to wait for the report
 * @param cwd the child's working directory (default "/", as daemon(3) does; the daemon command
 *   keeps its own because the child re-parses relative -c/--pidfile/--logfile paths)
 */
export function spawnDetachedAndWait(
  argv: string[],
  env: Record<string, string | undefined>,
  timeoutMs = 60_000,
  cwd = "/",
): Promise<DetachResult> {
  return new Promise((resolve) => {
    let child;
    try {
      child = spawn(argv[0]!, argv.slice(1), {
        detached: true,
        cwd,
        env: { ...env, [READY_FD_ENV]: String(READY_FD) },
        stdio: ["ignore", "ignore", "ignore", "pipe"],
      });
    } catch (e) {
      resolve({ ok: false, reason: `could not start ${argv[0]}: ${(e as Error).message}` });
      return;
    }
    const pipe = child.stdio[READY_FD] as Readable | null | undefined;
    let text = "";
    let settled = false;
    const finish = (r: DetachResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      pipe?.destroy();
      child.unref();
      resolve(r);
    };
    const timer = setTimeout(
      () => finish({ ok: false, reason: `no readiness report within ${timeoutMs} ms` }),
      timeoutMs,
    );
    child.once("error", (e) => finish({ ok: false, reason: `could not start ${argv[0]}: ${e.message}` }));
    child.once(
      "exit",
      (code, signal) =>
        finish({
          ok: false,
          reason: `exited ${signal ? `on ${signal}` : `with status ${code}`} before reporting`,
        }),
    );
    pipe?.on("data", (chunk: Buffer) => {
      text += chunk.toString("utf8");
      const nl = text.indexOf("\n");
      if (nl < 0) return;
      const line = text.slice(0, nl);
      if (line === "READY") finish({ ok: true, pid: child.pid ?? -1 });
      else {finish({
          ok: false,
          reason: line.startsWith("FAILED ") ? line.slice(7) : `unexpected report: ${line}`,
        });}
    });
    pipe?.on("error", () => {});
  });
}

function report(line: string, env: Record<string, string | undefined>): boolean {
  const fd = Number(env[READY_FD_ENV]);
  if (!Number.isInteger(fd) || fd < 3) return false;
  delete env[READY_FD_ENV]; // report once; scripts must not inherit the variable
  try {
    writeSync(fd, line + "\n");
  } catch {
    return false;
  } finally {
    try {
      closeSync(fd);
    } catch {
      // Already closed.
    }
  }
  return true;
}

/** Child side: start-up finished. No-op (false) when not started by spawnDetachedAndWait. */
export function signalReady(env: Record<string, string | undefined> = process.env): boolean {
  return report("READY", env);
}

/** Child side: start-up failed; the parent prints `reason` and exits non-zero. */
export function signalFailed(reason: string, env: Record<string, string | undefined> = process.env): boolean {
  return report(`FAILED ${reason.replace(/\n/g, " ")}`, env);
}
