/**
 * Unix datagram sockets through libc (Bun and node offer no AF_UNIX SOCK_DGRAM): the transport
 * of sd_notify and of syslog's /dev/log. Sends never block (MSG_DONTWAIT); failures come back as
 * -errno, never as exceptions.
 *
 * struct sockaddr_un, Linux (110 bytes max) and macOS (106 bytes max):
 * ```
 *  Linux:  0          2                                          110
 *          +----------+------------------------------------------+
 *          | family=1 | sun_path[108]: "/path\0" or "\0abstract" |
 *          | (u16 LE) |                                          |
 *          +----------+------------------------------------------+
 *  macOS:  0        1          2                                  106
 *          +--------+----------+----------------------------------+
 *          | sun_len| family=1 | sun_path[104]: "/path\0"         |
 *          +--------+----------+----------------------------------+
 * ```
 * A path starting with "@" names a Linux abstract socket: the "@" becomes a NUL and the address
 * length covers only the bytes used (no terminating NUL).
 * @module
 */
import { libc, SystemError } from "./libc.ts";

const AF_UNIX = 1;
const SOCK_DGRAM = 2;
const SOCK_CLOEXEC_LINUX = 0o2000000;
const MSG_DONTWAIT: number = process.platform === "darwin" ? 0x80 : 0x40;

/** Builds a sockaddr_un for this OS. Throws a RangeError for a path that does not fit. */
export function sockaddrUn(
  path: string,
  platform: string = process.platform,
): { addr: Uint8Array; length: number } {
  const abstract = path.startsWith("@");
  if (abstract && platform !== "linux") throw new RangeError(`Abstract socket ${path} exists on Linux only`);
  const name = new TextEncoder().encode(abstract ? path.slice(1) : path);
  const darwin = platform === "darwin";
  const max = darwin ? 104 : 108;
  const used = abstract ? name.length + 1 : name.length + 1; // leading NUL, or trailing NUL
  if (used > max) throw new RangeError(`Unix socket path too long: ${path}`);
  const addr = new Uint8Array(2 + max);
  if (darwin) {
    addr[0] = 2 + used;
    addr[1] = AF_UNIX;
  } else {
    addr[0] = AF_UNIX;
  }
  addr.set(name, abstract ? 3 : 2);
  return { addr, length: 2 + used };
}

/** An unbound datagram socket that sends to paths. */
export interface UnixDatagramSender {
  /** @returns 0 on success, -errno on failure */
  send(path: string, bytes: Uint8Array): number;
  close(): void;
}

/** Opens a sender socket (close-on-exec on Linux). Throws a SystemError when socket() fails. */
export function openUnixDatagramSender(): UnixDatagramSender {
  const c = libc();
  const type = process.platform === "linux" ? SOCK_DGRAM | SOCK_CLOEXEC_LINUX : SOCK_DGRAM;
  const fd = c.socket(AF_UNIX, type, 0);
  if (fd < 0) throw new SystemError("Could not open a unix datagram socket", c.errno(), c);
  let open = true;
  return {
    send(path, bytes) {
      if (!open) return -9;
      let to;
      try {
        to = sockaddrUn(path);
      } catch {
        return -22; // EINVAL
      }
      const n = c.sendto(fd, bytes, bytes.length, MSG_DONTWAIT, to.addr, to.length);
      return n < 0 ? -c.errno() : 0;
    },
    close() {
      if (open) c.close(fd);
      open = false;
    },
  };
}

/** A bound datagram socket that receives (tests and local tools). */
export interface UnixDatagramReceiver {
  /** The next datagram as text, or null when none is waiting (non-blocking). */
  receive(): string | null;
  close(): void;
}

/**
 * Binds a receiving socket at `path` ("@name" for abstract). Throws a SystemError on failure.
 */
export function bindUnixDatagram(path: string): UnixDatagramReceiver {
  const c = libc();
  const fd = c.socket(AF_UNIX, SOCK_DGRAM, 0);
  if (fd < 0) throw new SystemError("Could not open a unix datagram socket", c.errno(), c);
  const { addr, length } = sockaddrUn(path);
  if (c.bind(fd, addr, length) < 0) {
    const e = c.errno();
    c.close(fd);
    throw new SystemError(`Could not bind ${path}`, e, c);
  }
  const buf = new Uint8Array(65536);
  let open = true;
  return {
    receive() {
      if (!open) return null;
      const n = c.recvfrom(fd, buf, buf.length, MSG_DONTWAIT, null, null);
      return n < 0 ? null : new TextDecoder().decode(buf.subarray(0, n));
    },
    close() {
      if (open) c.close(fd);
      open = false;
    },
  };
}
