/**
 * Node names: the `[A-Za-z0-9_]+` rule (tinc's check_id) and the `Name = $VAR` expansion. The
 * environment and the host name are injected; the engine never reads them itself.
 * @module
 */

/** tinc's check_id: non-empty, ASCII letters, digits and `_` only. */
export function isValidNodeName(name: string): boolean {
  return /^[A-Za-z0-9_]+$/.test(name);
}

/** Where `$VAR` names come from. */
export interface NameEnvironment {
  /** Environment variables (e.g. the daemon's process environment). */
  env?: Readonly<Record<string, string | undefined>>;
  /** The machine's host name, used for `$HOST` when the environment has no HOST. */
  hostname?: string;
}

function utf8Length(ch: string): number {
  const c = ch.codePointAt(0)!;
  return c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4;
}

/**
 * tinc replaces every byte that is not an ASCII letter or digit with `_` (C isalnum on each byte
 * of the UTF-8 text), so one non-ASCII character becomes as many `_` as it has bytes.
 */
export function sanitizeName(raw: string): string {
  let out = "";
  for (const ch of raw) out += /^[A-Za-z0-9]$/.test(ch) ? ch : "_".repeat(utf8Length(ch));
  return out;
}

/**
 * Resolves the configured `Name` value: `$VAR` takes VAR from the environment (falling back to
 * the host name for `$HOST`) with non-alphanumerics replaced by `_`; the result must pass
 * {@link isValidNodeName}. Returns the reason tincd would log on failure.
 */
export function resolveName(
  value: string,
  where: NameEnvironment,
): { ok: true; name: string } | { ok: false; reason: string } {
  let name = value;
  if (value.startsWith("$")) {
    const variable = value.slice(1);
    let expanded = where.env?.[variable];
    if (expanded === undefined) {
      if (variable !== "HOST") {
        return { ok: false, reason: `Invalid Name: environment variable ${variable} does not exist` };
      }
      if (where.hostname === undefined || where.hostname === "") {
        return { ok: false, reason: "Could not get hostname" };
      }
      expanded = where.hostname;
    }
    name = sanitizeName(expanded);
  }
  if (!isValidNodeName(name)) return { ok: false, reason: "Invalid name for myself!" };
  return { ok: true, name };
}
