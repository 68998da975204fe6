/**
 * The SPTPS cipher port on the WebAssembly core: the data path's implementation of
 * src/core/crypto/cipher_port.ts. Batches run in place in the core's arena (no copies);
 * single-record calls copy through the arena's first SINGLE_REGION bytes, so batch users keep
 * their packets at or above that offset.
 * @module
 */
import {
  BODY_OVERHEAD,
  DATAGRAM_OVERHEAD,
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
import { DESCRIPTOR_SIZE, DescriptorTable } from "../core/crypto/descriptor_table.ts";
import { instantiateWasmCore, type WasmCore, type WasmCoreExports } from "./wasm_core.ts";

/** Arena bytes [0, SINGLE_REGION) are scratch for seal/open/sealBody/openBody. */
export const SINGLE_REGION = 0x11000;

/** SptpsCipherPort and SptpsBatchPort backed by the WASM core. */
export class WasmSptpsCipher implements SptpsCipherPort, SptpsBatchPort {
  readonly slotCount: number;
  readonly arena: Uint8Array;
  readonly maxBatch: number;
  /** The descriptor table as bytes (16 per packet, layout in wasm/README.md). */
  readonly descriptorBytes: Uint8Array;
  private readonly x: WasmCoreExports;
  private readonly staging: Uint8Array;
  private readonly descriptors: DescriptorTable;

  constructor(readonly core: WasmCore) {
    const x = core.exports;
    this.x = x;
    const mem = x.memory.buffer;
    this.slotCount = x.slotCount();
    this.arena = new Uint8Array(mem, x.arenaBase(), x.arenaSize());
    this.maxBatch = x.descriptorCount();
    this.descriptorBytes = new Uint8Array(mem, x.descriptorBase(), this.maxBatch * DESCRIPTOR_SIZE);
    this.descriptors = new DescriptorTable(
      new DataView(mem, x.descriptorBase(), this.maxBatch * DESCRIPTOR_SIZE),
    );
    this.staging = new Uint8Array(mem, x.stagingBase(), 64);
  }

  /**
   * Loads a core from its bytes.
   * @param wasmBytes the bytes of core.wasm
   * @returns a port on a fresh core
   */
  static fromBytes(wasmBytes: Uint8Array): WasmSptpsCipher {
    return new WasmSptpsCipher(instantiateWasmCore(wasmBytes));
  }

  /** Selects the v128 (default) or scalar ChaCha20 path; both produce the same bytes. */
  setSimd(on: boolean): void {
    this.x.setSimd(on ? 1 : 0);
  }

  /** True while the v128 path is in use. */
  get simd(): boolean {
    return this.x.simdEnabled() === 1;
  }

  private mustSlot(slot: number): void {
    if (!Number.isInteger(slot) || slot < 0 || slot >= this.slotCount) {
      throw new RangeError(`Cannot use key slot ${slot}: outside 0..${this.slotCount - 1}`);
    }
  }

  setKey(slot: number, dir: KeyDirection, key64: Uint8Array): void {
    this.mustSlot(slot);
    if (key64.length !== 64) throw new RangeError(`Cannot set key: expected 64 bytes, got ${key64.length}`);
    this.staging.set(key64);
    this.x.setKey(slot, dir === "recv" ? 1 : 0);
  }

  clearKey(slot: number, dir: KeyDirection): void {
    this.mustSlot(slot);
    this.x.clearKey(slot, dir === "recv" ? 1 : 0);
  }

  replayReset(slot: number, windowBytes: number, rules: ReplayRules): void {
    this.mustSlot(slot);
    if (!Number.isInteger(windowBytes) || windowBytes < 0 || windowBytes > MAX_REPLAY_WINDOW) {
      throw new RangeError(`Cannot set ReplayWindow ${windowBytes}: outside 0..${MAX_REPLAY_WINDOW}`);
    }
    this.x.replayReset(slot, windowBytes, rules === "legacy" ? 1 : 0);
  }

  replayCheck(slot: number, seqno: number): ReplayVerdict {
    this.mustSlot(slot);
    return verdictOf(this.x.replayCheck(slot, seqno >>> 0));
  }

  replayCommit(slot: number, seqno: number): ReplayVerdict {
    this.mustSlot(slot);
    return verdictOf(this.x.replayCommit(slot, seqno >>> 0));
  }

  replayTop(slot: number): number {
    this.mustSlot(slot);
    return this.x.replayTop(slot) >>> 0;
  }

  private sealed(status: number, slot: number, dataLen: number): void {
    if (status === RecordStatus.Ok) return;
    if (status === RecordStatus.NoKey) throw new RangeError(`Cannot seal for slot ${slot}: no send key`);
    if (status === RecordStatus.TooLong) {
      throw new RangeError(`Cannot seal ${dataLen} bytes: over ${MAX_RECORD_DATA}`);
    }
    throw new RangeError(`Cannot seal for slot ${slot}: core status ${status}`);
  }

  seal(slot: number, seqno: number, type: number, data: Uint8Array): Uint8Array {
    this.mustSlot(slot);
    if (data.length > MAX_RECORD_DATA) this.sealed(RecordStatus.TooLong, slot, data.length);
    this.arena.set(data, 5);
    this.sealed(this.x.sealRecord(0, data.length, seqno >>> 0, slot, type & 0xff), slot, data.length);
    return this.arena.slice(0, data.length + DATAGRAM_OVERHEAD);
  }

  sealBody(slot: number, seqno: number, type: number, data: Uint8Array): Uint8Array {
    this.mustSlot(slot);
    if (data.length > MAX_RECORD_DATA) this.sealed(RecordStatus.TooLong, slot, data.length);
    this.arena.set(data, 1);
    this.sealed(this.x.sealBody(0, data.length, seqno >>> 0, slot, type & 0xff), slot, data.length);
    return this.arena.slice(0, data.length + BODY_OVERHEAD);
  }

  open(slot: number, record: Uint8Array): OpenResult {
    if (record.length > MAX_RECORD_DATA + DATAGRAM_OVERHEAD) return fail(RecordStatus.TooLong);
    this.arena.set(record, 0);
    const r = this.x.openRecord(0, record.length, slot >>> 0 === slot ? slot : 0xffffffff);
    if (r < 0) return fail(-r);
    const seqno = ((record[0]! << 24) | (record[1]! << 16) | (record[2]! << 8) | record[3]!) >>> 0;
    return { ok: true, type: r, seqno, data: this.arena.slice(5, record.length - 16) };
  }

  openBody(slot: number, seqno: number, body: Uint8Array): OpenResult {
    if (body.length > MAX_RECORD_DATA + BODY_OVERHEAD) return fail(RecordStatus.TooLong);
    this.arena.set(body, 0);
    const r = this.x.openBody(0, body.length, seqno >>> 0, slot >>> 0 === slot ? slot : 0xffffffff);
    if (r < 0) return fail(-r);
    return { ok: true, type: r, seqno: seqno >>> 0, data: this.arena.slice(1, body.length - 16) };
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

  sealBatch(first: number, count: number): number {
    return this.x.sealBatch(first, count);
  }

  openBatch(first: number, count: number): number {
    return this.x.openBatch(first, count);
  }
}

function fail(status: RecordStatus): OpenResult {
  return { ok: false, reason: failureOf(status), status };
}
