/**
 * macOS utun through a PF_SYSTEM control socket. Written against the public headers
 * (sys/kern_control.h, net/if_utun.h, sys/sockio.h) and type-checked, but NOT tested: no macOS
 * machine was available. macOS has no TAP device in the base system; asking for one fails.
 *
 * struct ctl_info (100 bytes), argument of CTLIOCGINFO:
 * ```
 *  0          4                                                   100
 *  +----------+----------------------------------------------------+
 *  | ctl_id   | ctl_name[96] = "com.apple.net.utun_control"         |
 *  +----------+----------------------------------------------------+
 * ```
 * struct sockaddr_ctl (32 bytes), argument of connect():
 * ```
 *  0        1          2              4          8           12                  32
 *  +--------+----------+--------------+----------+-----------+-------------------+
 *  | sc_len | sc_family| ss_sysaddr   | sc_id    | sc_unit   | sc_reserved[5]    |
 *  | = 32   | AF_SYSTEM| AF_SYS_CONTROL (u16)    | (u32)     | 0 = next free utun|
 *  +--------+----------+--------------+----------+-----------+-------------------+
 * ```
 * sc_unit N+1 asks for utunN. The interface name is read back with UTUN_OPT_IFNAME.
 * @module
 */
import { cString, fromCString, libc, SystemError } from "./libc.ts";
import type { TunDevice, TunOptions } from "./tun.ts";
import { type FrameCodec, frameReader, frameWriter } from "./tun_frame.ts";

const AF_SYSTEM = 32;
const AF_SYS_CONTROL = 2;
const SYSPROTO_CONTROL = 2;
const SOCK_DGRAM = 2;
const AF_INET = 2;
/** _IOWR('N', 3, struct ctl_info) */
const CTLIOCGINFO = 0xc0644e03;
/** _IOW('i', 52, struct ifreq) */
const SIOCSIFMTU = 0x80206934;
const UTUN_OPT_IFNAME = 2;
const F_GETFL = 3;
const F_SETFL = 4;
const F_SETFD = 2;
const FD_CLOEXEC = 1;
const O_NONBLOCK = 4;
const UTUN_CONTROL_NAME = "com.apple.net.utun_control";

/**
 * Opens a utun interface (TUN mode only). Throws a SystemError naming the failed step.
 * @param options mode must be "tun"; name "utunN" picks the unit
 * @returns the open device
 */
export function openTunDarwin(options: TunOptions): TunDevice {
  if (options.mode !== "tun") {
    throw new Error("Cannot open a TAP device on macOS: only utun (tun) is supported");
  }
  const c = libc();
  let unit = 0;
  if (options.name !== undefined) {
    const m = /^utun(\d+)$/.exec(options.name);
    if (!m) throw new Error(`Cannot use interface name ${options.name} on macOS: it must be utunN`);
    unit = Number(m[1]) + 1;
  }
  const fd = c.socket(AF_SYSTEM, SOCK_DGRAM, SYSPROTO_CONTROL);
  if (fd < 0) throw new SystemError("Could not open a PF_SYSTEM socket", c.errno(), c);
  try {
    const info = new Uint8Array(100);
    info.set(cString(UTUN_CONTROL_NAME), 4);
    if (c.ioctl(fd, CTLIOCGINFO, info) < 0) throw new SystemError("CTLIOCGINFO failed", c.errno(), c);
    const ctlId = new DataView(info.buffer).getUint32(0, true);
    const addr = new Uint8Array(32);
    const dv = new DataView(addr.buffer);
    addr[0] = 32;
    addr[1] = AF_SYSTEM;
    dv.setUint16(2, AF_SYS_CONTROL, true);
    dv.setUint32(4, ctlId, true);
    dv.setUint32(8, unit, true);
    if (c.connect(fd, addr, 32) < 0) {
      throw new SystemError("Could not connect the utun control socket", c.errno(), c);
    }
    const nameBuf = new Uint8Array(16);
    const nameLen = new Uint32Array([16]);
    if (c.getsockopt(fd, SYSPROTO_CONTROL, UTUN_OPT_IFNAME, nameBuf, new Uint8Array(nameLen.buffer)) < 0) {
      throw new SystemError("Could not read the utun interface name", c.errno(), c);
    }
    const fl = c.fcntl(fd, F_GETFL, 0);
    if (fl < 0 || c.fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0 || c.fcntl(fd, F_SETFD, FD_CLOEXEC) < 0) {
      throw new SystemError("Could not set the utun socket flags", c.errno(), c);
    }
    const name = fromCString(nameBuf);
    if (options.mtu !== undefined) setMtuDarwin(name, options.mtu);
    return new DarwinUtun(fd, name);
  } catch (e) {
    c.close(fd);
    throw e;
  }
}

/** Sets an interface's MTU through SIOCSIFMTU (struct ifreq: name[16] then int mtu). */
export function setMtuDarwin(name: string, mtu: number): void {
  const c = libc();
  const s = c.socket(AF_INET, SOCK_DGRAM, 0);
  if (s < 0) throw new SystemError("Could not open a socket to set the MTU", c.errno(), c);
  try {
    const req = new Uint8Array(32);
    req.set(new TextEncoder().encode(name).subarray(0, 15));
    new DataView(req.buffer).setInt32(16, mtu, true);
    if (c.ioctl(s, SIOCSIFMTU, req) < 0) {
      throw new SystemError(`Could not set MTU ${mtu} on ${name}`, c.errno(), c);
    }
  } finally {
    c.close(s);
  }
}

class DarwinUtun implements TunDevice {
  readonly mode = "tun" as const;
  readonly codec: FrameCodec = "utun-af";
  private readonly readFrame = frameReader("utun-af");
  private readonly writeFrame = frameWriter("utun-af");
  private open = true;

  constructor(readonly fd: number, readonly name: string) {}

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
