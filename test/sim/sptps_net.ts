/**
 * Small simulated networks of tinc 1.1 engines with Ed25519 keys (SPTPS meta connections and
 * UDP sessions), optionally mixed with 1.0-mode engines (ExperimentalProtocol = no).
 * @module
 */
import { keyPairFromSeed } from "../../src/core/sptps/ed25519.ts";
import type { Ed25519KeyPair } from "../../src/core/sptps/ed25519.ts";
import { formatPublicKey } from "../../src/core/sptps/key_files.ts";
import { type EngineConfig, type HostConfig, withDefaults } from "../../src/core/node/config.ts";
import { ipOf, type Party, subnetOf } from "./legacy_net.ts";
import { type SimOptions, Simulator } from "./sim.ts";

/** A fixed Ed25519 key per name. */
export function edKey(name: string): Ed25519KeyPair {
  const seed = new Uint8Array(32);
  for (let i = 0; i < name.length; i++) seed[i % 32] = (seed[i % 32]! * 31 + name.charCodeAt(i)) & 0xff;
  seed[31] = 0x5a;
  return keyPairFromSeed(seed);
}

export interface SptpsParty extends Omit<Party, "key"> {
  /** ExperimentalProtocol = no: a 1.0-mode node (no Ed25519 key in anyone's hosts file). */
  legacy?: boolean;
}

export interface SptpsNetOptions {
  sim?: Partial<SimOptions>;
  config?: Partial<EngineConfig>;
  configFor?: (name: string) => Partial<EngineConfig>;
  /** Whether `viewer`'s hosts/`host` carries `host`'s Ed25519 key (default: yes for SPTPS parties). */
  knowsKey?: (viewer: string, host: string) => boolean;
  /** Replaces the Ed25519PublicKey `viewer` has for `host` (e.g. a wrong one). */
  hostOverride?: (viewer: string, host: string) => string | undefined;
}

/** Builds and starts a simulator with one engine per party (bypass-security for 1.0-mode ones). */
export function sptpsNet(parties: SptpsParty[], opts: SptpsNetOptions = {}): Simulator {
  const sim = new Simulator({ jitter: 0, ...opts.sim });
  for (const me of parties) {
    const hosts = new Map<string, HostConfig>();
    for (const p of parties) {
      const entry: HostConfig = {
        addresses: [{ host: ipOf(p as Party), port: 655 }],
        subnets: [subnetOf(p as Party)],
      };
      const knows = !p.legacy && (opts.knowsKey?.(me.name, p.name) ?? true);
      if (knows) {
        entry.ed25519PublicKey = opts.hostOverride?.(me.name, p.name) ??
          formatPublicKey(edKey(p.name).publicKey);
      }
      hosts.set(p.name, entry);
    }
    const config = withDefaults({
      ...opts.config,
      ...opts.configFor?.(me.name),
      name: me.name,
      hosts,
      connectTo: me.connectTo ?? [],
      ...(me.legacy ? { experimentalProtocol: false } : { ed25519Key: edKey(me.name) }),
    });
    sim.addNode(config, { host: ipOf(me as Party), port: 655 });
  }
  // Listeners first, so that the first dial finds them up.
  for (const p of parties) if ((p.connectTo ?? []).length === 0) sim.start(p.name, 0);
  for (const p of parties) if ((p.connectTo ?? []).length > 0) sim.start(p.name, 1);
  return sim;
}
