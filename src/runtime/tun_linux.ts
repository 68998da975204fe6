/**
 * Linux TUN/TAP through /dev/net/tun. TUN keeps the 4-byte packet-information header (no
 * IFF_NO_PI), as tincd does: the kernel then hands us the ethertype; TAP uses IFF_NO_PI.
 *
 * struct ifreq as TUNSETIFF and SIOCSIFMTU use it (40 bytes on 64-bit Linux):
 * ```
 *  0                                16              18/20                     40
 *  +--------------------------------+---------------+--------------------------+
 *  | ifr_name[16], NUL-terminated   | ifr_flags u16 | (union, unused)          |
 *  |                                | or ifr_mtu i32                           |
 *  +--------------------------------+------------------------------------------+
 * ```
 * @module
 */
import { cString, fromCString, libc, setNonBlocking, SystemError } from "./libc.ts";
import type { TunDevice, TunMode, TunOptions } from "./tun.ts";
import { type FrameCodec, frameReader, frameWriter } from "./tun_frame.ts";

const O_RDWR = 0o2;
const O_CLOEXEC = 0o2000000;
const IFF_TUN = 0x0001;
const IFF_TAP = 0x0002;
const IFF_NO_PI = 0x1000;
const IFF_ONE_QUEUE = 0x2000;
/** _IOW('T', 202, int) */
const TUNSETIFF = 0x400454ca;
const SIOCSIFMTU = 0x8922;
const AF_INET = 2;
const SOCK_DGRAM = 2;
const IFNAMSIZ = 16;
const IFREQ_SIZE = 40;

const FLAGS: Record<TunMode, number> = { tun: IFF_TUN, tap: IFF_TAP | IFF_NO_PI };
const CODEC: Record<TunMode, FrameCodec> = { tun: "linux-tun-pi", tap: "ethernet" };

/** Builds a struct ifreq holding a name. */
export function ifreq(name: string): Uint8Array {
  const req = new Uint8Array(IFREQ_SIZE);
  const bytes = new TextEncoder().encode(name);
  if (bytes.length >= IFNAMSIZ) throw new RangeError(`Interface name too long: ${name}`);
  req.set(bytes);
  return req;
}

/**
 * Opens a TUN or TAP interface. The fd is non-blocking and close-on-exec (scripts must not
 * inherit it). Throws a SystemError naming the failed step.
 * @param options mode, optional name, clone device and MTU
 * @returns the open device
 */
export function openTunLinux(options: TunOptions): TunDevice {
  const c = libc();
  const path = options.device ?? "/dev/net/tun";
  const fd = c.open(cString(path), O_RDWR | O_CLOEXEC, 0);
  if (fd < 0) throw new SystemError(`Could not open ${path}`, c.errno(), c);
  try {
    const req = ifreq(options.name ?? "");
    new DataView(req.buffer).setUint16(
      16,
      FLAGS[options.mode] | (options.oneQueue ? IFF_ONE_QUEUE : 0),
      true,
    );
    if (c.ioctl(fd, TUNSETIFF, req) < 0) {
      throw new SystemError(`Could not create ${options.mode} interface via TUNSETIFF`, c.errno(), c);
    }
    const name = fromCString(req.subarray(0, IFNAMSIZ));
    if (!setNonBlocking(c, fd)) {
      throw new SystemError("Could not make the device non-blocking", c.errno(), c);
    }
    if (options.mtu !== undefined) setMtuLinux(name, options.mtu);
    return new LinuxTun(fd, name, options.mode);
  } catch (e) {
    c.close(fd);
    throw e;
  }
}

/** Sets an interface's MTU through SIOCSIFMTU on a throwaway socket. */
export function setMtuLinux(name: string, mtu: number): void {
  const c = libc();
  const s = c.socket(AF_INET, SOCK_DGRAM, 0);
  if (s < 0) throw new SystemError("Could not open a socket to set the MTU", c.errno(), c);
  try {
    const req = ifreq(name);
    new DataView(req.buffer).setInt32(16, mtu, true);
    if (c.ioctl(s, SIOCSIFMTU, req) < 0) {
      throw new SystemError(`Could not set MTU ${mtu} on ${name}`, c.errno(), c);
    }
  } finally {
    c.close(s);
  }
}

class LinuxTun implements TunDevice {
  readonly codec: FrameCodec;
  private readonly readFrame;
  private readonly writeFrame;
  private open = true;

  constructor(readonly fd: number, readonly name: string, readonly mode: TunMode) {
    this.codec = CODEC[mode];
    this.readFrame = frameReader(this.codec);
    this.writeFrame = frameWriter(this.codec);
  }

  read(frame: Uint8Array): number {
    return this.readFrame(libc(), this.fd, frame);
  }

  write(frame: Uint8Array, length = frame.length): number {
    return this.writeFrame(libc(), this.fd, frame, length);
  }

  close(): void {
    if (!this.open) return;
    this.open = false;
    libc().close(this.fd);
  }
}
