/**
 * Reads a tinc configuration directory from disk and turns it into the engine's configuration:
 * tinc.conf, conf.d/*.conf and every hosts/NAME go through the pure config layer
 * (src/core/config), and the result is mapped onto the engine's smaller {@link EngineConfig}.
 * Keys and packet settings follow tinc 1.0: our RSA key from PrivateKeyFile (default
 * CONFBASE/rsa_key.priv) or PrivateKey/PublicKey hex (not read with --bypass-security, which
 * skips authentication but still encrypts packets with the configured Cipher and Digest), each
 * peer's key from PublicKey, PublicKeyFile or its hosts file. tinc 1.1's keys likewise: ours from
 * Ed25519PrivateKeyFile (default CONFBASE/ed25519_key.priv), each peer's from Ed25519PublicKey or
 * an ED25519 PUBLIC KEY block in Ed25519PublicKeyFile or hosts/NAME; ExperimentalProtocol unset
 * means on exactly when our Ed25519 key could be read, and with it on a missing RSA key only
 * disables the legacy protocol (as tinc 1.1's setup does).
 * Errors keep tinc's "FILE line N: VAR: reason" form so the caller can print them as they are.
 * @module
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { hostname } from "node:os";
import {
  type ConfigEntry,
  type ConfigFile,
  type DaemonConfig,
  hostConfig,
  loadConfig,
} from "../../core/config/mod.ts";
import { type EngineConfig, type HostConfig, withDefaults } from "../../core/node/config.ts";
import {
  hostKeyFields,
  legacyEngineSettings,
  privateKeyPath,
  privateKeyPemFromHex,
} from "../../core/node/auth/legacy_config.ts";
import { nativeLegacyCrypto } from "../../crypto/legacy_native.ts";
import type { Ed25519KeyPair } from "../../core/sptps/ed25519.ts";
import { formatPublicKey, parsePrivateKeyFile, parsePublicKeyPem } from "../../core/sptps/key_files.ts";
import { createRuntimeCompressor } from "../compress.ts";
import { inertOptionWarnings, refusedOptionErrors } from "./inert_options.ts";

/** What the daemon needs from one read of the directory. */
export interface LoadedConfig {
  daemon: DaemonConfig;
  engine: EngineConfig;
  /** Lines tincd would log and carry on (unknown variables, skipped peer files...). */
  warnings: string[];
}

/** Inputs besides the directory. */
export interface ReadOptions {
  confbase: string;
  netname: string | null;
  /** `-o` entries. */
  commandLine: readonly ConfigEntry[];
  debugLevel: number;
  bypassSecurity: boolean;
}

function listNames(dir: string): string[] {
  try {
    return readdirSync(dir).sort();
  } catch {
    return [];
  }
}

function readText(path: string): string | undefined {
  try {
    if (!statSync(path).isFile()) return undefined;
    return readFileSync(path, "latin1");
  } catch {
    return undefined;
  }
}

/** Collects the files loadConfig wants, with absolute paths (they appear in error messages). */
function collectFiles(confbase: string): ConfigFile[] {
  const files: ConfigFile[] = [];
  const main = readText(join(confbase, "tinc.conf"));
  if (main !== undefined) files.push({ path: join(confbase, "tinc.conf"), text: main });
  for (const n of listNames(join(confbase, "conf.d"))) {
    if (n.length <= 5 || !n.endsWith(".conf")) continue;
    const text = readText(join(confbase, "conf.d", n));
    if (text !== undefined) files.push({ path: join(confbase, "conf.d", n), text });
  }
  for (const n of listNames(join(confbase, "hosts"))) {
    if (!/^[A-Za-z0-9_]+$/.test(n)) continue;
    const text = readText(join(confbase, "hosts", n));
    if (text !== undefined) files.push({ path: join(confbase, "hosts", n), text });
  }
  return files;
}

/** A path from the configuration: absolute as written, else relative to the confbase. */
function resolvePath(confbase: string, path: string): string {
  return path.startsWith("/") ? path : join(confbase, path);
}

function portOf(value: string | undefined, fallback: number): number {
  if (value === undefined || !/^[0-9]+$/.test(value)) return fallback;
  const n = Number(value);
  return n > 0 && n <= 65535 ? n : fallback;
}

/**
 * Reads and validates the configuration directory.
 * @returns the configuration, or the error lines (each "FILE line N: …") that stop start-up
 */
export function readConfigDir(
  options: ReadOptions,
): { ok: true; config: LoadedConfig } | { ok: false; errors: string[] } {
  const { confbase } = options;
  if (!existsSync(join(confbase, "tinc.conf"))) {
    return { ok: false, errors: [`${join(confbase, "tinc.conf")}: Cannot open config file: No such file`] };
  }
  const files = collectFiles(confbase);
  const result = loadConfig(files, {
    commandLine: options.commandLine,
    env: process.env,
    hostname: hostname(),
  });
  if (!result.ok) return { ok: false, errors: result.errors.map((e) => e.message) };
  const daemon = result.config;
  const refused = refusedOptionErrors(daemon);
  if (refused.length > 0) return { ok: false, errors: refused };
  const warnings = [...result.warnings.map((w) => w.message), ...inertOptionWarnings(daemon)];
  const ownPort = daemon.portNumber ?? 655;

  const hosts = new Map<string, HostConfig>();
  for (const [name, text] of daemon.hostTexts) {
    if (name === daemon.name) continue;
    const peer = hostConfig(name, text, {
      commandLine: options.commandLine,
      path: join(confbase, "hosts", name),
    });
    warnings.push(...peer.warnings.map((w) => w.message));
    if (!peer.ok) {
      warnings.push(...peer.errors.map((e) => `${e.message} (host file skipped)`));
      continue;
    }
    const h = peer.host;
    const port = portOf(h.port, 655);
    const host: HostConfig = {
      addresses: h.addresses.filter((a) => a.host !== "").map((a) => ({
        host: a.host,
        port: portOf(a.port, port),
      })),
      subnets: h.subnets.map((s) => s.subnet),
    };
    if (h.weight !== undefined) host.weight = h.weight;
    if (h.indirectData !== undefined) host.indirectData = h.indirectData;
    if (h.tcpOnly !== undefined) host.tcpOnly = h.tcpOnly;
    if (h.clampMSS !== undefined) host.clampMss = h.clampMSS;
    if (h.pmtuDiscovery !== undefined) host.pmtuDiscovery = h.pmtuDiscovery;
    if (h.pmtu !== undefined) host.pmtu = h.pmtu;
    const keyFileText = h.publicKeyFile === undefined
      ? undefined
      : readText(resolvePath(confbase, h.publicKeyFile));
    Object.assign(host, hostKeyFields(h, text, keyFileText));
    const edKey = peerEd25519PublicKey(h, text, confbase);
    if (edKey !== undefined) host.ed25519PublicKey = edKey;
    hosts.set(name, host);
  }
  const own: HostConfig = {
    addresses: daemon.myself.addresses.map((a) => ({ host: a.host, port: portOf(a.port, ownPort) })),
    subnets: daemon.subnets,
    indirectData: daemon.indirectData,
    tcpOnly: daemon.tcpOnly,
    clampMss: daemon.clampMSS,
  };
  if (daemon.myself.weight !== undefined) own.weight = daemon.myself.weight;
  if (daemon.pmtu !== undefined) own.pmtu = daemon.pmtu;
  hosts.set(daemon.name, own);

  // --bypass-security is the legacy null-authentication mode: no SPTPS with it.
  const ed25519 = options.bypassSecurity || daemon.experimentalProtocol === false
    ? { ok: true as const, key: undefined }
    : ownEd25519Key(daemon, confbase);
  if (!ed25519.ok) {
    if (daemon.experimentalProtocol === true) return { ok: false, errors: [ed25519.reason] };
    // No key file at all is the ordinary tinc 1.0 set-up: nothing to say.
    if (!ed25519.missing) warnings.push(`${ed25519.reason}; SPTPS (ExperimentalProtocol) is off`);
  }
  const ed25519Key = ed25519.ok ? ed25519.key : undefined;

  let privateKeyText: string | undefined;
  if (!options.bypassSecurity) {
    if (daemon.privateKey !== undefined) {
      const pem = privateKeyPemFromHex(daemon.myself.publicKey, daemon.privateKey);
      if (!pem.ok) {
        return { ok: false, errors: [`${join(confbase, "tinc.conf")}: PrivateKey: ${pem.reason}`] };
      }
      privateKeyText = pem.value;
    } else {
      const path = resolvePath(confbase, privateKeyPath(daemon, confbase));
      privateKeyText = readText(path);
      if (privateKeyText === undefined && ed25519Key !== undefined) {
        warnings.push(`No RSA private key at \`${path}': support for the legacy protocol disabled.`);
      } else if (privateKeyText === undefined) {
        return { ok: false, errors: [`Error reading RSA private key file \`${path}': cannot read the file`] };
      }
    }
  }
  const legacy = legacyEngineSettings(daemon, privateKeyText);
  if (!legacy.ok) return { ok: false, errors: [`${join(confbase, "hosts", daemon.name)}: ${legacy.reason}`] };

  const engine = withDefaults({
    ...legacy.value,
    legacyCrypto: nativeLegacyCrypto,
    // Without a compressor the engine cannot honour Compression levels in either direction.
    compressor: createRuntimeCompressor(),
    name: daemon.name,
    ...(options.netname !== null ? { netname: options.netname } : {}),
    device: daemon.device,
    ...(daemon.interface !== undefined
      ? { iface: daemon.interface }
      : options.netname !== null
      ? { iface: options.netname }
      : {}),
    port: ownPort,
    hosts,
    connectTo: daemon.connectTo.map((c) => c.name),
    mode: daemon.mode,
    broadcast: daemon.broadcast,
    forwarding: daemon.forwarding,
    directOnly: daemon.directOnly,
    decrementTtl: daemon.decrementTTL,
    deviceIsTap: daemon.deviceType === "tap",
    bypassSecurity: options.bypassSecurity,
    pingInterval: daemon.pingInterval,
    pingTimeout: daemon.pingTimeout,
    maxTimeout: daemon.maxTimeout,
    minTimeout: daemon.minTimeout,
    keyExpire: daemon.keyExpire,
    macExpire: daemon.macExpire,
    strictSubnets: daemon.strictSubnets,
    tunnelServer: daemon.tunnelServer,
    debugLevel: options.debugLevel,
    ...(ed25519Key !== undefined ? { ed25519Key } : {}),
    ...(daemon.experimentalProtocol !== undefined
      ? { experimentalProtocol: daemon.experimentalProtocol }
      : {}),
  });
  return { ok: true, config: { daemon, engine, warnings } };
}

/**
 * A peer's Ed25519 public key as `Ed25519PublicKey` text: the variable when set, else the first
 * ED25519 PUBLIC KEY block of Ed25519PublicKeyFile or the host file (tinc 1.1's order).
 */
function peerEd25519PublicKey(
  h: { ed25519PublicKey: string | undefined; ed25519PublicKeyFile: string | undefined },
  hostText: string,
  confbase: string,
): string | undefined {
  if (h.ed25519PublicKey !== undefined) return h.ed25519PublicKey;
  const text = h.ed25519PublicKeyFile !== undefined
    ? readText(resolvePath(confbase, h.ed25519PublicKeyFile))
    : hostText;
  if (text === undefined || !text.includes("ED25519 PUBLIC KEY")) return undefined;
  const pem = parsePublicKeyPem(text);
  return pem.ok ? formatPublicKey(pem.value) : undefined;
}

/** Our Ed25519 key from Ed25519PrivateKeyFile (default CONFBASE/ed25519_key.priv). */
function ownEd25519Key(
  daemon: DaemonConfig,
  confbase: string,
): { ok: true; key: Ed25519KeyPair } | { ok: false; missing: boolean; reason: string } {
  const path = resolvePath(confbase, daemon.ed25519PrivateKeyFile ?? "ed25519_key.priv");
  const text = readText(path);
  if (text === undefined) {
    return {
      ok: false,
      missing: true,
      reason: `Error reading Ed25519 private key file \`${path}': cannot read the file`,
    };
  }
  const parsed = parsePrivateKeyFile(text);
  if (!parsed.ok) {
    return {
      ok: false,
      missing: false,
      reason: `Error reading Ed25519 private key file \`${path}': ${parsed.reason}`,
    };
  }
  return { ok: true, key: parsed.value };
}
