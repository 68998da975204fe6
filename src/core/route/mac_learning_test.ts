import { describe, expect, test } from "bun:test";
import { LearnedMacs } from "./mac_learning.ts";

describe("LearnedMacs", () => {
  test("touch refreshes; expire removes MACs idle for more than MACExpire", () => {
    const learned = new LearnedMacs();
    const a = Uint8Array.of(2, 0, 0, 0, 0, 1);
    const frame = Uint8Array.of(9, 9, 2, 0, 0, 0, 0, 2);
    expect(learned.touch(a, 0, 1000)).toBe(true);
    expect(learned.touch(frame, 2, 2000)).toBe(true);
    expect(learned.touch(a, 0, 5000)).toBe(false);
    expect(learned.has(frame, 2)).toBe(true);
    // Earliest is frame's address at 2000: removable strictly after 2000 + 600 s.
    expect(learned.nextExpiry(600)).toBe(602_001);
    expect(learned.expire(602_000, 600)).toEqual([]);
    expect(learned.expire(602_001, 600)).toEqual([Uint8Array.of(2, 0, 0, 0, 0, 2)]);
    expect(learned.has(frame, 2)).toBe(false);
    expect(learned.expire(605_000, 600)).toEqual([]);
    expect(learned.size).toBe(1);
    expect(learned.forget(a)).toBe(true);
    expect(learned.size).toBe(0);
    expect(learned.nextExpiry(600)).toBeUndefined();
  });
});
