/**
 * The main-thread half of a reader ring (tun_ring.ts): drains what a reader Worker published,
 * parks when the ring is empty (the Worker then posts one "wake" for the next batch), and stops
 * the Worker. Shared by the TUN reader and the UDP reader.
 * @module
 */
import {
  ERRNO,
  type FrameRing,
  FRAMES,
  FULL_WAITS,
  HEAD,
  PARKED,
  POLLS,
  STATE,
  STATE_FAILED,
  STATE_STOP,
  TAIL,
} from "./tun_ring.ts";

/** Per-slot and per-batch callbacks. */
export interface RingSink {
  /** Slot `index` holds `length` bytes; valid only during the call. */
  onSlot(index: number, length: number): void;
  onBatchEnd?(): void;
  /** The Worker stopped on an error (errno). */
  onFailed?(errno: number): void;
}

/** Counters of a running reader. */
export interface ReaderStats {
  frames: number;
  batches: number;
  fullWaits: number;
  polls: number;
}

/** A running reader. */
export interface RingReader {
  stats(): ReaderStats;
  /** Stops the Worker (bounded by its 100 ms poll, at most 2 s) and releases it. */
  stop(): Promise<void>;
}

/** Most batches drained in one go before yielding to the event loop. */
const ROUNDS = 64;

/**
 * Consumes `ring` filled by `worker`; the caller posts the Worker its start message afterwards.
 * @param worker a started reader Worker (it posts "wake" and "stopped")
 * @param ring the shared ring
 * @param sink callbacks
 */
export function consumeRing(worker: Worker, ring: FrameRing, sink: RingSink): RingReader {
  const ctl = ring.control;
  let batches = 0;
  let stopped = false;
  let resolveStopped: () => void = () => {};
  const whenStopped = new Promise<void>((r) => (resolveStopped = r));

  const drain = () => {
    for (let round = 0; round < ROUNDS; round++) {
      let tail = Atomics.load(ctl, TAIL);
      const head = Atomics.load(ctl, HEAD);
      if (tail === head) {
        // Park, then look again: a slot published between the check and the park would
        // otherwise wait for the next one.
        Atomics.store(ctl, PARKED, 1);
        if (Atomics.load(ctl, HEAD) === tail || Atomics.compareExchange(ctl, PARKED, 1, 0) !== 1) return;
        continue;
      }
      while (tail !== head) {
        const index = tail & ring.mask;
        try {
          sink.onSlot(index, ring.lengths[index]!);
        } catch {
          // A throwing sink must not stall the ring; the engine never throws by contract.
        }
        tail = (tail + 1) | 0;
      }
      Atomics.store(ctl, TAIL, tail);
      Atomics.notify(ctl, TAIL);
      batches++;
      try {
        sink.onBatchEnd?.();
      } catch {
        // As above.
      }
    }
    setImmediate(drain); // still busy: let timers and sockets run, then go on
  };

  worker.onmessage = (event: MessageEvent<string>) => {
    if (event.data === "wake") drain();
    else if (event.data === "stopped") {
      drain();
      if (Atomics.load(ctl, STATE) === STATE_FAILED && !stopped) sink.onFailed?.(Atomics.load(ctl, ERRNO));
      worker.terminate();
      resolveStopped();
    }
  };
  Atomics.store(ctl, PARKED, 1);

  return {
    stats: () => ({
      frames: Atomics.load(ctl, FRAMES),
      batches,
      fullWaits: Atomics.load(ctl, FULL_WAITS),
      polls: Atomics.load(ctl, POLLS),
    }),
    stop: async () => {
      if (!stopped) {
        stopped = true;
        Atomics.store(ctl, STATE, STATE_STOP);
        Atomics.notify(ctl, TAIL);
      }
      let timer: ReturnType<typeof setTimeout> | undefined;
      const timeout = new Promise<void>((r) => (timer = setTimeout(r, 2000)));
      await Promise.race([whenStopped, timeout]);
      clearTimeout(timer);
      worker.terminate();
    },
  };
}
