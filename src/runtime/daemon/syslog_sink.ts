/**
 * Log lines to the local syslog daemon, as a detached tincd logs by default (and tinc 1.1's
 * `-s` asks for with `-D`): one datagram per line on the `/dev/log` unix socket, through libc
 * (Bun has no unix datagram sockets).
 *
 * ```
 *   <29>tinc.NET[PID]: message            29 = LOG_DAEMON (3) × 8 + LOG_NOTICE (5)
 * ```
 * A missing or full socket drops the line: logging never blocks or stops the daemon.
 * @module
 */
import { cString, libc } from "../libc.ts";
import { formatLogLine, type LogSink } from "./log_sink.ts";

const AF_UNIX = 1;
const SOCK_DGRAM = 2;
const SOCK_NONBLOCK = 0o4000;
const SOCK_CLOEXEC = 0o2000000;
/** struct sockaddr_un: sa_family_t (u16) then sun_path[108]. */
const SOCKADDR_UN_SIZE = 110;
const PRIORITY = 3 * 8 + 5;

/** A struct sockaddr_un for `path`. */
export function unixAddress(path: string): Uint8Array {
  const addr = new Uint8Array(SOCKADDR_UN_SIZE);
  new DataView(addr.buffer).setUint16(0, AF_UNIX, true);
  const p = cString(path);
  if (p.length > SOCKADDR_UN_SIZE - 2) throw new RangeError(`socket path too long: ${path}`);
  addr.set(p, 2);
  return addr;
}

/** Lines to syslog at `socketPath` (default /dev/log) under `ident`. */
export function syslogSink(ident: string, socketPath = "/dev/log"): LogSink {
  const c = libc();
  let fd = -1;
  const open = (): boolean => {
    if (fd >= 0) return true;
    const s = c.socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (s < 0) return false;
    const addr = unixAddress(socketPath);
    if (c.connect(s, addr, addr.length) < 0) {
      c.close(s);
      return false;
    }
    fd = s;
    return true;
  };
  return {
    line: (m, f) => {
      if (!open()) return;
      const bytes = new TextEncoder().encode(`<${PRIORITY}>${ident}[${process.pid}]: ${formatLogLine(m, f)}`);
      if (c.write(fd, bytes, bytes.length) < 0) {
        // The syslog daemon may have restarted: reconnect on the next line.
        c.close(fd);
        fd = -1;
      }
    },
  };
}
