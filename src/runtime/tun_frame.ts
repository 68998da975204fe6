/**
 * How a TUN/TAP read or write maps onto the 14-byte-header Ethernet frame the engine works on.
 * tinc's unit is always an Ethernet frame, even in router mode; we keep that in both modes so the
 * engine sees one layout. Each OS/mode pair is a codec: a way to read into a frame buffer and to
 * write one out, in place, with no copy.
 *
 * Linux TUN (no IFF_NO_PI, as tincd does): read() starts at offset 10, so the kernel's struct
 * tun_pi lands on bytes 10..13 and its proto field is already the ethertype.
 *
 * ```
 *  0                 6                 10        12        14
 *  +-----------------+-----------------+---------+---------+------------------
 *  | dst MAC = 0     | src MAC = 0     | pi flags| pi proto| IP packet …
 *  |                 |                 | (-> 0)  |ethertype|
 *  +-----------------+-----------------+---------+---------+------------------
 *                                      ^ read()/write() start here
 * ```
 *
 * macOS utun: a 4-byte address family (big-endian u32: 2 = IPv4, 30 = IPv6) precedes each
 * packet; it is read into bytes 10..13, then replaced by zeros and the ethertype taken from the
 * IP version nibble at byte 14. Writing puts the family back in bytes 10..13.
 *
 * TAP (IFF_NO_PI): the device already speaks Ethernet; read and write start at offset 0.
 *
 * Writes in TUN codecs overwrite bytes 10..13 of the caller's frame (tincd does the same).
 * @module
 */
import { errnoEagain, type Libc } from "./libc.ts";

/** Length of the Ethernet header every frame carries. */
export const ETH_HEADER = 14;
/** Offset where a TUN device's own 4-byte header is placed. */
const PI_OFFSET = 10;

export const ETHERTYPE_IPV4 = 0x0800;
export const ETHERTYPE_IPV6 = 0x86dd;
const AF_INET = 2;
const AF_INET6_DARWIN = 30;

/** The on-device layouts. */
export type FrameCodec = "linux-tun-pi" | "utun-af" | "ethernet";

/**
 * Reads one frame from `fd` into `frame` (starting at offset 0 of the frame).
 * @returns the frame length including the 14-byte header; 0 when nothing is ready (EAGAIN) or
 * the packet was not a frame we carry; -errno on failure
 */
export type FrameReader = (c: Libc, fd: number, frame: Uint8Array) => number;
/**
 * Writes `frame[0, length)` to `fd`.
 * @returns the frame length on success; 0 when the frame cannot be carried; -errno on failure
 */
export type FrameWriter = (c: Libc, fd: number, frame: Uint8Array, length: number) => number;

function failed(c: Libc): number {
  const e = c.errno();
  return e === errnoEagain ? 0 : -e;
}

/** The ethertype an IP packet's version nibble implies, or 0 when it is neither IPv4 nor IPv6. */
export function ethertypeFromVersion(versionByte: number): number {
  const v = versionByte >> 4;
  return v === 4 ? ETHERTYPE_IPV4 : v === 6 ? ETHERTYPE_IPV6 : 0;
}

const readers: Record<FrameCodec, FrameReader> = {
  "linux-tun-pi": (c, fd, frame) => {
    const n = c.read(fd, frame.subarray(PI_OFFSET), frame.length - PI_OFFSET);
    if (n < 0) return failed(c);
    // TUN_PKT_STRIP (bit 0 of the host-order, here little-endian, flags): the packet did not fit
    // the buffer and was cut. A cut packet is dropped, never forwarded.
    if (n < 4 || (frame[PI_OFFSET]! & 1) !== 0) return 0;
    frame.fill(0, 0, 12); // MACs and the pi flags
    return n + PI_OFFSET;
  },
  "utun-af": (c, fd, frame) => {
    const n = c.read(fd, frame.subarray(PI_OFFSET), frame.length - PI_OFFSET);
    if (n < 0) return failed(c);
    if (n < 5) return 0;
    const type = ethertypeFromVersion(frame[ETH_HEADER]!);
    if (type === 0) return 0;
    frame.fill(0, 0, 12);
    frame[12] = type >> 8;
    frame[13] = type & 0xff;
    return n + PI_OFFSET;
  },
  "ethernet": (c, fd, frame) => {
    const n = c.read(fd, frame, frame.length);
    if (n < 0) return failed(c);
    return n < ETH_HEADER ? 0 : n;
  },
};

const writers: Record<FrameCodec, FrameWriter> = {
  "linux-tun-pi": (c, fd, frame, length) => {
    if (length < ETH_HEADER) return 0;
    frame[10] = 0;
    frame[11] = 0;
    const n = c.write(fd, frame.subarray(PI_OFFSET), length - PI_OFFSET);
    return n < 0 ? -c.errno() : n + PI_OFFSET;
  },
  "utun-af": (c, fd, frame, length) => {
    if (length <= ETH_HEADER) return 0;
    const type = (frame[12]! << 8) | frame[13]!;
    const af = type === ETHERTYPE_IPV4 ? AF_INET : type === ETHERTYPE_IPV6 ? AF_INET6_DARWIN : 0;
    if (af === 0) return 0;
    frame[10] = 0;
    frame[11] = 0;
    frame[12] = 0;
    frame[13] = af;
    const n = c.write(fd, frame.subarray(PI_OFFSET), length - PI_OFFSET);
    return n < 0 ? -c.errno() : n + PI_OFFSET;
  },
  "ethernet": (c, fd, frame, length) => {
    if (length < ETH_HEADER) return 0;
    const n = c.write(fd, frame, length);
    return n < 0 ? -c.errno() : n;
  },
};

/** The reader for a codec. */
export function frameReader(codec: FrameCodec): FrameReader {
  return readers[codec];
}

/** The writer for a codec. */
export function frameWriter(codec: FrameCodec): FrameWriter {
  return writers[codec];
}
