/**
 * The pid file (`--pidfile`, default /run/tinc.NET.pid): written as `PID\n` at start-up, refused
 * when it names a live process, removed on exit.
 * @module
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";

/** The pid in a pid file, or undefined when there is none or it is unreadable. */
export function readPidfile(path: string): number | undefined {
  try {
    const pid = Number.parseInt(readFileSync(path, "utf8").trim(), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as { code?: string }).code === "EPERM";
  }
}

/** Writes our pid unless another live process holds the file. */
export function claimPidfile(path: string): { ok: true } | { ok: false; reason: string } {
  const other = readPidfile(path);
  if (other !== undefined && other !== process.pid && alive(other)) {
    return { ok: false, reason: `A tincd is already running with pid ${other}.` };
  }
  try {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, `${process.pid}\n`);
    return { ok: true };
  } catch (e) {
    return { ok: false, reason: `Could not write pid file ${path}: ${(e as Error).message}` };
  }
}

/** Removes the pid file if it still names us. */
export function removePidfile(path: string): void {
  if (readPidfile(path) !== process.pid) return;
  try {
    rmSync(path, { force: true });
  } catch {
    // nothing to clean up
  }
}
