import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { hostConfig } from "../../config/host.ts";
import { keyringFor } from "./legacy_keys.ts";
import { withDefaults } from "../config.ts";
import {
  hostKeyFields,
  legacyEngineSettings,
  privateKeyPath,
  privateKeyPemFromHex,
} from "./legacy_config.ts";
import { generateRsaKey, modInverse, parsePrivateKeyPem, type RandomBytes } from "../../crypto/legacy/mod.ts";

const fixture = join(
  import.meta.dir,
  "..",
  "..",
  "..",
  "..",
  "..",
  "shared",
  "fixtures",
  "legacy-auth",
  "config",
);

describe("configuration to engine settings", () => {
  test("private key path: PrivateKeyFile, else CONFBASE/rsa_key.priv", () => {
    expect(privateKeyPath({ privateKeyFile: undefined }, "/etc/tinc/vpn/")).toBe(
      "/etc/tinc/vpn/rsa_key.priv",
    );
    expect(privateKeyPath({ privateKeyFile: "/keys/k.pem" }, "/etc/tinc/vpn")).toBe("/keys/k.pem");
  });

  test("host key order: PublicKey, then PublicKeyFile, then the hosts file", () => {
    expect(hostKeyFields({ publicKey: "AB", publicKeyFile: "/x" }, "text", "file")).toEqual({
      publicKey: "AB",
    });
    expect(hostKeyFields({ publicKey: undefined, publicKeyFile: "/x" }, "text", "file")).toEqual({
      publicKeyPem: "file",
    });
    expect(hostKeyFields({ publicKey: undefined, publicKeyFile: "/x" }, "text", undefined)).toEqual({});
    expect(hostKeyFields({ publicKey: undefined, publicKeyFile: undefined }, "text")).toEqual({
      publicKeyPem: "text",
    });
  });

  test("the fixture's hosts/alice and rsa_key.priv give working keys", () => {
    const text = readFileSync(join(fixture, "bob", "hosts", "alice"), "utf8");
    const parsed = hostConfig("alice", text);
    if (!parsed.ok) throw new Error("hosts/alice did not parse");
    const keys = hostKeyFields(parsed.host, text);
    const config = withDefaults({
      name: "bob",
      hosts: new Map([["alice", { addresses: [], subnets: [], ...keys }]]),
      privateKeyPem: readFileSync(join(fixture, "bob", "rsa_key.priv"), "utf8"),
      bypassSecurity: false,
    });
    const ring = keyringFor(config);
    expect(ring.publicKey("alice").ok).toBe(true);
    expect(ring.privateKey().ok).toBe(true);
    expect(ring.publicKey("carol")).toEqual({ ok: false, reason: "no hosts file for carol" });
  });

  test("tinc's defaults map to aes-256-cbc / sha256 / 4 / 0 / 16", () => {
    const r = legacyEngineSettings({
      cipher: "aes-256-cbc",
      digest: "sha256",
      macLength: 4,
      compression: 0,
      replayWindow: 16,
      pmtuDiscovery: true,
    }, "PEM");
    expect(r).toEqual({
      ok: true,
      value: {
        packet: { cipher: 427, digest: 672, macLength: 4, compression: 0, replayWindow: 16 },
        pmtuDiscovery: true,
        privateKeyPem: "PEM",
      },
    });
    const bad = legacyEngineSettings({
      cipher: "rot13",
      digest: "sha256",
      macLength: 4,
      compression: 0,
      replayWindow: 16,
      pmtuDiscovery: true,
    }, undefined);
    expect(bad.ok).toBe(false);
  });
});

describe("PrivateKey = HEX with PublicKey = HEX (exponent 65535)", () => {
  /** A key with e = 65535, as tinc 1.0's hex form requires: primes with gcd(e, p-1) = 1. */
  function key65535(seed: number): { n: bigint; d: bigint; p: bigint; q: bigint } {
    let s = seed >>> 0;
    const random: RandomBytes = (len) =>
      new Uint8Array(len).map(() => {
        s = (Math.imul(s, 1103515245) + 12345) >>> 0;
        return s >>> 24;
      });
    for (let tries = 0; tries < 50; tries++) {
      const k = generateRsaKey(512, random);
      if (!k.ok) continue;
      const phi = (k.value.p - 1n) * (k.value.q - 1n);
      // modInverse gives 0 when 65535 shares a factor with phi: then try other primes.
      const d = modInverse(65535n, phi);
      if (d !== 0n) return { n: k.value.n, d, p: k.value.p, q: k.value.q };
    }
    throw new Error("no key");
  }

  test("recovers the primes and gives a PEM the keyring reads", () => {
    for (const seed of [1, 2, 3]) {
      const k = key65535(seed);
      const pem = privateKeyPemFromHex(k.n.toString(16).toUpperCase(), k.d.toString(16));
      if (!pem.ok) throw new Error(pem.reason);
      const parsed = parsePrivateKeyPem(pem.value);
      expect(parsed.ok && [parsed.value.n, parsed.value.e, parsed.value.d]).toEqual([k.n, 65535n, k.d]);
      expect(parsed.ok && new Set([parsed.value.p, parsed.value.q])).toEqual(new Set([k.p, k.q]));
    }
  });

  test("refuses a missing PublicKey, bad hex and a d that does not belong to n", () => {
    const k = key65535(4);
    expect(privateKeyPemFromHex(undefined, "01").ok).toBe(false);
    expect(privateKeyPemFromHex("XYZ", "01").ok).toBe(false);
    expect(privateKeyPemFromHex(k.n.toString(16), (k.d + 2n).toString(16)).ok).toBe(false);
  });
});
