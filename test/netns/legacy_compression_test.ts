/**
 * Compression asked by the receiving side between tinct and tincd 1.0.36 with tinc's
 * authenticated protocol: tinct asks for 9 (zlib), so tincd compresses toward it with zlib;
 * tincd asks for 11 (LZO), so tinct compresses toward it with LZO. A compressible 10 MB arrives
 * intact each way and the sender's underlay carries at most 60% of it. The swapped levels are
 * in legacy_compression_swapped_test.ts.
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
  const work = mkdtempSync(join(tmpdir(), "tinct-legacy-compress-"));
  const t0 = Date.now();

  beforeAll(() => {
    lab = new Lab("legacy-compress");
    t = lab.addNode("t1");
    d = lab.addNode("d2");
  });

  afterAll(async () => {
    await lab?.destroy();
    rmSync(work, { recursive: true, force: true });
    console.log(`legacy compression test took ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  });

  test("tinct asks 9, tincd asks 11: compressible 10 MB each way intact, underlay <= 60%", async () => {
    pair = await compressionScenario(lab, join(work, "c"), t, d, 9, 11, pair);
  }, 150_000);
});
