/**
 * The main-thread side of the TUN data path: starts the reader Worker on a device's fd and hands
 * each batch of frames to a callback, straight out of the shared ring (no copy, no allocation per
 * frame). The callback must finish with a frame before returning: the slot is reused afterwards.
 * @module
 */
import { consumeRing, type ReaderStats, type RingReader } from "./ring_consumer.ts";
import type { TunDevice } from "./tun.ts";
import type { ReaderStart } from "./tun_reader_worker.ts";
import { FrameRing, type RingShape } from "./tun_ring.ts";
import { spawnRuntimeWorker } from "./worker_spawn.ts";

export type { ReaderStats };

/** What the reader calls. */
export interface FrameSink {
  /** One frame: `slot[0, length)`; valid only during the call. */
  onFrame(slot: Uint8Array, length: number): void;
  /** After each drained batch (a good moment to flush batched sends). */
  onBatchEnd?(): void;
  /** The reader thread stopped on a read error (errno); the device is unusable. */
  onFailed?(errno: number): void;
}

/** A running reader. */
export type TunReader = RingReader;

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
  // The worker file is an entry point of the compiled build (scripts/build.ts adds every *_worker.ts).
  const worker = await spawnRuntimeWorker("tun_reader_worker.ts");
  const views = ring.slotViews;
  const reader = consumeRing(worker, ring, {
    onSlot: (index, length) => sink.onFrame(views[index]!, length),
    ...(sink.onBatchEnd ? { onBatchEnd: () => sink.onBatchEnd!() } : {}),
    ...(sink.onFailed ? { onFailed: (e: number) => sink.onFailed!(e) } : {}),
  });
  worker.postMessage(
    { buffer: ring.buffer, shape, fd: device.fd, codec: device.codec } satisfies ReaderStart,
  );
  return reader;
}
