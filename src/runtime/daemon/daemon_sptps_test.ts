// Two tinct daemons in this process on loopback (DeviceType = dummy) with Ed25519 keys only:
// the meta connection comes up over SPTPS, which needs the keys read from the configuration
// directory; the SPTPS record cipher is created once through DaemonOptions.sptpsCipher, and a
// factory that throws leaves the daemon on the pure cipher with a logged reason.
import { describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Daemon } from "./daemon.ts";
import { formatLogLine, type LogSink } from "../log_sink.ts";
import { generateEd25519Keys } from "../../core/sptps/key_files.ts";
import { NobleSptpsCipher } from "../../core/crypto/sptps_noble.ts";

const random = (n: number): Uint8Array => crypto.getRandomValues(new Uint8Array(n));

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

describe("Daemon with tinc 1.1 keys (in process, loopback, no device)", () => {
  test(
    "SPTPS meta connection from Ed25519 keys alone; the cipher factory runs once, a failing one is logged",
    async () => {
      const base = mkdtempSync(join(tmpdir(), "tinct-sptps-daemon-"));
      const port = 31000 + (process.pid % 14000) * 2;
      const names = ["alpha", "beta"];
      const keys = names.map(() => generateEd25519Keys(random));
      const dirs = names.map((name, i) => {
        const dir = join(base, name);
        mkdirSync(join(dir, "hosts"), { recursive: true });
        const conf = [`Name = ${name}`, "DeviceType = dummy", "AddressFamily = ipv4"];
        if (name === "beta") conf.push("ConnectTo = alpha");
        writeFileSync(join(dir, "tinc.conf"), conf.join("\n") + "\n");
        writeFileSync(join(dir, "ed25519_key.priv"), keys[i]!.privateKeyFile);
        names.forEach((peer, j) => {
          writeFileSync(
            join(dir, "hosts", peer),
            `Address = 127.0.0.1\nPort = ${port + j}\nSubnet = 10.9.1.${j + 1}/32\n${keys[j]!.hostFileLine}`,
          );
        });
        return dir;
      });
      const common = { netname: null, debugLevel: 2, bypassSecurity: false, commandLine: [] };
      const logA = memoryLog();
      const logB = memoryLog();
      let made = 0;
      const a = await Daemon.start({
        ...common,
        confbase: dirs[0]!,
        log: logA,
        sptpsCipher: () => {
          made++;
          return new NobleSptpsCipher({ slots: 4, arenaSize: 0, maxBatch: 0 });
        },
      });
      try {
        const b = await Daemon.start({
          ...common,
          confbase: dirs[1]!,
          log: logB,
          sptpsCipher: () => {
            throw new Error("no core here");
          },
        });
        try {
          await until(
            "beta reachable from alpha",
            () => a.view().nodes.some((n) => n.name === "beta" && n.reachable),
          );
          expect(a.view().subnets).toContainEqual({ owner: "beta", subnet: "10.9.1.2/32#10" });
          expect(made).toBe(1);
          expect(logB.lines).toContain(
            "SPTPS record cipher not available (no core here); using the pure TypeScript one",
          );
          // No RSA key anywhere: only SPTPS could have authenticated this connection.
          expect(logA.lines.some((l) => l.includes("legacy protocol disabled"))).toBe(true);
          // A reload keeps the cipher the sessions hold slots of; it is not made again.
          a.reload();
          expect(made).toBe(1);
        } finally {
          await b.stop();
        }
      } finally {
        await a.stop();
        rmSync(base, { recursive: true, force: true });
      }
    },
    30_000,
  );
});
