/**
 * Small simulated networks of engines that authenticate with tinc 1.0's RSA protocol: real
 * keys (generated once per process from a fixed seed, or the fixture's), hosts files that carry
 * the public keys, and helpers to push tagged frames through the TUN devices.
 * @module
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import {
  formatPrivateKeyPem,
  formatPublicKeyPem,
  generateRsaKey,
  publicKeyOf,
  randomBytesFrom,
} from "../../src/core/crypto/legacy/mod.ts";
import { type EngineConfig, type HostConfig, withDefaults } from "../../src/core/node/config.ts";
import { parseSubnet } from "../../src/core/subnet/subnet_text.ts";
import type { Subnet } from "../../src/core/subnet/subnet.ts";
import { SeededRandom } from "./rng.ts";
import { type SimNode, type SimOptions, Simulator } from "./sim.ts";

/** The captured tincd 1.0.36 handshake with its keys. */
export const LEGACY_FIXTURE = join(import.meta.dir, "..", "..", "..", "shared", "fixtures", "legacy-auth");

export interface KeyPair {
  privatePem: string;
  publicPem: string;
}

const generated = new Map<string, KeyPair>();

/** A 1024-bit RSA key pair for `label`, the same on every run (seeded). */
export function testKey(label: string): KeyPair {
  let pair = generated.get(label);
  if (pair === undefined) {
    let seed = 17;
    for (const ch of label) seed = (Math.imul(seed, 31) + ch.charCodeAt(0)) >>> 0;
    const key = generateRsaKey(1024, randomBytesFrom(new SeededRandom(seed)));
    if (!key.ok) throw new Error(`key generation failed: ${key.reason}`);
    pair = {
      privatePem: formatPrivateKeyPem(key.value),
      publicPem: formatPublicKeyPem(publicKeyOf(key.value)),
    };
    generated.set(label, pair);
  }
  return pair;
}

/** alice's or bob's key from the fixture (2048-bit, made by `tincd -K2048`). */
export function fixtureKey(name: "alice" | "bob"): KeyPair {
  return {
    privatePem: readFileSync(join(LEGACY_FIXTURE, "config", name, "rsa_key.priv"), "utf8"),
    publicPem: readFileSync(join(LEGACY_FIXTURE, "config", name, "hosts", name), "utf8"),
  };
}

/** One node: index i gets 10.60.0.i and the overlay subnet 10.61.0.i/32. */
export interface Party {
  name: string;
  index: number;
  key: KeyPair;
  connectTo?: string[];
}

export function ipOf(p: Party): string {
  return `10.60.0.${p.index}`;
}

export function subnetOf(p: Party): Subnet {
  const s = parseSubnet(`10.61.0.${p.index}/32`);
  if (!s.ok) throw new Error("bad subnet");
  return s.value;
}

export interface LegacyNetOptions {
  sim?: Partial<SimOptions>;
  config?: Partial<EngineConfig>;
  /** Per-node settings on top of `config`. */
  configFor?: (name: string) => Partial<EngineConfig>;
  /** Changes what `viewer` has in hosts/`host` (e.g. a wrong public key). */
  hostEdit?: (viewer: string, host: string, entry: HostConfig) => HostConfig | undefined;
}

/** Builds a simulator with one RSA-authenticating engine per party, all started at time 0. */
export function legacyNet(parties: Party[], opts: LegacyNetOptions = {}): Simulator {
  const sim = new Simulator({ jitter: 0, ...opts.sim });
  for (const me of parties) {
    const hosts = new Map<string, HostConfig>();
    for (const p of parties) {
      const entry: HostConfig = {
        addresses: [{ host: ipOf(p), port: 655 }],
        subnets: [subnetOf(p)],
        publicKeyPem: p.key.publicPem,
      };
      const edited = opts.hostEdit ? opts.hostEdit(me.name, p.name, entry) : entry;
      if (edited !== undefined) hosts.set(p.name, edited);
    }
    const config = withDefaults({
      ...opts.config,
      ...opts.configFor?.(me.name),
      name: me.name,
      hosts,
      connectTo: me.connectTo ?? [],
      bypassSecurity: false,
      privateKeyPem: me.key.privatePem,
    });
    sim.addNode(config, { host: ipOf(me), port: 655 });
  }
  for (const p of parties) sim.start(p.name, 0);
  return sim;
}

/** An IPv4 frame of exactly `length` bytes (≥ 42) to 10.61.0.`dst`, tagged. */
export function frameTo(dst: number, tag: number, length = 42): Uint8Array {
  const f = new Uint8Array(Math.max(42, length));
  f[12] = 0x08;
  f[14] = 0x45;
  f[22] = 64;
  f[23] = 17;
  f.set([10, 61, 0, 99], 26);
  f.set([10, 61, 0, dst], 30);
  new DataView(f.buffer).setUint32(34, tag);
  for (let i = 38; i < f.length; i++) f[i] = (i * 7 + tag) & 0xff;
  return f;
}

/** Writes a frame into `node`'s TUN device now (as its reactor would). */
export function inject(sim: Simulator, node: SimNode, frame: Uint8Array): void {
  sim.schedule(sim.now, node, (e, now) => e.onTunFrame(now, frame));
}

/** Whether `a` has an active meta connection named `b`. */
export function activeLink(sim: Simulator, a: string, b: string): boolean {
  return sim.nodes.get(a)!.engine.view().connections.some((c) => c.name === b && c.phase === "active");
}

/** tinc 1.0's datagram size under aes-256-cbc with a 4-byte MAC. */
export function cbcDatagramSize(frameLength: number, macLength = 4): number {
  return 16 * Math.ceil((frameLength + 5) / 16) + macLength;
}

/** Hex text to bytes. */
export function hexBytes(hex: string): Uint8Array {
  const clean = hex.replace(/\s+/g, "");
  const out = new Uint8Array(clean.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(clean.slice(2 * i, 2 * i + 2), 16);
  return out;
}
