/**
 * The UDP reader thread: receives datagrams on a socket fd with recvmmsg (Linux; recvfrom one at
 * a time elsewhere) straight into the shared ring, the sender's address in each slot's first 28
 * bytes, and wakes the main thread once per batch, only when it is parked. Same ring protocol as
 * the TUN reader (tun_ring.ts); started by udp_ffi.ts.
 *
 * Slot layout, and the struct mmsghdr (64 bytes on 64-bit Linux) built once per slot:
 * ```
 *  slot:     0                28                                   slotSize
 *            +----------------+------------------------------------+
 *            | sockaddr (in6) | datagram …                         |
 *            +----------------+------------------------------------+
 *  mmsghdr:  0        8          16       24          32          40           48        56       64
 *            +--------+----------+--------+-----------+-----------+------------+---------+--------+
 *            |msg_name|namelen,pad|msg_iov |msg_iovlen |msg_control|controllen  |msg_flags| msg_len|
 *            |→slot+0 | 28       |→iovec  | 1         | 0         | 0          |         | (out)  |
 *            +--------+----------+--------+-----------+-----------+------------+---------+--------+
 *  iovec:    { base → slot+28, len = slotSize-28 }
 * ```
 * @module
 */
import { ptr } from "bun:ffi";
import { Errno, errnoEagain, libc, setNonBlocking } from "./libc.ts";
import { SOCKADDR_SIZE } from "./sockaddr.ts";
import { WORKER_READY } from "./worker_spawn.ts";
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
export interface UdpReaderStart {
  buffer: SharedArrayBuffer;
  shape: RingShape;
  fd: number;
}

const BATCH_MAX = 64;
const POLL_MS = 100;
const POLLIN = 1;
const MMSG = 64;
const MSG_DONTWAIT: number = process.platform === "darwin" ? 0x80 : 0x40;

declare const self: Worker;

/** Receives up to `count` datagrams into slots first..first+count-1; returns how many, or -errno. */
type Receive = (first: number, count: number) => number;

function run(start: UdpReaderStart): void {
  const c = libc();
  const ring = new FrameRing(start.buffer, start.shape);
  const ctl = ring.control;
  const { slots, slotSize } = start.shape;
  const payload = slotSize - SOCKADDR_SIZE;
  setNonBlocking(c, start.fd);

  // One mmsghdr and iovec per slot, pointing into shared memory (its address never moves).
  const hdrs = new Uint8Array(slots * MMSG);
  const hv = new DataView(hdrs.buffer);
  const iovs = new BigUint64Array(slots * 2);
  const base = BigInt(ptr(ring.slotViews[0]!));
  const iovBase = BigInt(ptr(iovs));
  for (let i = 0; i < slots; i++) {
    const slotAddr = base + BigInt(i * slotSize);
    iovs[i * 2] = slotAddr + BigInt(SOCKADDR_SIZE);
    iovs[i * 2 + 1] = BigInt(payload);
    hv.setBigUint64(i * MMSG, slotAddr, true);
    hv.setBigUint64(i * MMSG + 16, iovBase + BigInt(i * 16), true);
    hv.setBigUint64(i * MMSG + 24, 1n, true);
  }
  const alen = new Uint32Array(1);
  const alenBytes = new Uint8Array(alen.buffer);

  const receivers: Record<string, Receive> = {
    linux: (first, count) => {
      for (let i = first; i < first + count; i++) hv.setUint32(i * MMSG + 8, SOCKADDR_SIZE, true);
      const n = c.recvmmsg(start.fd, hdrs.subarray(first * MMSG), count, MSG_DONTWAIT, null);
      if (n < 0) return -c.errno();
      for (let i = 0; i < n; i++) ring.lengths[first + i] = hv.getUint32((first + i) * MMSG + 56, true);
      return n;
    },
    other: (first) => {
      const slot = ring.slotViews[first]!;
      alen[0] = SOCKADDR_SIZE;
      const n = c.recvfrom(start.fd, slot.subarray(SOCKADDR_SIZE), payload, MSG_DONTWAIT, slot, alenBytes);
      if (n < 0) return -c.errno();
      ring.lengths[first] = n;
      return 1;
    },
  };
  const receive = receivers[process.platform] ?? receivers.other!;

  const pollfd = new Uint8Array(8);
  new DataView(pollfd.buffer).setInt32(0, start.fd, true);
  new DataView(pollfd.buffer).setInt16(4, POLLIN, true);
  let head = Atomics.load(ctl, HEAD);
  let batch = 0;
  const wake = () => {
    batch = 0;
    if (Atomics.compareExchange(ctl, PARKED, 1, 0) === 1) self.postMessage("wake");
  };

  while (Atomics.load(ctl, STATE) === STATE_RUNNING) {
    const tail = Atomics.load(ctl, TAIL);
    const free = slots - ((head - tail) >>> 0);
    if (free <= 0) {
      if (batch > 0) wake();
      Atomics.add(ctl, FULL_WAITS, 1);
      Atomics.wait(ctl, TAIL, tail, POLL_MS);
      continue;
    }
    const first = head & ring.mask;
    const n = receive(first, Math.min(BATCH_MAX, free, slots - first));
    if (n > 0) {
      head = (head + n) | 0;
      Atomics.store(ctl, HEAD, head);
      Atomics.add(ctl, FRAMES, n);
      batch += n;
      if (batch >= BATCH_MAX) wake();
      continue;
    }
    if (n === -Errno.EINTR) continue;
    if (n < 0 && n !== -errnoEagain) {
      Atomics.store(ctl, ERRNO, -n);
      Atomics.store(ctl, STATE, STATE_FAILED);
      break;
    }
    if (batch > 0) wake();
    Atomics.add(ctl, POLLS, 1);
    c.poll(pollfd, 1, POLL_MS);
  }
  if (Atomics.load(ctl, STATE) !== STATE_FAILED) Atomics.store(ctl, STATE, STATE_STOPPED);
  Atomics.store(ctl, PARKED, 0);
  self.postMessage("stopped");
}

self.onmessage = (event: MessageEvent<UdpReaderStart>) => {
  self.onmessage = null;
  run(event.data);
};
self.postMessage(WORKER_READY);
