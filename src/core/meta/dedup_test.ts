import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { DedupCache, DEFAULT_MAX_ENTRIES } from "./dedup.ts";

const PING_INTERVAL = 60_000;

describe("DedupCache", () => {
  test("first sighting is new, repeats are seen, keyed on the whole line", () => {
    const cache = new DedupCache(PING_INTERVAL);
    expect(cache.seen("12 b2d4965 alice bob 10.60.0.2 655 c 2", 0)).toBe(false);
    expect(cache.seen("12 b2d4965 alice bob 10.60.0.2 655 c 2", 1)).toBe(true);
    // Same request, different nonce: a different line, so new.
    expect(cache.seen("12 b2d4966 alice bob 10.60.0.2 655 c 2", 2)).toBe(false);
    // Whitespace differences are different lines too (strcmp on the raw line).
    expect(cache.seen("12  b2d4965 alice bob 10.60.0.2 655 c 2", 3)).toBe(false);
    expect(cache.size).toBe(3);
  });

  test("a trailing newline and anything after a NUL do not change the key", () => {
    const cache = new DedupCache(PING_INTERVAL);
    expect(cache.seen("14 1 alice", 0)).toBe(false);
    expect(cache.seen("14 1 alice\n", 0)).toBe(true);
    expect(cache.seen("14 1 alice\0junk", 0)).toBe(true);
  });

  test("entries age out when firstSeen + PingInterval <= now", () => {
    const cache = new DedupCache(PING_INTERVAL);
    cache.seen("a", 1000);
    cache.seen("b", 5000);
    expect(cache.age(1000 + PING_INTERVAL - 1)).toBe(0);
    expect(cache.seen("a", 1000 + PING_INTERVAL - 1)).toBe(true);
    expect(cache.age(1000 + PING_INTERVAL)).toBe(1);
    expect(cache.size).toBe(1);
    expect(cache.seen("a", 1000 + PING_INTERVAL)).toBe(false);
    expect(cache.age(5000 + PING_INTERVAL)).toBe(1);
    expect(cache.seen("b", 5000 + PING_INTERVAL)).toBe(false);
  });

  test("a repeat does not refresh firstSeen", () => {
    const cache = new DedupCache(PING_INTERVAL);
    cache.seen("x", 0);
    expect(cache.seen("x", 59_000)).toBe(true);
    expect(cache.age(60_000)).toBe(1);
  });

  test("bounded: the oldest entry is evicted beyond maxEntries", () => {
    const cache = new DedupCache(PING_INTERVAL, 3);
    for (const line of ["l1", "l2", "l3", "l4"]) expect(cache.seen(line, 0)).toBe(false);
    expect(cache.size).toBe(3);
    expect(cache.seen("l2", 0)).toBe(true);
    expect(cache.seen("l1", 0)).toBe(false);
    expect(DEFAULT_MAX_ENTRIES).toBe(100_000);
  });

  test("the default bound holds under a flood", () => {
    const cache = new DedupCache(PING_INTERVAL);
    for (let i = 0; i < DEFAULT_MAX_ENTRIES + 500; i++) cache.seen(`10 ${i.toString(16)} x 1.2.3.4`, i);
    expect(cache.size).toBe(DEFAULT_MAX_ENTRIES);
    expect(cache.seen("10 0 x 1.2.3.4", 0)).toBe(false);
  });

  test("matches a reference model", () => {
    const op = fc.oneof(
      fc.record({
        kind: fc.constant("seen" as const),
        line: fc.constantFrom("a", "b", "c", "d", "e"),
        dt: fc.nat(30),
      }),
      fc.record({ kind: fc.constant("age" as const), dt: fc.nat(30) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 60 }), (ops) => {
        const cache = new DedupCache(50, 4);
        const model = new Map<string, number>();
        let now = 0;
        for (const o of ops) {
          now += o.dt;
          if (o.kind === "age") {
            for (const [k, t] of model) if (t + 50 <= now) model.delete(k);
            cache.age(now);
          } else {
            const expected = model.has(o.line);
            if (!expected) {
              model.set(o.line, now);
              if (model.size > 4) model.delete(model.keys().next().value!);
            }
            expect(cache.seen(o.line, now)).toBe(expected);
          }
          expect(cache.size).toBe(model.size);
        }
      }),
      { numRuns: 500 },
    );
  });

  test("has() peeks without recording; setLimits changes lifetime and bound", () => {
    const cache = new DedupCache(PING_INTERVAL, 3);
    expect(cache.has("8 x")).toBe(false);
    expect(cache.size).toBe(0);
    cache.seen("8 x", 0);
    expect(cache.has("8 x\n")).toBe(true);
    cache.seen("8 y", 10);
    cache.seen("8 z", 20);
    cache.setLimits(100, 2);
    cache.seen("8 w", 30);
    // The smaller bound evicts the two oldest at once.
    expect([cache.has("8 x"), cache.has("8 y"), cache.has("8 z"), cache.has("8 w")]).toEqual([
      false,
      false,
      true,
      true,
    ]);
    expect(cache.age(120)).toBe(1);
    expect(cache.has("8 w")).toBe(true);
  });

  test("aging is exact when times went backwards (full walk instead of stopping early)", () => {
    const cache = new DedupCache(100);
    cache.seen("a", 500);
    cache.seen("b", 10);
    cache.seen("c", 600);
    expect(cache.age(150)).toBe(1);
    expect([cache.has("a"), cache.has("b"), cache.has("c")]).toEqual([true, false, true]);
  });

  test("record() after has() is seen() in two steps: same key, bound and aging", () => {
    const viaSeen = new DedupCache(PING_INTERVAL, 2);
    const viaRecord = new DedupCache(PING_INTERVAL, 2);
    const lines = ["a", "b\n", "c\0tail", "a", "d"];
    lines.forEach((line, i) => {
      const wasSeen = viaSeen.seen(line, i * 1000);
      const known = viaRecord.has(line);
      if (!known) viaRecord.record(line, i * 1000);
      expect({ line, known }).toEqual({ line, known: wasSeen });
    });
    expect(viaRecord.size).toBe(viaSeen.size);
    for (const line of ["a", "b", "c", "d"]) expect(viaRecord.has(line)).toBe(viaSeen.has(line));
    expect(viaRecord.age(PING_INTERVAL + 3000)).toBe(viaSeen.age(PING_INTERVAL + 3000));
  });
});
