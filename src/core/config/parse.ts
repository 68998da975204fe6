/**
 * The line syntax of tinc's configuration files (tinc.conf, conf.d/*.conf, hosts/NAME) and of
 * `-o VAR=VALUE` options, with exactly the rules of tinc's `conf.c`:
 *
 * ```
 *   line      = variable sep value            (one entry)
 *             | ""                            (blank: skipped)
 *             | "#" anything                  (comment: only at column 0)
 *             | "-----BEGIN" ... "-----END"   (PEM block: every line up to -----END skipped)
 *   variable  = 1*(any char except TAB, SPACE, "=")     (may be empty: "=x" gives variable "")
 *   sep       = *(TAB / SPACE) [ "=" *(TAB / SPACE) ]   (at most one "=" is eaten)
 *   value     = rest of the line, trailing TABs/SPACEs and one CR removed; must not be empty
 * ```
 *
 * Quirks kept on purpose because tincd has them: a `#` after a value is part of the value
 * (`PingInterval = 10 # s` has value `10 # s`, which `%d` still reads as 10, but
 * `Port = 655 # web` makes tincd fail to bind); a line with leading
 * whitespace has an empty variable name; a whitespace-only line is an error ("no value").
 * Divergence: tincd reads lines through a 2048-byte buffer and splits longer lines; we do not.
 * @module
 */

/** One `Variable = Value` line, remembering where it came from. */
export interface ConfigEntry {
  /** As written (case preserved); compare with {@link sameVariable}. */
  variable: string;
  value: string;
  /** The file's path as given to the parser; `null` for a command-line `-o` option. */
  file: string | null;
  /** 1-based line number, or the 1-based index of the `-o` option on the command line. */
  line: number;
}

/** A problem with one configuration entry (or a file as a whole when `line` is 0). */
export interface ConfigError {
  file: string | null;
  line: number;
  variable: string;
  reason: string;
  /** "FILE line N: VAR: reason" (or "command line option N: VAR: reason"). */
  message: string;
}

/** The result type used across the config package: never throws. */
export type Result<T, E = ConfigError> = { ok: true; value: T } | { ok: false; error: E };

/** Builds a {@link ConfigError} with its message. */
export function configError(
  file: string | null,
  line: number,
  variable: string,
  reason: string,
): ConfigError {
  return { file, line, variable, reason, message: formatConfigError(file, line, variable, reason) };
}

/** Builds a {@link ConfigError} located at an entry. */
export function entryError(entry: ConfigEntry, reason: string): ConfigError {
  return configError(entry.file, entry.line, entry.variable, reason);
}

function formatConfigError(file: string | null, line: number, variable: string, reason: string): string {
  const where = file === null ? `command line option ${line}` : line > 0 ? `${file} line ${line}` : file;
  return variable === "" && line === 0 ? `${where}: ${reason}` : `${where}: ${variable}: ${reason}`;
}

/** ASCII-only case folding, as C's strcasecmp does in the C locale. */
export function foldCase(s: string): string {
  return s.replace(/[A-Z]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 32));
}

/** Variable names compare case-insensitively (ASCII only). */
export function sameVariable(a: string, b: string): boolean {
  return a.length === b.length && foldCase(a) === foldCase(b);
}

function isBlank(c: string | undefined): boolean {
  return c === " " || c === "\t";
}

/**
 * Splits one line (without its newline) into variable and value, or says why it cannot.
 * `file === null` marks a command-line option, whose `line` is the option's index.
 */
export function parseConfigLine(text: string, file: string | null, line: number): Result<ConfigEntry> {
  let end = text.length;
  while (end > 0 && isBlank(text[end - 1])) end--;
  const trimmed = text.slice(0, end);
  let i = 0;
  while (i < trimmed.length && !isBlank(trimmed[i]) && trimmed[i] !== "=") i++;
  const variable = trimmed.slice(0, i);
  while (isBlank(trimmed[i])) i++;
  if (trimmed[i] === "=") {
    i++;
    while (isBlank(trimmed[i])) i++;
  }
  const value = trimmed.slice(i);
  if (value === "") return { ok: false, error: configError(file, line, variable, "no value for variable") };
  return { ok: true, value: { variable, value, file, line } };
}

/** The entries of one file, and the error that stopped parsing it, if any. */
export interface ParsedFile {
  /** Entries before the first bad line (all entries when there is no error). */
  entries: ConfigEntry[];
  error: ConfigError | undefined;
}

/**
 * Parses a whole file's text. The first bad line stops parsing, as in tincd's read_config_file
 * (which then reports the file as unreadable but keeps the entries already read).
 */
export function parseConfigText(text: string, file: string): ParsedFile {
  const lines = text.split("\n");
  // A final newline leaves an empty last piece that is not a line.
  if (lines.length > 0 && lines[lines.length - 1] === "") lines.pop();
  const entries: ConfigEntry[] = [];
  let inPem = false;
  for (let n = 0; n < lines.length; n++) {
    let raw = lines[n]!;
    if (raw.endsWith("\r")) raw = raw.slice(0, -1);
    if (raw === "" || raw.startsWith("#")) continue;
    if (inPem) {
      if (raw.startsWith("-----END")) inPem = false;
      continue;
    }
    if (raw.startsWith("-----BEGIN")) {
      inPem = true;
      continue;
    }
    const parsed = parseConfigLine(raw, file, n + 1);
    if (!parsed.ok) return { entries, error: parsed.error };
    entries.push(parsed.value);
  }
  return { entries, error: undefined };
}
