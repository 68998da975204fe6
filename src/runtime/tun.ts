/**
 * The TUN/TAP device port: what the daemon needs from a virtual network interface, and an
 * in-memory fake for tests. Frames crossing this interface always carry a 14-byte Ethernet header
 * (see tun_frame.ts for how each OS/mode maps onto it).
 * @module
 */
import type { FrameCodec } from "./tun_frame.ts";

/** tinc's DeviceType values we support. */
export type TunMode = "tun" | "tap";

/** How to open a device. */
export interface TunOptions {
  mode: TunMode;
  /** Interface name; the kernel picks one when absent (Linux `tun%d`/`tap%d`, macOS `utunN`). */
  name?: string;
  /** The clone device (tinc's `Device`); Linux default `/dev/net/tun`. */
  device?: string;
  /** Set the interface MTU after creation (the address and link state are left to tinc-up). */
  mtu?: number;
  /** tinc's IffOneQueue (Linux IFF_ONE_QUEUE; ignored by kernels since 3.8 and elsewhere). */
  oneQueue?: boolean;
}

/** An open TUN/TAP device. */
export interface TunDevice {
  /** The interface name as the kernel reports it. */
  readonly name: string;
  readonly mode: TunMode;
  /** The file descriptor, for a reader Worker; -1 for fakes. */
  readonly fd: number;
  /** How frames map onto device reads and writes; a reader Worker needs it. */
  readonly codec: FrameCodec;
  /**
   * Reads one frame into `frame` (non-blocking).
   * @returns frame length (≥ 14); 0 when nothing is ready or the packet is not carried; -errno on failure
   */
  read(frame: Uint8Array): number;
  /**
   * Writes `frame[0, length)`. TUN codecs overwrite bytes 10..13 of `frame` in place.
   * @returns `length` on success; 0 when the frame cannot be carried; -errno on failure
   */
  write(frame: Uint8Array, length?: number): number;
  close(): void;
}

/** Opens a device; one implementation per OS. */
export type TunOpener = (options: TunOptions) => TunDevice;

/** An in-memory device: `inject` queues frames for `read`; `written` collects `write`s. */
export class FakeTun implements TunDevice {
  readonly fd = -1;
  readonly codec: FrameCodec = "ethernet";
  readonly written: Uint8Array[] = [];
  private readonly inbox: Uint8Array[] = [];
  private closed = false;

  constructor(readonly name: string, readonly mode: TunMode = "tun") {}

  /** Queues a frame that the next `read` returns. */
  inject(frame: Uint8Array): void {
    this.inbox.push(frame.slice());
  }

  read(frame: Uint8Array): number {
    if (this.closed) return -9; // EBADF
    const next = this.inbox.shift();
    if (!next) return 0;
    const n = Math.min(next.length, frame.length);
    frame.set(next.subarray(0, n));
    return n;
  }

  write(frame: Uint8Array, length = frame.length): number {
    if (this.closed) return -9;
    if (length < 14) return 0;
    this.written.push(frame.slice(0, length));
    return length;
  }

  close(): void {
    this.closed = true;
  }
}
