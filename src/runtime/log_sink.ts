/**
 * Where the daemon's log lines go. The daemon decides which lines to write (tincd's debug level,
 * see Daemon.logAt); a sink only formats and delivers them, each with a syslog priority:
 * - stderr (`-D`): the line as tincd 1.0 prints it, unadorned (optionally with a
 *   `YYYY-MM-DD HH:MM:SS` timestamp); under systemd with stderr connected to the journal
 *   ($JOURNAL_STREAM equal to stderr's device:inode), `<N>message` instead, so journald keeps
 *   the priority and adds its own timestamp (sd-daemon(3));
 * - a log file (--logfile): `YYYY-MM-DD HH:MM:SS IDENT[PID]: message`, appended, reopened by
 *   reopen() (SIGHUP) so log rotation works;
 * - syslog (detached, or `-s`): RFC 3164 datagrams to /dev/log (macOS: /var/run/syslog) through a
 *   unix datagram socket, facility daemon:
 *
 * ```
 *   <PRI>Mmm dd hh:mm:ss IDENT[PID]: message        PRI = 3 (daemon) × 8 + priority
 *   <27>Nov  5 07:08:09 tinc.vpn[812]: Cannot bind
 * ```
 * A sink never throws: a line that cannot be written is counted in `lost`.
 * @module
 */
import { closeSync, fstatSync, openSync, writeSync } from "node:fs";
import type { LogFields } from "../core/node/effects.ts";
import { openUnixDatagramSender, type UnixDatagramSender } from "./unix_dgram.ts";
/** syslog priorities. */
export const LogPriority = {
  EMERG: 0,
  ALERT: 1,
  CRIT: 2,
  ERR: 3,
  WARNING: 4,
  NOTICE: 5,
  INFO: 6,
  DEBUG: 7,
} as const;

/** tincd's debug levels. */
export const DebugLevel = {
  ALWAYS: 0,
  CONNECTIONS: 1,
  ERROR: 2,
  STATUS: 2,
  PROTOCOL: 3,
  META: 4,
  TRAFFIC: 5,
  PACKET: 6,
  SCARY_THINGS: 10,
} as const;

/** What the daemon writes its log through. */
export interface LogSink {
  /**
   * One line; fields are appended as `(key=value, …)`.
   * @param priority a {@link LogPriority} (default NOTICE)
   */
  line(message: string, fields?: LogFields, priority?: number): void;
}

/** A sink the daemon command owns: it also reopens (SIGHUP) and closes it. */
export interface LogOutput extends LogSink {
  /** Reopens the log file (SIGHUP); a no-op for other sinks. */
  reopen(): void;
  /** Lines that could not be written. */
  readonly lost: number;
  close(): void;
}

/** Sink choices. */
export type LogTarget =
  | { kind: "stderr"; write?: (text: string) => void; journal?: boolean; timestamps?: boolean }
  | { kind: "file"; path: string }
  | { kind: "syslog"; socketPath?: string; sender?: UnixDatagramSender }
  | { kind: "memory"; lines: string[] };

/** Common options. */
export interface LogOptions {
  /** tinc's log ident: `tinc.NETNAME` or `tinc`. */
  ident: string;
  pid?: number;
  /** Wall clock for timestamps. */
  now?: () => Date;
}

/** Formats a message and its fields on one line. */
export function formatLogLine(message: string, fields: LogFields = {}): string {
  const parts: string[] = [];
  for (const [k, v] of Object.entries(fields)) if (v !== undefined) parts.push(`${k}=${v}`);
  return parts.length > 0 ? `${message} (${parts.join(", ")})` : message;
}

/**
 * The syslog priority for a line at a tincd debug level, as tinc pairs them at its call sites:
 * level 0 lines are notices, connection and status lines informational, the rest debug.
 */
export function priorityForLevel(level: number): number {
  if (level <= DebugLevel.ALWAYS) return LogPriority.NOTICE;
  if (level <= DebugLevel.STATUS) return LogPriority.INFO;
  return LogPriority.DEBUG;
}

const pad = (n: number, w = 2) => String(n).padStart(w, "0");

/** `YYYY-MM-DD HH:MM:SS` in local time (tincd's strftime format). */
export function timestamp(d: Date): string {
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${
    pad(d.getMinutes())
  }:${pad(d.getSeconds())}`;
}

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const FACILITY_DAEMON = 3;

/** An RFC 3164 syslog line for facility daemon. */
export function syslogLine(priority: number, d: Date, ident: string, pid: number, message: string): string {
  const stamp = `${MONTHS[d.getMonth()]} ${String(d.getDate()).padStart(2, " ")} ${pad(d.getHours())}:${
    pad(d.getMinutes())
  }:${pad(d.getSeconds())}`;
  return `<${FACILITY_DAEMON * 8 + (priority & 7)}>${stamp} ${ident}[${pid}]: ${message}`;
}

/**
 * Whether stderr is the journal: $JOURNAL_STREAM is "DEV:INO" of the stream systemd connected.
 * @param journalStream the variable's value
 * @param stat stderr's device and inode
 */
export function isJournalStream(
  journalStream: string | undefined,
  stat: { dev: number; ino: number },
): boolean {
  if (!journalStream) return false;
  const m = /^(\d+):(\d+)$/.exec(journalStream);
  return m !== null && Number(m[1]) === stat.dev && Number(m[2]) === stat.ino;
}

/** True when this process's stderr is connected to journald. */
export function stderrIsJournal(env: Record<string, string | undefined> = process.env): boolean {
  try {
    const st = fstatSync(2);
    return isJournalStream(env.JOURNAL_STREAM, { dev: st.dev, ino: st.ino });
  } catch {
    return false;
  }
}

/** Writers per target kind: each takes (priority, date, message) and returns false when lost. */
interface Writer {
  write(priority: number, d: Date, message: string): boolean;
  reopen(): void;
  close(): void;
}

function stderrWriter(t: Extract<LogTarget, { kind: "stderr" }>): Writer {
  const out = t.write ?? ((s: string) => void process.stderr.write(s));
  const journal = t.journal ?? stderrIsJournal();
  return {
    write: (
      p,
      d,
      m,
    ) => (out(journal ? `<${p & 7}>${m}\n` : t.timestamps ? `${timestamp(d)} ${m}\n` : `${m}\n`), true),
    reopen: () => {},
    close: () => {},
  };
}

function fileWriter(path: string, ident: string, pid: number): Writer {
  let fd = -1;
  const open = () => {
    try {
      fd = openSync(path, "a", 0o600);
    } catch {
      fd = -1;
    }
  };
  open();
  return {
    write(_p, d, m) {
      if (fd < 0) return false;
      try {
        writeSync(fd, `${timestamp(d)} ${ident}[${pid}]: ${m}\n`);
        return true;
      } catch {
        return false;
      }
    },
    reopen() {
      if (fd >= 0) closeSync(fd);
      open();
    },
    close() {
      if (fd >= 0) closeSync(fd);
      fd = -1;
    },
  };
}

function syslogWriter(t: Extract<LogTarget, { kind: "syslog" }>, ident: string, pid: number): Writer {
  const path = t.socketPath ?? (process.platform === "darwin" ? "/var/run/syslog" : "/dev/log");
  let sender = t.sender;
  const encoder = new TextEncoder();
  return {
    write(p, d, m) {
      try {
        sender ??= openUnixDatagramSender();
      } catch {
        return false;
      }
      return sender.send(path, encoder.encode(syslogLine(p, d, ident, pid, m))) === 0;
    },
    reopen: () => {},
    close: () => sender?.close(),
  };
}

/**
 * Creates a sink.
 * @param target where records go
 * @param options ident, pid, clock
 */
export function createLogSink(target: LogTarget, options: LogOptions): LogOutput {
  const pid = options.pid ?? process.pid;
  const now = options.now ?? (() => new Date());
  const writers: Record<LogTarget["kind"], () => Writer> = {
    stderr: () => stderrWriter(target as Extract<LogTarget, { kind: "stderr" }>),
    file: () => fileWriter((target as Extract<LogTarget, { kind: "file" }>).path, options.ident, pid),
    syslog: () => syslogWriter(target as Extract<LogTarget, { kind: "syslog" }>, options.ident, pid),
    memory: () => {
      const lines = (target as Extract<LogTarget, { kind: "memory" }>).lines;
      return { write: (p, _d, m) => (lines.push(`<${p}>${m}`), true), reopen: () => {}, close: () => {} };
    },
  };
  const writer = writers[target.kind]();
  let lost = 0;
  return {
    line(message, fields, priority = LogPriority.NOTICE) {
      if (!writer.write(priority, now(), formatLogLine(message, fields))) lost++;
    },
    reopen: () => writer.reopen(),
    get lost() {
      return lost;
    },
    close: () => writer.close(),
  };
}

/**
 * The text for an error in a log record: the message only for errors we expect (system errors,
 * bad input), the stack only at debug level 10 ("scary things"), as tincd never prints traces.
 */
export function describeError(e: unknown, debugLevel: number): string {
  if (!(e instanceof Error)) return String(e);
  return debugLevel >= DebugLevel.SCARY_THINGS && e.stack ? e.stack : e.message;
}
