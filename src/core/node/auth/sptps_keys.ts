/**
 * Which nodes speak tinc 1.1's SPTPS, and their Ed25519 keys: ours from the configuration,
 * peers' from hosts/NAME (`Ed25519PublicKey`) or learned at run time through ANS_PUBKEY (trust
 * on first use via the mesh; the key is also appended to hosts/NAME through Effects.writeFile).
 * @module
 */
import { formatPublicKey, parsePublicKey } from "../../sptps/key_files.ts";
import type { Ed25519KeyPair } from "../../sptps/ed25519.ts";
import type { RandomBytes } from "../../sptps/key_files.ts";
import type { EngineConfig } from "../config.ts";
import type { NodeCore } from "../core.ts";
import type { RandomSource } from "../effects.ts";

/** tinc 1.1's PROT_MINOR: what we announce in the ID line and in the top byte of ACK options. */
export const PROT_MINOR = 7;

/** Whether SPTPS is on (ExperimentalProtocol, or unset and we have an Ed25519 key). */
export function sptpsEnabled(config: EngineConfig): boolean {
  return (config.experimentalProtocol ?? config.ed25519Key !== undefined) && config.ed25519Key !== undefined;
}

/** Our key, when SPTPS is on. */
export function ownEd25519Key(config: EngineConfig): Ed25519KeyPair | undefined {
  return sptpsEnabled(config) ? config.ed25519Key : undefined;
}

const learned = new WeakMap<NodeCore, Map<string, Uint8Array>>();

function learnedKeys(core: NodeCore): Map<string, Uint8Array> {
  let m = learned.get(core);
  if (m === undefined) learned.set(core, m = new Map());
  return m;
}

/** A peer's Ed25519 public key: learned at run time, else from hosts/NAME; undefined if unknown or bad. */
export function peerEd25519Key(core: NodeCore, name: string): Uint8Array | undefined {
  const known = learnedKeys(core).get(name);
  if (known !== undefined) return known;
  const text = core.config.hosts.get(name)?.ed25519PublicKey;
  if (text === undefined) return undefined;
  const parsed = parsePublicKey(text);
  return parsed.ok ? parsed.value : undefined;
}

/** Remembers a key from ANS_PUBKEY and appends it to hosts/NAME, as tinc does. */
export function learnEd25519Key(core: NodeCore, name: string, key: Uint8Array): void {
  learnedKeys(core).set(name, key.slice());
  const line = `Ed25519PublicKey = ${formatPublicKey(key)}\n`;
  const bytes = new Uint8Array(line.length);
  for (let i = 0; i < line.length; i++) bytes[i] = line.charCodeAt(i);
  core.fx.writeFile(`hosts/${name}`, bytes, "append");
}

/** The engine's random source as the byte generator SPTPS sessions draw nonces and seeds from. */
export function sptpsRandom(rng: RandomSource): RandomBytes {
  return (length) => {
    const out = new Uint8Array(length);
    for (let i = 0; i < length; i += 4) {
      const v = rng.nextU32() >>> 0;
      for (let j = 0; j < 4 && i + j < length; j++) out[i + j] = (v >>> (8 * j)) & 0xff;
    }
    return out;
  };
}
