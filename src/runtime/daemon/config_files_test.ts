import { describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readConfigDir, type ReadOptions } from "./config_files.ts";
import { formatPublicKeyPem, generateEd25519Keys } from "../../core/sptps/key_files.ts";

/** Deterministic bytes for key generation in tests. */
function seeded(seed: number): (n: number) => Uint8Array {
  return (n) => Uint8Array.from({ length: n }, (_, i) => (seed * 31 + i * 7) & 0xff);
}

function confDir(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "tinct-conf-"));
  mkdirSync(join(dir, "hosts"));
  for (const [path, text] of Object.entries(files)) writeFileSync(join(dir, path), text);
  return dir;
}

function options(confbase: string, extra: Partial<ReadOptions> = {}): ReadOptions {
  return { confbase, netname: null, commandLine: [], debugLevel: 0, bypassSecurity: true, ...extra };
}

describe("readConfigDir", () => {
  test("routing, MinTimeout and PMTU variables reach the engine", () => {
    const dir = confDir({
      "tinc.conf":
        "Name = alpha\nForwarding = kernel\nDirectOnly = yes\nDecrementTTL = yes\nDeviceType = tun\nMinTimeout = 8\n",
      "hosts/alpha": "Subnet = 10.1.0.0/16\nPMTU = 1300\n",
      "hosts/beta": "Address = 192.0.2.2\nPMTU = 1200\n",
    });
    try {
      const r = readConfigDir(options(dir));
      if (!r.ok) throw new Error(r.errors.join("\n"));
      const e = r.config.engine;
      expect([e.forwarding, e.directOnly, e.decrementTtl, e.deviceIsTap]).toEqual([
        "kernel",
        true,
        true,
        false,
      ]);
      expect(e.minTimeout).toBe(8);
      expect([e.hosts.get("alpha")?.pmtu, e.hosts.get("beta")?.pmtu]).toEqual([1300, 1200]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("maps tinc.conf and hosts/* onto the engine's configuration", () => {
    const dir = confDir({
      "tinc.conf": "Name = alpha\nMode = switch\nConnectTo = beta\nConnectTo = gamma\nPingTimeout = 7\n",
      "hosts/alpha": "Port = 7000\nSubnet = 10.1.0.0/16\nAddress = 192.0.2.1\n",
      "hosts/beta":
        "Address = 192.0.2.2 7001\nAddress = beta.example\nPort = 7002\nSubnet = 10.2.0.0/16\nTCPOnly = yes\n",
      "hosts/gamma": "Address = 2001:db8::3\nPMTUDiscovery = no\n",
    });
    try {
      const r = readConfigDir(options(dir, { netname: "vpn", debugLevel: 3 }));
      if (!r.ok) throw new Error(r.errors.join("\n"));
      const e = r.config.engine;
      expect(e.name).toBe("alpha");
      expect(e.netname).toBe("vpn");
      expect(e.iface).toBe("vpn");
      expect(e.port).toBe(7000);
      expect(e.mode).toBe("switch");
      expect(e.connectTo).toEqual(["beta", "gamma"]);
      expect(e.pingTimeout).toBe(7);
      expect(e.debugLevel).toBe(3);
      expect(e.pmtuDiscovery).toBe(true);
      expect(e.hosts.get("alpha")?.subnets.length).toBe(1);
      const beta = e.hosts.get("beta")!;
      expect(beta.addresses).toEqual([{ host: "192.0.2.2", port: 7001 }, {
        host: "beta.example",
        port: 7002,
      }]);
      expect(beta.tcpOnly).toBe(true);
      expect(e.hosts.get("gamma")?.addresses).toEqual([{ host: "2001:db8::3", port: 655 }]);
      expect(e.hosts.get("gamma")?.pmtuDiscovery).toBe(false);
      expect(r.config.daemon.deviceType).toBe("tap");
      expect(e.deviceIsTap).toBe(true);
      expect([e.forwarding, e.directOnly, e.decrementTtl]).toEqual(["internal", false, false]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("Interface wins over the netname; -o entries apply", () => {
    const dir = confDir({ "tinc.conf": "Name = alpha\nInterface = vpn0\n", "hosts/alpha": "" });
    try {
      const r = readConfigDir(options(dir, {
        netname: "vpn",
        commandLine: [{ variable: "Port", value: "6000", file: null, line: 1 }],
      }));
      if (!r.ok) throw new Error(r.errors.join("\n"));
      expect(r.config.engine.iface).toBe("vpn0");
      expect(r.config.engine.port).toBe(6000);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("a bad value stops start-up with file and line", () => {
    const dir = confDir({ "tinc.conf": "Name = alpha\nMode = sideways\n", "hosts/alpha": "" });
    try {
      const r = readConfigDir(options(dir));
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.errors).toEqual([`${join(dir, "tinc.conf")} line 2: Mode: Invalid routing mode!`]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("a broken own subnet is fatal; a broken peer file is skipped with a warning", () => {
    const dir = confDir({
      "tinc.conf": "Name = alpha\n",
      "hosts/alpha": "Subnet = 10.1.0.1/16\n",
      "hosts/beta": "Address\n",
    });
    try {
      const r = readConfigDir(options(dir));
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.errors[0]).toContain(`${join(dir, "hosts", "alpha")} line 1: Subnet:`);
      writeFileSync(join(dir, "hosts", "alpha"), "Subnet = 10.1.0.0/16\n");
      const again = readConfigDir(options(dir));
      if (!again.ok) throw new Error(again.errors.join("\n"));
      expect(again.config.engine.hosts.has("beta")).toBe(false);
      expect(again.config.warnings.some((w) => w.includes("hosts/beta") && w.includes("skipped"))).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("a missing tinc.conf is reported", () => {
    const dir = confDir({});
    try {
      const r = readConfigDir(options(dir));
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.errors[0]).toContain("tinc.conf");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("tinc 1.1 keys: ours from ed25519_key.priv, peers' from Ed25519PublicKey or a PEM block", () => {
    const ours = generateEd25519Keys(seeded(1));
    const beta = generateEd25519Keys(seeded(2));
    const gamma = generateEd25519Keys(seeded(3));
    const dir = confDir({
      "tinc.conf": "Name = alpha\n",
      "ed25519_key.priv": ours.privateKeyFile,
      "hosts/alpha": ours.hostFileLine,
      "hosts/beta": `Address = 192.0.2.2\n${beta.hostFileLine}`,
      "hosts/gamma": `Address = 192.0.2.3\n${formatPublicKeyPem(gamma.key.publicKey)}`,
      "hosts/delta": "Address = 192.0.2.4\n",
    });
    try {
      const r = readConfigDir(options(dir, { bypassSecurity: false }));
      if (!r.ok) throw new Error(r.errors.join("\n"));
      const e = r.config.engine;
      expect(e.ed25519Key?.publicKey).toEqual(ours.key.publicKey);
      expect(e.experimentalProtocol).toBeUndefined();
      expect(`Ed25519PublicKey = ${e.hosts.get("beta")?.ed25519PublicKey}\n`).toBe(beta.hostFileLine);
      expect(`Ed25519PublicKey = ${e.hosts.get("gamma")?.ed25519PublicKey}\n`).toBe(gamma.hostFileLine);
      expect(e.hosts.get("delta")?.ed25519PublicKey).toBeUndefined();
      // No rsa_key.priv: with SPTPS on, only the legacy protocol is lost.
      expect(e.privateKeyPem).toBeUndefined();
      expect(r.config.warnings.some((w) => w.includes("legacy protocol disabled"))).toBe(true);
      // --bypass-security and ExperimentalProtocol = no leave SPTPS out.
      const bypass = readConfigDir(options(dir));
      if (!bypass.ok) throw new Error(bypass.errors.join("\n"));
      expect(bypass.config.engine.ed25519Key).toBeUndefined();
      writeFileSync(join(dir, "tinc.conf"), "Name = alpha\nExperimentalProtocol = no\n");
      const off = readConfigDir(options(dir, { bypassSecurity: false }));
      expect(off.ok).toBe(false);
      if (!off.ok) expect(off.errors[0]).toContain("RSA private key");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("ExperimentalProtocol = yes needs a readable Ed25519 key; unset, a bad one is a warning", () => {
    const dir = confDir({
      "tinc.conf": "Name = alpha\nExperimentalProtocol = yes\nEd25519PrivateKeyFile = ed.key\n",
      "hosts/alpha": "",
    });
    try {
      const r = readConfigDir(options(dir, { bypassSecurity: false }));
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.errors[0]).toContain(`${join(dir, "ed.key")}`);
      // Unset and unreadable: SPTPS is off, so the missing RSA key is fatal again.
      writeFileSync(join(dir, "tinc.conf"), "Name = alpha\n");
      writeFileSync(join(dir, "ed25519_key.priv"), "garbage\n");
      const bad = readConfigDir(options(dir, { bypassSecurity: false }));
      expect(bad.ok).toBe(false);
      if (!bad.ok) expect(bad.errors[0]).toContain("RSA private key");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
