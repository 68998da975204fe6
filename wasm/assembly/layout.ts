// The crypto core's fixed memory map. Every region is placed once, at start-up, at a constant
// address, so nothing is allocated per packet and the TypeScript side can keep views on it.
// The map (with an ASCII picture) is documented in wasm/README.md; keep the two in step.

/** Bytes in one WebAssembly page. */
export const PAGE: u32 = 65536;
/** Pages the module is built with (asconfig initialMemory = maximumMemory). */
export const PAGES: u32 = 256;
/** End of linear memory. */
export const MEMORY_END: u32 = PAGES * PAGE;

/** The compiler's static data lives below this; the core checks that at start-up. */
export const RESERVED_END: u32 = 0x0001_0000;

/** Scratch for the core's own temporaries (padded Poly1305 block, tail keystream). */
export const SCRATCH: u32 = 0x0001_0000;
export const SCRATCH_SIZE: u32 = 0x1000;

/** Key slots: per slot, the 32-byte send key then the 32-byte receive key. */
export const KEYS: u32 = 0x0001_1000;
export const SLOT_COUNT: u32 = 1024;
export const KEY_SIZE: u32 = 32;
export const SLOT_KEYS_SIZE: u32 = 2 * KEY_SIZE;

/**
 * Per-slot state: replay window and key flags.
 *   +0  u32 next      sptps: next expected seqno; legacy: highest accepted seqno
 *   +4  u32 farfuture consecutive authenticated far-future packets
 *   +8  u32 winBytes  replay window size R in bytes (0 disables)
 *   +12 u32 flags     bit0 send key set, bit1 receive key set, bit2 legacy (tinc 1.0) rules
 *   +16 u8[256] late  bitmap: bit (s % 8) of byte (s / 8) % R is set while s is late
 */
export const STATE: u32 = 0x0002_1000;
export const STATE_SIZE: u32 = 272;
export const MAX_WINDOW_BYTES: u32 = 256;
export const ST_NEXT: u32 = 0;
export const ST_FARFUTURE: u32 = 4;
export const ST_WINBYTES: u32 = 8;
export const ST_FLAGS: u32 = 12;
export const ST_LATE: u32 = 16;
export const FLAG_SEND: u32 = 1;
export const FLAG_RECV: u32 = 2;
export const FLAG_LEGACY: u32 = 4;

/**
 * Descriptor table for batches, 16 bytes per packet:
 *   +0 u32 offset (in the arena)  +4 u32 length  +8 u32 seqno  +12 u16 slot  +14 u8 type  +15 u8 status
 */
export const DESCRIPTORS: u32 = 0x0007_0000;
export const DESCRIPTOR_SIZE: u32 = 16;
export const DESCRIPTOR_COUNT: u32 = 4096;
export const D_OFFSET: u32 = 0;
export const D_LENGTH: u32 = 4;
export const D_SEQNO: u32 = 8;
export const D_SLOT: u32 = 12;
export const D_TYPE: u32 = 14;
export const D_STATUS: u32 = 15;

/** Packet arena: every offset handed to the core is relative to here and checked against its size. */
export const ARENA: u32 = 0x0008_0000;
export const ARENA_SIZE: u32 = MEMORY_END - ARENA;

/** Largest SPTPS payload (the stream header's u16 length). */
export const MAX_DATA: u32 = 65535;
/** Datagram header (seqno) + encrypted type byte + Poly1305 tag. */
export const DATAGRAM_OVERHEAD: u32 = 21;
export const TAG_SIZE: u32 = 16;

/** Status codes shared by every export (0 = ok). Mirrored in src/crypto/wasm_core.ts. */
export const OK: i32 = 0;
export const E_BAD_TAG: i32 = 1;
export const E_REPLAY_OLD: i32 = 2;
export const E_REPLAY_DUP: i32 = 3;
export const E_REPLAY_FUTURE: i32 = 4;
export const E_TOO_SHORT: i32 = 5;
export const E_TOO_LONG: i32 = 6;
export const E_BAD_SLOT: i32 = 7;
export const E_NO_KEY: i32 = 8;
export const E_BAD_RANGE: i32 = 9;
export const E_BAD_ARG: i32 = 10;

/** True when [off, off+len) lies inside the arena; written so that no sum can wrap. */
// @ts-ignore: decorator
export function inArena(off: u32, len: u32): bool {
  return len <= ARENA_SIZE && off <= ARENA_SIZE - len;
}
