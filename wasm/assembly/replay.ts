// tinc's replay window (1.0 §4.3 and SPTPS §1.6) over the per-slot state of layout.ts, split in
// two so that no unauthenticated packet can move it: `update = false` only answers what would
// happen; `update = true` is the full rule run after the packet proved authentic.
//
// The two protocols keep different counters and so differ by one at the far-future edge:
//   legacy (1.0):  top = highest accepted seqno r;   expected s = r + 1;  far if s >= r + W
//   SPTPS  (1.1):  top = next expected seqno;        expected s = top;    far if s >= top + W
// All arithmetic is u32 and wraps exactly as tinc's unsigned C does.

import {
  E_REPLAY_DUP,
  E_REPLAY_FUTURE,
  E_REPLAY_OLD,
  FLAG_LEGACY,
  OK,
  ST_FARFUTURE,
  ST_FLAGS,
  ST_LATE,
  ST_NEXT,
  ST_WINBYTES,
} from "./layout";

// @ts-ignore: decorator
function lateByte(st: usize, s: u32, winBytes: u32): usize {
  return st + ST_LATE + <usize> ((s >> 3) % winBytes);
}

/** Runs tinc's replay rules for seqno `s` on the slot state at `st`; returns OK or an E_REPLAY_*. */
export function replayRun(st: usize, s: u32, update: bool): i32 {
  const winBytes = load<u32>(st, ST_WINBYTES);
  const legacy = (load<u32>(st, ST_FLAGS) & FLAG_LEGACY) != 0;
  const top = load<u32>(st, ST_NEXT);
  if (winBytes != 0) {
    const w = winBytes << 3;
    const expected = legacy ? top + 1 : top;
    if (s != expected) {
      if (s >= top + w) {
        // Far ahead: drop unless that has happened more than R/4 times in a row, then resync.
        const farfuture = load<u32>(st, ST_FARFUTURE);
        if (update) store<u32>(st, farfuture + 1, ST_FARFUTURE);
        if (farfuture < (winBytes >> 2)) return E_REPLAY_FUTURE;
        if (update) memory.fill(st + ST_LATE, 0, winBytes);
      } else if (legacy ? s <= top : s < top) {
        const tooOld = legacy ? top >= w && s <= top - w : top >= w && s < top - w;
        if (tooOld) return E_REPLAY_OLD;
        if ((load<u8>(lateByte(st, s, winBytes)) & (1 << (s & 7))) == 0) return E_REPLAY_DUP;
      } else if (update) {
        // A gap: every seqno skipped over becomes late (fewer than W of them here).
        let i = expected;
        for (let n = s - expected; n > 0; n--) {
          const at = lateByte(st, i, winBytes);
          store<u8>(at, <u8> (<u32> load<u8>(at) | (<u32> 1 << (i & 7))));
          i++;
        }
      }
    }
    if (update) {
      const at = lateByte(st, s, winBytes);
      store<u8>(at, <u8> (<u32> load<u8>(at) & ~(<u32> 1 << (s & 7))));
      store<u32>(st, 0, ST_FARFUTURE);
    }
  }
  if (update) {
    if (legacy) {
      if (s > top) store<u32>(st, s, ST_NEXT);
    } else if (s >= top) {
      store<u32>(st, s + 1, ST_NEXT);
    }
  }
  return OK;
}
