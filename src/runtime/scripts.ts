/**
 * tinc's scripts (tinc-up, host-up, hosts/NAME-down, subnet-up, …): run one at a time, to
 * completion, in the order the engine asks, blocking the daemon exactly as tincd's system() call
 * does (the order of scripts and of the engine's progress around them is part of tinc's
 * behaviour: tinc-up configures the device before the first packet, host-down runs before the
 * subnet-down that follows it).
 *
 * As tincd: a script that does not exist is skipped silently; it runs through `/bin/sh` (tincd
 * uses system()), so a file without a `#!` line still runs as a shell script and one without the
 * execute bit fails with status 126; ScriptsInterpreter, when set, is run with the script as its
 * argument instead. The environment is the daemon's, overlaid with tinc's variables (NETNAME,
 * DEVICE, INTERFACE, NODE, …); the working directory is the configuration directory.
 * @module
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";

/** How scripts are found and started. */
export interface ScriptSettings {
  /** The configuration directory: script names are relative to it, and scripts run in it. */
  confbase: string;
  /** ScriptsExtension, e.g. ".sh" (default none). */
  extension: string;
  /** ScriptsInterpreter: when set, the script is its argument. */
  interpreter: string | undefined;
  /** Upper bound on one script's run time (ms); tinc has none, we keep the daemon alive. */
  timeoutMs: number;
  /**
   * Variables an earlier script was given. tincd puts them into its own environment for the script
   * and removes them afterwards, so a value the daemon inherited (say NODE) is gone for every later
   * script; pass one set per daemon to reproduce that.
   */
  unset?: Set<string>;
}

/** The outcome of one script, for the log. */
export type ScriptOutcome =
  | { ran: false }
  | { ran: true; ok: true }
  | { ran: true; ok: false; reason: string };

/** The argv tincd's behaviour implies for the script at `path`. */
export function scriptArgv(path: string, interpreter: string | undefined): string[] {
  // `"$0"` keeps a path with spaces or shell characters one word, never code.
  return interpreter !== undefined && interpreter !== ""
    ? [interpreter, path]
    : ["/bin/sh", "-c", '"$0"', path];
}

/**
 * Runs `name` (relative to confbase, plus the extension) with `env` added to the daemon's
 * environment, and returns once it has exited.
 * @param baseEnv the environment scripts inherit (default process.env)
 */
export function runScript(
  settings: ScriptSettings,
  name: string,
  env: Record<string, string>,
  baseEnv: Record<string, string | undefined> = process.env,
): ScriptOutcome {
  const path = join(settings.confbase, name + settings.extension);
  if (!existsSync(path)) return { ran: false };
  const argv = scriptArgv(path, settings.interpreter);
  const inherited = { ...baseEnv };
  for (const key of settings.unset ?? []) delete inherited[key];
  for (const key of Object.keys(env)) settings.unset?.add(key);
  const r = spawnSync(argv[0]!, argv.slice(1), {
    env: { ...inherited, ...env },
    stdio: ["ignore", "inherit", "inherit"],
    timeout: settings.timeoutMs,
    killSignal: "SIGKILL",
    cwd: settings.confbase,
  });
  if (r.error) {
    const timedOut = (r.error as { code?: string }).code === "ETIMEDOUT";
    return {
      ran: true,
      ok: false,
      reason: timedOut ? `timed out after ${settings.timeoutMs} ms` : r.error.message,
    };
  }
  if (r.signal) return { ran: true, ok: false, reason: `killed by signal ${r.signal}` };
  if (r.status !== 0) return { ran: true, ok: false, reason: `exited with status ${r.status}` };
  return { ran: true, ok: true };
}
