import { describe, expect, test } from "bun:test";
import { AcceptBurstGate, Tarpit } from "./accept_gate.ts";

describe("AcceptBurstGate", () => {
  test("the 10th accept within one second goes to the tarpit, and the next ones too", () => {
    const g = new AcceptBurstGate();
    const out = Array.from({ length: 12 }, (_, i) => g.decide(5000 + i, `10.0.0.${i}`));
    expect(out.slice(0, 9)).toEqual(Array(9).fill("serve"));
    expect(out.slice(9)).toEqual(["tarpit", "tarpit", "tarpit"]);
  });

  test("the counter drains by one per elapsed second", () => {
    const g = new AcceptBurstGate();
    for (let i = 0; i < 9; i++) expect(g.decide(1000, `h${i}`)).toBe("serve");
    // One second later one slot has drained: one more is served, the next is not.
    expect(g.decide(2000, "x")).toBe("serve");
    expect(g.decide(2000, "y")).toBe("tarpit");
    // Ten seconds later it is empty again.
    expect(g.decide(12_500, "z")).toBe("serve");
  });

  test("spread-out accepts are always served", () => {
    const g = new AcceptBurstGate();
    for (let i = 0; i < 100; i++) expect(g.decide(i * 1000, `h${i % 3}`)).toBe("serve");
  });

  test("same-host burst: the 11th repeat of the previous host within a second is tarpitted", () => {
    const g = new AcceptBurstGate(1000, 10); // lift the global limit to see the per-host one
    const out = Array.from({ length: 13 }, () => g.decide(0, "1.2.3.4"));
    // The first one is not a repeat; repeats 1..10 pass; repeat 11 and later do not.
    expect(out.slice(0, 11)).toEqual(Array(11).fill("serve"));
    expect(out.slice(11)).toEqual(["tarpit", "tarpit"]);
    // The count drains with time, one per second.
    expect(g.decide(1000, "1.2.3.4")).toBe("tarpit"); // 12 - 1 + 1 = 12 > 10
    expect(g.decide(4000, "1.2.3.4")).toBe("serve"); // 12 - 3 + 1 = 10
  });
});

describe("Tarpit", () => {
  test("10 round-robin slots: the 11th socket evicts (closes) the 1st", () => {
    const closed: number[] = [];
    const t = new Tarpit<number>((s) => closed.push(s));
    for (let i = 1; i <= 10; i++) t.put(i);
    expect(closed).toEqual([]);
    expect(t.held().length).toBe(10);
    t.put(11);
    t.put(12);
    expect(closed).toEqual([1, 2]);
    expect(t.held()).toContain(11);
    t.forget(5);
    expect(t.held().length).toBe(9);
    t.closeAll();
    expect(closed.length).toBe(11);
    expect(t.held()).toEqual([]);
  });
});
