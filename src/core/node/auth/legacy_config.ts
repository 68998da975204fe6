/**
 * From tinc's configuration to what the engine needs for RSA authentication and packet keys.
 * The runtime reads the files; these functions only say which files and how to use their text:
 *
 * ```
 *   our private key   PrivateKeyFile, default CONFBASE/rsa_key.priv  → EngineConfig.privateKeyPem
 *                     or PrivateKey = HEX (d) with PublicKey = HEX (n), e = 65535: the old
 *                     1.0 form, turned into PEM by privateKeyPemFromHex
 *   a host's key      PublicKey = HEX                                → HostConfig.publicKey
 *                     else PublicKeyFile's text                      → HostConfig.publicKeyPem
 *                     else the text of hosts/NAME (its PEM block)    → HostConfig.publicKeyPem
 *   packet settings   Cipher, Digest, MACLength, Compression, ReplayWindow → EngineConfig.packet
 * ```
 * @module
 */
import type { DaemonConfig } from "../../config/load.ts";
import type { HostSettings } from "../../config/host.ts";
import { bytesToBigInt, fromHex } from "../../crypto/legacy/bytes.ts";
import { err, ok, type Result } from "../../crypto/legacy/result.ts";
import { modInverse, modPow, type RsaPrivateKey, validatePrivateKey } from "../../crypto/legacy/rsa.ts";
import { formatPrivateKeyPem, HEX_PUBLIC_KEY_EXPONENT } from "../../crypto/legacy/rsa_pem.ts";
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

function gcd(a: bigint, b: bigint): bigint {
  while (b !== 0n) [a, b] = [b, a % b];
  return a < 0n ? -a : a;
}

/**
 * Recovers p and q from n, e and d: e·d − 1 = 2^t·r, and for a base g some g^(r·2^i) is a square
 * root of 1 other than ±1, whose gcd with n is a factor. Deterministic: small prime bases.
 */
function factorFromExponents(n: bigint, e: bigint, d: bigint): [bigint, bigint] | undefined {
  const k = e * d - 1n;
  if (k <= 0n || k % 2n !== 0n) return undefined;
  let r = k;
  let t = 0;
  while (r % 2n === 0n) {
    r /= 2n;
    t++;
  }
  for (const g of [2n, 3n, 5n, 7n, 11n, 13n, 17n, 19n, 23n, 29n, 31n, 37n, 41n, 43n, 47n, 53n]) {
    let x = modPow(g, r, n);
    for (let i = 0; i < t; i++) {
      const y = (x * x) % n;
      if (y === 1n && x !== 1n && x !== n - 1n) {
        const p = gcd(x - 1n, n);
        if (p > 1n && p < n) return [p, n / p];
      }
      x = y;
    }
  }
  return undefined;
}

/**
 * tinc 1.0's `PrivateKey = HEX` (the private exponent d) with `PublicKey = HEX` (the modulus n),
 * exponent 65535, as PKCS#1 PEM for EngineConfig.privateKeyPem.
 */
export function privateKeyPemFromHex(
  publicKeyHex: string | undefined,
  privateKeyHex: string,
): Result<string> {
  if (publicKeyHex === undefined) return err("PrivateKey used but no PublicKey found");
  const nBytes = fromHex(publicKeyHex.trim());
  if (!nBytes.ok) return err(`PublicKey: ${nBytes.reason}`);
  const dBytes = fromHex(privateKeyHex.trim());
  if (!dBytes.ok) return err(`PrivateKey: ${dBytes.reason}`);
  const n = bytesToBigInt(nBytes.value);
  const d = bytesToBigInt(dBytes.value);
  const e = HEX_PUBLIC_KEY_EXPONENT;
  if (n < 15n || d < 1n || d >= n) return err("PrivateKey/PublicKey do not form an RSA key");
  const pq = factorFromExponents(n, e, d);
  if (pq === undefined) return err("PrivateKey does not match PublicKey (cannot factor the modulus)");
  const [p, q] = pq[0] > pq[1] ? pq : [pq[1], pq[0]];
  const key: RsaPrivateKey = { n, e, d, p, q, dp: d % (p - 1n), dq: d % (q - 1n), qinv: modInverse(q, p) };
  const valid = validatePrivateKey(key);
  return valid.ok ? ok(formatPrivateKeyPem(valid.value)) : valid;
}
