/**
 * From tinc's configuration to what the engine needs for RSA authentication and packet keys.
 * The runtime reads the files; these functions only say which files and how to use their text:
 *
 * ```
 *   our private key   PrivateKeyFile, default CONFBASE/rsa_key.priv  → EngineConfig.privateKeyPem
 *   a host's key      PublicKey = HEX                                → HostConfig.publicKey
 *                     else PublicKeyFile's text                      → HostConfig.publicKeyPem
 *                     else the text of hosts/NAME (its PEM block)    → HostConfig.publicKeyPem
 *   packet settings   Cipher, Digest, MACLength, Compression, ReplayWindow → EngineConfig.packet
 * ```
 * @module
 */
import type { DaemonConfig } from "../../config/load.ts";
import type { HostSettings } from "../../config/host.ts";
import type { Result } from "../../crypto/legacy/result.ts";
import type { EngineConfig, HostConfig, PacketSettings } from "../config.ts";
import { packetSettingsFromNames } from "./legacy_packet.ts";

/** Where our private key lives: PrivateKeyFile, or `CONFBASE/rsa_key.priv`. */
export function privateKeyPath(daemon: Pick<DaemonConfig, "privateKeyFile">, confbase: string): string {
  return daemon.privateKeyFile ?? `${confbase.replace(/\/+$/, "")}/rsa_key.priv`;
}

/** The PublicKeyFile a host names, if any (the runtime reads it and passes its text back). */
export function publicKeyFilePath(host: Pick<HostSettings, "publicKeyFile">): string | undefined {
  return host.publicKeyFile;
}

/**
 * A host's key fields in tinc's order: `PublicKey = HEX` first, then PublicKeyFile's text
 * (`publicKeyFileText`, undefined when not set or unreadable), then the hosts file itself.
 */
export function hostKeyFields(
  host: Pick<HostSettings, "publicKey" | "publicKeyFile">,
  hostText: string,
  publicKeyFileText?: string,
): Pick<HostConfig, "publicKey" | "publicKeyPem"> {
  if (host.publicKey !== undefined) return { publicKey: host.publicKey };
  if (host.publicKeyFile !== undefined) {
    return publicKeyFileText === undefined ? {} : { publicKeyPem: publicKeyFileText };
  }
  return { publicKeyPem: hostText };
}

/** The engine settings for legacy security from the loaded configuration and our key's text. */
export function legacyEngineSettings(
  daemon: Pick<
    DaemonConfig,
    "cipher" | "digest" | "macLength" | "compression" | "replayWindow" | "pmtuDiscovery"
  >,
  privateKeyText: string | undefined,
): Result<Pick<EngineConfig, "packet" | "pmtuDiscovery" | "privateKeyPem">> {
  const packet: Result<PacketSettings> = packetSettingsFromNames(daemon);
  if (!packet.ok) return packet;
  return {
    ok: true,
    value: {
      packet: packet.value,
      pmtuDiscovery: daemon.pmtuDiscovery,
      ...(privateKeyText !== undefined ? { privateKeyPem: privateKeyText } : {}),
    },
  };
}
