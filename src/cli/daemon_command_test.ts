// The daemon command as a process (no device: DeviceType = dummy, so no root needed): systemd's
// READY=1 after start-up and STOPPING=1 on TERM, the pid file while it runs, exit status 0.
import { describe, expect, test } from "bun:test";
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { libc } from "../runtime/libc.ts";
import { sockaddrUn } from "../runtime/unix_dgram.ts";

const root = join(import.meta.dir, "..", "..");

describe("tinct daemon (process)", () => {
  test("notifies systemd when ready and when stopping; TERM exits 0 and removes the pid file", async () => {
    const c = libc();
    const dir = mkdtempSync(join(tmpdir(), "tinct-cmd-"));
    // A port the kernel just handed out (a fixed guess collided with other tests' sockets once).
    const probe = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data: () => {} } });
    const port = probe.port;
    probe.stop(true);
    mkdirSync(join(dir, "hosts"));
    writeFileSync(join(dir, "tinc.conf"), "Name = alpha\nDeviceType = dummy\n");
    writeFileSync(join(dir, "hosts", "alpha"), `Port = ${port}\nCipher = none\nDigest = none\n`);
    const notifyPath = join(dir, "notify");
    const sock = c.socket(1, 2 | 0o4000, 0);
    const { addr, length } = sockaddrUn(notifyPath);
    expect(c.bind(sock, addr, length)).toBe(0);
    const pidfile = join(dir, "pid");
    const child = spawn(
      join(root, "node_modules", ".bin", "bun"),
      [join(root, "src", "main.ts"), "daemon", "-c", dir, "-D", "--bypass-security", `--pidfile=${pidfile}`],
      { env: { ...process.env, NOTIFY_SOCKET: notifyPath }, stdio: ["ignore", "ignore", "pipe"] },
    );
    let stderr = "";
    child.stderr?.on("data", (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((r) => child.on("exit", (code) => r(code)));
    const messages: string[] = [];
    const buf = new Uint8Array(1024);
    const receive = async (what: string): Promise<void> => {
      for (let i = 0; i < 300; i++) {
        const n = c.recvfrom(sock, buf, buf.length, 0, null, null);
        if (n > 0) messages.push(new TextDecoder().decode(buf.subarray(0, n)));
        if (messages.some((m) => m.includes(what))) return;
        await Bun.sleep(50);
      }
      throw new Error(`no ${what} from the daemon; stderr: ${stderr}`);
    };
    try {
      await receive("READY=1");
      expect(Number.parseInt(readFileSync(pidfile, "utf8"), 10)).toBe(child.pid!);
      expect(stderr).toContain("Ready");
      child.kill("SIGTERM");
      await receive("STOPPING=1");
      expect(await exited).toBe(0);
      expect(existsSync(pidfile)).toBe(false);
    } finally {
      child.kill("SIGKILL");
      c.close(sock);
      rmSync(dir, { recursive: true, force: true });
    }
  }, 30_000);
});

describe("tinct daemon -K", () => {
  test(
    "writes RSA and Ed25519 keys as `tinc generate-keys`; the daemon's configuration reads both",
    async () => {
      const { runDaemonCommand } = await import("./daemon_command.ts");
      const { readConfigDir } = await import("../runtime/daemon/config_files.ts");
      const dir = mkdtempSync(join(tmpdir(), "tinct-keys-"));
      try {
        mkdirSync(join(dir, "hosts"));
        writeFileSync(join(dir, "tinc.conf"), "Name = alpha\n");
        let err = "";
        const io = {
          argv0: "tinct",
          loadWasm: () => new Uint8Array(0),
          env: () => undefined,
          stdout: () => {},
          stderr: (s: string) => void (err += s),
        };
        expect(await runDaemonCommand(["-c", dir, "-K1024"], io)).toBe(0);
        expect(err).toContain("Generating Ed25519 key pair");
        const host = readFileSync(join(dir, "hosts", "alpha"), "latin1");
        expect(host).toContain("-----BEGIN RSA PUBLIC KEY-----");
        expect(host).toMatch(/^Ed25519PublicKey = [A-Za-z0-9+/]{43}$/m);
        expect(existsSync(join(dir, "rsa_key.priv"))).toBe(true);
        const r = readConfigDir({
          confbase: dir,
          netname: null,
          commandLine: [],
          debugLevel: 0,
          bypassSecurity: false,
        });
        if (!r.ok) throw new Error(r.errors.join("\n"));
        expect(r.config.engine.ed25519Key).toBeDefined();
        expect(r.config.engine.privateKeyPem).toContain("RSA PRIVATE KEY");
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
    30_000,
  );
});
