/**
 * tinc's replay window in TypeScript (spec 1.0 §4.3, 1.1 §1.6), the same rules as the WASM core's
 * wasm/assembly/replay.ts, for the pure cipher port and for the legacy path's tests.
 *
 * ```
 * late bitmap, R bytes, circular:  bit (s % 8) of byte (s / 8) % R  is set while s is late
 *
 *   legacy (1.0): top = highest accepted r;  s = r + 1 in order;  far ahead if s >= r + 8R
 *   SPTPS  (1.1): top = next expected;       s = top in order;    far ahead if s >= top + 8R
 * ```
 *
 * All arithmetic is modulo 2^32, as tinc's unsigned C.
 * @module
 */
import type { ReplayRules } from "./cipher_port.ts";
import { RecordStatus } from "./cipher_port.ts";

/** One slot's replay state. */
export class ReplayWindow {
  /** SPTPS: next expected seqno; legacy: highest accepted. */
  top = 0;
  /** Consecutive authenticated far-future packets. */
  farfuture = 0;
  readonly late: Uint8Array;

  /**
   * @param windowBytes ReplayWindow R in bytes (0 disables)
   * @param rules which protocol's counter convention
   */
  constructor(readonly windowBytes: number, readonly rules: ReplayRules) {
    this.late = new Uint8Array(windowBytes);
  }

  /** tinc's rule for `seqno`; with `update` false nothing changes. Returns Ok or a Replay* status. */
  run(seqno: number, update: boolean): RecordStatus {
    const s = seqno >>> 0;
    const r = this.windowBytes;
    const legacy = this.rules === "legacy";
    const top = this.top;
    if (r !== 0) {
      const w = r * 8;
      const expected = legacy ? (top + 1) >>> 0 : top;
      if (s !== expected) {
        if (s >= ((top + w) >>> 0)) {
          const farfuture = this.farfuture;
          if (update) this.farfuture = farfuture + 1;
          if (farfuture < r >> 2) return RecordStatus.ReplayFuture;
          if (update) this.late.fill(0);
        } else if (legacy ? s <= top : s < top) {
          const tooOld = legacy ? top >= w && s <= top - w : top >= w && s < top - w;
          if (tooOld) return RecordStatus.ReplayOld;
          if (!this.isLate(s)) return RecordStatus.ReplayDuplicate;
        } else if (update) {
          for (let i = expected; i !== s; i = (i + 1) >>> 0) this.late[(i >>> 3) % r]! |= 1 << (i & 7);
        }
      }
      if (update) {
        this.late[(s >>> 3) % r]! &= ~(1 << (s & 7));
        this.farfuture = 0;
      }
    }
    if (update) {
      if (legacy) {
        if (s > top) this.top = s;
      } else if (s >= top) {
        this.top = (s + 1) >>> 0;
      }
    }
    return RecordStatus.Ok;
  }

  private isLate(s: number): boolean {
    return ((this.late[(s >>> 3) % this.windowBytes]! >> (s & 7)) & 1) === 1;
  }
}
