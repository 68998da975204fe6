import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { LegacyReplayWindow, type ReplayVerdict } from "./replay_window.ts";

/** check-then-commit, as the packet path runs it after the MAC and decryption. */
function receive(w: LegacyReplayWindow, s: number): ReplayVerdict {
  const v = w.check(s);
  if (v.accept) w.commit(s);
  return v;
}

/**
 * Spec 1.0 §4.3 restated over sets instead of a bitmap: r, the set of seqnos marked late, and the
 * far-future counter.
 */
class ModelWindow {
  r = 0;
  late = new Set<number>();
  farFuture = 0;
  constructor(readonly bytes: number) {}

  receive(s: number): ReplayVerdict {
    const w = this.bytes * 8;
    if (w > 0 && s !== this.r + 1) {
      if (s >= this.r + w) {
        if (this.farFuture++ < Math.floor(this.bytes / 4)) return { accept: false, reason: "far-future" };
        this.late.clear();
      } else if (s <= this.r) {
        if (this.r >= w && s <= this.r - w) return { accept: false, reason: "too-old" };
        if (!this.late.has(s)) return { accept: false, reason: "duplicate" };
      } else {
        for (let i = this.r + 1; i < s; i++) this.late.add(i);
      }
    }
    this.farFuture = 0;
    this.late.delete(s);
    if (s > this.r) this.r = s;
    return { accept: true };
  }
}

describe("spec 1.0 §4.3 worked example (R = 16, W = 128)", () => {
  const w = new LegacyReplayWindow(16);
  for (let s = 1; s <= 1000; s++) expect(receive(w, s)).toEqual({ accept: true });

  test("r = 1000 after an in-order run", () => expect(w.highest).toBe(1000));
  test("1003 is accepted and marks 1001 and 1002 late", () => {
    expect(receive(w, 1003)).toEqual({ accept: true });
    expect(w.highest).toBe(1003);
  });
  test("1001 is accepted; a second 1001 is a duplicate", () => {
    expect(receive(w, 1001)).toEqual({ accept: true });
    expect(receive(w, 1001)).toEqual({ accept: false, reason: "duplicate" });
    expect(receive(w, 1003)).toEqual({ accept: false, reason: "duplicate" });
  });
  test("872 is too old (<= 875), 876 is inside the window but was seen", () => {
    expect(receive(w, 872)).toEqual({ accept: false, reason: "too-old" });
    expect(receive(w, 875)).toEqual({ accept: false, reason: "too-old" });
    expect(receive(w, 876)).toEqual({ accept: false, reason: "duplicate" });
  });
  test("1002 is still late and accepted once", () => {
    expect(receive(w, 1002)).toEqual({ accept: true });
    expect(receive(w, 1002)).toEqual({ accept: false, reason: "duplicate" });
  });
  test("1200 is dropped four times; the fifth 1200 is accepted and zeroes the bitmap", () => {
    for (let i = 0; i < 4; i++) expect(receive(w, 1200)).toEqual({ accept: false, reason: "far-future" });
    expect(w.farFutureDrops).toBe(4);
    expect(receive(w, 1200)).toEqual({ accept: true });
    expect(w.farFutureDrops).toBe(0);
    expect(w.highest).toBe(1200);
    // 1199 was never marked late: the jump cleared the bitmap instead of marking the gap.
    expect(receive(w, 1199)).toEqual({ accept: false, reason: "duplicate" });
    expect(receive(w, 1201)).toEqual({ accept: true });
  });
});

describe("check never moves the window", () => {
  test("repeated checks without commit accept the same packet every time", () => {
    const w = new LegacyReplayWindow(16);
    receive(w, 1);
    for (let i = 0; i < 10; i++) expect(w.check(5)).toEqual({ accept: true });
    expect(w.highest).toBe(1);
    expect(receive(w, 2)).toEqual({ accept: true });
  });
  test("the first seqno under a key is 1; 0 is never fresh", () => {
    const w = new LegacyReplayWindow(16);
    expect(w.check(0)).toEqual({ accept: false, reason: "duplicate" });
    expect(receive(w, 1)).toEqual({ accept: true });
  });
  test("reset forgets everything", () => {
    const w = new LegacyReplayWindow(16);
    for (let s = 1; s < 300; s++) receive(w, s);
    w.reset();
    expect(w.highest).toBe(0);
    expect(receive(w, 1)).toEqual({ accept: true });
  });
  test("R = 0 disables the check", () => {
    const w = new LegacyReplayWindow(0);
    expect(receive(w, 5)).toEqual({ accept: true });
    expect(receive(w, 5)).toEqual({ accept: true });
    expect(receive(w, 1)).toEqual({ accept: true });
    expect(w.highest).toBe(5);
  });
});

describe("property: the bitmap window equals the set model", () => {
  test("random seqno streams (near, late, duplicate and far jumps) for several R", () => {
    const step = fc.oneof(
      { weight: 5, arbitrary: fc.integer({ min: -3, max: 3 }) },
      { weight: 2, arbitrary: fc.integer({ min: -200, max: 200 }) },
      { weight: 1, arbitrary: fc.integer({ min: -2000, max: 2000 }) },
    );
    fc.assert(
      fc.property(
        fc.constantFrom(0, 1, 2, 4, 7, 16, 32),
        fc.array(step, { maxLength: 400, size: "max" }),
        (bytes, steps) => {
          const real = new LegacyReplayWindow(bytes);
          const model = new ModelWindow(bytes);
          let s = 1;
          for (const d of steps) {
            s = Math.max(0, s + d);
            expect(receive(real, s)).toEqual(model.receive(s));
            expect(real.highest).toBe(model.r);
            expect(real.farFutureDrops).toBe(model.farFuture);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
