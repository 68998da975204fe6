/**
 * The clock and randomness ports the engine is driven with: monotonic milliseconds (never jumps
 * with the wall clock), wall-clock seconds for log stamps and key expiry, and a RandomSource that
 * draws from crypto.getRandomValues in blocks of 256 words (one syscall-backed fill per block).
 * Fakes for tests sit beside them.
 * @module
 */
import type { RandomSource } from "../core/node/effects.ts";

/** Time as the runtime reads it. */
export interface Clock {
  /** Monotonic ms since an arbitrary origin. */
  nowMs(): number;
  /** Wall-clock ms since the epoch. */
  wallMs(): number;
}

/** The real clock: performance.now() and Date.now(). */
export const systemClock: Clock = { nowMs: () => performance.now(), wallMs: () => Date.now() };

/** A clock moved by hand. */
export class FakeClock implements Clock {
  constructor(private mono = 0, private wall = 1_700_000_000_000) {}
  nowMs(): number {
    return this.mono;
  }
  wallMs(): number {
    return this.wall;
  }
  /** Moves both clocks forward. */
  advance(ms: number): void {
    this.mono += ms;
    this.wall += ms;
  }
}

const BLOCK = 256;

/** A RandomSource over crypto.getRandomValues. */
export function cryptoRandomSource(): RandomSource {
  const block = new Uint32Array(BLOCK);
  let next = BLOCK;
  return {
    nextU32() {
      if (next === BLOCK) {
        crypto.getRandomValues(block);
        next = 0;
      }
      return block[next++]!;
    },
  };
}

/** Fresh random bytes (keys, cookies, nonces). */
export function randomBytes(n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i += 65536) crypto.getRandomValues(out.subarray(i, Math.min(n, i + 65536)));
  return out;
}

/** A deterministic RandomSource for tests (xorshift32; never use for keys). */
export function seededRandomSource(seed: number): RandomSource {
  let x = seed >>> 0 || 0x9e3779b9;
  return {
    nextU32() {
      x ^= x << 13;
      x >>>= 0;
      x ^= x >>> 17;
      x ^= x << 5;
      x >>>= 0;
      return x;
    },
  };
}
