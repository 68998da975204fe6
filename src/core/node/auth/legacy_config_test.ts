import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { hostConfig } from "../../config/host.ts";
import { keyringFor } from "./legacy_keys.ts";
import { withDefaults } from "../config.ts";
import { hostKeyFields, legacyEngineSettings, privateKeyPath } from "./legacy_config.ts";

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
