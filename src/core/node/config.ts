/**
 * The engine's configuration: a plain, already-validated view of tinc.conf and hosts/* that
 * the config layer (src/core/config) produces. Times are in seconds, as in tinc's files.
 * @module
 */
import type { Subnet } from "../subnet/subnet.ts";
import type { SockAddr } from "./effects.ts";

/** What we know about one host from hosts/NAME (ours included). */
export interface HostConfig {
  /** `Address = host [port]` lines, tried in order. Hosts may be names, resolved through Effects. */
  addresses: Array<{ host: string; port: number }>;
  subnets: Subnet[];
  /** `Weight = N` in hosts/PEER: replaces the measured ACK weight on connections to PEER. */
  weight?: number;
  indirectData?: boolean;
  tcpOnly?: boolean;
  clampMss?: boolean;
}

/** The engine's settings. Defaults follow tincd 1.0.36. */
export interface EngineConfig {
  name: string;
  netname?: string;
  device?: string;
  iface?: string;
  /** The port we listen on and announce in ACK. */
  port: number;
  /** Known hosts by name, ours included (tinc reads hosts/NAME on every ID). */
  hosts: ReadonlyMap<string, HostConfig>;
  connectTo: string[];
  mode: "router" | "switch" | "hub";
  broadcast: "mst" | "direct" | "no";
  /** tincd --bypass-security: ID then ACK, no RSA, no meta encryption. The only mode wired so far. */
  bypassSecurity: boolean;
  pingInterval: number;
  pingTimeout: number;
  maxTimeout: number;
  keyExpire: number;
  macExpire: number;
  strictSubnets: boolean;
  tunnelServer: boolean;
  /** Debug level (tincd -dN). */
  debugLevel: number;
  /** Limits that keep memory bounded under hostile input (not in tinc). */
  maxNodes: number;
  maxSeenRequests: number;
}

/** Fills in tinc's defaults for anything the caller left out. */
export function withDefaults(
  partial: Partial<EngineConfig> & { name: string; hosts: ReadonlyMap<string, HostConfig> },
): EngineConfig {
  const pingInterval = partial.pingInterval !== undefined && partial.pingInterval >= 1
    ? partial.pingInterval
    : partial.pingInterval === undefined
    ? 60
    : 86400;
  const pingTimeout = Math.min(partial.pingTimeout ?? 5, pingInterval);
  return {
    name: partial.name,
    ...(partial.netname !== undefined ? { netname: partial.netname } : {}),
    ...(partial.device !== undefined ? { device: partial.device } : {}),
    ...(partial.iface !== undefined ? { iface: partial.iface } : {}),
    port: partial.port ?? 655,
    hosts: partial.hosts,
    connectTo: partial.connectTo ?? [],
    mode: partial.mode ?? "router",
    broadcast: partial.broadcast ?? "mst",
    bypassSecurity: partial.bypassSecurity ?? true,
    pingInterval,
    pingTimeout,
    maxTimeout: partial.maxTimeout ?? 900,
    keyExpire: partial.keyExpire ?? 3600,
    macExpire: partial.macExpire ?? 600,
    strictSubnets: (partial.strictSubnets ?? false) || (partial.tunnelServer ?? false),
    tunnelServer: partial.tunnelServer ?? false,
    debugLevel: partial.debugLevel ?? 0,
    maxNodes: partial.maxNodes ?? 65536,
    maxSeenRequests: partial.maxSeenRequests ?? 262144,
  };
}

/** The address list for a ConnectTo target, or [] when hosts/NAME has none. */
export function addressesOf(config: EngineConfig, name: string): SockAddr[] {
  return (config.hosts.get(name)?.addresses ?? []).map((a) => ({ host: a.host, port: a.port }));
}
