import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { SortedStringMap } from "./sorted_map.ts";

type Op = { kind: "set"; key: string; value: number } | { kind: "delete"; key: string } | { kind: "clear" };

const key = fc.constantFrom("", "a", "A", "b", "n0001", "n0010", "n002", "_", "z9", "ab", "aa");
const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ kind: fc.constant("set" as const), key, value: fc.integer() }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant("delete" as const), key }) },
  { weight: 1, arbitrary: fc.constant({ kind: "clear" as const }) },
);

describe("SortedStringMap", () => {
  test("behaves as a Map whose entries are read in strcmp key order", () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 60 }), (ops) => {
        const model = new Map<string, number>();
        const map = new SortedStringMap<number>();
        for (const o of ops) {
          if (o.kind === "set") {
            expect(map.set(o.key, o.value)).toBe(map);
            model.set(o.key, o.value);
          } else if (o.kind === "delete") {
            expect(map.delete(o.key)).toBe(model.delete(o.key));
          } else {
            map.clear();
            model.clear();
          }
          const keys = [...model.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
          expect(map.size).toBe(model.size);
          expect([...map.keys()]).toEqual(keys);
          expect([...map.values()]).toEqual(keys.map((k) => model.get(k)!));
          expect([...map]).toEqual(keys.map((k) => [k, model.get(k)!]));
        }
        for (const k of ["", "a", "n0001", "n0010", "missing", "zz"]) {
          expect(map.has(k)).toBe(model.has(k));
          expect(map.get(k)).toBe(model.get(k));
        }
      }),
      { numRuns: 500 },
    );
  });

  test("a hub's thousands of keys stay ordered and reachable", () => {
    const map = new SortedStringMap<number>();
    const names = Array.from(
      { length: 3000 },
      (_, i) => `n${((i * 7919) % 3000).toString().padStart(4, "0")}`,
    );
    names.forEach((n, i) => map.set(n, i));
    expect(map.size).toBe(3000);
    expect(map.keys()).toEqual([...names].sort());
    names.forEach((n, i) => expect(map.get(n)).toBe(i));
    for (const n of names.slice(0, 1500)) expect(map.delete(n)).toBe(true);
    expect(map.size).toBe(1500);
    expect(map.keys()).toEqual(names.slice(1500).sort());
    expect(map.get(names[0]!)).toBeUndefined();
  });
});
