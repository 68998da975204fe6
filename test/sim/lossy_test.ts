// The simulated network's rough side: UDP loss, duplication and reordering, and meta bytes cut
// into tiny chunks. The mesh still converges; frames arrive at most once each (the replay
// window drops duplicates) and in numbers that match the loss rate.
import { describe, expect, test } from "bun:test";
import { frameInto, tagOf } from "./frames.ts";
import { buildSim, neighbours, randomMesh } from "./mesh.ts";

describe("lossy network", () => {
  test("converges with 1-byte meta chunks, then frames survive loss, duplication and reordering", () => {
    const spec = randomMesh(12, 6, 4242);
    const sim = buildSim(spec, {
      sim: { seed: 8, maxChunk: 3, jitter: 12, udpLoss: 0.2, udpDuplicate: 0.3 },
    });
    expect(sim.runUntilSettled(3000, 120_000)).toBe(true);
    for (const node of sim.nodes.values()) {
      expect(node.engine.view().nodes.every((n) => n.reachable)).toBe(true);
    }
    const src = spec.names[0]!;
    const dst = spec.names.find((n) => !neighbours(spec).get(src)!.includes(n) && n !== src)!;
    const subnet = spec.subnets.get(dst)![0]!;
    const got = new Map<number, number>();
    sim.nodes.get(dst)!.onTun = (frame) => got.set(tagOf(frame), (got.get(tagOf(frame)) ?? 0) + 1);
    // The first frame asks for the key; the rest go over UDP once it arrived.
    sim.tunFrame(src, frameInto(subnet, 1));
    sim.runUntil(sim.now + 1000);
    expect(got.get(1)).toBe(1);
    const total = 400;
    // One frame every 2 ms against up to 12 ms of jitter: reordered by a few places, well
    // inside the replay window.
    for (let i = 0; i < total; i++) {
      sim.tunFrame(src, frameInto(subnet, 1000 + i));
      sim.runUntil(sim.now + 2);
    }
    sim.runUntil(sim.now + 2000);
    const counts = [...got.entries()].filter(([tag]) => tag >= 1000).map(([, c]) => c);
    expect(counts.every((c) => c === 1)).toBe(true);
    // 20 % loss: about 320 of 400 arrive; duplicates are dropped, late ones within the window kept.
    expect(counts.length).toBeGreaterThan(total * 0.7);
    expect(counts.length).toBeLessThan(total * 0.9);
    // The duplicates did reach the node and were refused there.
    const drops = sim.nodes.get(dst)!.engine.dropCounts();
    const replayed = Object.entries(drops).filter(([reason]) => reason.startsWith("UDP packet rejected"));
    expect(replayed.reduce((n, [, c]) => n + c, 0)).toBeGreaterThan(total * 0.1);
  });
});
