// tinc's replay window (spec 1.0 §4.3, 1.1 §1.6) in the WASM core and in TypeScript, against a
// model kept as sets of numbers rather than a circular bitmap, and the spec's worked example.
import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import type { ReplayPort, ReplayRules, ReplayVerdict } from "../core/crypto/cipher_port.ts";
import { NobleSptpsCipher } from "../core/crypto/sptps_noble.ts";
import { coreBytes } from "./test_core.ts";
import { WasmSptpsCipher } from "./sptps_wasm.ts";
import { NativeSptpsCipher } from "./sptps_native.ts";

/**
 * tinc's rules over sets: `seen` holds every accepted seqno; `late` the ones a jump skipped and
 * that have not arrived yet. A past seqno inside the window is accepted only while it is late.
 * Same u32 arithmetic as tinc (the thresholds wrap).
 */
class SetModel {
  top = 0;
  farfuture = 0;
  readonly seen = new Set<number>();
  readonly late = new Set<number>();
  constructor(readonly windowBytes: number, readonly rules: ReplayRules) {}

  decide(s: number, update: boolean): ReplayVerdict {
    const w = this.windowBytes * 8;
    const legacy = this.rules === "legacy";
    const expected = legacy ? (this.top + 1) >>> 0 : this.top;
    if (this.windowBytes !== 0 && s !== expected) {
      if (s >= ((this.top + w) >>> 0)) {
        const before = this.farfuture;
        if (update) this.farfuture++;
        if (before < this.windowBytes >> 2) return "future";
        if (update) this.late.clear();
      } else if (legacy ? s <= this.top : s < this.top) {
        const floor = legacy ? this.top - w : this.top - w - 1;
        if (this.top >= w && s <= floor) return "old";
        if (!this.late.has(s)) return "duplicate";
      } else if (update) {
        for (let i = expected; i < s; i++) this.late.add(i);
      }
    }
    if (update) {
      this.late.delete(s);
      this.seen.add(s);
      if (this.windowBytes !== 0) this.farfuture = 0;
      if (legacy ? s > this.top : s >= this.top) this.top = legacy ? s : (s + 1) >>> 0;
    }
    return "ok";
  }
}

const wasm = WasmSptpsCipher.fromBytes(coreBytes());
const pure = new NobleSptpsCipher({ slots: 4, arenaSize: 16, maxBatch: 1 });
const native = NativeSptpsCipher.tryCreate({ slots: 128, arenaSize: 1 << 17, maxBatch: 4 });
const ports: Array<[string, ReplayPort, number]> = [["WASM core", wasm, 77], ["TypeScript", pure, 3]];
if (native.ok) ports.push(["libcrypto", native.port, 101]);
/** The full record ports, for the tests that open records under the window. */
const recordPorts: Array<[string, WasmSptpsCipher | NativeSptpsCipher]> = [["WASM core", wasm]];
if (native.ok) recordPorts.push(["libcrypto", native.port]);

type Op = { kind: "rel"; delta: number } | { kind: "abs"; value: number } | { kind: "burst"; value: number };
const op: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 8,
    arbitrary: fc.integer({ min: -300, max: 300 }).map((delta) => ({ kind: "rel" as const, delta })),
  },
  {
    weight: 1,
    arbitrary: fc.integer({ min: 0, max: 0xffffffff }).map((value) => ({ kind: "abs" as const, value })),
  },
  {
    // Repeated far jumps, up to the resync; near the top of u32 to exercise the wrap.
    weight: 1,
    arbitrary: fc.oneof(
      fc.integer({ min: 0xffffff00, max: 0xffffffff }),
      fc.integer({ min: 0, max: 1 << 20 }),
    )
      .map((value) => ({ kind: "burst" as const, value })),
  },
);

for (const [name, port, slot] of ports) {
  describe(`replay window (${name})`, () => {
    test("matches the set model under random traffic, both phases, both rule sets", () => {
      fc.assert(
        fc.property(
          fc.constantFrom(0, 1, 2, 4, 16, 33, 256),
          fc.constantFrom<ReplayRules>("sptps", "legacy"),
          fc.array(op, { minLength: 1, maxLength: 120, size: "max" }),
          (windowBytes, rules, ops) => {
            port.replayReset(slot, windowBytes, rules);
            const model = new SetModel(windowBytes, rules);
            const seqnos: number[] = [];
            for (const o of ops) {
              if (o.kind === "rel") seqnos.push((model.top + o.delta) >>> 0);
              else if (o.kind === "abs") seqnos.push(o.value);
              else for (let i = 0; i <= (windowBytes >> 2) + 1; i++) seqnos.push(o.value);
              for (const s of seqnos.splice(0)) {
                const checked = port.replayCheck(slot, s);
                expect(checked).toBe(model.decide(s, false));
                // check changes nothing
                expect(port.replayCheck(slot, s)).toBe(checked);
                expect(port.replayTop(slot)).toBe(model.top);
                expect(port.replayCommit(slot, s)).toBe(model.decide(s, true));
                expect(port.replayTop(slot)).toBe(model.top);
              }
            }
          },
        ),
        { numRuns: 150 },
      );
    });

    test("spec 1.0 §4.3 worked example (r = 1000, R = 16)", () => {
      port.replayReset(slot, 16, "legacy");
      // Bring r to 1000: far ahead of 0, so it takes R/4 + 1 = 5 authenticated tries (resync).
      for (let i = 0; i < 4; i++) expect(port.replayCommit(slot, 1000)).toBe("future");
      expect(port.replayCommit(slot, 1000)).toBe("ok");
      expect(port.replayTop(slot)).toBe(1000);
      expect(port.replayCommit(slot, 1003)).toBe("ok");
      expect(port.replayCheck(slot, 1001)).toBe("ok");
      expect(port.replayCheck(slot, 1002)).toBe("ok");
      expect(port.replayCommit(slot, 1001)).toBe("ok");
      expect(port.replayCommit(slot, 1001)).toBe("duplicate");
      expect(port.replayCommit(slot, 872)).toBe("old");
      expect(port.replayCommit(slot, 875)).toBe("old");
      expect(port.replayCommit(slot, 876)).toBe("duplicate");
      for (let i = 0; i < 4; i++) expect(port.replayCommit(slot, 1200)).toBe("future");
      expect(port.replayCommit(slot, 1200)).toBe("ok");
      expect(port.replayTop(slot)).toBe(1200);
      // The resync marked the whole window as received: 1002, late before, is gone.
      expect(port.replayCommit(slot, 1199)).toBe("duplicate");
      expect(port.replayCommit(slot, 1201)).toBe("ok");
    });

    test("the far-future edge differs by one between 1.0 and SPTPS, as in tinc", () => {
      port.replayReset(slot, 16, "legacy");
      expect(port.replayCommit(slot, 1)).toBe("ok");
      expect(port.replayCheck(slot, 1 + 128)).toBe("future");
      expect(port.replayCheck(slot, 1 + 127)).toBe("ok");
      port.replayReset(slot, 16, "sptps");
      expect(port.replayCommit(slot, 0)).toBe("ok");
      expect(port.replayTop(slot)).toBe(1);
      expect(port.replayCheck(slot, 1 + 128)).toBe("future");
      expect(port.replayCheck(slot, 1 + 127)).toBe("ok");
    });

    test("ReplayWindow = 0 accepts everything and still tracks the top", () => {
      port.replayReset(slot, 0, "sptps");
      for (const s of [5, 5, 1, 0xffffffff]) expect(port.replayCommit(slot, s)).toBe("ok");
      expect(port.replayTop(slot)).toBe(0); // 0xffffffff + 1 wraps, as tinc's u32 does
      expect(port.replayCommit(slot, 3)).toBe("ok");
      expect(port.replayTop(slot)).toBe(4);
    });
  });
}

for (const [name, wasm] of recordPorts) {
  describe(`replay window inside SPTPS open (${name})`, () => {
    const key = new Uint8Array(64).fill(0x42);

    test("forged far-future packets never count toward the resync", () => {
      wasm.setKey(8, "send", key);
      wasm.setKey(8, "recv", key);
      wasm.replayReset(8, 16, "sptps");
      expect(wasm.open(8, wasm.seal(8, 0, 0, new Uint8Array(10))).ok).toBe(true);
      const far = wasm.seal(8, 5000, 0, new Uint8Array(10));
      const forged = far.slice();
      forged[10]! ^= 1;
      for (let i = 0; i < 10; i++) {
        expect(wasm.open(8, forged)).toMatchObject({ ok: false, reason: "bad-tag" });
      }
      for (let i = 0; i < 4; i++) expect(wasm.open(8, far)).toMatchObject({ ok: false, reason: "replay" });
      expect(wasm.open(8, far)).toMatchObject({ ok: true, seqno: 5000 });
      expect(wasm.replayTop(8)).toBe(5001);
    });

    test("a replayed or too-old record is dropped before its tag is even computed", () => {
      wasm.replayReset(8, 16, "sptps");
      const rec = wasm.seal(8, 0, 0, new Uint8Array(10));
      expect(wasm.open(8, rec).ok).toBe(true);
      expect(wasm.open(8, rec)).toMatchObject({ ok: false, reason: "replay", status: 3 });
      expect(wasm.open(8, wasm.seal(8, 2, 0, new Uint8Array(1))).ok).toBe(true);
      expect(wasm.replayCheck(8, 1)).toBe("ok");
      expect(wasm.open(8, wasm.seal(8, 1, 0, new Uint8Array(1))).ok).toBe(true);
      expect(wasm.replayCheck(8, 1)).toBe("duplicate");
    });
  });
}
