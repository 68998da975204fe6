/**
 * The SPTPS record cipher (spec tinc-1.1-sptps.md §1.4) in pure TypeScript on @noble/ciphers:
 * `chacha20orig` (64-bit counter, 8-byte IV = seqno big-endian) and `poly1305` over the
 * ciphertext. Implements the same ports as the WASM core so engine tests need no WASM, and it
 * is the oracle the core is tested against.
 * @module
 */
import { chacha20orig } from "@noble/ciphers/chacha.js";
import { poly1305 } from "@noble/ciphers/_poly1305.js";
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
} from "./cipher_port.ts";
import { failureOf, verdictOf } from "./record_status.ts";
import { DescriptorTable } from "./descriptor_table.ts";
import { ReplayWindow } from "./replay_window.ts";

/** The 8-byte IV of a record: seqno as a big-endian u64 (upper half zero). */
function ivOf(seqno: number): Uint8Array {
  const iv = new Uint8Array(8);
  new DataView(iv.buffer).setUint32(4, seqno >>> 0, false);
  return iv;
}

/** Encrypts `type || data` in `body[0 .. n)` in place and writes the tag at `body[n .. n+16)`. */
export function sealBodyInPlace(key32: Uint8Array, seqno: number, body: Uint8Array, n: number): void {
  const iv = ivOf(seqno);
  const polyKey = chacha20orig(key32, iv, new Uint8Array(32), undefined, 0);
  const plain = body.subarray(0, n);
  chacha20orig(key32, iv, plain, plain, 1);
  body.set(poly1305(plain, polyKey), n);
}

/** Verifies the tag after `body[0 .. n)` and, only if it matches, decrypts that part in place. */
export function openBodyInPlace(key32: Uint8Array, seqno: number, body: Uint8Array, n: number): boolean {
  const iv = ivOf(seqno);
  const polyKey = chacha20orig(key32, iv, new Uint8Array(32), undefined, 0);
  const cipher = body.subarray(0, n);
  const want = poly1305(cipher, polyKey);
  let diff = 0;
  for (let i = 0; i < 16; i++) diff |= want[i]! ^ body[n + i]!;
  if (diff !== 0) return false;
  chacha20orig(key32, iv, cipher, cipher, 1);
  return true;
}

interface Slot {
  send: Uint8Array | undefined;
  recv: Uint8Array | undefined;
  window: ReplayWindow;
}

/** Options of the pure port. */
export interface NobleSptpsOptions {
  /** Key slots (default 1024). */
  slots?: number;
  /** Arena bytes for batches (default 1 MiB). */
  arenaSize?: number;
  /** Descriptors (default 256). */
  maxBatch?: number;
}

/** SptpsCipherPort and SptpsBatchPort on @noble/ciphers. */
export class NobleSptpsCipher implements SptpsCipherPort, SptpsBatchPort {
  readonly slotCount: number;
  readonly arena: Uint8Array;
  readonly maxBatch: number;
  private readonly slots: Slot[];
  private readonly descriptors: DescriptorTable;

  constructor(options: NobleSptpsOptions = {}) {
    this.slotCount = options.slots ?? 1024;
    this.arena = new Uint8Array(options.arenaSize ?? 1 << 20);
    this.maxBatch = options.maxBatch ?? 256;
    this.descriptors = DescriptorTable.allocate(this.maxBatch);
    this.slots = Array.from({ length: this.slotCount }, () => ({
      send: undefined,
      recv: undefined,
      window: new ReplayWindow(DEFAULT_REPLAY_WINDOW, "sptps"),
    }));
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
    if (key64.length !== 64) throw new RangeError(`Cannot set key: expected 64 bytes, got ${key64.length}`);
    this.mustSlot(slot)[dir] = key64.slice(0, 32);
  }

  clearKey(slot: number, dir: KeyDirection): void {
    const s = this.mustSlot(slot);
    s[dir]?.fill(0);
    s[dir] = undefined;
  }

  replayReset(slot: number, windowBytes: number, rules: ReplayRules): void {
    if (!Number.isInteger(windowBytes) || windowBytes < 0 || windowBytes > MAX_REPLAY_WINDOW) {
      throw new RangeError(`Cannot set ReplayWindow ${windowBytes}: outside 0..${MAX_REPLAY_WINDOW}`);
    }
    this.mustSlot(slot).window = new ReplayWindow(windowBytes, rules);
  }

  replayCheck(slot: number, seqno: number): ReplayVerdict {
    return verdictOf(this.mustSlot(slot).window.run(seqno, false));
  }

  replayCommit(slot: number, seqno: number): ReplayVerdict {
    return verdictOf(this.mustSlot(slot).window.run(seqno, true));
  }

  replayTop(slot: number): number {
    return this.mustSlot(slot).window.top;
  }

  private sendKey(slot: number, dataLen: number): Uint8Array {
    const key = this.mustSlot(slot).send;
    if (key === undefined) throw new RangeError(`Cannot seal for slot ${slot}: no send key`);
    if (dataLen > MAX_RECORD_DATA) {
      throw new RangeError(`Cannot seal ${dataLen} bytes: over ${MAX_RECORD_DATA}`);
    }
    return key;
  }

  seal(slot: number, seqno: number, type: number, data: Uint8Array): Uint8Array {
    const key = this.sendKey(slot, data.length);
    const record = new Uint8Array(data.length + DATAGRAM_OVERHEAD);
    new DataView(record.buffer).setUint32(0, seqno >>> 0, false);
    record[4] = type;
    record.set(data, 5);
    sealBodyInPlace(key, seqno, record.subarray(4), data.length + 1);
    return record;
  }

  sealBody(slot: number, seqno: number, type: number, data: Uint8Array): Uint8Array {
    const key = this.sendKey(slot, data.length);
    const body = new Uint8Array(data.length + BODY_OVERHEAD);
    body[0] = type;
    body.set(data, 1);
    sealBodyInPlace(key, seqno, body, data.length + 1);
    return body;
  }

  open(slot: number, record: Uint8Array): OpenResult {
    const copy = record.slice();
    const status = this.openInPlace(slot, copy, 0, copy.length);
    if (status !== RecordStatus.Ok) return { ok: false, reason: failureOf(status), status };
    const seqno = new DataView(copy.buffer).getUint32(0, false);
    return { ok: true, type: copy[4]!, seqno, data: copy.subarray(5, copy.length - 16) };
  }

  openBody(slot: number, seqno: number, body: Uint8Array): OpenResult {
    const s = this.slotAt(slot);
    const fail = (status: RecordStatus): OpenResult => ({ ok: false, reason: failureOf(status), status });
    if (s === undefined) return fail(RecordStatus.BadSlot);
    if (body.length < BODY_OVERHEAD) return fail(RecordStatus.TooShort);
    if (body.length > MAX_RECORD_DATA + BODY_OVERHEAD) return fail(RecordStatus.TooLong);
    if (s.recv === undefined) return fail(RecordStatus.NoKey);
    const copy = body.slice();
    if (!openBodyInPlace(s.recv, seqno, copy, copy.length - 16)) return fail(RecordStatus.BadTag);
    return { ok: true, type: copy[0]!, seqno: seqno >>> 0, data: copy.subarray(1, copy.length - 16) };
  }

  /** The core's openRecord on `buf[off .. off+len)`: replay check, tag, decrypt, commit. */
  private openInPlace(slot: number, buf: Uint8Array, off: number, len: number): RecordStatus {
    const s = this.slotAt(slot);
    if (s === undefined) return RecordStatus.BadSlot;
    if (len < DATAGRAM_OVERHEAD) return RecordStatus.TooShort;
    if (len > MAX_RECORD_DATA + DATAGRAM_OVERHEAD) return RecordStatus.TooLong;
    if (off < 0 || off + len > buf.length) return RecordStatus.BadRange;
    if (s.recv === undefined) return RecordStatus.NoKey;
    const seqno = new DataView(buf.buffer, buf.byteOffset + off).getUint32(0, false);
    const check = s.window.run(seqno, false);
    if (check !== RecordStatus.Ok && check !== RecordStatus.ReplayFuture) return check;
    if (!openBodyInPlace(s.recv, seqno, buf.subarray(off + 4, off + len), len - 20)) {
      return RecordStatus.BadTag;
    }
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
    return first >= 0 && count >= 0 && first + count <= this.maxBatch;
  }

  sealBatch(first: number, count: number): number {
    if (!this.inBatch(first, count)) return -RecordStatus.BadArgument;
    let sealed = 0;
    for (let i = first; i < first + count; i++) {
      const d = this.descriptors;
      const off = d.offsetAt(i), len = d.lengthAt(i);
      const s = this.slotAt(d.slotAt(i));
      let status = RecordStatus.Ok;
      if (s === undefined) status = RecordStatus.BadSlot;
      else if (len > MAX_RECORD_DATA) status = RecordStatus.TooLong;
      else if (off + len + DATAGRAM_OVERHEAD > this.arena.length) status = RecordStatus.BadRange;
      else if (s.send === undefined) status = RecordStatus.NoKey;
      else {
        const seqno = d.seqnoAt(i);
        new DataView(this.arena.buffer, this.arena.byteOffset + off).setUint32(0, seqno, false);
        this.arena[off + 4] = d.typeAt(i);
        sealBodyInPlace(s.send, seqno, this.arena.subarray(off + 4, off + len + DATAGRAM_OVERHEAD), len + 1);
        sealed++;
      }
      d.setStatus(i, status);
    }
    return sealed;
  }

  openBatch(first: number, count: number): number {
    if (!this.inBatch(first, count)) return -RecordStatus.BadArgument;
    let opened = 0;
    for (let i = first; i < first + count; i++) {
      const d = this.descriptors;
      const off = d.offsetAt(i), len = d.lengthAt(i);
      if (len >= 4 && off + len <= this.arena.length) {
        d.setSeqno(i, new DataView(this.arena.buffer, this.arena.byteOffset + off).getUint32(0, false));
      }
      const status = this.openInPlace(d.slotAt(i), this.arena, off, len);
      if (status === RecordStatus.Ok) {
        d.setType(i, this.arena[off + 4]!);
        opened++;
      }
      d.setStatus(i, status);
    }
    return opened;
  }
}
