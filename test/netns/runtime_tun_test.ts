/**
 * Root-only: the runtime's TUN and TAP devices in a fresh network namespace, read through the
 * reader Worker's ring and written back (the probe answers pings), and a throughput figure.
 * @module
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import {
  createNamespace,
  deleteNamespaces,
  removeStaleNamespaces,
  requireRoot,
  runInNamespace,
} from "./runtime_ns.ts";

const PROBE = join(import.meta.dir, "runtime_tun_probe.ts");

interface ProbeResult {
  name: string;
  mode: string;
  mtu: number;
  ping4: number;
  ping6: number;
  frames: number;
  echoRequests: number;
  writeErrors: number;
  ethertypes: Record<string, number>;
  headers: string[];
  framesPerSecond: number;
  stats: { frames: number; batches: number };
}

describe("runtime TUN/TAP in a network namespace", () => {
  let ns = "";
  beforeAll(() => {
    requireRoot();
    removeStaleNamespaces();
    ns = createNamespace();
  });
  afterAll(() => deleteNamespaces());

  test("TUN: kernel-chosen name, 14-byte zero-MAC header with the ethertype, pings answered", () => {
    const r = runInNamespace<ProbeResult>(ns, PROBE, ["tun", "ping"]);
    expect(r.name).toMatch(/^tun\d+$/);
    expect(r.ping4).toBe(0); // the replies we wrote back reached ping
    expect(r.echoRequests).toBeGreaterThanOrEqual(3);
    expect(r.writeErrors).toBe(0);
    // Every frame starts with 12 zero bytes (MACs, and the pi flags cleared) then an ethertype.
    for (const h of r.headers) expect(h).toMatch(/^0{24}(0800|86dd)$/);
    expect(r.headers).toContain("0000000000000000000000000800");
    expect(r.ethertypes["86dd"] ?? 0).toBeGreaterThan(0); // the ICMPv6 echo (ping -6) went through too
    expect(r.stats.frames).toBe(r.frames);
  }, 30_000);

  test("TAP: given name, Ethernet frames (ARP answered, then pings answered)", () => {
    const r = runInNamespace<ProbeResult>(ns, PROBE, ["tap", "ping"]);
    expect(r.name).toMatch(/^tinctap\d+$/);
    expect(r.mtu).toBe(1400); // set through SIOCSIFMTU
    expect(r.ethertypes["0806"] ?? 0).toBeGreaterThan(0);
    expect(r.ping4).toBe(0);
    expect(r.echoRequests).toBeGreaterThanOrEqual(3);
    expect(r.writeErrors).toBe(0);
  }, 30_000);

  test("TUN throughput through the ring (figure printed, only sanity-checked)", () => {
    const r = runInNamespace<ProbeResult>(ns, PROBE, ["tun", "flood", "100000"], 60_000);
    console.log(
      `TUN reader ring: ${r.frames} frames, ${r.framesPerSecond} frames/s, ${r.stats.batches} batches`,
    );
    expect(r.frames).toBeGreaterThan(1000);
    expect(r.framesPerSecond).toBeGreaterThan(0);
  }, 90_000);
});
