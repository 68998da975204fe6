import { describe, expect, test } from "bun:test";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { daemonControlBackend } from "../control_daemon.ts";
import { Daemon } from "./daemon.ts";
import { formatLogLine, type LogSink } from "../log_sink.ts";

/** Two tinct daemons in this process on loopback, without a device (DeviceType = dummy). */
function node(
  base: string,
  name: string,
  peers: Record<string, number>,
  connectTo: string[],
): string {
  const dir = join(base, name);
  mkdirSync(join(dir, "hosts"), { recursive: true });
  writeFileSync(
    join(dir, "tinc.conf"),
    [
      `Name = ${name}`,
      "DeviceType = dummy",
      "AddressFamily = ipv4",
      ...connectTo.map((c) => `ConnectTo = ${c}`),
    ]
      .join("\n") + "\n",
  );
  for (const [peer, p] of Object.entries(peers)) {
    const subnet = peer === "alpha" ? "10.9.0.1/32" : "10.9.0.2/32";
    writeFileSync(
      join(dir, "hosts", peer),
      `Address = 127.0.0.1\nPort = ${p}\nSubnet = ${subnet}\nCipher = none\nDigest = none\nMACLength = 0\n`,
    );
  }
  for (const script of ["tinc-up", "tinc-down", "host-up", "host-down"]) {
    writeFileSync(join(dir, script), `#!/bin/sh\necho "${script} $NODE" >> ${join(dir, "scripts.log")}\n`);
    chmodSync(join(dir, script), 0o755);
  }
  return dir;
}

function memoryLog(): LogSink & { lines: string[] } {
  const lines: string[] = [];
  return { lines, line: (m, f) => void lines.push(formatLogLine(m, f)) };
}

async function until(what: string, check: () => boolean, ms = 10_000): Promise<void> {
  const t0 = Date.now();
  while (!check()) {
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(10);
  }
}

describe("Daemon (in process, loopback, no device)", () => {
  test("log lines carry their fields", () => {
    expect(formatLogLine("Closing connection", { peer: "bob", conn: 3, skip: undefined })).toBe(
      "Closing connection (peer=bob, conn=3)",
    );
    expect(formatLogLine("Ready")).toBe("Ready");
  });

  test("two daemons connect, learn each other's subnets, reload and stop with their scripts", async () => {
    // Scripts inherit the daemon's environment as under tincd; `npm test` exports NODE (the node
    // binary), which would show through in tinc-up/tinc-down, where tinc sets no NODE of its own.
    delete process.env.NODE;
    const base = mkdtempSync(join(tmpdir(), "tinct-daemon-"));
    const pa = 30000 + (process.pid % 15000) * 2;
    const peers = { alpha: pa, beta: pa + 1 };
    const dirA = node(base, "alpha", peers, []);
    const dirB = node(base, "beta", peers, ["alpha"]);
    const logA = memoryLog();
    const logB = memoryLog();
    const common = { netname: null, debugLevel: 1, bypassSecurity: true, commandLine: [] };
    const a = await Daemon.start({ ...common, confbase: dirA, log: logA });
    const b = await Daemon.start({ ...common, confbase: dirB, log: logB });
    try {
      await until(
        "beta reachable from alpha",
        () => a.view().nodes.some((n) => n.name === "beta" && n.reachable),
      );
      expect(a.view().subnets).toContainEqual({ owner: "beta", subnet: "10.9.0.2/32#10" });
      expect(b.view().connections.map((c) => [c.name, c.phase, c.outgoing])).toEqual([[
        "alpha",
        "active",
        true,
      ]]);
      expect(logA.lines).toContain("Ready");

      expect(a.controlDumps().nodes.map((n) => n.name).sort()).toEqual(["alpha", "beta"]);
      expect(a.disconnect("nobody")).toBe(false);

      // An unchanged configuration reloads (once beta has run host-up, so the script record
      // below is complete); a broken file keeps everything as it was.
      await until(
        "alpha reachable from beta",
        () => b.view().nodes.some((n) => n.name === "alpha" && n.reachable),
      );
      expect(b.reload()).toEqual({ ok: true });
      writeFileSync(join(dirB, "tinc.conf"), "Name = beta\nDeviceType = sideways\n");
      const reloaded = b.reload();
      expect(reloaded.ok).toBe(false);
      if (!reloaded.ok) expect(reloaded.reason).toContain("line 2");
      // The control socket answers `tinct reload` from that status, and reaches the daemon
      // through its public methods.
      const control = daemonControlBackend(b);
      expect(control.reload()).toBe(1);
      control.setDebugLevel(3);
      expect(control.debugLevel()).toBe(3);
      expect(control.disconnect("nobody")).toBe(false);
      expect(control.dumpNodes().map((n) => n.name).sort()).toEqual(["alpha", "beta"]);
      expect(logB.lines.some((l) => l.startsWith("Unable to reread configuration") && l.includes("line 2")))
        .toBe(true);
      expect(b.view().connections[0]?.phase).toBe("active");
    } finally {
      await b.stop();
      await a.stop();
    }
    expect(await a.stopped).toBe(0);
    await until(
      "alpha saw beta go",
      () => readFileSync(join(dirA, "scripts.log"), "utf8").includes("host-down beta"),
    );
    expect(readFileSync(join(dirB, "scripts.log"), "utf8")).toBe(
      "tinc-up \nhost-up alpha\nhost-down alpha\ntinc-down \n",
    );
    rmSync(base, { recursive: true, force: true });
  });

  test("start-up without a private key (and no --bypass-security) or with a busy port fails with the reason", async () => {
    const base = mkdtempSync(join(tmpdir(), "tinct-daemon-"));
    const port = 30001 + (process.pid % 15000) * 2;
    const dir = node(base, "alpha", { alpha: port }, []);
    const common = { netname: null, debugLevel: 0, commandLine: [], log: memoryLog() };
    await expect(Daemon.start({ ...common, confbase: dir, bypassSecurity: false })).rejects.toThrow(
      `Error reading RSA private key file \`${join(dir, "rsa_key.priv")}'`,
    );
    const first = await Daemon.start({ ...common, confbase: dir, bypassSecurity: true });
    try {
      await expect(Daemon.start({ ...common, confbase: dir, bypassSecurity: true })).rejects.toThrow(
        `${port}`,
      );
    } finally {
      await first.stop();
      rmSync(base, { recursive: true, force: true });
    }
  });

  test("BindToAddress: the given addresses only; one that fails is logged, none left fails", async () => {
    const base = mkdtempSync(join(tmpdir(), "tinct-daemon-"));
    const port = 30000 + (process.pid % 15000) * 2;
    const dir = node(base, "alpha", { alpha: port }, []);
    const conf = join(dir, "tinc.conf");
    writeFileSync(
      conf,
      readFileSync(conf, "utf8") + "BindToAddress = 192.0.2.77\nBindToAddress = 127.0.0.1\n",
    );
    const log = memoryLog();
    const common = { netname: null, debugLevel: 1, commandLine: [], bypassSecurity: true };
    const d = await Daemon.start({ ...common, confbase: dir, log });
    try {
      expect(log.lines).toContain(`Listening on 127.0.0.1 port ${port}`);
      expect(log.lines.some((l) => l.startsWith(`Could not listen on 192.0.2.77 port ${port}`))).toBe(true);
      const tcp = await Bun.connect({ hostname: "127.0.0.1", port, socket: { data() {} } });
      tcp.end();
      writeFileSync(conf, readFileSync(conf, "utf8").replace("BindToAddress = 127.0.0.1\n", ""));
      await expect(Daemon.start({ ...common, confbase: dir, log: memoryLog() })).rejects.toThrow(
        "Unable to create any",
      );
    } finally {
      await d.stop();
      rmSync(base, { recursive: true, force: true });
    }
  });

  test("reload keeps what tincd fixes at start-up, and says so", async () => {
    const base = mkdtempSync(join(tmpdir(), "tinct-daemon-"));
    const port = 31000 + (process.pid % 15000) * 2;
    const dir = node(base, "alpha", { alpha: port }, []);
    const conf = join(dir, "tinc.conf");
    const log = memoryLog();
    const common = { netname: null, debugLevel: 1, commandLine: [], bypassSecurity: true };
    const d = await Daemon.start({ ...common, confbase: dir, log });
    try {
      writeFileSync(conf, readFileSync(conf, "utf8") + "StrictSubnets = yes\nForwarding = off\n");
      expect(d.reload()).toEqual({ ok: true });
      expect(log.lines).toContain("Forwarding, StrictSubnets changes take effect after a restart");
      // Each reload says so while the files still ask for it; once they no longer do, nothing.
      const before = log.lines.length;
      expect(d.reload()).toEqual({ ok: true });
      expect(log.lines.slice(before).some((l) => l.includes("after a restart"))).toBe(true);
      writeFileSync(conf, readFileSync(conf, "utf8").replace("StrictSubnets = yes\nForwarding = off\n", ""));
      const again = log.lines.length;
      expect(d.reload()).toEqual({ ok: true });
      expect(log.lines.slice(again).some((l) => l.includes("after a restart"))).toBe(false);
    } finally {
      await d.stop();
      rmSync(base, { recursive: true, force: true });
    }
  });

  test("Port = 0: one kernel-chosen port for TCP and UDP, announced in ACK", async () => {
    const base = mkdtempSync(join(tmpdir(), "tinct-daemon-"));
    const dirA = node(base, "alpha", { alpha: 0, beta: 0 }, []);
    const logA = memoryLog();
    const common = { netname: null, debugLevel: 1, commandLine: [], bypassSecurity: true };
    const a = await Daemon.start({ ...common, confbase: dirA, log: logA });
    let b: Daemon | undefined;
    try {
      const m = logA.lines.map((l) => /^Listening on 0\.0\.0\.0 port (\d+)$/.exec(l)).find((x) => x !== null);
      const port = Number(m?.[1]);
      expect(port).toBeGreaterThan(0);
      const dirB = node(base, "beta", { alpha: port, beta: 0 }, ["alpha"]);
      b = await Daemon.start({ ...common, confbase: dirB, log: memoryLog() });
      await until(
        "beta reachable from alpha",
        () => a.view().nodes.some((n) => n.name === "beta" && n.reachable),
      );
      // beta's edge to alpha carries the port alpha announced in its ACK.
      expect(b.view().edges.find((e) => e.from === "beta" && e.to === "alpha")?.port).toBe(String(port));
    } finally {
      await b?.stop();
      await a.stop();
      rmSync(base, { recursive: true, force: true });
    }
  });
});
