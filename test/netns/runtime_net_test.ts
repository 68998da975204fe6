/**
 * Root-only: the runtime's UDP endpoint and TCP streams between two network namespaces joined by
 * a veth pair (MTU 1400), over IPv4 and IPv6: sender addresses as seen by the peer, echo round
 * trips (Bun.udpSocket and the FFI recvmmsg endpoint), 1 MiB over TCP intact, and DF (IP_MTU_DISCOVER=DO) turning an oversized send into
 * "too-big" (EMSGSIZE) instead of local fragmentation.
 * @module
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type ChildProcess, spawn } from "node:child_process";
import { join } from "node:path";
import {
  BUN,
  createNamespace,
  deleteNamespaces,
  must,
  removeStaleNamespaces,
  requireRoot,
  runInNamespace,
  vethPair,
} from "./runtime_ns.ts";

const PROBE = join(import.meta.dir, "runtime_net_probe.ts");
const PORT = 6655;

interface Echo {
  sent: string;
  reply: string | null;
  localPort: number;
  pmtu: boolean;
}
type Result = Record<
  string,
  Echo | string | { write?: string; echoed?: number; intact?: boolean; error?: string }
>;

describe("runtime UDP and TCP between two namespaces", () => {
  let client = "";
  let server: ChildProcess | undefined;

  beforeAll(async () => {
    requireRoot();
    removeStaleNamespaces();
    client = createNamespace();
    const srv = createNamespace();
    vethPair(client, srv, ["10.88.0.1/24", "fd88::1/64"], ["10.88.0.2/24", "fd88::2/64"]);
    for (const ns of [client, srv]) {
      const dev = must(["ip", "-n", ns, "-o", "link", "show", "type", "veth"]).split(":")[1]!.trim().split(
        "@",
      )[0]!;
      must(["ip", "-n", ns, "link", "set", dev, "mtu", "1400"]);
    }
    server = spawn("ip", ["netns", "exec", srv, BUN, PROBE, "server", String(PORT)], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    const proc = server;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("the server probe did not start within 10 s")), 10_000);
      proc.stdout!.on("data", (d: Buffer) => {
        if (d.toString().includes("listening")) {
          clearTimeout(timer);
          resolve();
        }
      });
      proc.once("exit", (code) => reject(new Error(`the server probe exited with ${code}`)));
    });
  });

  afterAll(() => {
    if (server?.pid && server.exitCode === null) server.kill("SIGKILL");
    deleteNamespaces();
  });

  test("IPv4 and IPv6: echoes with the right sender address, DF set, too-big reported, TCP intact", () => {
    const r = runInNamespace<Result>(client, PROBE, ["client", "10.88.0.2", "fd88::2", String(PORT)], 30_000);
    const v4 = r.udp_v4 as Echo;
    const v6 = r.udp_v6 as Echo;
    expect(v4.sent).toBe("sent");
    expect(v4.pmtu).toBe(true);
    // The server saw our address and port (IPv4 unmapped from its dual-stack socket).
    expect(v4.reply).toBe(`10.88.0.1 ${v4.localPort}|ping`);
    expect(v6.reply).toBe(`fd88::1 ${v6.localPort}|ping`);
    expect(r.toobig_v4).toBe("too-big");
    expect(r.toobig_v6).toBe("too-big");
    expect(r.fits_v4).toBe("sent");
    expect(r.fits_v6).toBe("sent");
    for (const label of ["v4", "v6"]) {
      const f = r[`ffi_${label}`] as Echo & { toobig: string; fits: string };
      const self = label === "v4" ? "10.88.0.1" : "fd88::1";
      expect(f).toMatchObject({ sent: "sent", pmtu: true, toobig: "too-big", fits: "sent" });
      expect(f.reply).toBe(`${self} ${f.localPort}|ffi`);
    }
    expect(r.tcp_v4).toMatchObject({ echoed: 1 << 20, intact: true });
    expect(r.tcp_v6).toMatchObject({ echoed: 1 << 20, intact: true });
  }, 60_000);
});
