/**
 * Loads a node's whole configuration the way tincd does at start-up and on SIGHUP:
 *
 * ```
 *   -o VAR=VALUE (no ".")  ─┐
 *   tinc.conf               ├─ server tree ── Name ── + hosts/NAME + -o NAME.VAR=VALUE ── merged tree
 *   conf.d/*.conf           ┘                                                              │
 *                                                                                 typed DaemonConfig
 * ```
 *
 * Precedence is tree order (tree.ts): `-o` first, then the lowest line number across files.
 * Defaults are tinc 1.0.36's for the variables 1.0 has (spec §8) and tinc 1.1's for the
 * variables only 1.1 has (1.1 spec §3.4). File contents arrive as strings; nothing here reads
 * files, the environment or the clock.
 * @module
 */
import type { Subnet } from "../subnet/subnet.ts";
import { isValidNodeName, type NameEnvironment, resolveName } from "./name.ts";
import { type ConfigEntry, type ConfigError, configError, entryError, parseConfigText } from "./parse.ts";
import { ConfigTree } from "./tree.ts";
import { type HostPort, isDecimal, parseKeyword, splitHostPort } from "./values.ts";
import {
  commandLineEntries,
  type ConfiguredSubnet,
  type HostSettings,
  readHostSettings,
  ValueReader,
  variableWarnings,
} from "./host.ts";

/** One configuration file's path and contents. */
export interface ConfigFile {
  /**
   * Path ending in `tinc.conf`, `conf.d/X.conf` or `hosts/NAME`; other paths are ignored.
   * Give all paths the same prefix (all relative to the confbase, or all absolute).
   */
  path: string;
  text: string;
}

/** Inputs besides the files. */
export interface LoadOptions extends NameEnvironment {
  /** `-o [HOST.]VAR=VALUE` entries from the command line, `file: null`, line = option index. */
  commandLine?: readonly ConfigEntry[];
}

export type RoutingMode = "router" | "switch" | "hub";
export type BroadcastMode = "no" | "mst" | "direct";
export type ForwardingMode = "off" | "internal" | "kernel";
export type AddressFamily = "ipv4" | "ipv6" | "any";
export type DeviceType = "tun" | "tap" | "dummy" | "raw_socket" | "multicast" | "uml" | "vde" | "fd";
export type ProcessPriority = "low" | "normal" | "high";

/** `BindToAddress`/`ListenAddress`: `*` (or nothing) is the wildcard, shown as `host: undefined`. */
export interface ListenSpec {
  host: string | undefined;
  /** `undefined`: use the node's Port. */
  port: string | undefined;
  entry: ConfigEntry;
}

/** `Proxy = TYPE [args]`. */
export type ProxyConfig =
  | { type: "none" }
  | {
    type: "socks4" | "socks4a" | "socks5" | "http";
    host: string;
    port: string;
    user?: string;
    pass?: string;
  }
  | { type: "exec"; command: string };

/** A valid `ConnectTo` target. */
export interface ConnectTarget {
  name: string;
  entry: ConfigEntry;
}

/** tinc's defaults, in one place. */
export const DEFAULTS = {
  port: "655",
  cipher: "aes-256-cbc",
  digest: "sha256",
  macLength: 4,
  compression: 0,
  /** tinc's MTU constant (spec §8: "PMTU 1518 in the code"). */
  mtu: 1518,
  device: "/dev/net/tun",
  keyExpire: 3600,
  macExpire: 600,
  maxTimeout: 900,
  minTimeout: 0,
  /** 10 × MTU. */
  maxOutputBufferSize: 15180,
  pingInterval: 60,
  pingTimeout: 5,
  /** What PingInterval < 1 becomes. */
  pingIntervalDisabled: 86400,
  replayWindow: 16,
  invitationExpire: 604800,
  /** tinc 1.1's configurable default (1.0 has a fixed burst of 100). */
  maxConnectionBurst: 10,
  udpDiscoveryKeepaliveInterval: 10,
  udpDiscoveryInterval: 2,
  udpDiscoveryTimeout: 30,
  mtuInfoInterval: 5,
  udpInfoInterval: 5,
} as const;

/** Digest output sizes, for the "MAC length exceeds size of digest" check. */
const DIGEST_SIZES: Readonly<Record<string, number>> = {
  md5: 16,
  sha1: 20,
  sha224: 28,
  sha256: 32,
  sha384: 48,
  sha512: 64,
};

/** The typed, validated configuration of this node. */
export interface DaemonConfig {
  name: string;
  /** Every entry that applies to this node (server files, hosts/NAME, `-o`), in tinc's order. */
  tree: ConfigTree;
  /** Paths of the server files read (tinc.conf, then conf.d files sorted). */
  serverFiles: string[];
  /** Texts of all hosts/NAME files given, by node name (for reload diffs and peers). */
  hostTexts: ReadonlyMap<string, string>;
  /** Our host variables as written. */
  myself: HostSettings;

  // Our own host variables, resolved with defaults.
  port: string;
  /** The port as a number, or `undefined` for a service name the runtime must look up. */
  portNumber: number | undefined;
  /** False when Port was not set: tinc then advertises the port actually bound. */
  portSpecified: boolean;
  cipher: string;
  digest: string;
  macLength: number;
  compression: number;
  clampMSS: boolean;
  /** TCPOnly implies IndirectData. */
  indirectData: boolean;
  tcpOnly: boolean;
  /** Defaults to `!tcpOnly`. */
  pmtuDiscovery: boolean;
  pmtu: number | undefined;
  subnets: Subnet[];

  // Server variables.
  connectTo: ConnectTarget[];
  addressFamily: AddressFamily;
  autoConnect: boolean;
  bindToAddress: ListenSpec[];
  listenAddress: ListenSpec[];
  bindToInterface: string | undefined;
  broadcast: BroadcastMode;
  broadcastSubnets: Subnet[];
  decrementTTL: boolean;
  device: string;
  deviceStandby: boolean;
  /** Defaults to tun in router mode, tap otherwise. */
  deviceType: DeviceType;
  directOnly: boolean;
  ed25519PrivateKeyFile: string | undefined;
  /** `undefined`: decided by whether an Ed25519 private key can be read (tinc 1.1). */
  experimentalProtocol: boolean | undefined;
  forwarding: ForwardingMode;
  fwmark: number;
  graphDumpFile: string | undefined;
  hostnames: boolean;
  iffOneQueue: boolean;
  /** `undefined`: the netname, or the kernel's choice without one. */
  interface: string | undefined;
  invitationExpire: number;
  keyExpire: number;
  localDiscovery: boolean;
  logLevel: number | undefined;
  macExpire: number;
  maxConnectionBurst: number;
  maxOutputBufferSize: number;
  maxTimeout: number;
  minTimeout: number;
  mode: RoutingMode;
  mtuInfoInterval: number;
  pingInterval: number;
  pingTimeout: number;
  priorityInheritance: boolean;
  privateKey: string | undefined;
  privateKeyFile: string | undefined;
  processPriority: ProcessPriority | undefined;
  proxy: ProxyConfig;
  replayWindow: number;
  scriptsExtension: string;
  scriptsInterpreter: string | undefined;
  /** TunnelServer implies StrictSubnets. */
  strictSubnets: boolean;
  tunnelServer: boolean;
  udpDiscovery: boolean;
  udpDiscoveryKeepaliveInterval: number;
  udpDiscoveryInterval: number;
  udpDiscoveryTimeout: number;
  udpInfoInterval: number;
  /** `undefined`: the OS default. */
  udpRcvBuf: number | undefined;
  udpSndBuf: number | undefined;
}

/** The outcome of {@link loadConfig}. Warnings are what tincd logs and survives. */
export type LoadResult =
  | { ok: true; config: DaemonConfig; warnings: ConfigError[] }
  | { ok: false; errors: ConfigError[]; warnings: ConfigError[] };

type FileKind = { kind: "server"; order: number } | { kind: "host"; name: string } | { kind: "other" };

function classify(path: string): FileKind {
  const parts = path.split("/");
  const base = parts[parts.length - 1] ?? "";
  const dir = parts[parts.length - 2];
  // "tinc.conf" first: it is never a valid node name, and the confbase itself may be called hosts.
  if (base === "tinc.conf" && dir !== "conf.d") return { kind: "server", order: 0 };
  if (dir === "hosts") return { kind: "host", name: base };
  // tincd reads conf.d entries whose name is longer than ".conf" and ends in it.
  if (dir === "conf.d") {
    return base.length > 5 && base.endsWith(".conf") ? { kind: "server", order: 1 } : { kind: "other" };
  }
  return { kind: "other" };
}

const MODES: Record<string, RoutingMode> = { router: "router", switch: "switch", hub: "hub" };
const BROADCASTS: Record<string, BroadcastMode> = { no: "no", mst: "mst", yes: "mst", direct: "direct" };
const FORWARDINGS: Record<string, ForwardingMode> = { off: "off", internal: "internal", kernel: "kernel" };
const FAMILIES: Record<string, AddressFamily> = { ipv4: "ipv4", ipv6: "ipv6", any: "any" };
const PRIORITIES: Record<string, ProcessPriority> = { low: "low", normal: "normal", high: "high" };
const DEVICE_TYPES: Record<string, DeviceType> = {
  tun: "tun",
  tap: "tap",
  dummy: "dummy",
  raw_socket: "raw_socket",
  multicast: "multicast",
  uml: "uml",
  vde: "vde",
  fd: "fd",
};

function keyword<T>(r: ValueReader, variable: string, table: Record<string, T>, bad: string): T | undefined {
  const value = r.string(variable);
  if (value === undefined) return undefined;
  const found = parseKeyword(value, table);
  if (found === undefined) r.fail(variable, bad);
  return found;
}

function listenSpecs(tree: ConfigTree, variable: string): ListenSpec[] {
  return tree.lookupAll(variable).map((entry) => {
    const hp: HostPort = splitHostPort(entry.value);
    return { host: hp.host === "*" || hp.host === "" ? undefined : hp.host, port: hp.port, entry };
  });
}

/**
 * Which files to read for the server configuration, in tincd's order: `tinc.conf`, then every
 * `conf.d` entry whose name is longer than ".conf" and ends in it (sorted; tincd takes readdir's
 * order, which only matters for ties that the path order settles anyway).
 * @param confDirNames the names listed in `CONFBASE/conf.d` (empty when it does not exist)
 */
export function serverFilePaths(confbase: string, confDirNames: readonly string[]): string[] {
  const base = confbase.replace(/\/+$/, "");
  const extra = confDirNames.filter((n) => n.length > 5 && n.endsWith(".conf")).sort();
  return [`${base}/tinc.conf`, ...extra.map((n) => `${base}/conf.d/${n}`)];
}

/** Parses `Proxy = TYPE [host port [user [pass]]]` or `Proxy = exec COMMAND`. */
export function parseProxy(value: string): { ok: true; proxy: ProxyConfig } | { ok: false; reason: string } {
  const space = value.indexOf(" ");
  const type = (space < 0 ? value : value.slice(0, space)).toLowerCase();
  const rest = space < 0 ? undefined : value.slice(space + 1);
  if (type === "none") return { ok: true, proxy: { type: "none" } };
  if (type === "exec") {
    if (rest === undefined || rest === "") {
      return { ok: false, reason: "Argument expected for proxy type exec!" };
    }
    return { ok: true, proxy: { type: "exec", command: rest } };
  }
  if (type !== "socks4" && type !== "socks4a" && type !== "socks5" && type !== "http") {
    return { ok: false, reason: `Unknown proxy type ${space < 0 ? value : value.slice(0, space)}!` };
  }
  // Split at single spaces, the password keeping any further spaces (tinc uses strchr(' ')).
  const host = rest;
  const afterHost = host === undefined ? -1 : host.indexOf(" ");
  const port = afterHost < 0 ? undefined : host!.slice(afterHost + 1);
  const hostOnly = afterHost < 0 ? host : host!.slice(0, afterHost);
  const afterPort = port === undefined ? -1 : port.indexOf(" ");
  const user = afterPort < 0 ? undefined : port!.slice(afterPort + 1);
  const portOnly = afterPort < 0 ? port : port!.slice(0, afterPort);
  const afterUser = user === undefined ? -1 : user.indexOf(" ");
  const pass = afterUser < 0 ? undefined : user!.slice(afterUser + 1);
  const userOnly = afterUser < 0 ? user : user!.slice(0, afterUser);
  if (!hostOnly || !portOnly) return { ok: false, reason: "Host and port argument expected for proxy!" };
  const proxy: ProxyConfig = { type, host: hostOnly, port: portOnly };
  if (userOnly) proxy.user = userOnly;
  if (pass) proxy.pass = pass;
  return { ok: true, proxy };
}

/**
 * Parses, merges and validates a node's configuration.
 * @param files tinc.conf, conf.d/*.conf and hosts/* files (at least hosts/MYNAME if it exists)
 */
export function loadConfig(files: readonly ConfigFile[], options: LoadOptions = {}): LoadResult {
  const errors: ConfigError[] = [];
  const warnings: ConfigError[] = [];
  const commandLine = options.commandLine ?? [];

  const server: { path: string; text: string; order: number }[] = [];
  const hostTexts = new Map<string, string>();
  const hostPaths = new Map<string, string>();
  for (const f of files) {
    const k = classify(f.path);
    if (k.kind === "server") server.push({ ...f, order: k.order });
    else if (k.kind === "host") {
      hostTexts.set(k.name, f.text);
      hostPaths.set(k.name, f.path);
    }
  }
  server.sort((a, b) => a.order - b.order || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  if (!server.some((f) => f.order === 0)) {
    return { ok: false, errors: [configError("tinc.conf", 0, "", "Cannot open config file")], warnings };
  }

  const serverEntries: ConfigEntry[] = [];
  for (const f of server) {
    const parsed = parseConfigText(f.text, f.path);
    serverEntries.push(...parsed.entries);
    if (parsed.error) {
      // tincd stops reading at the first unreadable server file and refuses to start.
      errors.push(parsed.error);
      break;
    }
  }
  const cmdServer = commandLineEntries(commandLine, null);
  warnings.push(...variableWarnings([...cmdServer, ...serverEntries]));
  if (errors.length > 0) return { ok: false, errors, warnings };

  const serverTree = new ConfigTree([...cmdServer, ...serverEntries]);
  const nameEntry = serverTree.lookup("Name");
  const tincConf = server[0]!.path;
  if (!nameEntry) {
    return { ok: false, errors: [configError(tincConf, 0, "", "Name for tinc daemon required!")], warnings };
  }
  const resolved = resolveName(nameEntry.value, options);
  if (!resolved.ok) return { ok: false, errors: [entryError(nameEntry, resolved.reason)], warnings };
  const name = resolved.name;

  const ownHostEntries: ConfigEntry[] = [];
  const ownText = hostTexts.get(name);
  if (ownText !== undefined) {
    const parsed = parseConfigText(ownText, hostPaths.get(name)!);
    ownHostEntries.push(...parsed.entries);
    warnings.push(...variableWarnings(parsed.entries));
    // tincd ignores a failed read of its own host file and keeps the lines before the bad one;
    // we refuse it so that a reload keeps the previous, good configuration.
    if (parsed.error) return { ok: false, errors: [parsed.error], warnings };
  }
  const cmdHost = commandLineEntries(commandLine, name);
  warnings.push(...variableWarnings(cmdHost));
  const tree = serverTree.with([...cmdHost, ...ownHostEntries]);

  const r = new ValueReader(tree);
  const myself = readHostSettings(name, r, true);
  const config = buildConfig(name, tree, r, myself);
  config.serverFiles = server.map((f) => f.path);
  config.hostTexts = hostTexts;
  warnings.push(...r.warnings);
  if (r.errors.length > 0) return { ok: false, errors: r.errors, warnings };
  return { ok: true, config, warnings };
}

function subnetsOf(list: ConfiguredSubnet[]): Subnet[] {
  return list.map((s) => s.subnet);
}

function buildConfig(name: string, tree: ConfigTree, r: ValueReader, myself: HostSettings): DaemonConfig {
  // Own host variables.
  const tcpOnly = myself.tcpOnly ?? false;
  const digest = myself.digest ?? DEFAULTS.digest;
  const macLength = myself.macLength ?? DEFAULTS.macLength;
  if (myself.macLength !== undefined && digest.toLowerCase() !== "none") {
    const size = DIGEST_SIZES[digest.toLowerCase()];
    if (macLength < 0) r.fail("MACLength", "Bogus MAC length!");
    else if (size !== undefined && macLength > size) {
      r.fail("MACLength", "MAC length exceeds size of digest!");
    }
  }
  const compression = myself.compression ?? DEFAULTS.compression;
  if (compression < 0 || compression > 11) r.fail("Compression", "Bogus compression level!");

  // Server variables.
  const connectTo: ConnectTarget[] = [];
  for (const entry of tree.lookupAll("ConnectTo")) {
    if (isValidNodeName(entry.value)) connectTo.push({ name: entry.value, entry });
    else r.warn(entry, "Invalid name for outgoing connection");
  }

  const mode = keyword(r, "Mode", MODES, "Invalid routing mode!") ?? "router";
  const forwarding = keyword(r, "Forwarding", FORWARDINGS, "Invalid forwarding mode!") ?? "internal";
  const broadcast = keyword(r, "Broadcast", BROADCASTS, "Invalid broadcast mode!") ?? "mst";
  const addressFamily = keyword(r, "AddressFamily", FAMILIES, "Invalid address family!") ?? "any";
  const processPriority = keyword(r, "ProcessPriority", PRIORITIES, "Invalid priority!");
  const deviceType = keyword(r, "DeviceType", DEVICE_TYPES, "Unknown device type!") ??
    (mode === "router" ? "tun" : "tap");

  let pingInterval = r.int("PingInterval") ?? DEFAULTS.pingInterval;
  if (pingInterval < 1) pingInterval = DEFAULTS.pingIntervalDisabled;
  let pingTimeout = r.int("PingTimeout") ?? DEFAULTS.pingTimeout;
  if (pingTimeout < 1 || pingTimeout > pingInterval) pingTimeout = pingInterval;

  const maxTimeout = r.int("MaxTimeout") ?? DEFAULTS.maxTimeout;
  if (maxTimeout <= 0) r.fail("MaxTimeout", "Bogus maximum timeout!");
  let minTimeout = r.int("MinTimeout") ?? DEFAULTS.minTimeout;
  if (minTimeout < 0) r.fail("MinTimeout", "Bogus minimum timeout!");
  else if (minTimeout > maxTimeout) {
    r.warn(
      tree.lookup("MinTimeout")!,
      `Minimum timeout (${minTimeout} s) cannot be larger than maximum timeout (${maxTimeout} s). Correcting !`,
    );
    minTimeout = maxTimeout;
  }

  const udpRcvBuf = r.int("UDPRcvBuf");
  if (udpRcvBuf !== undefined && udpRcvBuf <= 0) r.fail("UDPRcvBuf", "UDPRcvBuf cannot be negative!");
  const udpSndBuf = r.int("UDPSndBuf");
  if (udpSndBuf !== undefined && udpSndBuf <= 0) r.fail("UDPSndBuf", "UDPSndBuf cannot be negative!");
  const replayWindow = r.int("ReplayWindow") ?? DEFAULTS.replayWindow;
  if (replayWindow < 0) r.fail("ReplayWindow", "ReplayWindow cannot be negative!");
  const maxConnectionBurst = r.int("MaxConnectionBurst") ?? DEFAULTS.maxConnectionBurst;
  if (maxConnectionBurst <= 0) r.fail("MaxConnectionBurst", "MaxConnectionBurst cannot be negative!");

  let proxy: ProxyConfig = { type: "none" };
  const proxyValue = r.string("Proxy");
  if (proxyValue !== undefined) {
    const p = parseProxy(proxyValue);
    if (p.ok) proxy = p.proxy;
    else r.fail("Proxy", p.reason);
  }

  const tunnelServer = r.bool("TunnelServer") ?? false;
  const port = myself.port ?? DEFAULTS.port;
  // tincd hands Port to getaddrinfo as a service; anything else fails there at start-up.
  const portNumber = isDecimal(port) ? Number(port) : undefined;
  if (portNumber !== undefined ? portNumber > 65535 : !/^[A-Za-z][A-Za-z0-9_-]*$/.test(port)) {
    r.fail("Port", "Invalid port (a number up to 65535 or a service name expected)");
  }

  return {
    name,
    tree,
    serverFiles: [],
    hostTexts: new Map(),
    myself,
    port,
    portNumber,
    portSpecified: myself.port !== undefined,
    cipher: myself.cipher ?? DEFAULTS.cipher,
    digest,
    macLength,
    compression,
    clampMSS: myself.clampMSS ?? true,
    indirectData: (myself.indirectData ?? false) || tcpOnly,
    tcpOnly,
    pmtuDiscovery: myself.pmtuDiscovery ?? !tcpOnly,
    pmtu: myself.pmtu,
    subnets: subnetsOf(myself.subnets),
    connectTo,
    addressFamily,
    autoConnect: r.bool("AutoConnect") ?? true,
    bindToAddress: listenSpecs(tree, "BindToAddress"),
    listenAddress: listenSpecs(tree, "ListenAddress"),
    bindToInterface: r.string("BindToInterface"),
    broadcast,
    broadcastSubnets: subnetsOf(r.subnets("BroadcastSubnet", false)),
    decrementTTL: r.bool("DecrementTTL") ?? false,
    device: r.string("Device") ?? DEFAULTS.device,
    deviceStandby: r.bool("DeviceStandby") ?? false,
    deviceType,
    directOnly: r.bool("DirectOnly") ?? false,
    ed25519PrivateKeyFile: r.string("Ed25519PrivateKeyFile"),
    experimentalProtocol: r.bool("ExperimentalProtocol"),
    forwarding,
    fwmark: r.int("FWMark") ?? 0,
    graphDumpFile: r.string("GraphDumpFile"),
    hostnames: r.bool("Hostnames") ?? false,
    iffOneQueue: r.bool("IffOneQueue") ?? false,
    interface: r.string("Interface"),
    invitationExpire: r.int("InvitationExpire") ?? DEFAULTS.invitationExpire,
    keyExpire: r.int("KeyExpire") ?? DEFAULTS.keyExpire,
    localDiscovery: r.bool("LocalDiscovery") ?? false,
    logLevel: r.int("LogLevel"),
    macExpire: r.int("MACExpire") ?? DEFAULTS.macExpire,
    maxConnectionBurst,
    maxOutputBufferSize: r.int("MaxOutputBufferSize") ?? DEFAULTS.maxOutputBufferSize,
    maxTimeout,
    minTimeout,
    mode,
    mtuInfoInterval: r.int("MTUInfoInterval") ?? DEFAULTS.mtuInfoInterval,
    pingInterval,
    pingTimeout,
    priorityInheritance: r.bool("PriorityInheritance") ?? false,
    privateKey: r.string("PrivateKey"),
    privateKeyFile: r.string("PrivateKeyFile"),
    processPriority,
    proxy,
    replayWindow,
    scriptsExtension: r.string("ScriptsExtension") ?? "",
    scriptsInterpreter: r.string("ScriptsInterpreter"),
    strictSubnets: (r.bool("StrictSubnets") ?? false) || tunnelServer,
    tunnelServer,
    udpDiscovery: r.bool("UDPDiscovery") ?? true,
    udpDiscoveryKeepaliveInterval: r.int("UDPDiscoveryKeepaliveInterval") ??
      DEFAULTS.udpDiscoveryKeepaliveInterval,
    udpDiscoveryInterval: r.int("UDPDiscoveryInterval") ?? DEFAULTS.udpDiscoveryInterval,
    udpDiscoveryTimeout: r.int("UDPDiscoveryTimeout") ?? DEFAULTS.udpDiscoveryTimeout,
    udpInfoInterval: r.int("UDPInfoInterval") ?? DEFAULTS.udpInfoInterval,
    udpRcvBuf,
    udpSndBuf,
  };
}
