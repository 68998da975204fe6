/**
 * One compression scenario between tinct and tincd 1.0.36: each side asks for a level for what
 * it receives (tinc 1.0 sends it in ANS_KEY), so each direction is compressed at the receiver's
 * level. A compressible 10 MB goes each way; both directions are measured before anything fails,
 * so one run shows which direction misbehaves.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { expect } from "bun:test";
import type { Lab, LabNode } from "./lab.ts";
import { overlay4 } from "./tincd.ts";
import { installPortCounters, readPortCounters } from "./port_counters.ts";
import { streamTransfer } from "./stream_transfer.ts";
import { type LegacyPair, startLegacyPair } from "./legacy_pair.ts";

const MB10 = 10_000_000;

/**
 * tinc 1.0 fixes the PMTU only after 30 probes (about 30 s) when compressed probe echoes keep
 * minmtu below maxmtu; until then full-size frames go over TCP, uncompressed (tincd does the same).
 */
const SETTLE_MS = 35_000;

/** Starts the pair with the two levels, waits for the PMTU, sends 10 MB each way, checks ratios. */
export async function compressionScenario(
  lab: Lab,
  dir: string,
  t: LabNode,
  d: LabNode,
  tinctLevel: number,
  tincdLevel: number,
  previous?: LegacyPair,
): Promise<LegacyPair> {
  const started = Date.now();
  const pair = await startLegacyPair(lab, dir, t, d, {
    tinctConf: [`Compression = ${tinctLevel}`],
    tincdConf: [`Compression = ${tincdLevel}`],
    debug: Number(process.env.LEGACY_DEBUG ?? 2),
  }, previous);
  await Bun.sleep(Number(process.env.LEGACY_SETTLE_MS ?? SETTLE_MS));
  const tooBig: string[] = [];
  try {
    for (const [from, to, index, level] of [[t, d, 2, tincdLevel], [d, t, 1, tinctLevel]] as const) {
      installPortCounters(lab, from);
      const r = await streamTransfer(lab, from, to, overlay4(index), { bytes: MB10, kind: "text" });
      const c = readPortCounters(lab, from);
      const ratio = (c.udpBytes + c.tcpBytes) / MB10;
      const line = `compression ${level} (asked by ${to.name}) ${from.name} -> ${to.name}: ${
        r.mbit.toFixed(0)
      } Mbit/s, underlay ${((c.udpBytes + c.tcpBytes) / 1e6).toFixed(2)} MB (UDP ${
        (c.udpBytes / 1e6).toFixed(2)
      } MB) for 10 MB = ${(ratio * 100).toFixed(1)}%`;
      console.log(line);
      expect(r.received.bytes).toBe(MB10);
      expect(r.received.sha256).toBe(r.sent.sha256);
      if (ratio > 0.6) tooBig.push(line);
    }
    expect(tooBig).toEqual([]);
  } catch (e) {
    const logDir = process.env.LEGACY_LOG_DIR;
    if (logDir !== undefined) {
      writeFileSync(join(logDir, `tinct-compress-${tinctLevel}.log`), pair.tinct.log);
      writeFileSync(join(logDir, `tincd-compress-${tincdLevel}.log`), pair.tincd.log);
    }
    console.log(pair.logs());
    throw e;
  }
  console.log(`compression scenario took ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return pair;
}
