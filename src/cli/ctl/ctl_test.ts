import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseCtlOptions } from "./options.ts";
import { runCtl } from "./run.ts";
import { parsePrivateKeyFile, parsePublicKey } from "../../core/sptps/key_files.ts";
import { parsePrivateKeyPem, parsePublicKeyPem } from "../../core/crypto/legacy/rsa_pem.ts";

const env = (vars: Record<string, string>) => (name: string) => vars[name];

describe("global options", () => {
  const parse = (argv: string[], vars: Record<string, string> = {}) =>
    parseCtlOptions(argv, { program: "tinct", env: env(vars), cwd: "/home/u" });

  test("paths as tinc derives them", () => {
    const a = parse(["dump", "nodes"]);
    expect(a.ok && a.options).toMatchObject({
      confbase: "/etc/tinc",
      pidfile: "/run/tinc.pid",
      netname: null,
      command: ["dump", "nodes"],
    });
    const b = parse(["-n", "vpn", "pid"]);
    expect(b.ok && b.options).toMatchObject({ confbase: "/etc/tinc/vpn", pidfile: "/run/tinc.vpn.pid" });
    const c = parse(["-c", "conf", "--pidfile=p.pid", "stop"]);
    expect(c.ok && c.options).toMatchObject({
      confbase: "/home/u/conf",
      confbaseGiven: true,
      pidfile: "/home/u/p.pid",
      command: ["stop"],
    });
    const d = parse(["pid"], { NETNAME: "envnet" });
    expect(d.ok && d.options.pidfile).toBe("/run/tinc.envnet.pid");
    const e = parse(["-bcDIR", "--net", "x", "--force", "info", "-n", "y"]);
    expect(e.ok && e.options).toMatchObject({
      confbase: "/home/u/DIR",
      netname: "x",
      batch: true,
      force: true,
      command: ["info", "-n", "y"],
    });
  });

  test("errors", () => {
    expect(parse(["-n", "../x", "pid"])).toEqual({ ok: false, message: "Invalid character in netname!\n" });
    const bad = parse(["-x", "pid"]);
    expect(bad.ok).toBe(false);
    if (!bad.ok) {
      expect(bad.message).toBe("tinct: invalid option -- 'x'\nTry `tinct --help' for more information.\n");
    }
  });
});

describe("init and key generation", () => {
  const dir = mkdtempSync(join(tmpdir(), "tinct-keys-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  async function tinct(...argv: string[]) {
    let stdout = "";
    let stderr = "";
    const code = await runCtl(argv, {
      stdout: (s) => void (stdout += s),
      stderr: (s) => void (stderr += s),
      env: () => undefined,
      cwd: dir,
      helpText: "help\n",
      versionText: "v\n",
    });
    return { code, stdout, stderr };
  }

  test("init writes tinc.conf, both key pairs, hosts/NAME and tinc-up", async () => {
    const conf = join(dir, "net1");
    const r = await tinct("-c", conf, "init", "node_1");
    expect(r.code).toBe(0);
    expect(r.stderr).toContain("Generating 2048 bits keys:\nDone.\nGenerating Ed25519 key pair:\nDone.\n");
    expect(readFileSync(join(conf, "tinc.conf"), "utf8")).toBe("Name = node_1\n");
    expect(statSync(join(conf, "rsa_key.priv")).mode & 0o777).toBe(0o600);
    expect(statSync(join(conf, "ed25519_key.priv")).mode & 0o777).toBe(0o600);
    const host = readFileSync(join(conf, "hosts", "node_1"), "utf8");
    expect(host).toStartWith("-----BEGIN RSA PUBLIC KEY-----\n");
    const pub = parsePublicKeyPem(host);
    const priv = parsePrivateKeyPem(readFileSync(join(conf, "rsa_key.priv"), "utf8"));
    expect(pub.ok && priv.ok && pub.value.n === priv.value.n).toBe(true);
    const edLine = /^Ed25519PublicKey = (\S+)$/m.exec(host);
    const edPriv = parsePrivateKeyFile(readFileSync(join(conf, "ed25519_key.priv"), "utf8"));
    const edPub = parsePublicKey(edLine![1]!);
    expect(edPriv.ok && edPub.ok && Buffer.from(edPriv.value.publicKey).equals(Buffer.from(edPub.value)))
      .toBe(
        true,
      );
    expect(readFileSync(join(conf, "tinc-up"), "utf8")).toStartWith("#!/bin/sh\n");
    expect(statSync(join(conf, "tinc-up")).mode & 0o100).toBe(0o100);
    // Port 655 needs root here; tinc then picks another and says so.
    if (r.stderr.includes("could not bind to port 655")) expect(host).toMatch(/^Port = \d+$/m);
    expect(await tinct("-c", conf, "init", "other")).toEqual({
      code: 1,
      stdout: "",
      stderr: `Configuration file ${conf}/tinc.conf already exists!\n`,
    });
  });

  test("init refuses bad or missing names", async () => {
    expect((await tinct("-c", join(dir, "n2"), "init", "bad-name")).stderr).toBe(
      "Invalid Name! Only a-z, A-Z, 0-9 and _ are allowed characters.\n",
    );
    expect((await tinct("-c", join(dir, "n2"), "init")).stderr).toBe("No Name given!\n");
    expect(existsSync(join(dir, "n2", "tinc.conf"))).toBe(false);
  });

  test("generating again disables the old keys", async () => {
    const conf = join(dir, "net3");
    await tinct("-c", conf, "init", "n3");
    const r = await tinct("-c", conf, "generate-ed25519-keys");
    expect(r.code).toBe(0);
    expect(r.stderr).toContain("Warning: old key(s) found and disabled.\n");
    const host = readFileSync(join(conf, "hosts", "n3"), "utf8");
    expect(host.match(/^#Ed25519PublicKey = /gm)?.length).toBe(1);
    expect(host.match(/^Ed25519PublicKey = /gm)?.length).toBe(1);
    expect(host).toStartWith("-----BEGIN RSA PUBLIC KEY-----\n");
    const priv = readFileSync(join(conf, "ed25519_key.priv"), "utf8");
    expect(priv).toStartWith("#-----BEGIN ED25519 PRIVATE KEY-----\n");
    expect(parsePrivateKeyFile(priv).ok).toBe(true);
    expect(statSync(join(conf, "ed25519_key.priv")).mode & 0o777).toBe(0o600);

    const rsa = await tinct("-c", conf, "generate-rsa-keys", "1024");
    expect(rsa.stderr).toContain("WARNING: generating a weak 1024 bits RSA key!");
    const host2 = readFileSync(join(conf, "hosts", "n3"), "utf8");
    expect(host2).toContain("#-----BEGIN RSA PUBLIC KEY-----\n");
    expect(host2.match(/^-----BEGIN RSA PUBLIC KEY-----$/gm)?.length).toBe(1);
    expect((await tinct("-c", conf, "generate-rsa-keys", "512")).stderr).toBe(
      "Invalid key size 512 specified! It should be between 1024 and 8192 bits.\n",
    );
  });

  test("without a Name the public keys go to *.pub", async () => {
    const conf = join(dir, "bare");
    await tinct("-c", join(dir, "x"), "init", "x");
    writeFileSync(join(dir, "x", "tinc.conf"), "# no name\n");
    expect((await tinct("-c", join(dir, "x"), "generate-ed25519-keys")).code).toBe(0);
    expect(readFileSync(join(dir, "x", "ed25519_key.pub"), "utf8")).toStartWith(
      "-----BEGIN ED25519 PUBLIC KEY-----",
    );
    expect(existsSync(conf)).toBe(false);
  });
});
