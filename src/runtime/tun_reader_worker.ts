/**
 * The TUN reader thread: reads frames from the device fd (non-blocking, poll() when idle) into
 * the shared ring and wakes the main thread once per batch, only when it is parked. It never
 * allocates per frame. Started by tun_reader.ts with {@link ReaderStart}.
 * @module
 */
import { Errno, libc, setNonBlocking } from "./libc.ts";
import { WORKER_READY } from "./worker_spawn.ts";
import { type FrameCodec, frameReader } from "./tun_frame.ts";
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
  STATE_RUNNING,
  STATE_STOPPED,
  TAIL,
} from "./tun_ring.ts";

/** The first message the Worker receives. */
export interface ReaderStart {
  buffer: SharedArrayBuffer;
  shape: RingShape;
  fd: number;
  codec: FrameCodec;
}

/** Messages the Worker posts: "ready" (loaded), "wake" (frames are waiting) and "stopped". */
export type ReaderMessage = "ready" | "wake" | "stopped";

/** Frames read back-to-back before the main thread is woken even if more are ready. */
const BATCH_MAX = 64;
/** poll() timeout: bounds how long a stop request waits. */
const POLL_MS = 100;
const POLLIN = 1;
/** POLLERR | POLLHUP | POLLNVAL (same bits on Linux and macOS). */
const POLL_BROKEN = 0x08 | 0x10 | 0x20;
const EIO = 5;

declare const self: Worker;

function run(start: ReaderStart): void {
  const c = libc();
  const ring = new FrameRing(start.buffer, start.shape);
  const ctl = ring.control;
  const readFrame = frameReader(start.codec);
  const pollfd = new Uint8Array(8); // struct pollfd { int fd; short events; short revents; }
  new DataView(pollfd.buffer).setInt32(0, start.fd, true);
  new DataView(pollfd.buffer).setInt16(4, POLLIN, true);
  const slots = start.shape.slots;
  // A blocking read would keep a half-filled batch from ever being announced.
  setNonBlocking(c, start.fd);
  let head = Atomics.load(ctl, HEAD);
  let batch = 0;
  // poll() reporting a hang-up twice with nothing read in between: the fd is dead (a device
  // does not hang up, but a reader must never spin on one that does).
  let hangups = 0;

  const wake = () => {
    batch = 0;
    if (Atomics.compareExchange(ctl, PARKED, 1, 0) === 1) self.postMessage("wake" satisfies ReaderMessage);
  };

  while (Atomics.load(ctl, STATE) === STATE_RUNNING) {
    const tail = Atomics.load(ctl, TAIL);
    if (((head - tail) >>> 0) >= slots) {
      // Ring full: leave packets in the kernel's queue (it drops, not us) until the main thread catches up.
      if (batch > 0) wake();
      Atomics.add(ctl, FULL_WAITS, 1);
      Atomics.wait(ctl, TAIL, tail, POLL_MS);
      continue;
    }
    const slot = head & ring.mask;
    const n = readFrame(c, start.fd, ring.slotViews[slot]!);
    if (n > 0) {
      ring.lengths[slot] = n;
      head = (head + 1) | 0;
      Atomics.store(ctl, HEAD, head);
      Atomics.add(ctl, FRAMES, 1);
      hangups = 0;
      if (++batch >= BATCH_MAX) wake();
      continue;
    }
    if (n < 0 && n !== -Errno.EINTR) {
      Atomics.store(ctl, ERRNO, -n);
      Atomics.store(ctl, STATE, STATE_FAILED);
      break;
    }
    if (batch > 0) wake();
    Atomics.add(ctl, POLLS, 1);
    if (
      c.poll(pollfd, 1, POLL_MS) > 0 && (new DataView(pollfd.buffer).getInt16(6, true) & POLL_BROKEN) !== 0
    ) {
      if (++hangups >= 2) {
        Atomics.store(ctl, ERRNO, EIO);
        Atomics.store(ctl, STATE, STATE_FAILED);
        break;
      }
    }
  }
  if (Atomics.load(ctl, STATE) !== STATE_FAILED) Atomics.store(ctl, STATE, STATE_STOPPED);
  Atomics.store(ctl, PARKED, 0);
  self.postMessage("stopped" satisfies ReaderMessage);
}

self.onmessage = (event: MessageEvent<ReaderStart>) => {
  self.onmessage = null;
  run(event.data);
};
self.postMessage(WORKER_READY);
