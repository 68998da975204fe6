/**
 * The engine's configuration: a plain, already-validated view of tinc.conf and hosts/* that
 * the config layer (src/core/config) produces. Times are in seconds, as in tinc's files.
 * @module
 */
import type { Subnet } from "../subnet/subnet.ts";
import { type LegacyCryptoProvider, pureLegacyCrypto } from "../crypto/legacy/provider.ts";
import type { Compressor } from "../compress/compressor.ts";
import type { SockAddr } from "./effects.ts";
import type { Ed25519KeyPair } from "../sptps/ed25519.ts";
import type { SptpsCipherPort } from "../crypto/cipher_port.ts";
import type { ForwardingMode } from "../route/router.ts";

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
  /** `PMTU = N`: caps the path MTU toward the host when we have a meta connection to it. */
  pmtu?: number;
  /**
   * `PMTUDiscovery` in hosts/PEER. tincd 1.0.36 does not read it for a peer (its ACK carries our
   * own setting, EngineConfig.pmtuDiscovery, which takes hosts/MYNAME into account), so neither
   * does the engine; kept for the config layer.
   */
  pmtuDiscovery?: boolean;
  /** `PublicKey = HEX`: the RSA modulus (exponent 65535, tinc's quirk); tried first. */
  publicKey?: string;
  /**
   * Text holding the host's RSA public key as PEM: PublicKeyFile's contents when that is set,
   * else the text of hosts/NAME itself (its `-----BEGIN RSA PUBLIC KEY-----` block).
   */
  publicKeyPem?: string;
  /** tinc 1.1's `Ed25519PublicKey` (tinc base64, 43 characters), when hosts/NAME has one. */
  ed25519PublicKey?: string;
}

/**
 * What we announce in every ANS_KEY: the receiver picks the parameters of its inbound
 * direction (tinc's Cipher, Digest, MACLength, Compression), plus ReplayWindow.
 */
export interface PacketSettings {
  /** OpenSSL NID of the packet cipher; 0 = none. tinc's default: aes-256-cbc (427). */
  cipher: number;
  /** OpenSSL NID of the MAC digest; 0 = none. tinc's default: sha256 (672). */
  digest: number;
  macLength: number;
  /** 0 = none; 1-9 zlib (needs a compressor with zlib), 10-11 LZO. */
  compression: number;
  /** ReplayWindow in bytes (tinc's default 16); 0 disables the check. */
  replayWindow: number;
}

/** tinc 1.0.36's defaults: aes-256-cbc, HMAC-SHA256 cut to 4 bytes, no compression. */
export const TINC_PACKET_DEFAULTS: PacketSettings = {
  cipher: 427,
  digest: 672,
  macLength: 4,
  compression: 0,
  replayWindow: 16,
};

/** No packet crypto: datagrams are `seqno ‖ frame` (the default with bypassSecurity). */
export const NULL_PACKET_SETTINGS: PacketSettings = {
  cipher: 0,
  digest: 0,
  macLength: 0,
  compression: 0,
  replayWindow: 16,
};

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
  /**
   * `Forwarding`: `internal` routes other nodes' frames on; `off` refuses frames between two other
   * nodes (ICMP administratively prohibited); `kernel` hands every frame from a node to the device.
   */
  forwarding: ForwardingMode;
  /** `DirectOnly`: frames for a node we do not reach in one hop are refused (ICMP prohibited). */
  directOnly: boolean;
  /** `DecrementTTL`: frames from other nodes lose one TTL/hop limit here (time exceeded at 0). */
  decrementTtl: boolean;
  /** `DeviceType = tap` in router mode: frames written to the device get the interface's MAC. */
  deviceIsTap: boolean;
  /** tincd --bypass-security: ID then ACK, no RSA, no meta encryption. Otherwise RSA (auth/legacy.ts). */
  bypassSecurity: boolean;
  /**
   * `PMTUDiscovery`: announce PMTU_DISCOVERY in our ACKs (tinc's default is yes; off unless
   * asked for, so that links stay on UDP from the first key).
   */
  pmtuDiscovery: boolean;
  /** Contents of PrivateKeyFile (default CONFBASE/rsa_key.priv); needed unless bypassSecurity. */
  privateKeyPem?: string;
  /** tinc 1.1: our Ed25519 key (Ed25519PrivateKeyFile, default CONFBASE/ed25519_key.priv). */
  ed25519Key?: Ed25519KeyPair;
  /**
   * tinc 1.1's ExperimentalProtocol: SPTPS meta connections and UDP sessions (auth/sptps_meta.ts,
   * sptps_data.ts). Unset: on exactly when `ed25519Key` is set. `false` also makes the ID say `17.0`.
   */
  experimentalProtocol?: boolean;
  /**
   * The record cipher for SPTPS UDP sessions (the runtime injects the WASM one); each session
   * takes one of its key slots. Without it, or when its slots are taken, a session uses a private
   * pure-TypeScript cipher.
   */
  sptpsCipher?: SptpsCipherPort;
  /** Our inbound packet parameters. Default: none with bypassSecurity, else tinc's defaults. */
  packet: PacketSettings;
  /** Legacy ciphers and MACs: pure by default; the runtime may inject its native provider. */
  legacyCrypto: LegacyCryptoProvider;
  /**
   * Packet compression (src/core/compress). Without one, or without its zlib half, the levels it
   * cannot do are handled as auth/legacy_packet.ts describes.
   */
  compressor?: Compressor;
  pingInterval: number;
  pingTimeout: number;
  /** `MaxTimeout`: the reconnect wait grows by 5 s per failed round up to this (seconds). */
  maxTimeout: number;
  /** `MinTimeout` (undocumented in 1.0.36): the reconnect wait is never shorter than this (seconds). */
  minTimeout: number;
  keyExpire: number;
  macExpire: number;
  strictSubnets: boolean;
  tunnelServer: boolean;
  /** Debug level (tincd -dN). */
  debugLevel: number;
  /** Limits that keep memory bounded under hostile input (not in tinc). */
  maxNodes: number;
  maxSeenRequests: number;
  /** Subnets kept per other node; ADD_SUBNET beyond it is ignored with a logged reason. */
  maxSubnetsPerNode: number;
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
    forwarding: partial.forwarding ?? "internal",
    directOnly: partial.directOnly ?? false,
    decrementTtl: partial.decrementTtl ?? false,
    deviceIsTap: partial.deviceIsTap ?? false,
    bypassSecurity: partial.bypassSecurity ?? true,
    pmtuDiscovery: partial.pmtuDiscovery ?? false,
    ...(partial.privateKeyPem !== undefined ? { privateKeyPem: partial.privateKeyPem } : {}),
    ...(partial.ed25519Key !== undefined ? { ed25519Key: partial.ed25519Key } : {}),
    ...(partial.experimentalProtocol !== undefined
      ? { experimentalProtocol: partial.experimentalProtocol }
      : {}),
    ...(partial.sptpsCipher !== undefined ? { sptpsCipher: partial.sptpsCipher } : {}),
    packet: partial.packet ??
      ((partial.bypassSecurity ?? true) ? NULL_PACKET_SETTINGS : TINC_PACKET_DEFAULTS),
    legacyCrypto: partial.legacyCrypto ?? pureLegacyCrypto,
    ...(partial.compressor !== undefined ? { compressor: partial.compressor } : {}),
    pingInterval,
    pingTimeout,
    maxTimeout: partial.maxTimeout ?? 900,
    minTimeout: partial.minTimeout ?? 0,
    keyExpire: partial.keyExpire ?? 3600,
    macExpire: partial.macExpire ?? 600,
    strictSubnets: (partial.strictSubnets ?? false) || (partial.tunnelServer ?? false),
    tunnelServer: partial.tunnelServer ?? false,
    debugLevel: partial.debugLevel ?? 0,
    maxNodes: partial.maxNodes ?? 65536,
    maxSeenRequests: partial.maxSeenRequests ?? 262144,
    maxSubnetsPerNode: partial.maxSubnetsPerNode ?? 4096,
  };
}

/** The address list for a ConnectTo target, or [] when hosts/NAME has none. */
export function addressesOf(config: EngineConfig, name: string): SockAddr[] {
  return (config.hosts.get(name)?.addresses ?? []).map((a) => ({ host: a.host, port: a.port }));
}
