/**
 * The engine's cipher port for SPTPS records (spec tinc-1.1-sptps.md §1.4, §1.6): per-peer key
 * slots, record seal/open, the replay window in two phases, and a batch form over a packet arena.
 * Two implementations: the WASM core (src/crypto/sptps_wasm.ts, the data path) and a pure
 * TypeScript one on @noble/ciphers (src/core/crypto/sptps_noble.ts, for engine tests).
 *
 * Datagram record (UDP), sealed by `seal`, opened by `open`:
 *
 * ```
 *  0        4      5                5+len        5+len+16
 *  +--------+------+-----------------+------------+
 *  | seqno  | type | data            | tag        |
 *  | u32 BE |      |                 | Poly1305   |
 *  +--------+------+-----------------+------------+
 *   plain   <-- ChaCha20, from block 1 -->  over the ciphertext only
 * ```
 *
 * A stream record (TCP meta connection) is `len:u16be || body` where body = the bytes after the
 * seqno above; `sealBody`/`openBody` produce and consume that body, the caller adds the length
 * and tracks the implicit seqno.
 * @module
 */

/** Which of a slot's two keys: the one we send with or the one the peer sends with. */
export type KeyDirection = "send" | "recv";

/** Result codes shared with the WASM core (numbering is the core's ABI). */
export enum RecordStatus {
  Ok = 0,
  BadTag = 1,
  ReplayOld = 2,
  ReplayDuplicate = 3,
  ReplayFuture = 4,
  TooShort = 5,
  TooLong = 6,
  BadSlot = 7,
  NoKey = 8,
  BadRange = 9,
  BadArgument = 10,
}

/** Why a record was dropped, as logged and counted by the engine. */
export type OpenFailure =
  | "bad-tag"
  | "replay"
  | "too-short"
  | "too-long"
  | "bad-slot"
  | "no-key"
  | "bad-range";

/** The outcome of opening one record. `open` never throws on bad input. */
export type OpenResult =
  | { ok: true; type: number; seqno: number; data: Uint8Array }
  | { ok: false; reason: OpenFailure; status: RecordStatus };

/** The replay window's verdict: accepted, or why not. */
export type ReplayVerdict = "ok" | "old" | "duplicate" | "future";

/** Rules of the window: SPTPS (1.1) counts the next expected seqno, legacy (1.0) the highest seen. */
export type ReplayRules = "sptps" | "legacy";

/** Default ReplayWindow in bytes (128 packets). */
export const DEFAULT_REPLAY_WINDOW = 16;
/** Largest ReplayWindow the implementations hold per slot (2048 packets). */
export const MAX_REPLAY_WINDOW = 256;
/** Largest record payload (the stream header is a u16). */
export const MAX_RECORD_DATA = 65535;
/** Datagram overhead: seqno (4) + type (1) + tag (16). */
export const DATAGRAM_OVERHEAD = 21;
/** Stream body overhead: type (1) + tag (16). */
export const BODY_OVERHEAD = 17;

/**
 * tinc's replay window per slot, in two phases. `check` changes nothing; `commit` is tinc's full
 * rule for a packet already authenticated: it accepts and moves the window, or drops (an
 * authentic far-future packet still counts toward the resync). SPTPS: check, open, commit.
 * Legacy 1.0: MAC, decrypt, then commit (check first when a dry run is wanted).
 */
export interface ReplayPort {
  /** Empties the slot's window; `windowBytes` 0 disables checking (at most MAX_REPLAY_WINDOW). */
  replayReset(slot: number, windowBytes: number, rules: ReplayRules): void;
  /** What `commit` would decide for `seqno` now ("future" may still be accepted by a resync). */
  replayCheck(slot: number, seqno: number): ReplayVerdict;
  /** Applies tinc's rule for an authenticated `seqno`; "ok" means accepted. */
  replayCommit(slot: number, seqno: number): ReplayVerdict;
  /** SPTPS: next expected seqno; legacy: highest accepted seqno. */
  replayTop(slot: number): number;
}

/**
 * Single-record operations. Misuse by the engine (bad slot or key length, data over 65,535
 * bytes, sealing without a send key) throws a RangeError; bytes from the network never throw.
 */
export interface SptpsCipherPort extends ReplayPort {
  /** Number of key slots; valid slots are 0 .. slotCount-1. */
  readonly slotCount: number;
  /** Installs a direction's 64-byte SPTPS key (only its first 32 bytes key the cipher). */
  setKey(slot: number, dir: KeyDirection, key64: Uint8Array): void;
  /** Forgets a direction's key. */
  clearKey(slot: number, dir: KeyDirection): void;
  /** Seals a datagram record with the slot's send key. */
  seal(slot: number, seqno: number, type: number, data: Uint8Array): Uint8Array;
  /** Opens a datagram record with the slot's receive key under its replay window. */
  open(slot: number, record: Uint8Array): OpenResult;
  /** Seals a stream-mode body (no header) for the implicit `seqno`. */
  sealBody(slot: number, seqno: number, type: number, data: Uint8Array): Uint8Array;
  /** Opens a stream-mode body for the implicit `seqno` (no replay window in stream mode). */
  openBody(slot: number, seqno: number, body: Uint8Array): OpenResult;
}

/**
 * Batches over a packet arena: the caller writes packets into `arena` and one descriptor per
 * packet, then one call seals or opens them all in place.
 *
 * seal descriptor in:  offset, length = data length (data at offset+5), seqno, slot, type
 *              out:    status; the record is at offset, length + 21 bytes long
 * open descriptor in:  offset, length = record length, slot
 *              out:    status, seqno (from the header), type; data at offset+5, length - 21 bytes
 */
export interface SptpsBatchPort {
  /** Packet bytes; descriptor offsets are relative to its start. */
  readonly arena: Uint8Array;
  /** Descriptor table size. */
  readonly maxBatch: number;
  /** Fills descriptor `i` (no allocation). */
  writeDescriptor(i: number, offset: number, length: number, seqno: number, slot: number, type: number): void;
  /** Status of descriptor `i` after a batch call. */
  statusAt(i: number): RecordStatus;
  /** Record type of descriptor `i` (after open). */
  typeAt(i: number): number;
  /** Seqno of descriptor `i` (after open: from the record header). */
  seqnoAt(i: number): number;
  /** Seals descriptors [first, first+count); returns how many succeeded. */
  sealBatch(first: number, count: number): number;
  /** Opens descriptors [first, first+count) in order; returns how many succeeded. */
  openBatch(first: number, count: number): number;
}
