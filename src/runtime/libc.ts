/**
 * The C library through bun:ffi, opened once per thread (each Worker has its own module
 * instance, so the cache below is per thread by construction).
 *
 * Variadic functions (`open`, `ioctl`, `fcntl`) cannot be declared as variadic in bun:ffi. On
 * x86_64 (System V and Apple) and on Linux arm64 a variadic argument travels exactly like a named
 * one, so a fixed three-argument signature works. On Apple arm64 the variadic part always goes
 * on the stack while named arguments use x0..x7: calling `ioctl(fd, req, arg)` with a fixed
 * signature would leave `arg` in x2, where the callee never looks. We therefore declare, for that
 * target only, six padding integers after the named arguments so that the real argument is the
 * ninth integer argument, which the ABI places at [sp+0]: the very slot `va_arg` reads first.
 * @module
 */
import { dlopen, type FFIFunction, FFIType, read as ffiRead } from "bun:ffi";

/** The libc calls the runtime uses. Sizes are numbers; results are C results (-1 = failure). */
export interface Libc {
  open(path: Uint8Array, flags: number, mode: number): number;
  close(fd: number): number;
  read(fd: number, buf: Uint8Array, len: number): number;
  write(fd: number, buf: Uint8Array, len: number): number;
  /** ioctl with a pointer argument. */
  ioctl(fd: number, request: number, arg: Uint8Array): number;
  /** fcntl with an integer argument (F_GETFL has it ignored). */
  fcntl(fd: number, cmd: number, arg: number): number;
  poll(fds: Uint8Array, nfds: number, timeoutMs: number): number;
  socket(domain: number, type: number, protocol: number): number;
  /** socketpair(2): the two fds are written into `fds` (an Int32Array of 2). */
  socketpair(domain: number, type: number, protocol: number, fds: Int32Array): number;
  bind(fd: number, addr: Uint8Array, len: number): number;
  connect(fd: number, addr: Uint8Array, len: number): number;
  sendto(
    fd: number,
    buf: Uint8Array,
    len: number,
    flags: number,
    addr: Uint8Array | null,
    alen: number,
  ): number;
  recvfrom(
    fd: number,
    buf: Uint8Array,
    len: number,
    flags: number,
    addr: Uint8Array | null,
    alen: Uint8Array | null,
  ): number;
  setsockopt(fd: number, level: number, name: number, value: Uint8Array, len: number): number;
  getsockname(fd: number, addr: Uint8Array, len: Uint8Array): number;
  getsockopt(fd: number, level: number, name: number, value: Uint8Array, len: Uint8Array): number;
  /** Linux only: -1 with ENOSYS elsewhere. */
  sendmmsg(fd: number, msgvec: Uint8Array, vlen: number, flags: number): number;
  /** Linux only: -1 with ENOSYS elsewhere. */
  recvmmsg(fd: number, msgvec: Uint8Array, vlen: number, flags: number, timeout: Uint8Array | null): number;
  /** The calling thread's errno, read right after the failing call. */
  errno(): number;
  strerror(errno: number): string;
}

/** errno values the runtime reacts to (identical on Linux and macOS unless noted). */
export const Errno = {
  EPERM: 1,
  ENOENT: 2,
  EINTR: 4,
  EBADF: 9,
  /** Linux 11, macOS 35: use {@link errnoEagain}. */
  EAGAIN_LINUX: 11,
  EAGAIN_DARWIN: 35,
  EACCES: 13,
  EBUSY: 16,
  EINVAL: 22,
  /** Linux 90, macOS 40. */
  EMSGSIZE_LINUX: 90,
  EMSGSIZE_DARWIN: 40,
  ENOSYS_LINUX: 38,
  ENOSYS_DARWIN: 78,
} as const;

/** EAGAIN/EWOULDBLOCK for the running OS. */
export const errnoEagain: number = process.platform === "darwin" ? Errno.EAGAIN_DARWIN : Errno.EAGAIN_LINUX;
/** EMSGSIZE for the running OS. */
export const errnoEmsgsize: number = process.platform === "darwin"
  ? Errno.EMSGSIZE_DARWIN
  : Errno.EMSGSIZE_LINUX;

/** fcntl commands (same values on Linux and macOS). */
export const F_GETFL = 3;
export const F_SETFL = 4;
/** O_NONBLOCK for the running OS. */
export const O_NONBLOCK: number = process.platform === "darwin" ? 4 : 0o4000;

/**
 * Makes `fd` non-blocking.
 * @returns false when fcntl failed (errno is set)
 */
export function setNonBlocking(c: Libc, fd: number): boolean {
  const flags = c.fcntl(fd, F_GETFL, 0);
  return flags >= 0 && c.fcntl(fd, F_SETFL, flags | O_NONBLOCK) >= 0;
}

/** Where to find libc, and what errno is called, per OS. Tried in order. */
const LIBRARIES: Record<string, { names: string[]; errnoSymbol: string }> = {
  linux: {
    names: [
      "libc.so.6", // glibc
      `libc.musl-${process.arch === "arm64" ? "aarch64" : "x86_64"}.so.1`, // Alpine/musl
      "libc.so", // other musl layouts
    ],
    errnoSymbol: "__errno_location",
  },
  darwin: { names: ["libSystem.B.dylib", "/usr/lib/libSystem.B.dylib"], errnoSymbol: "__error" },
};

/** Padding so a variadic argument lands on the stack on Apple arm64 (see the module comment). */
const VARIADIC_PAD: FFIFunction["args"] = process.platform === "darwin" && process.arch === "arm64"
  ? ["i64", "i64", "i64", "i64", "i64", "i64"]
  : [];
const PAD_VALUES: number[] = VARIADIC_PAD ? VARIADIC_PAD.map(() => 0) : [];

function declarations(errnoSymbol: string, withMmsg: boolean) {
  const pad = VARIADIC_PAD ?? [];
  return {
    // open(path, flags, ...mode): flags is named, mode variadic.
    open: { args: ["ptr", "i32", ...pad, "u32"], returns: "i32" },
    close: { args: ["i32"], returns: "i32" },
    read: { args: ["i32", "ptr", "u64"], returns: FFIType.i64_fast },
    write: { args: ["i32", "ptr", "u64"], returns: FFIType.i64_fast },
    ioctl: { args: ["i32", "u64", ...pad, "ptr"], returns: "i32" },
    fcntl: { args: ["i32", "i32", ...pad, "i64"], returns: "i32" },
    poll: { args: ["ptr", "u64", "i32"], returns: "i32" },
    socket: { args: ["i32", "i32", "i32"], returns: "i32" },
    socketpair: { args: ["i32", "i32", "i32", "ptr"], returns: "i32" },
    bind: { args: ["i32", "ptr", "u32"], returns: "i32" },
    connect: { args: ["i32", "ptr", "u32"], returns: "i32" },
    sendto: { args: ["i32", "ptr", "u64", "i32", "ptr", "u32"], returns: FFIType.i64_fast },
    recvfrom: { args: ["i32", "ptr", "u64", "i32", "ptr", "ptr"], returns: FFIType.i64_fast },
    setsockopt: { args: ["i32", "i32", "i32", "ptr", "u32"], returns: "i32" },
    getsockname: { args: ["i32", "ptr", "ptr"], returns: "i32" },
    getsockopt: { args: ["i32", "i32", "i32", "ptr", "ptr"], returns: "i32" },
    strerror: { args: ["i32"], returns: "cstring" },
    [errnoSymbol]: { args: [], returns: "ptr" },
    ...(withMmsg
      ? {
        sendmmsg: { args: ["i32", "ptr", "u32", "i32"], returns: "i32" },
        recvmmsg: { args: ["i32", "ptr", "u32", "i32", "ptr"], returns: "i32" },
      }
      : {}),
  } satisfies Record<string, FFIFunction>;
}

let cached: Libc | undefined;

/**
 * Opens libc for this thread (cached). Throws an Error naming every library tried when none loads.
 * @returns the bound calls
 */
export function libc(): Libc {
  if (cached) return cached;
  const plan = LIBRARIES[process.platform];
  if (!plan) throw new Error(`Cannot load libc: unsupported platform ${process.platform}`);
  const failures: string[] = [];
  for (const name of plan.names) {
    try {
      cached = bind(name, plan.errnoSymbol, process.platform === "linux");
      return cached;
    } catch (e) {
      failures.push(`${name}: ${(e as Error).message}`);
    }
  }
  throw new Error(`Cannot load libc: ${failures.join("; ")}`);
}

// deno-lint-ignore no-explicit-any
type AnyFn = (...args: any[]) => any;

function bind(name: string, errnoSymbol: string, withMmsg: boolean): Libc {
  const lib = dlopen(name, declarations(errnoSymbol, withMmsg));
  const s = lib.symbols as unknown as Record<string, AnyFn>;
  const errnoLocation = s[errnoSymbol]!;
  const enosys = process.platform === "darwin" ? Errno.ENOSYS_DARWIN : Errno.ENOSYS_LINUX;
  let fakeErrno = 0;
  const nativeErrno = (): number => {
    if (fakeErrno !== 0) {
      const e = fakeErrno;
      fakeErrno = 0;
      return e;
    }
    const p = errnoLocation();
    return p ? ffiRead.i32(p, 0) : 0;
  };
  const mmsgMissing = (): number => {
    fakeErrno = enosys;
    return -1;
  };
  return {
    open: (path, flags, mode) => s.open!(path, flags, ...PAD_VALUES, mode),
    close: (fd) => s.close!(fd),
    read: (fd, buf, len) => Number(s.read!(fd, buf, len)),
    write: (fd, buf, len) => Number(s.write!(fd, buf, len)),
    ioctl: (fd, request, arg) => s.ioctl!(fd, request, ...PAD_VALUES, arg),
    fcntl: (fd, cmd, arg) => s.fcntl!(fd, cmd, ...PAD_VALUES, arg),
    poll: (fds, nfds, timeoutMs) => s.poll!(fds, nfds, timeoutMs),
    socket: (d, t, p) => s.socket!(d, t, p),
    socketpair: (d, t, p, fds) => s.socketpair!(d, t, p, fds),
    bind: (fd, addr, len) => s.bind!(fd, addr, len),
    connect: (fd, addr, len) => s.connect!(fd, addr, len),
    sendto: (fd, buf, len, flags, addr, alen) => Number(s.sendto!(fd, buf, len, flags, addr, alen)),
    recvfrom: (fd, buf, len, flags, addr, alen) => Number(s.recvfrom!(fd, buf, len, flags, addr, alen)),
    setsockopt: (fd, level, nm, value, len) => s.setsockopt!(fd, level, nm, value, len),
    getsockname: (fd, addr, len) => s.getsockname!(fd, addr, len),
    getsockopt: (fd, level, nm, value, len) => s.getsockopt!(fd, level, nm, value, len),
    sendmmsg: s.sendmmsg ? (fd, v, n, f) => s.sendmmsg!(fd, v, n, f) : mmsgMissing,
    recvmmsg: s.recvmmsg ? (fd, v, n, f, t) => s.recvmmsg!(fd, v, n, f, t) : mmsgMissing,
    errno: nativeErrno,
    strerror: (e) => String(s.strerror!(e) ?? `errno ${e}`),
  };
}

/** A NUL-terminated C string in a fresh buffer. */
export function cString(s: string): Uint8Array {
  const bytes = new TextEncoder().encode(s);
  const out = new Uint8Array(bytes.length + 1);
  out.set(bytes);
  return out;
}

/** Reads a NUL-terminated string out of a fixed-size C field. */
export function fromCString(field: Uint8Array): string {
  const end = field.indexOf(0);
  return new TextDecoder().decode(end < 0 ? field : field.subarray(0, end));
}

/** An Error for a failed libc call, carrying errno: "action: strerror (errno N)". */
export class SystemError extends Error {
  /** The errno value. */
  readonly errno: number;
  constructor(action: string, errno: number, c: Libc = libc()) {
    super(`${action}: ${c.strerror(errno)} (errno ${errno})`);
    this.name = "SystemError";
    this.errno = errno;
  }
}
