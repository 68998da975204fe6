/**
 * The RSA keys of tinc 1.0 authentication, read from the engine's configuration: our private
 * key (PrivateKeyFile, default rsa_key.priv) and each host's public key, in tinc's order of
 * precedence (net_setup.c read_rsa_public_key):
 *
 * ```
 *   1. PublicKey = HEX       modulus, exponent fixed at 65535
 *   2. PublicKeyFile         PKCS#1 "RSA PUBLIC KEY", then SPKI "PUBLIC KEY"
 *   3. hosts/NAME PEM block  same two forms
 * ```
 * (2 and 3 arrive as one text, HostConfig.publicKeyPem, chosen by whoever read the files.)
 * Parsing costs bigint work, so results are cached per configuration object: a reload gives a
 * new configuration and therefore fresh keys.
 * @module
 */
import { err, type Result } from "../../crypto/legacy/result.ts";
import type { RsaPrivateKey, RsaPublicKey } from "../../crypto/legacy/rsa.ts";
import { validatePrivateKey } from "../../crypto/legacy/rsa.ts";
import { parsePrivateKeyPem, parsePublicKeyHex, parsePublicKeyPem } from "../../crypto/legacy/rsa_pem.ts";
import type { EngineConfig } from "../config.ts";

/** Parsed keys of one configuration, each parsed at most once. */
export class LegacyKeyring {
  private own: Result<RsaPrivateKey> | undefined;
  private readonly peers = new Map<string, Result<RsaPublicKey>>();

  constructor(private readonly config: EngineConfig) {}

  /** Our private key, or why it is unusable. */
  privateKey(): Result<RsaPrivateKey> {
    if (this.own === undefined) {
      const pem = this.config.privateKeyPem;
      if (pem === undefined) this.own = err("no private RSA key configured (PrivateKeyFile / rsa_key.priv)");
      else {
        const parsed = parsePrivateKeyPem(pem);
        this.own = parsed.ok ? validatePrivateKey(parsed.value) : err(`private RSA key: ${parsed.reason}`);
      }
    }
    return this.own;
  }

  /** A host's public key, or why there is none (no hosts file, no key, a bad key). */
  publicKey(name: string): Result<RsaPublicKey> {
    let key = this.peers.get(name);
    if (key === undefined) {
      key = readPublicKey(this.config, name);
      this.peers.set(name, key);
    }
    return key;
  }
}

function readPublicKey(config: EngineConfig, name: string): Result<RsaPublicKey> {
  const host = config.hosts.get(name);
  if (host === undefined) return err(`no hosts file for ${name}`);
  if (host.publicKey !== undefined) {
    const k = parsePublicKeyHex(host.publicKey);
    return k.ok ? k : err(`PublicKey of ${name}: ${k.reason}`);
  }
  if (host.publicKeyPem !== undefined) {
    const k = parsePublicKeyPem(host.publicKeyPem);
    return k.ok ? k : err(`public RSA key of ${name}: ${k.reason}`);
  }
  return err(`no public RSA key known for ${name}`);
}

const keyrings = new WeakMap<EngineConfig, LegacyKeyring>();

/** The keyring of a configuration (shared by all connections that use it). */
export function keyringFor(config: EngineConfig): LegacyKeyring {
  let ring = keyrings.get(config);
  if (ring === undefined) {
    ring = new LegacyKeyring(config);
    keyrings.set(config, ring);
  }
  return ring;
}
