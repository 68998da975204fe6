// The crypto core's exports. Memory layout and ABI: see wasm/README.md.
//
// Every offset an export takes is relative to the packet arena and is checked against it, every
// slot against SLOT_COUNT: a bad argument returns an error code and never traps.

import { chachaBlockAt, chachaXorScalar, chachaXorSimd } from "./chacha20";
import { replayRun } from "./replay";
import { openBodyAt, polyMac, sealBodyAt, setSimdPath, simdPath } from "./sptps";
import {
  ARENA,
  ARENA_SIZE,
  D_LENGTH,
  D_OFFSET,
  D_SEQNO,
  D_SLOT,
  D_STATUS,
  D_TYPE,
  DATAGRAM_OVERHEAD,
  DESCRIPTOR_COUNT,
  DESCRIPTOR_SIZE,
  DESCRIPTORS,
  E_BAD_ARG,
  E_BAD_RANGE,
  E_BAD_SLOT,
  E_NO_KEY,
  E_REPLAY_FUTURE,
  E_TOO_LONG,
  E_TOO_SHORT,
  FLAG_LEGACY,
  FLAG_RECV,
  FLAG_SEND,
  inArena,
  KEY_SIZE,
  KEYS,
  MAX_DATA,
  MAX_WINDOW_BYTES,
  MEMORY_END,
  OK,
  RESERVED_END,
  SCRATCH,
  SLOT_COUNT,
  SLOT_KEYS_SIZE,
  ST_FARFUTURE,
  ST_FLAGS,
  ST_LATE,
  ST_NEXT,
  ST_WINBYTES,
  STATE,
  STATE_SIZE,
  TAG_SIZE,
} from "./layout";

/** Small inputs (keys, a block state) are staged here by the host: 2 KiB inside the scratch page. */
const STAGING: u32 = SCRATCH + 0x800;
const STAGING_SIZE: u32 = 0x800;

// @ts-ignore: decorator
function stateOf(slot: u32): usize {
  return STATE + slot * STATE_SIZE;
}

// @ts-ignore: decorator
function keyOf(slot: u32, recv: bool): usize {
  return KEYS + slot * SLOT_KEYS_SIZE + (recv ? KEY_SIZE : 0);
}

/** Checks that the compiler's static data stayed below the fixed map; 0 when the layout holds. */
export function init(): i32 {
  if (<u32> __heap_base > RESERVED_END) return E_BAD_RANGE;
  if (<u32> memory.size() * 65536 < MEMORY_END) return E_BAD_RANGE;
  return OK;
}

/** Where each region starts (absolute addresses), for the host's views. */
export function arenaBase(): u32 {
  return ARENA;
}
export function arenaSize(): u32 {
  return ARENA_SIZE;
}
export function descriptorBase(): u32 {
  return DESCRIPTORS;
}
export function descriptorCount(): u32 {
  return DESCRIPTOR_COUNT;
}
export function stagingBase(): u32 {
  return STAGING;
}
export function stateBase(): u32 {
  return STATE;
}
export function slotCount(): u32 {
  return SLOT_COUNT;
}

/** Selects the v128 (1) or scalar (0) ChaCha20 path for every later call. */
export function setSimd(on: i32): void {
  setSimdPath(on != 0);
}
export function simdEnabled(): i32 {
  return simdPath() ? 1 : 0;
}

// ---- key slots -------------------------------------------------------------------------------

/**
 * Installs the first 32 bytes of the 64-byte key staged at STAGING as the slot's send (dir 0) or
 * receive (dir 1) key. The second half is tinc's unused header key and is ignored.
 */
export function setKey(slot: u32, dir: u32): i32 {
  if (slot >= SLOT_COUNT) return E_BAD_SLOT;
  if (dir > 1) return E_BAD_ARG;
  memory.copy(keyOf(slot, dir == 1), STAGING, KEY_SIZE);
  const st = stateOf(slot);
  store<u32>(st, load<u32>(st, ST_FLAGS) | (dir == 1 ? FLAG_RECV : FLAG_SEND), ST_FLAGS);
  memory.fill(STAGING, 0, 64);
  return OK;
}

/** Wipes the slot's key for one direction; records for it then fail with E_NO_KEY. */
export function clearKey(slot: u32, dir: u32): i32 {
  if (slot >= SLOT_COUNT) return E_BAD_SLOT;
  if (dir > 1) return E_BAD_ARG;
  memory.fill(keyOf(slot, dir == 1), 0, KEY_SIZE);
  const st = stateOf(slot);
  store<u32>(st, load<u32>(st, ST_FLAGS) & ~(dir == 1 ? FLAG_RECV : FLAG_SEND), ST_FLAGS);
  return OK;
}

// ---- replay window ---------------------------------------------------------------------------

/** Empties the slot's window: size `winBytes` (0 disables, at most 256), tinc 1.0 rules if legacy. */
export function replayReset(slot: u32, winBytes: u32, legacy: i32): i32 {
  if (slot >= SLOT_COUNT) return E_BAD_SLOT;
  if (winBytes > MAX_WINDOW_BYTES) return E_BAD_ARG;
  const st = stateOf(slot);
  store<u32>(st, 0, ST_NEXT);
  store<u32>(st, 0, ST_FARFUTURE);
  store<u32>(st, winBytes, ST_WINBYTES);
  const keys = load<u32>(st, ST_FLAGS) & (FLAG_SEND | FLAG_RECV);
  store<u32>(st, keys | (legacy != 0 ? FLAG_LEGACY : 0), ST_FLAGS);
  memory.fill(st + ST_LATE, 0, MAX_WINDOW_BYTES);
  return OK;
}

/** Would `seqno` be accepted? No state changes. OK, or E_REPLAY_OLD/DUP/FUTURE, or E_BAD_SLOT. */
export function replayCheck(slot: u32, seqno: u32): i32 {
  if (slot >= SLOT_COUNT) return E_BAD_SLOT;
  return replayRun(stateOf(slot), seqno, false);
}

/** tinc's full rule for an authenticated `seqno`: accepts (OK) and moves the window, or drops. */
export function replayCommit(slot: u32, seqno: u32): i32 {
  if (slot >= SLOT_COUNT) return E_BAD_SLOT;
  return replayRun(stateOf(slot), seqno, true);
}

/** SPTPS: the next expected seqno; legacy: the highest accepted one. */
export function replayTop(slot: u32): u32 {
  if (slot >= SLOT_COUNT) return 0;
  return load<u32>(stateOf(slot), ST_NEXT);
}

// ---- records ---------------------------------------------------------------------------------

// @ts-ignore: decorator
function sealChecked(off: u32, dataLen: u32, seqno: u32, slot: u32, type: u32, header: u32): i32 {
  if (slot >= SLOT_COUNT) return E_BAD_SLOT;
  if (dataLen > MAX_DATA) return E_TOO_LONG;
  if (!inArena(off, dataLen + header + 1 + TAG_SIZE)) return E_BAD_RANGE;
  if ((load<u32>(stateOf(slot), ST_FLAGS) & FLAG_SEND) == 0) return E_NO_KEY;
  const at = ARENA + off;
  if (header == 4) store<u32>(at, bswap<u32>(seqno));
  store<u8>(at + header, <u8> type);
  sealBodyAt(keyOf(slot, false), seqno, at + header, dataLen);
  return OK;
}

/**
 * Seals a datagram record in place at arena offset `off`: the caller has put `dataLen` bytes of
 * data at off+5; the core writes seqno (u32be) at off, the encrypted type at off+4, encrypts
 * the data and appends the tag. The record is dataLen + 21 bytes.
 */
export function sealRecord(off: u32, dataLen: u32, seqno: u32, slot: u32, type: u32): i32 {
  return sealChecked(off, dataLen, seqno, slot, type, 4);
}

/** Seals a header-less body (stream mode): data at off+1, type written at off, tag appended. */
export function sealBody(off: u32, dataLen: u32, seqno: u32, slot: u32, type: u32): i32 {
  return sealChecked(off, dataLen, seqno, slot, type, 0);
}

/**
 * Opens the datagram record of `recordLen` bytes at arena offset `off` in place, under the
 * slot's replay window (check, then tag, then commit). On success returns the record type
 * (0..255); the data (recordLen - 21 bytes) is at off+5. On failure returns -status.
 */
export function openRecord(off: u32, recordLen: u32, slot: u32): i32 {
  if (slot >= SLOT_COUNT) return -E_BAD_SLOT;
  if (recordLen < DATAGRAM_OVERHEAD) return -E_TOO_SHORT;
  if (recordLen > MAX_DATA + DATAGRAM_OVERHEAD) return -E_TOO_LONG;
  if (!inArena(off, recordLen)) return -E_BAD_RANGE;
  const st = stateOf(slot);
  if ((load<u32>(st, ST_FLAGS) & FLAG_RECV) == 0) return -E_NO_KEY;
  const at = ARENA + off;
  const seqno = bswap<u32>(load<u32>(at));
  // A far-future packet must still be authenticated: tinc counts only authentic ones toward resync.
  const check = replayRun(st, seqno, false);
  if (check != OK && check != E_REPLAY_FUTURE) return -check;
  const opened = openBodyAt(keyOf(slot, true), seqno, at + 4, recordLen - DATAGRAM_OVERHEAD);
  if (opened != OK) return -opened;
  const committed = replayRun(st, seqno, true);
  if (committed != OK) return -committed;
  return load<u8>(at + 4);
}

/**
 * Opens a header-less body of `bodyLen` bytes (stream mode; the caller tracks the implicit seqno,
 * no replay window). Returns the type or -status; data (bodyLen - 17 bytes) is at off+1.
 */
export function openBody(off: u32, bodyLen: u32, seqno: u32, slot: u32): i32 {
  if (slot >= SLOT_COUNT) return -E_BAD_SLOT;
  if (bodyLen < 1 + TAG_SIZE) return -E_TOO_SHORT;
  if (bodyLen > MAX_DATA + 1 + TAG_SIZE) return -E_TOO_LONG;
  if (!inArena(off, bodyLen)) return -E_BAD_RANGE;
  if ((load<u32>(stateOf(slot), ST_FLAGS) & FLAG_RECV) == 0) return -E_NO_KEY;
  const at = ARENA + off;
  const opened = openBodyAt(keyOf(slot, true), seqno, at, bodyLen - 1 - TAG_SIZE);
  if (opened != OK) return -opened;
  return load<u8>(at);
}

// ---- batches ---------------------------------------------------------------------------------

// @ts-ignore: decorator
function batchInRange(first: u32, count: u32): bool {
  return count <= DESCRIPTOR_COUNT && first <= DESCRIPTOR_COUNT - count;
}

/**
 * Seals descriptors [first, first+count): each names offset, data length, seqno, slot and type
 * as for sealRecord; its status byte receives the result. Returns how many were sealed, or
 * -E_BAD_ARG for a range outside the table.
 */
export function sealBatch(first: u32, count: u32): i32 {
  if (!batchInRange(first, count)) return -E_BAD_ARG;
  let sealed = 0;
  for (let i: u32 = 0; i < count; i++) {
    const d = DESCRIPTORS + (first + i) * DESCRIPTOR_SIZE;
    const status = sealChecked(
      load<u32>(d, D_OFFSET),
      load<u32>(d, D_LENGTH),
      load<u32>(d, D_SEQNO),
      load<u16>(d, D_SLOT),
      load<u8>(d, D_TYPE),
      4,
    );
    store<u8>(d, <u8> status, D_STATUS);
    if (status == OK) sealed++;
  }
  return sealed;
}

/**
 * Opens descriptors [first, first+count) as openRecord does, one after another so that a
 * duplicate later in the batch meets the window its twin moved. Input: offset, record length,
 * slot. Output: seqno (from the header), type and status. Returns how many opened.
 */
export function openBatch(first: u32, count: u32): i32 {
  if (!batchInRange(first, count)) return -E_BAD_ARG;
  let opened = 0;
  for (let i: u32 = 0; i < count; i++) {
    const d = DESCRIPTORS + (first + i) * DESCRIPTOR_SIZE;
    const off = load<u32>(d, D_OFFSET);
    const len = load<u32>(d, D_LENGTH);
    if (len >= 4 && inArena(off, len)) store<u32>(d, bswap<u32>(load<u32>(ARENA + off)), D_SEQNO);
    const r = openRecord(off, len, load<u16>(d, D_SLOT));
    if (r >= 0) {
      store<u8>(d, <u8> r, D_TYPE);
      store<u8>(d, OK, D_STATUS);
      opened++;
    } else {
      store<u8>(d, <u8> -r, D_STATUS);
    }
  }
  return opened;
}

// ---- raw primitives (vectors, selftest) --------------------------------------------------------

/**
 * ChaCha20 over arena bytes with the active path. wide = 1: original (64-bit counter c0|c1,
 * nonce n0 n1); wide = 0: RFC 8439 (32-bit counter c0, nonce c1 n0 n1). Key: 32 arena bytes.
 */
export function chacha20Xor(
  keyOff: u32,
  c0: u32,
  c1: u32,
  n0: u32,
  n1: u32,
  wide: i32,
  srcOff: u32,
  dstOff: u32,
  len: u32,
): i32 {
  if (!inArena(keyOff, 32) || !inArena(srcOff, len) || !inArena(dstOff, len)) return E_BAD_RANGE;
  const key = ARENA + keyOff, src = ARENA + srcOff, dst = ARENA + dstOff;
  if (simdPath()) chachaXorSimd(key, c0, c1, n0, n1, wide != 0, src, dst, len);
  else chachaXorScalar(key, c0, c1, n0, n1, wide != 0, src, dst, len);
  return OK;
}

/** Poly1305 tag (active path) of `len` arena bytes at msgOff under the 32-byte key at keyOff, to outOff. */
export function poly1305(keyOff: u32, msgOff: u32, len: u32, outOff: u32): i32 {
  if (!inArena(keyOff, 32) || !inArena(msgOff, len) || !inArena(outOff, 16)) return E_BAD_RANGE;
  polyMac(ARENA + keyOff, ARENA + msgOff, len, ARENA + outOff);
  return OK;
}

/**
 * The ChaCha20 block function on a 16-word state at absolute address `state`, 64 bytes to
 * `out` (both must lie in the staging area or the arena). Kept for `tinct selftest`.
 */
export function chacha20Block(state: u32, out: u32): i32 {
  if (!hostWritable(state, 64) || !hostWritable(out, 64)) return E_BAD_RANGE;
  chachaBlockAt(state, out);
  return OK;
}

function hostWritable(at: u32, len: u32): bool {
  if (at >= STAGING && at - STAGING <= STAGING_SIZE - len) return true;
  return at >= ARENA && inArena(at - ARENA, len);
}
