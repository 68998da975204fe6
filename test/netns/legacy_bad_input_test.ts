/**
 * Bad input against tinct speaking tinc 1.0's authenticated protocol: while tinct t1 and tincd d2
 * move paced transfers both ways, a hostile namespace x3 sends t1, for 20 s, meta sessions that
 * never authenticate (random bytes and lines; valid IDs then garbage; METAKEYs of wrong length or
 * random content; t1's own lines mutated; an endless line) and datagrams (random ones, exact
 * replays of real t1<->d2 datagrams captured before, replays with a bit flipped, truncated ones).
 * Authenticated input cannot be forged from outside, so the replays stand in for "after
 * authentication". tinct must stay up, keep its meta connection to d2, deliver both transfers
 * intact, and answer pings over IPv4 and IPv6 afterwards.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Lab } from "./lib/lab.ts";
import { overlay4, overlay6 } from "./lib/tincd.ts";
import { streamTransfer } from "./lib/stream_transfer.ts";
import { startUdpCapture, stopUdpCapture } from "./lib/udp_capture.ts";
import { readUdpDatagrams } from "./lib/pcap_udp.ts";
import { startLegacyPair } from "./lib/legacy_pair.ts";

const HOSTILE_SECONDS = 20;
const hostileScript = join(import.meta.dir, "lib", "hostile_peer.ts");

describe("legacy protocol: hostile input to tinct's meta and UDP ports", () => {
  let lab: Lab;
  const work = mkdtempSync(join(tmpdir(), "tinct-legacy-bad-"));
  const t0 = Date.now();

  beforeAll(() => {
    lab = new Lab("legacy-bad");
  });

  afterAll(async () => {
    await lab?.destroy();
    rmSync(work, { recursive: true, force: true });
    console.log(`legacy bad input test took ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  });

  test("random and mutated meta bytes and datagrams, before and after authentication", async () => {
    const t = lab.addNode("t1");
    const d = lab.addNode("d2");
    const x = lab.addNode("x3");
    const pair = await startLegacyPair(lab, work, t, d);
    try {
      // Real authenticated datagrams of this tunnel, both directions, for replaying.
      const capFile = join(work, "real.pcap");
      const cap = await startUdpCapture(lab, t, capFile, 655, 2000);
      expect(lab.ping(t.ns, overlay4(2), 5)).toBe(true);
      expect(lab.ping(d.ns, overlay6(1), 5)).toBe(true);
      await stopUdpCapture(lab, cap);
      const real = readUdpDatagrams(capFile);
      console.log(`captured ${real.length} real datagrams to replay`);
      expect(real.length).toBeGreaterThanOrEqual(10);

      let hostileOut = "";
      const hostile = lab.start(x.ns, [
        process.execPath,
        hostileScript,
        t.ip4,
        "655",
        capFile,
        String(HOSTILE_SECONDS),
        String(Date.now() & 0xffff),
        "d2",
      ], { logTo: (s) => (hostileOut += s) });
      const bytes = 8_000_000;
      const [up, down] = await Promise.all([
        streamTransfer(lab, t, d, overlay4(2), { bytes, seconds: HOSTILE_SECONDS, port: 5321 }),
        streamTransfer(lab, d, t, overlay4(1), { bytes, seconds: HOSTILE_SECONDS, port: 5322 }),
      ]);
      await lab.waitFor("hostile peer report", () => hostileOut.includes("}"), 30_000, 200);
      await lab.stop(hostile);
      console.log(`hostile peer sent ${hostileOut.trim()}`);
      console.log(
        `under fire: t1 -> d2 ${up.mbit.toFixed(1)} Mbit/s, longest gap ${up.received.maxGapMs} ms; ` +
          `d2 -> t1 ${down.mbit.toFixed(1)} Mbit/s, longest gap ${down.received.maxGapMs} ms`,
      );
      const report = JSON.parse(hostileOut.trim().split("\n").pop()!) as Record<string, number>;
      // Paced sessions (one per ~1.1 s, every scenario in turn), then a burst of 15.
      expect(report.sessions).toBeGreaterThanOrEqual(8 + report.burst!);
      expect(report.datagrams).toBeGreaterThan(1000);
      expect(report.replays).toBeGreaterThan(100);

      expect(pair.tinct.proc?.exitCode).toBeNull();
      expect(pair.tinct.proc?.signalCode).toBeNull();
      for (const r of [up, down]) {
        expect(r.received.bytes).toBe(bytes);
        expect(r.received.sha256).toBe(r.sent.sha256);
      }
      // Impostors claiming d2's name get connections of their own (logged with peer=d2); the real
      // one, the first to d2, must never close.
      const realConn = /Connected \(peer=d2, conn=(\d+)\)/.exec(pair.tinct.log)?.[1];
      expect(realConn).toBeDefined();
      expect(pair.tinct.log).not.toMatch(
        new RegExp(`(Closing connection|Meta connection lost) \\([^)]*conn=${realConn}\\)`),
      );
      expect(pair.tinct.log).toContain("METAKEY has");
      // tincd's connection-burst limit: most of the burst is held in the tarpit, unanswered.
      expect(pair.tinct.log).toContain("Too many connections at once: held in the tarpit");
      expect(pair.tinct.log).not.toMatch(/TypeError|RangeError|ReferenceError|Uncaught|panic/);
      expect(lab.ping(t.ns, overlay4(2), 3)).toBe(true);
      expect(lab.ping(d.ns, overlay4(1), 3)).toBe(true);
      expect(lab.ping(t.ns, overlay6(2), 3)).toBe(true);
      expect(lab.ping(d.ns, overlay6(1), 3)).toBe(true);
    } catch (e) {
      console.log(pair.logs());
      throw e;
    }
  }, 150_000);
});
