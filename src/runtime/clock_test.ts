import { expect, test } from "bun:test";
import { cryptoRandomSource, FakeClock, randomBytes, seededRandomSource, systemClock } from "./clock.ts";

test("system clock is monotonic and the wall clock is near Date.now", () => {
  const a = systemClock.nowMs();
  const b = systemClock.nowMs();
  expect(b).toBeGreaterThanOrEqual(a);
  expect(Math.abs(systemClock.wallMs() - Date.now())).toBeLessThan(1000);
});

test("fake clock advances by hand", () => {
  const c = new FakeClock(5, 1000);
  c.advance(10);
  expect([c.nowMs(), c.wallMs()]).toEqual([15, 1010]);
});

test("crypto random source: u32 range, refills past a block, not constant", () => {
  const r = cryptoRandomSource();
  const seen = new Set<number>();
  for (let i = 0; i < 1000; i++) {
    const v = r.nextU32();
    expect(Number.isInteger(v) && v >= 0 && v <= 0xffffffff).toBe(true);
    seen.add(v);
  }
  expect(seen.size).toBeGreaterThan(990);
  const bytes = randomBytes(70_000);
  expect(bytes.length).toBe(70_000);
  expect(bytes.subarray(65_536).some((b) => b !== 0)).toBe(true);
});

test("seeded source repeats for a seed and differs across seeds", () => {
  const a = seededRandomSource(42);
  const b = seededRandomSource(42);
  const c = seededRandomSource(43);
  const xs = Array.from({ length: 5 }, () => a.nextU32());
  expect(Array.from({ length: 5 }, () => b.nextU32())).toEqual(xs);
  expect(Array.from({ length: 5 }, () => c.nextU32())).not.toEqual(xs);
});
