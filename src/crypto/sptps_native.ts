/**
 * The SPTPS cipher port (src/core/crypto/cipher_port.ts) on the host's libcrypto 3 through
 * bun:ffi: native ChaCha20 and Poly1305 (AVX2/AVX-512 code paths) operating in place on a plain
 * arena by address, with tinc's replay window in TypeScript (src/core/crypto/replay_window.ts).
 * Same records, statuses and arena contract as WasmSptpsCipher: single-record calls copy through
 * the arena's first SINGLE_REGION bytes, batches run in place at or above it.
 * @module
 */
import { ptr } from "bun:ffi";
import {
  BODY_OVERHEAD,
  DATAGRAM_OVERHEAD,
  DEFAULT_REPLAY_WINDOW,
  type KeyDirection,
  MAX_RECORD_DATA,
  MAX_REPLAY_WINDOW,
  type OpenResult,
  RecordStatus,
  type ReplayRules,
  type ReplayVerdict,
  type SptpsBatchPort,
  type SptpsCipherPort,
} from "../core/crypto/cipher_port.ts";
import { failureOf, verdictOf } from "../core/crypto/record_status.ts";
import { DescriptorTable } from "../core/crypto/descriptor_table.ts";
import { ReplayWindow } from "../core/crypto/replay_window.ts";
import { LibcryptoChaChaPoly } from "./libcrypto_ffi.ts";
import { SINGLE_REGION } from "./sptps_wasm.ts";

/**
 * The arena sits inside a larger buffer so that the 64 bytes before any body can stand in as the
 * zero block that ChaCha20 turns into keystream block 0 in the same call as the body; what they
 * held is parked in the save area meanwhile.
 *
 * ```
 *  backing: +-----------+---------------------------------+----------+
 *           | pad (64)  | arena (arenaSize)               | save (64)|
 *           +-----------+---------------------------------+----------+
 *  body at arena offset `at`: its zero block is backing [at, at + 64)
 * ```
 */
const PAD = 64, SINGLE_AT = 0;

/** Options of the native port. */
export interface NativeSptpsOptions {
  /** Key slots (default 1024, as the WASM core). */
  slots?: number;
  /** Arena bytes including the single-record region (default 4 MiB). */
  arenaSize?: number;
  /** Descriptors (default 4096, as the WASM core). */
  maxBatch?: number;
}

interface Slot {
  /** ChaCha20 context address keyed with the send key, 0 if none was ever made. */
  sendCtx: number;
  recvCtx: number;
  hasSend: boolean;
  hasRecv: boolean;
  window: ReplayWindow;
}

/** SptpsCipherPort and SptpsBatchPort backed by libcrypto 3 (see LibcryptoChaChaPoly). */
export class NativeSptpsCipher implements SptpsCipherPort, SptpsBatchPort {
  readonly slotCount: number;
  readonly arena: Uint8Array;
  readonly maxBatch: number;
  private readonly arenaAddress: number;
  private readonly arenaView: DataView;
  private readonly backing: Uint8Array;
  private readonly backingAddress: number;
  private readonly save: number;
  private readonly descriptors: DescriptorTable;
  private readonly slots: Slot[];
  private closed = false;

  constructor(private readonly lib: LibcryptoChaChaPoly, options: NativeSptpsOptions = {}) {
    this.slotCount = options.slots ?? 1024;
    this.maxBatch = options.maxBatch ?? 4096;
    const arenaSize = options.arenaSize ?? 4 << 20;
    if (arenaSize < SINGLE_REGION) throw new RangeError(`Cannot use an arena below ${SINGLE_REGION} bytes`);
    this.backing = new Uint8Array(PAD + arenaSize + 64);
    this.backingAddress = ptr(this.backing);
    this.save = PAD + arenaSize;
    this.arena = this.backing.subarray(PAD, PAD + arenaSize);
    this.arenaAddress = this.backingAddress + PAD;
    this.arenaView = new DataView(this.backing.buffer, PAD, arenaSize);
    this.descriptors = DescriptorTable.allocate(this.maxBatch);
    this.slots = Array.from({ length: this.slotCount }, () => ({
      sendCtx: 0,
      recvCtx: 0,
      hasSend: false,
      hasRecv: false,
      window: new ReplayWindow(DEFAULT_REPLAY_WINDOW, "sptps"),
    }));
  }

  /**
   * A port on the host's libcrypto 3, or why there is none (no library, OpenSSL < 3, no
   * POLY1305): the caller then falls back to WasmSptpsCipher.
   */
  static tryCreate(
    options: NativeSptpsOptions = {},
  ): { ok: true; port: NativeSptpsCipher; library: string } | { ok: false; reason: string } {
    const opened = LibcryptoChaChaPoly.open();
    if (!opened.ok) return { ok: false, reason: opened.reasons.join("; ") };
    return { ok: true, port: new NativeSptpsCipher(opened.lib, options), library: opened.path };
  }

  private slotAt(slot: number): Slot | undefined {
    return Number.isInteger(slot) && slot >= 0 && slot < this.slotCount ? this.slots[slot] : undefined;
  }

  private mustSlot(slot: number): Slot {
    const s = this.slotAt(slot);
    if (s === undefined) {
      throw new RangeError(`Cannot use key slot ${slot}: outside 0..${this.slotCount - 1}`);
    }
    return s;
  }

  setKey(slot: number, dir: KeyDirection, key64: Uint8Array): void {
    if (this.closed) throw new RangeError("Cannot set a key: the libcrypto port is closed");
    const s = this.mustSlot(slot);
    if (key64.length !== 64) throw new RangeError(`Cannot set key: expected 64 bytes, got ${key64.length}`);
    const key32 = key64.subarray(0, 32);
    if (dir === "send") {
      if (s.sendCtx === 0) s.sendCtx = this.lib.newKeyedContext(key32);
      else this.lib.rekey(s.sendCtx, key32);
      s.hasSend = true;
    } else {
      if (s.recvCtx === 0) s.recvCtx = this.lib.newKeyedContext(key32);
      else this.lib.rekey(s.recvCtx, key32);
      s.hasRecv = true;
    }
  }

  clearKey(slot: number, dir: KeyDirection): void {
    const s = this.mustSlot(slot);
    const ctx = dir === "send" ? s.sendCtx : s.recvCtx;
    // The context is kept for the next key, but the old key must not stay in it.
    if (ctx !== 0) this.lib.rekey(ctx, new Uint8Array(32));
    if (dir === "send") s.hasSend = false;
    else s.hasRecv = false;
  }

  /** Frees every native context; afterwards no key can be set, so nothing seals or opens. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const s of this.slots) {
      if (s.sendCtx !== 0) this.lib.freeContext(s.sendCtx);
      if (s.recvCtx !== 0) this.lib.freeContext(s.recvCtx);
      s.sendCtx = s.recvCtx = 0;
      s.hasSend = s.hasRecv = false;
    }
    this.lib.close();
  }

  replayReset(slot: number, windowBytes: number, rules: ReplayRules): void {
    const s = this.mustSlot(slot);
    if (!Number.isInteger(windowBytes) || windowBytes < 0 || windowBytes > MAX_REPLAY_WINDOW) {
      throw new RangeError(`Cannot set ReplayWindow ${windowBytes}: outside 0..${MAX_REPLAY_WINDOW}`);
    }
    s.window = new ReplayWindow(windowBytes, rules);
  }

  replayCheck(slot: number, seqno: number): ReplayVerdict {
    return verdictOf(this.mustSlot(slot).window.run(seqno >>> 0, false));
  }

  replayCommit(slot: number, seqno: number): ReplayVerdict {
    return verdictOf(this.mustSlot(slot).window.run(seqno >>> 0, true));
  }

  replayTop(slot: number): number {
    return this.mustSlot(slot).window.top >>> 0;
  }

  private sendContext(slot: number, dataLen: number): number {
    const s = this.mustSlot(slot);
    if (!s.hasSend) throw new RangeError(`Cannot seal for slot ${slot}: no send key`);
    if (dataLen > MAX_RECORD_DATA) {
      throw new RangeError(`Cannot seal ${dataLen} bytes: over ${MAX_RECORD_DATA}`);
    }
    return s.sendCtx;
  }

  seal(slot: number, seqno: number, type: number, data: Uint8Array): Uint8Array {
    const ctx = this.sendContext(slot, data.length);
    this.arena.set(data, SINGLE_AT + 5);
    this.sealRecordAt(ctx, SINGLE_AT, data.length, seqno >>> 0, type);
    return this.arena.slice(SINGLE_AT, SINGLE_AT + data.length + DATAGRAM_OVERHEAD);
  }

  sealBody(slot: number, seqno: number, type: number, data: Uint8Array): Uint8Array {
    const ctx = this.sendContext(slot, data.length);
    this.arena.set(data, SINGLE_AT + 1);
    this.arena[SINGLE_AT] = type & 0xff;
    this.sealBodyAt(ctx, seqno >>> 0, SINGLE_AT, data.length + 1);
    return this.arena.slice(SINGLE_AT, SINGLE_AT + data.length + BODY_OVERHEAD);
  }

  /** Writes the header and seals the record at `off` (data already at off+5). */
  private sealRecordAt(ctx: number, off: number, dataLen: number, seqno: number, type: number): void {
    this.arenaView.setUint32(off, seqno, false);
    this.arena[off + 4] = type & 0xff;
    this.sealBodyAt(ctx, seqno, off + 4, dataLen + 1);
  }

  /** Seals the `len`-byte body at arena offset `at` and writes its tag after it. */
  private sealBodyAt(ctx: number, seqno: number, at: number, len: number): void {
    // backing [at, at + 64) is the 64 bytes before the body (the body is at backing at + PAD).
    const b = this.backing, save = this.save;
    b.copyWithin(save, at, at + 64);
    b.fill(0, at, at + 64);
    this.lib.sealAfterZeros(ctx, seqno, this.backingAddress + at, len);
    b.copyWithin(at, save, save + 64);
    b.fill(0, save, save + 64);
  }

  /**
   * Checks the tag after the `len`-byte body at arena offset `at`; if it matches, decrypts in
   * place. (Opening in one ChaCha20 call, as sealing does, measured no faster: it needs a copy.)
   */
  private openBodyAt(ctx: number, seqno: number, at: number, len: number): boolean {
    return this.lib.openAt(ctx, seqno, this.arenaAddress + at, len, this.arena, at + len);
  }

  open(slot: number, record: Uint8Array): OpenResult {
    if (record.length > MAX_RECORD_DATA + DATAGRAM_OVERHEAD) return fail(RecordStatus.TooLong);
    this.arena.set(record, SINGLE_AT);
    const status = this.openRecordAt(slot, SINGLE_AT, record.length);
    if (status !== RecordStatus.Ok) return fail(status);
    const seqno = this.arenaView.getUint32(SINGLE_AT, false);
    const data = this.arena.slice(SINGLE_AT + 5, SINGLE_AT + record.length - 16);
    return { ok: true, type: this.arena[SINGLE_AT + 4]!, seqno, data };
  }

  openBody(slot: number, seqno: number, body: Uint8Array): OpenResult {
    const s = this.slotAt(slot);
    if (s === undefined) return fail(RecordStatus.BadSlot);
    if (body.length < BODY_OVERHEAD) return fail(RecordStatus.TooShort);
    if (body.length > MAX_RECORD_DATA + BODY_OVERHEAD) return fail(RecordStatus.TooLong);
    if (!s.hasRecv) return fail(RecordStatus.NoKey);
    this.arena.set(body, SINGLE_AT);
    const n = body.length - 16;
    if (!this.openBodyAt(s.recvCtx, seqno >>> 0, SINGLE_AT, n)) return fail(RecordStatus.BadTag);
    const data = this.arena.slice(SINGLE_AT + 1, SINGLE_AT + n);
    return { ok: true, type: this.arena[SINGLE_AT]!, seqno: seqno >>> 0, data };
  }

  /** The core's openRecord on arena[off .. off+len): replay check, tag, decrypt, commit. */
  private openRecordAt(slot: number, off: number, len: number): RecordStatus {
    const s = this.slotAt(slot);
    if (s === undefined) return RecordStatus.BadSlot;
    if (len < DATAGRAM_OVERHEAD) return RecordStatus.TooShort;
    if (len > MAX_RECORD_DATA + DATAGRAM_OVERHEAD) return RecordStatus.TooLong;
    if (off > this.arena.length - len) return RecordStatus.BadRange;
    if (!s.hasRecv) return RecordStatus.NoKey;
    const seqno = this.arenaView.getUint32(off, false);
    const check = s.window.run(seqno, false);
    if (check !== RecordStatus.Ok && check !== RecordStatus.ReplayFuture) return check;
    if (!this.openBodyAt(s.recvCtx, seqno, off + 4, len - 20)) return RecordStatus.BadTag;
    return s.window.run(seqno, true);
  }

  writeDescriptor(
    i: number,
    offset: number,
    length: number,
    seqno: number,
    slot: number,
    type: number,
  ): void {
    this.descriptors.write(i, offset, length, seqno, slot, type);
  }

  statusAt(i: number): RecordStatus {
    return this.descriptors.statusAt(i);
  }

  typeAt(i: number): number {
    return this.descriptors.typeAt(i);
  }

  seqnoAt(i: number): number {
    return this.descriptors.seqnoAt(i);
  }

  private inBatch(first: number, count: number): boolean {
    return Number.isInteger(first) && Number.isInteger(count) && first >= 0 && count >= 0 &&
      first + count <= this.maxBatch;
  }

  sealBatch(first: number, count: number): number {
    if (!this.inBatch(first, count)) return -RecordStatus.BadArgument;
    const d = this.descriptors;
    let sealed = 0;
    for (let i = first; i < first + count; i++) {
      const off = d.offsetAt(i), len = d.lengthAt(i);
      const s = this.slotAt(d.slotAt(i));
      let status = RecordStatus.Ok;
      if (s === undefined) status = RecordStatus.BadSlot;
      else if (len > MAX_RECORD_DATA) status = RecordStatus.TooLong;
      else if (off > this.arena.length - len - DATAGRAM_OVERHEAD) status = RecordStatus.BadRange;
      else if (!s.hasSend) status = RecordStatus.NoKey;
      else {
        this.sealRecordAt(s.sendCtx, off, len, d.seqnoAt(i), d.typeAt(i));
        sealed++;
      }
      d.setStatus(i, status);
    }
    return sealed;
  }

  openBatch(first: number, count: number): number {
    if (!this.inBatch(first, count)) return -RecordStatus.BadArgument;
    const d = this.descriptors;
    let opened = 0;
    for (let i = first; i < first + count; i++) {
      const off = d.offsetAt(i), len = d.lengthAt(i);
      if (len >= 4 && len <= this.arena.length && off <= this.arena.length - len) {
        d.setSeqno(i, this.arenaView.getUint32(off, false));
      }
      const status = this.openRecordAt(d.slotAt(i), off, len);
      if (status === RecordStatus.Ok) {
        d.setType(i, this.arena[off + 4]!);
        opened++;
      }
      d.setStatus(i, status);
    }
    return opened;
  }
}

function fail(status: RecordStatus): OpenResult {
  return { ok: false, reason: failureOf(status), status };
}
