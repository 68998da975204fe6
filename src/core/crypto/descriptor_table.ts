/**
 * The batch descriptor table every SPTPS cipher port uses (the WASM core keeps the same layout
 * in its memory, wasm/README.md): one 16-byte entry per packet, little-endian.
 *
 * ```
 *  0        4        8        12     14     15       16
 *  | offset | length | seqno  | slot | type | status |
 *    u32      u32      u32      u16    u8     u8
 * ```
 * @module
 */
import type { RecordStatus } from "./cipher_port.ts";

/** Bytes per descriptor. */
export const DESCRIPTOR_SIZE = 16;

/** Typed access to a descriptor table held in `view`. */
export class DescriptorTable {
  /** @param view the table's bytes (`count * DESCRIPTOR_SIZE`), e.g. inside WASM memory */
  constructor(readonly view: DataView) {}

  /** A table of `count` descriptors in a fresh buffer. */
  static allocate(count: number): DescriptorTable {
    return new DescriptorTable(new DataView(new ArrayBuffer(count * DESCRIPTOR_SIZE)));
  }

  /** Fills descriptor `i`, status cleared. */
  write(i: number, offset: number, length: number, seqno: number, slot: number, type: number): void {
    const at = i * DESCRIPTOR_SIZE;
    const d = this.view;
    d.setUint32(at, offset >>> 0, true);
    d.setUint32(at + 4, length >>> 0, true);
    d.setUint32(at + 8, seqno >>> 0, true);
    d.setUint16(at + 12, slot, true);
    d.setUint8(at + 14, type);
    d.setUint8(at + 15, 0);
  }

  offsetAt(i: number): number {
    return this.view.getUint32(i * DESCRIPTOR_SIZE, true);
  }

  lengthAt(i: number): number {
    return this.view.getUint32(i * DESCRIPTOR_SIZE + 4, true);
  }

  seqnoAt(i: number): number {
    return this.view.getUint32(i * DESCRIPTOR_SIZE + 8, true);
  }

  setSeqno(i: number, seqno: number): void {
    this.view.setUint32(i * DESCRIPTOR_SIZE + 8, seqno >>> 0, true);
  }

  slotAt(i: number): number {
    return this.view.getUint16(i * DESCRIPTOR_SIZE + 12, true);
  }

  typeAt(i: number): number {
    return this.view.getUint8(i * DESCRIPTOR_SIZE + 14);
  }

  setType(i: number, type: number): void {
    this.view.setUint8(i * DESCRIPTOR_SIZE + 14, type);
  }

  statusAt(i: number): RecordStatus {
    return this.view.getUint8(i * DESCRIPTOR_SIZE + 15);
  }

  setStatus(i: number, status: RecordStatus): void {
    this.view.setUint8(i * DESCRIPTOR_SIZE + 15, status);
  }
}
