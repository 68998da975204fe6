/**
 * Compression asked by the receiver with the levels swapped against tincd 1.0.36: tinct asks 11
 * (LZO), tincd asks 9 (zlib). tincd echoes tinct's probes zlib-compressed, so tinct's PMTU
 * discovery settles about 30 bytes under maxmtu (~1405). tinct must then act as tincd does
 * (spec 1.0 §4.4, §7): the settled MTU becomes the node MTU the router checks, full-size TCP
 * segments are answered with ICMP "fragmentation needed", the sender's MSS shrinks and the data
 * goes over UDP. This guards that wiring: without it tinct -> tincd went 100% over TCP.
 */
import { afterAll, beforeAll, describe, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Lab, type LabNode } from "./lib/lab.ts";
import type { LegacyPair } from "./lib/legacy_pair.ts";
import { compressionScenario } from "./lib/compression_scenario.ts";

describe("legacy protocol compression asked by the receiver, tinct t1 with tincd d2", () => {
  let lab: Lab;
  let t: LabNode;
  let d: LabNode;
  let pair: LegacyPair | undefined;
  const work = mkdtempSync(join(tmpdir(), "tinct-legacy-compress-swapped-"));
  const t0 = Date.now();

  beforeAll(() => {
    lab = new Lab("legacy-compress-swapped");
    t = lab.addNode("t1");
    d = lab.addNode("d2");
  });

  afterAll(async () => {
    await lab?.destroy();
    rmSync(work, { recursive: true, force: true });
    console.log(`legacy compression (swapped) test took ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  });

  test("tinct asks 11, tincd asks 9: compressible 10 MB each way intact, underlay <= 60%", async () => {
    pair = await compressionScenario(lab, join(work, "c"), t, d, 11, 9, pair);
  }, 150_000);
});
