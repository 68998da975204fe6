/**
 * The merged, ordered set of configuration entries, with tinc's precedence rule (`conf.c`
 * config_compare): entries sort by
 *
 *   1. variable name, case-insensitively;
 *   2. command-line (`-o`) entries before file entries;
 *   3. line number, lowest first, whatever the file;
 *   4. file path (byte order) to break ties between equal line numbers.
 *
 * A single-valued variable takes its first entry in that order, so `-o` wins, and otherwise the
 * lowest line number wins across tinc.conf, conf.d/*.conf and hosts/MYNAME (spec §8: "the order
 * is file-agnostic"). Because the tie-break compares paths, `Port` on line 1 of hosts/alice beats
 * `Port` on line 1 of tinc.conf ("…/hosts/alice" < "…/tinc.conf"); callers should give paths with
 * a common prefix (all absolute, or all relative to the confbase) so this matches tincd.
 * @module
 */
import { type ConfigEntry, foldCase } from "./parse.ts";

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** tinc's entry order (see the module comment). */
export function compareEntries(a: ConfigEntry, b: ConfigEntry): number {
  const byName = compareStrings(foldCase(a.variable), foldCase(b.variable));
  if (byName !== 0) return byName;
  const aCmd = a.file === null ? 0 : 1;
  const bCmd = b.file === null ? 0 : 1;
  if (aCmd !== bCmd) return aCmd - bCmd;
  if (a.line !== b.line) return a.line - b.line;
  return compareStrings(a.file ?? "", b.file ?? "");
}

/** An immutable, ordered view over configuration entries. */
export class ConfigTree {
  readonly #entries: readonly ConfigEntry[];
  readonly #byName: ReadonlyMap<string, readonly ConfigEntry[]>;

  constructor(entries: Iterable<ConfigEntry>) {
    const sorted = [...entries].sort(compareEntries);
    const byName = new Map<string, ConfigEntry[]>();
    for (const e of sorted) {
      const key = foldCase(e.variable);
      const list = byName.get(key);
      if (list) list.push(e);
      else byName.set(key, [e]);
    }
    this.#entries = sorted;
    this.#byName = byName;
  }

  /** The winning entry of a single-valued variable, if any. */
  lookup(variable: string): ConfigEntry | undefined {
    return this.#byName.get(foldCase(variable))?.[0];
  }

  /** Every entry of a variable, in tinc's order. */
  lookupAll(variable: string): readonly ConfigEntry[] {
    return this.#byName.get(foldCase(variable)) ?? [];
  }

  /** All entries, in tinc's order. */
  entries(): readonly ConfigEntry[] {
    return this.#entries;
  }

  /** Distinct variable names present (case-folded). */
  variables(): string[] {
    return [...this.#byName.keys()];
  }

  /** A new tree with more entries merged in. */
  with(more: Iterable<ConfigEntry>): ConfigTree {
    return new ConfigTree([...this.#entries, ...more]);
  }
}
