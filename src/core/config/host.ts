/**
 * Host variables (the contents of hosts/NAME, plus `-o NAME.VAR=VALUE`) as typed values, exactly
 * as written: a variable that is absent stays `undefined`, because for a peer tinc combines it
 * with our own setting (e.g. ClampMSS, PMTUDiscovery) when the connection is set up.
 * @module
 */
import type { Subnet } from "../subnet/subnet.ts";
import { hasHostBits, parseSubnet } from "../subnet/subnet_text.ts";
import { type ConfigEntry, type ConfigError, entryError, parseConfigText, type Result } from "./parse.ts";
import { ConfigTree } from "./tree.ts";
import { type HostPort, parseBool, parseCInt, splitHostPort } from "./values.ts";
import { variableInfo } from "./variables.ts";

/** One `Address = host [port]` line. */
export interface HostAddress extends HostPort {
  entry: ConfigEntry;
}

/** A configured subnet with the line it came from. */
export interface ConfiguredSubnet {
  subnet: Subnet;
  entry: ConfigEntry;
}

/** Typed host variables; `undefined` means "not set". */
export interface HostSettings {
  name: string;
  /** In tinc's order (tried in that order when connecting). */
  addresses: HostAddress[];
  port: string | undefined;
  cipher: string | undefined;
  digest: string | undefined;
  macLength: number | undefined;
  compression: number | undefined;
  clampMSS: boolean | undefined;
  indirectData: boolean | undefined;
  tcpOnly: boolean | undefined;
  pmtu: number | undefined;
  pmtuDiscovery: boolean | undefined;
  publicKey: string | undefined;
  publicKeyFile: string | undefined;
  ed25519PublicKey: string | undefined;
  ed25519PublicKeyFile: string | undefined;
  subnets: ConfiguredSubnet[];
  weight: number | undefined;
}

/**
 * Collects tinc's two kinds of complaints while reading typed values: `errors` make tincd refuse
 * to start, `warnings` are logged while tincd carries on with the default.
 */
export class ValueReader {
  readonly errors: ConfigError[] = [];
  readonly warnings: ConfigError[] = [];

  constructor(readonly tree: ConfigTree) {}

  /** The winning value of a single-valued variable. */
  string(variable: string): string | undefined {
    return this.tree.lookup(variable)?.value;
  }

  /** A yes/no variable; a bad value is logged and ignored, as get_config_bool does. */
  bool(variable: string): boolean | undefined {
    const entry = this.tree.lookup(variable);
    if (!entry) return undefined;
    const b = parseBool(entry.value);
    if (b === undefined) this.warnings.push(entryError(entry, `"yes" or "no" expected`));
    return b;
  }

  /** A `%d` variable; a bad value is logged and ignored, as get_config_int does. */
  int(variable: string): number | undefined {
    const entry = this.tree.lookup(variable);
    if (!entry) return undefined;
    const n = parseCInt(entry.value);
    if (n === undefined) this.warnings.push(entryError(entry, "Integer expected"));
    return n;
  }

  /** Records a fatal problem with the winning entry of `variable`. */
  fail(variable: string, reason: string): void {
    const entry = this.tree.lookup(variable);
    if (entry) this.errors.push(entryError(entry, reason));
  }

  /** Records a logged-but-tolerated problem with an entry. */
  warn(entry: ConfigEntry, reason: string): void {
    this.warnings.push(entryError(entry, reason));
  }

  /**
   * Every Subnet-like entry parsed as a configuration subnet: host bits set are refused
   * ("Network address and prefix length do not match"). `fatal` decides whether a bad line is an
   * error (our own subnets: tincd refuses to start) or a skipped line (peers' subnets).
   */
  subnets(variable: string, fatal: boolean): ConfiguredSubnet[] {
    const out: ConfiguredSubnet[] = [];
    for (const entry of this.tree.lookupAll(variable)) {
      const parsed = parseConfigSubnet(entry.value);
      if (parsed.ok) {
        out.push({ subnet: parsed.value, entry });
        continue;
      }
      const err = entryError(entry, parsed.error);
      if (fatal) this.errors.push(err);
      else this.warnings.push(err);
    }
    return out;
  }
}

/** A subnet as tinc's get_config_subnet accepts it: valid text and no host bits. */
export function parseConfigSubnet(value: string): Result<Subnet, string> {
  const parsed = parseSubnet(value);
  if (!parsed.ok) return { ok: false, error: "Subnet expected" };
  if (hasHostBits(parsed.value)) {
    return { ok: false, error: "Network address and prefix length do not match" };
  }
  return { ok: true, value: parsed.value };
}

/** Reads the host variables of `name` out of a tree. */
export function readHostSettings(name: string, reader: ValueReader, fatalSubnets: boolean): HostSettings {
  const addresses = reader.tree.lookupAll("Address").map((entry) => ({
    ...splitHostPort(entry.value),
    entry,
  }));
  return {
    name,
    addresses,
    port: reader.string("Port"),
    cipher: reader.string("Cipher"),
    digest: reader.string("Digest"),
    macLength: reader.int("MACLength"),
    compression: reader.int("Compression"),
    clampMSS: reader.bool("ClampMSS"),
    indirectData: reader.bool("IndirectData"),
    tcpOnly: reader.bool("TCPOnly"),
    pmtu: reader.int("PMTU"),
    pmtuDiscovery: reader.bool("PMTUDiscovery"),
    publicKey: reader.string("PublicKey"),
    publicKeyFile: reader.string("PublicKeyFile"),
    ed25519PublicKey: reader.string("Ed25519PublicKey"),
    ed25519PublicKeyFile: reader.string("Ed25519PublicKeyFile"),
    subnets: reader.subnets("Subnet", fatalSubnets),
    weight: reader.int("Weight"),
  };
}

/**
 * The `-o` entries that apply to a tree: without a prefix, those whose variable has no `.`;
 * with a host name, those written `NAME.VAR` (the name compared case-sensitively, as tincd's
 * strncmp does), renamed to `VAR`.
 */
export function commandLineEntries(entries: readonly ConfigEntry[], host: string | null): ConfigEntry[] {
  const out: ConfigEntry[] = [];
  for (const e of entries) {
    if (host === null) {
      if (!e.variable.includes(".")) out.push({ ...e, file: null });
    } else if (e.variable.startsWith(`${host}.`)) {
      out.push({ ...e, variable: e.variable.slice(host.length + 1), file: null });
    }
  }
  return out;
}

/** Warnings for variables tinc does not know, or that tinct accepts without effect. */
export function variableWarnings(entries: readonly ConfigEntry[]): ConfigError[] {
  const out: ConfigError[] = [];
  for (const e of entries) {
    const info = variableInfo(e.variable);
    if (!info) out.push(entryError(e, "unknown variable"));
    else if (info.ignored) out.push(entryError(e, `ignored: ${info.ignored}`));
  }
  return out;
}

/** Options for reading a peer's host file. */
export interface HostConfigOptions {
  /** The `-o` entries from the command line (all of them; `NAME.` ones are picked here). */
  commandLine?: readonly ConfigEntry[];
  /** Path used in messages and ordering; default `hosts/NAME`. */
  path?: string;
}

/** A peer's host configuration, or why it cannot be used. */
export type HostConfigResult =
  | { ok: true; host: HostSettings; tree: ConfigTree; warnings: ConfigError[] }
  | { ok: false; errors: ConfigError[]; warnings: ConfigError[] };

/**
 * Reads hosts/NAME for a peer (tincd's read_host_config): `-o NAME.VAR=…` entries first, then
 * the file. A line with no value makes the file unusable; bad subnets are skipped with a
 * warning, as tincd's load_all_subnets does.
 */
export function hostConfig(name: string, text: string, options: HostConfigOptions = {}): HostConfigResult {
  const path = options.path ?? `hosts/${name}`;
  const parsed = parseConfigText(text, path);
  const warnings = variableWarnings(parsed.entries);
  if (parsed.error) return { ok: false, errors: [parsed.error], warnings };
  const tree = new ConfigTree([...commandLineEntries(options.commandLine ?? [], name), ...parsed.entries]);
  const reader = new ValueReader(tree);
  const host = readHostSettings(name, reader, false);
  warnings.push(...reader.warnings);
  if (reader.errors.length > 0) return { ok: false, errors: reader.errors, warnings };
  return { ok: true, host, tree, warnings };
}
