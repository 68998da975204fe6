/**
 * The main-thread side of the TUN data path: starts the reader Worker on a device's fd and hands
 * each batch of frames to a callback, straight out of the shared ring (no copy, no allocation per
 * frame). The callback must finish with a frame before returning: the slot is reused afterwards.
 * @module
 */
import type { TunDevice } from "./tun.ts";
import { spawnRuntimeWorker } from "./worker_spawn.ts";
import type { ReaderMessage, ReaderStart } from "./tun_reader_worker.ts";
import {
  ERRNO,
  FrameRing,
  FRAMES,
  FULL_WAITS,
  HEAD,
  PARKED,
  POLLS,
  type RingShape,
  STATE,
  STATE_FAILED,
  STATE_STOP,
  TAIL,
} from "./tun_ring.ts";

/** What the reader calls. */
export interface FrameSink {
  /** One frame: `slot[0, length)`; valid only during the call. */
  onFrame(slot: Uint8Array, length: number): void;
  /** After each drained batch (a good moment to flush batched sends). */
  onBatchEnd?(): void;
  /** The reader thread stopped on a read error (errno); the device is unusable. */
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
export interface TunReader {
  stats(): ReaderStats;
  /** Stops the Worker (bounded by its 100 ms poll) and releases it; the device stays open. */
  stop(): Promise<void>;
}

/** The default ring: 1024 slots of 2048 bytes (2 MiB). */
export const DEFAULT_RING: RingShape = { slots: 1024, slotSize: 2048 };

/**
 * Starts reading `device` in a Worker.
 * @param device an open device with a real fd
 * @param sink frame callbacks
 * @param shape ring geometry
 * @returns a handle to stop it, once the Worker runs; throws when the Worker cannot start
 */
export async function startTunReader(
  device: TunDevice,
  sink: FrameSink,
  shape: RingShape = DEFAULT_RING,
): Promise<TunReader> {
  if (device.fd < 0) {
    throw new Error(`Cannot start a reader thread on ${device.name}: it has no file descriptor`);
  }
  const ring = FrameRing.create(shape);
  const ctl = ring.control;
  let batches = 0;
  let stopped = false;
  let resolveStopped: () => void = () => {};
  const whenStopped = new Promise<void>((r) => (resolveStopped = r));
  // The worker file is an entry point of the compiled build (scripts/build.ts adds every *_worker.ts).
  const worker = await spawnRuntimeWorker("tun_reader_worker.ts");

  const drain = () => {
    for (let round = 0; round < 64; round++) {
      let tail = Atomics.load(ctl, TAIL);
      const head = Atomics.load(ctl, HEAD);
      if (tail === head) {
        // Park, then look again: a frame published between the check and the park would
        // otherwise wait for the next one.
        Atomics.store(ctl, PARKED, 1);
        if (Atomics.load(ctl, HEAD) === tail || Atomics.compareExchange(ctl, PARKED, 1, 0) !== 1) return;
        continue;
      }
      while (tail !== head) {
        const slot = tail & ring.mask;
        try {
          sink.onFrame(ring.slotViews[slot]!, ring.lengths[slot]!);
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
        // As for onFrame: the ring must keep moving.
      }
    }
    // Still busy after 64 rounds: yield to the event loop and continue.
    setImmediate(drain);
  };

  worker.onmessage = (event: MessageEvent<ReaderMessage>) => {
    if (event.data === "wake") drain();
    else if (event.data === "stopped") {
      drain();
      if (Atomics.load(ctl, STATE) === STATE_FAILED && !stopped) sink.onFailed?.(Atomics.load(ctl, ERRNO));
      worker.terminate();
      resolveStopped();
    }
  };
  Atomics.store(ctl, PARKED, 1);
  worker.postMessage(
    { buffer: ring.buffer, shape, fd: device.fd, codec: device.codec } satisfies ReaderStart,
  );

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
      const timeout = new Promise<void>((r) => setTimeout(r, 2000).unref());
      await Promise.race([whenStopped, timeout]);
      worker.terminate();
    },
  };
}
