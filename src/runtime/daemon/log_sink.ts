/**
 * Where the daemon's log lines go: stderr without a timestamp when running in the foreground
 * (as tincd -D prints them), or appended to a log file with a timestamp and pid (tincd
 * --logfile). Syslog is syslog_sink.ts.
 * @module
 */
import { appendFileSync } from "node:fs";
import type { LogFields } from "../../core/node/effects.ts";

/** The daemon's log writer. */
export interface LogSink {
  /** One line; fields are appended as `key=value`. */
  line(message: string, fields?: LogFields): void;
}

/** Formats a message and its fields on one line. */
export function formatLogLine(message: string, fields: LogFields = {}): string {
  const parts: string[] = [];
  for (const [k, v] of Object.entries(fields)) if (v !== undefined) parts.push(`${k}=${v}`);
  return parts.length > 0 ? `${message} (${parts.join(", ")})` : message;
}

/** Lines to stderr, unadorned. */
export function stderrSink(): LogSink {
  return { line: (m, f) => void process.stderr.write(formatLogLine(m, f) + "\n") };
}

/** Lines appended to `path` as `YYYY-MM-DD HH:MM:SS IDENT[PID]: message`. */
export function fileSink(path: string, ident: string): LogSink {
  return {
    line: (m, f) => {
      const stamp = new Date().toISOString().replace("T", " ").slice(0, 19);
      try {
        appendFileSync(path, `${stamp} ${ident}[${process.pid}]: ${formatLogLine(m, f)}\n`);
      } catch {
        // A log file we cannot write must not take the daemon down.
      }
    },
  };
}
