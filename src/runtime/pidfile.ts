/**
 * The pid file. tinc 1.0 writes `PID\n`; tinc 1.1 writes `PID COOKIE HOST port PORT\n`, which its
 * CLI reads to find and authenticate to the control socket (src/pidfile.c). The daemon claims the
 * file with `PID\n` at start-up ({@link claimPidfile}, refused over a live daemon), and the control
 * socket rewrites it with the cookie once it listens (control_socket.ts); we read both forms.
 *
 * ```
 *   1234\n                                                           tinc 1.0, or before the socket
 *   1234 <64 hex digits: cookie> 127.0.0.1 port 655\n                tinc 1.1
 * ```
 * @module
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { nodeFileSystem } from "./fs_port.ts";

/** A pid file's content. */
export interface PidfileContent {
  pid: number;
  /** tinc 1.1 control cookie (64 hex digits) and control address. */
  control?: { cookie: string; host: string; port: number };
}

/** The text of a pid file. */
export function formatPidfile(c: PidfileContent): string {
  return c.control ? `${c.pid} ${c.control.cookie} ${c.control.host} port ${c.control.port}\n` : `${c.pid}\n`;
}

/** Parses either form; null when it is not a pid file. */
export function parsePidfile(text: string): PidfileContent | null {
  const fields = text.trim().split(/\s+/);
  const pid = Number(fields[0]);
  if (!Number.isInteger(pid) || pid <= 0) return null;
  if (fields.length >= 5 && fields[3] === "port") {
    return { pid, control: { cookie: fields[1]!, host: fields[2]!, port: Number(fields[4]) } };
  }
  return { pid };
}

/** The pid in a pid file (either form), or undefined when there is none or it is unparsable. */
export function readPidfile(path: string): number | undefined {
  try {
    return parsePidfile(readFileSync(path, "utf8"))?.pid;
  } catch {
    return undefined;
  }
}

/**
 * Start-up: writes `PID\n` (creating the directory) unless another live process holds the file;
 * a stale file is taken over, as tincd does.
 * @param pid the pid to write (default: ours)
 */
export function claimPidfile(
  path: string,
  pid: number = process.pid,
): { ok: true } | { ok: false; reason: string } {
  const other = readPidfile(path);
  if (other !== undefined && other !== pid && processAlive(other)) {
    return { ok: false, reason: `A tincd is already running with pid ${other}.` };
  }
  try {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, formatPidfile({ pid }));
    return { ok: true };
  } catch (e) {
    return { ok: false, reason: `Could not write pid file ${path}: ${(e as Error).message}` };
  }
}

/** Writes the pid file atomically (mode 0644, as tincd leaves it readable). */
export async function writePidfile(path: string, content: PidfileContent): Promise<void> {
  await nodeFileSystem.replace(path, new TextEncoder().encode(formatPidfile(content)), 0o644);
}

/** Removes the pid file if it is still ours (a successor may have replaced it). */
export function removePidfile(path: string, ownPid: number = process.pid): void {
  try {
    if (parsePidfile(readFileSync(path, "utf8"))?.pid === ownPid) rmSync(path, { force: true });
  } catch {
    // Already gone.
  }
}

/**
 * The pid of a running daemon named by the pid file, or null (no file, unparsable, or dead).
 * @param isAlive process check (default: signal 0)
 */
export function livePid(path: string, isAlive: (pid: number) => boolean = processAlive): number | null {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch {
    return null;
  }
  const c = parsePidfile(text);
  return c && isAlive(c.pid) ? c.pid : null;
}

/** Whether a process exists (EPERM counts as existing: it is someone else's). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as { code?: string }).code === "EPERM";
  }
}
