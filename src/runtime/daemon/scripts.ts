/**
 * tinc's scripts (tinc-up, host-up, hosts/NAME-down, subnet-up...): run one at a time, to
 * completion, in the order the engine asks, exactly as tincd's blocking system() call does. A
 * script that does not exist is skipped silently; one that fails is logged. The environment is
 * the daemon's own plus the variables tinc sets.
 * @module
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";

/** How scripts are found and started. */
export interface ScriptSettings {
  confbase: string;
  /** ScriptsExtension, e.g. ".sh" (default none). */
  extension: string;
  /** ScriptsInterpreter: when set, the script is its argument. */
  interpreter: string | undefined;
  /** Upper bound on one script's run time (ms); tinc has none, we keep the daemon alive. */
  timeoutMs: number;
}

/** The outcome of one script, for the log. */
export type ScriptOutcome =
  | { ran: false }
  | { ran: true; ok: true }
  | { ran: true; ok: false; reason: string };

/** Runs `name` (relative to confbase) with `env` added to the daemon's environment. */
export function runScript(
  settings: ScriptSettings,
  name: string,
  env: Record<string, string>,
): ScriptOutcome {
  const path = join(settings.confbase, name + settings.extension);
  if (!existsSync(path)) return { ran: false };
  const cmd = settings.interpreter !== undefined ? [settings.interpreter, path] : [path];
  const r = spawnSync(cmd[0]!, cmd.slice(1), {
    env: { ...process.env, ...env },
    stdio: ["ignore", "inherit", "inherit"],
    timeout: settings.timeoutMs,
    cwd: settings.confbase,
  });
  if (r.error) return { ran: true, ok: false, reason: r.error.message };
  if (r.signal) return { ran: true, ok: false, reason: `killed by signal ${r.signal}` };
  if (r.status !== 0) return { ran: true, ok: false, reason: `exited with status ${r.status}` };
  return { ran: true, ok: true };
}
