/**
 * A single-producer, single-consumer ring of fixed frame slots in a SharedArrayBuffer: the TUN
 * reader Worker fills slots, the main thread drains them. No allocation per frame: every slot
 * has a preallocated view on both sides.
 *
 * ```
 *  byte 0            64                   64 + 4·slots (rounded up to 16)
 *  +-----------------+--------------------+-------------------------------------------+
 *  | control i32[16] | lengths i32[slots] | slot 0 | slot 1 | … | slot (slots-1)      |
 *  +-----------------+--------------------+-------------------------------------------+
 *  control: HEAD frames published (worker), TAIL frames consumed (main), STATE, ERRNO,
 *           PARKED (main waits for a wake-up message), FRAMES total, FULL_WAITS, POLLS
 * ```
 * HEAD and TAIL count frames modulo 2^32; slot = count % slots (slots is a power of two).
 * @module
 */

export const HEAD = 0;
export const TAIL = 1;
export const STATE = 2;
export const ERRNO = 3;
export const PARKED = 4;
export const FRAMES = 5;
export const FULL_WAITS = 6;
export const POLLS = 7;

export const STATE_RUNNING = 0;
export const STATE_STOP = 1;
export const STATE_STOPPED = 2;
export const STATE_FAILED = 3;

const CONTROL_BYTES = 64;

/** Geometry of a ring. */
export interface RingShape {
  /** Number of slots, a power of two. */
  slots: number;
  /**
   * Bytes per slot; must exceed the interface MTU + 14 (TUN: + 10 more for the read offset), or
   * long packets are cut (TUN drops them; TAP cannot tell). 2048 fits tinc's MTU 1518.
   */
  slotSize: number;
}

/** Both sides' view of one ring. */
export class FrameRing {
  readonly control: Int32Array;
  readonly lengths: Int32Array;
  /** One view per slot, made once. */
  readonly slotViews: Uint8Array[];
  readonly mask: number;

  constructor(readonly buffer: SharedArrayBuffer, readonly shape: RingShape) {
    const { slots, slotSize } = shape;
    if (slots < 2 || (slots & (slots - 1)) !== 0) {
      throw new RangeError(`Ring slots must be a power of two: ${slots}`);
    }
    this.mask = slots - 1;
    this.control = new Int32Array(buffer, 0, CONTROL_BYTES / 4);
    this.lengths = new Int32Array(buffer, CONTROL_BYTES, slots);
    const dataStart = dataOffset(slots);
    this.slotViews = Array.from(
      { length: slots },
      (_, i) => new Uint8Array(buffer, dataStart + i * slotSize, slotSize),
    );
  }

  /** Allocates the shared memory for a ring. */
  static create(shape: RingShape): FrameRing {
    return new FrameRing(
      new SharedArrayBuffer(dataOffset(shape.slots) + shape.slots * shape.slotSize),
      shape,
    );
  }

  /** Frames published and not yet consumed. */
  pending(): number {
    return (Atomics.load(this.control, HEAD) - Atomics.load(this.control, TAIL)) >>> 0;
  }
}

function dataOffset(slots: number): number {
  return Math.ceil((CONTROL_BYTES + 4 * slots) / 16) * 16;
}
