/**
 * tinct against tincd 1.0.36 with tinc's authenticated protocol and non-default options
 * (compression is in legacy_compression_test.ts and legacy_compression_swapped_test.ts): TCPOnly (10 MB each way intact, not one byte on UDP at either node); KeyExpire = 10 during
 * 60 s of paced transfers both ways (intact; the receivers' longest stall is printed and fails the
 * test only above 10 s).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Lab, type LabNode } from "./lib/lab.ts";
import { overlay4 } from "./lib/tincd.ts";
import { installPortCounters, readPortCounters } from "./lib/port_counters.ts";
import { streamTransfer } from "./lib/stream_transfer.ts";
import { type LegacyPair, startLegacyPair } from "./lib/legacy_pair.ts";

const MB10 = 10_000_000;

describe("legacy protocol options, tinct t1 with tincd d2", () => {
  let lab: Lab;
  let t: LabNode;
  let d: LabNode;
  let pair: LegacyPair | undefined;
  const work = mkdtempSync(join(tmpdir(), "tinct-legacy-options-"));
  const t0 = Date.now();

  beforeAll(() => {
    lab = new Lab("legacy-options");
    t = lab.addNode("t1");
    d = lab.addNode("d2");
  });

  afterAll(async () => {
    await lab?.destroy();
    rmSync(work, { recursive: true, force: true });
    console.log(`legacy options test took ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  });

  test("TCPOnly: 10 MB each way intact, nothing on UDP at either node", async () => {
    const started = Date.now();
    if (pair) { for (const n of [pair.tinct, pair.tincd]) if (n.proc) await lab.stop(n.proc); }
    pair = undefined;
    // Counted from before start-up, so probes and key exchanges would show too.
    installPortCounters(lab, t);
    installPortCounters(lab, d);
    pair = await startLegacyPair(lab, join(work, "tcponly"), t, d, {
      tinctConf: ["TCPOnly = yes"],
      tincdConf: ["TCPOnly = yes"],
    });
    try {
      for (const [from, to, index] of [[t, d, 2], [d, t, 1]] as const) {
        const r = await streamTransfer(lab, from, to, overlay4(index), { bytes: MB10 });
        console.log(`TCPOnly ${from.name} -> ${to.name}: ${r.mbit.toFixed(0)} Mbit/s`);
        expect(r.received.bytes).toBe(MB10);
        expect(r.received.sha256).toBe(r.sent.sha256);
      }
      const ct = readPortCounters(lab, t);
      const cd = readPortCounters(lab, d);
      console.log(
        `TCPOnly underlay: t1 UDP ${ct.udpBytes} B, TCP ${(ct.tcpBytes / 1e6).toFixed(1)} MB; ` +
          `d2 UDP ${cd.udpBytes} B, TCP ${(cd.tcpBytes / 1e6).toFixed(1)} MB`,
      );
      expect(ct.udpBytes).toBe(0);
      expect(cd.udpBytes).toBe(0);
      expect(ct.tcpBytes).toBeGreaterThan(MB10);
      expect(cd.tcpBytes).toBeGreaterThan(MB10);
    } catch (e) {
      console.log(pair.logs());
      throw e;
    }
    console.log(`TCPOnly scenario took ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }, 120_000);

  test("KeyExpire = 10 during 60 s of transfers both ways: intact, longest stall <= 10 s", async () => {
    const started = Date.now();
    pair = await startLegacyPair(lab, join(work, "keyexpire"), t, d, {
      tinctConf: ["KeyExpire = 10"],
      tincdConf: ["KeyExpire = 10"],
      debug: 3,
    }, pair);
    const p = pair;
    try {
      const bytes = 15_000_000;
      const [up, down] = await Promise.all([
        streamTransfer(lab, t, d, overlay4(2), { bytes, seconds: 60, port: 5311 }),
        streamTransfer(lab, d, t, overlay4(1), { bytes, seconds: 60, port: 5312 }),
      ]);
      const changesSeenByTincd = p.tincd.log.split("Got KEY_CHANGED from t1").length - 1;
      const changesSentByTincd = p.tincd.log.split("Sending KEY_CHANGED").length - 1;
      console.log(
        `KeyExpire=10, 60 s: t1 -> d2 longest gap ${up.received.maxGapMs} ms, d2 -> t1 longest gap ${down.received.maxGapMs} ms; ` +
          `d2 got ${changesSeenByTincd} KEY_CHANGED from t1, d2 sent ${changesSentByTincd} KEY_CHANGED`,
      );
      for (const r of [up, down]) {
        expect(r.received.bytes).toBe(bytes);
        expect(r.received.sha256).toBe(r.sent.sha256);
        expect(r.received.maxGapMs).toBeLessThanOrEqual(10_000);
      }
      // Otherwise the keys never changed and the test would prove nothing.
      expect(changesSeenByTincd).toBeGreaterThanOrEqual(3);
      expect(changesSentByTincd).toBeGreaterThanOrEqual(3);
    } catch (e) {
      console.log(p.logs());
      throw e;
    }
    console.log(`KeyExpire scenario took ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }, 150_000);
});
