/**
 * Runs tinc's scripts (tinc-up, host-up, subnet-up, …) one at a time, in the order asked, off the
 * event loop. As tincd: a script that does not exist is skipped silently; it runs through
 * `/bin/sh` (tincd uses system()), so a file without a `#!` line still runs as a shell script,
 * and one without the execute bit fails with status 126; ScriptsInterpreter, when set, is run
 * with the script as its argument instead. The environment is the daemon's, overlaid with the
 * variables given (NETNAME, DEVICE, INTERFACE, NODE, …).
 * @module
 */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";

/** One script to run. */
export interface ScriptRequest {
  path: string;
  env: Record<string, string>;
  /** tinc 1.1's ScriptsInterpreter. */
  interpreter?: string;
  /** Kill the script after this long (default: wait forever, as tincd does). */
  timeoutMs?: number;
}

/** What happened. */
export interface ScriptResult {
  path: string;
  /** Exit status; null when it did not exit normally (signal, spawn failure) or was skipped. */
  status: number | null;
  signal?: string;
  /** "absent": no such file, nothing ran (tincd is silent about it). */
  skipped?: "absent";
  /** A spawn failure or timeout. */
  error?: string;
}

/** Starts a process and reports how it ended. */
export type ScriptSpawner = (
  argv: string[],
  env: Record<string, string>,
  timeoutMs?: number,
) => Promise<ScriptResult>;

/** The queue. */
export interface ScriptQueue {
  /** Enqueues a script; the promise settles when it has run (never rejects). */
  run(request: ScriptRequest): Promise<ScriptResult>;
  /** Scripts queued or running. */
  readonly pending: number;
  /** Resolves when the queue is empty. */
  idle(): Promise<void>;
}

/** The argv tincd's behaviour implies for a script. */
export function scriptArgv(request: ScriptRequest): string[] {
  return request.interpreter ? [request.interpreter, request.path] : ["/bin/sh", "-c", '"$0"', request.path];
}

/** Spawns with node:child_process (stdin closed; stdout/stderr shared with the daemon). */
export const spawnScript: ScriptSpawner = (argv, env, timeoutMs) =>
  new Promise((resolve) => {
    const path = argv[argv.length - 1] ?? "";
    let child;
    try {
      child = spawn(argv[0]!, argv.slice(1), { env, stdio: ["ignore", "inherit", "inherit"] });
    } catch (e) {
      resolve({ path, status: null, error: (e as Error).message });
      return;
    }
    let timedOut = false;
    const timer = timeoutMs === undefined ? undefined : setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
    }, timeoutMs);
    child.once("error", (e) => {
      clearTimeout(timer);
      resolve({ path, status: null, error: e.message });
    });
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      const r: ScriptResult = { path, status: code };
      if (signal) r.signal = signal;
      if (timedOut) r.error = `timed out after ${timeoutMs} ms`;
      resolve(r);
    });
  });

/**
 * Creates a queue.
 * @param spawner how to run a process (tests pass a fake)
 * @param baseEnv the environment scripts inherit (default process.env)
 * @param exists file check (default existsSync)
 */
export function createScriptQueue(
  spawner: ScriptSpawner = spawnScript,
  baseEnv: Record<string, string | undefined> = process.env,
  exists: (path: string) => boolean = existsSync,
): ScriptQueue {
  let tail: Promise<unknown> = Promise.resolve();
  let pending = 0;
  const runOne = async (request: ScriptRequest): Promise<ScriptResult> => {
    if (!exists(request.path)) return { path: request.path, status: null, skipped: "absent" };
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(baseEnv)) if (v !== undefined) env[k] = v;
    Object.assign(env, request.env);
    try {
      const r = await spawner(scriptArgv(request), env, request.timeoutMs);
      return { ...r, path: request.path };
    } catch (e) {
      return { path: request.path, status: null, error: (e as Error).message };
    }
  };
  return {
    run(request) {
      pending++;
      const result = tail.then(() => runOne(request)).finally(() => pending--);
      tail = result;
      return result;
    },
    get pending() {
      return pending;
    },
    idle: () => tail.then(() => {}),
  };
}
