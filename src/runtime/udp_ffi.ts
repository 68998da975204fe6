/**
 * A UDP endpoint on a socket of our own (libc), received by a Worker with recvmmsg into a shared
 * ring (udp_reader_worker.ts) and sent with sendto from the main thread. The faster alternative
 * to udp.ts (Bun.udpSocket), with the same UdpEndpoint interface, and control Bun does not
 * give: IPV6_V6ONLY before bind (tincd binds one socket per family), SO_RCVBUF/SO_SNDBUF (tinc's
 * UDPRcvBuf/UDPSndBuf) and DF. Received datagrams are views into the ring, valid only during the
 * callback; the sender's address is decoded once per change of sender, not per datagram.
 * @module
 */
import { errnoEmsgsize, libc, setNonBlocking, SystemError } from "./libc.ts";
import { consumeRing, type ReaderStats, type RingReader } from "./ring_consumer.ts";
import { af6, decodeSockaddr, encodeSockaddr, SOCKADDR_SIZE } from "./sockaddr.ts";
import { FrameRing, type RingShape } from "./tun_ring.ts";
import type { UdpEndpoint, UdpOptions, UdpPeer, UdpSendResult } from "./udp.ts";
import type { UdpReaderStart } from "./udp_reader_worker.ts";
import { spawnRuntimeWorker } from "./worker_spawn.ts";

/** Extra options of the FFI endpoint. */
export interface FfiUdpOptions extends UdpOptions {
  /** For an IPv6 bind: accept IPv6 only (default true, as tincd). */
  v6Only?: boolean;
  /** SO_RCVBUF / SO_SNDBUF in bytes (tinc's UDPRcvBuf / UDPSndBuf); the OS default when absent. */
  receiveBuffer?: number;
  sendBuffer?: number;
  ring?: RingShape;
}

/** The FFI endpoint, with reader counters. */
export interface FfiUdpEndpoint extends UdpEndpoint {
  stats(): ReaderStats;
  /** Stops the reader and closes the socket. */
  closeAsync(): Promise<void>;
}

const SOCK_DGRAM = 2;
const SOCK_CLOEXEC_LINUX = 0o2000000;
const AF_INET = 2;
/** Socket option numbers per OS. */
const OPT: Record<string, { solSocket: number; rcvbuf: number; sndbuf: number; v6only: number }> = {
  linux: { solSocket: 1, rcvbuf: 8, sndbuf: 7, v6only: 26 },
  darwin: { solSocket: 0xffff, rcvbuf: 0x1002, sndbuf: 0x1001, v6only: 27 },
};
const IPPROTO_IP = 0;
const IPPROTO_IPV6 = 41;
const IP_MTU_DISCOVER = 10;
const IPV6_MTU_DISCOVER = 23;
const PMTUDISC_DO = 2;
const MSG_DONTWAIT: number = process.platform === "darwin" ? 0x80 : 0x40;
/** Encoded destinations kept; cleared when full (peers are few, addresses change rarely). */
const DEST_CACHE = 4096;
/** The default ring: 1024 slots of 2048 bytes (28 of them the sender's address). */
export const DEFAULT_UDP_RING: RingShape = { slots: 1024, slotSize: 2048 };

const int32 = (v: number) => new Uint8Array(new Int32Array([v]).buffer);

/**
 * Opens and binds the socket, then starts its reader Worker.
 * @param options address, port, callback, and the FFI-only options
 * @returns the endpoint; throws an Error naming the address on failure
 */
export async function openUdpFfi(options: FfiUdpOptions): Promise<FfiUdpEndpoint> {
  const c = libc();
  const opt = OPT[process.platform] ?? OPT.linux!;
  const ipv6 = options.host.includes(":");
  const where = `UDP ${options.host} port ${options.port}`;
  const local = encodeSockaddr({ host: options.host, port: options.port });
  if (!local) throw new Error(`Could not bind ${where}: not a numeric address`);
  const type = process.platform === "linux" ? SOCK_DGRAM | SOCK_CLOEXEC_LINUX : SOCK_DGRAM;
  const fd = c.socket(ipv6 ? af6() : AF_INET, type, 0);
  if (fd < 0) throw new SystemError(`Could not open a socket for ${where}`, c.errno(), c);
  let pmtu = false;
  try {
    if (ipv6 && c.setsockopt(fd, IPPROTO_IPV6, opt.v6only, int32(options.v6Only === false ? 0 : 1), 4) < 0) {
      throw new SystemError(`Could not set IPV6_V6ONLY for ${where}`, c.errno(), c);
    }
    if (options.receiveBuffer) c.setsockopt(fd, opt.solSocket, opt.rcvbuf, int32(options.receiveBuffer), 4);
    if (options.sendBuffer) c.setsockopt(fd, opt.solSocket, opt.sndbuf, int32(options.sendBuffer), 4);
    if (options.pmtuDiscovery !== false && process.platform === "linux") {
      const v4 = c.setsockopt(fd, IPPROTO_IP, IP_MTU_DISCOVER, int32(PMTUDISC_DO), 4) === 0;
      const v6 = !ipv6 || c.setsockopt(fd, IPPROTO_IPV6, IPV6_MTU_DISCOVER, int32(PMTUDISC_DO), 4) === 0;
      pmtu = ipv6 ? v6 : v4;
    }
    if (c.bind(fd, local.addr, local.length) < 0) {
      throw new SystemError(`Could not bind ${where}`, c.errno(), c);
    }
    if (!setNonBlocking(c, fd)) throw new SystemError(`Could not make ${where} non-blocking`, c.errno(), c);
  } catch (e) {
    c.close(fd);
    throw e;
  }
  const name = new Uint8Array(SOCKADDR_SIZE);
  c.getsockname(fd, name, new Uint8Array(new Uint32Array([SOCKADDR_SIZE]).buffer));
  const port = decodeSockaddr(name)?.port ?? options.port;

  const shape = options.ring ?? DEFAULT_UDP_RING;
  const ring = FrameRing.create(shape);
  let worker: Worker;
  try {
    worker = await spawnRuntimeWorker("udp_reader_worker.ts");
  } catch (e) {
    c.close(fd);
    throw e;
  }
  const views = ring.slotViews;
  // The sender is decoded only when its address bytes differ from the previous datagram's.
  const lastName = new Uint8Array(SOCKADDR_SIZE);
  let lastPeer: UdpPeer = { host: "", port: 0 };
  const reader: RingReader = consumeRing(worker, ring, {
    onSlot(index, length) {
      const slot = views[index]!;
      let same = true;
      for (let i = 0; i < 24; i++) {
        if (slot[i] !== lastName[i]) {
          same = false;
          break;
        }
      }
      if (!same) {
        lastName.set(slot.subarray(0, SOCKADDR_SIZE));
        lastPeer = decodeSockaddr(slot) ?? { host: "", port: 0 };
      }
      options.onDatagram(slot.subarray(SOCKADDR_SIZE, SOCKADDR_SIZE + length), lastPeer);
    },
  });
  worker.postMessage({ buffer: ring.buffer, shape, fd } satisfies UdpReaderStart);

  const destinations = new Map<string, { addr: Uint8Array; length: number } | null>();
  let dropped = 0;
  let open = true;
  const endpoint: FfiUdpEndpoint = {
    host: options.host,
    port,
    pmtuDiscovery: pmtu,
    get dropped() {
      return dropped;
    },
    send(bytes: Uint8Array, to: UdpPeer): UdpSendResult {
      if (!open) return "dropped";
      const key = `${to.host} ${to.port}`;
      let dest = destinations.get(key);
      if (dest === undefined) {
        if (destinations.size >= DEST_CACHE) destinations.clear();
        dest = encodeSockaddr(to, ipv6);
        destinations.set(key, dest);
      }
      if (dest === null) {
        dropped++;
        return "dropped";
      }
      if (c.sendto(fd, bytes, bytes.length, MSG_DONTWAIT, dest.addr, dest.length) >= 0) return "sent";
      // EMSGSIZE is the PMTU signal; anything else (EAGAIN, ENOBUFS: buffer full) is a drop.
      if (c.errno() === errnoEmsgsize) return "too-big";
      dropped++;
      return "dropped";
    },
    stats: () => reader.stats(),
    async closeAsync() {
      if (!open) return;
      open = false;
      await reader.stop();
      c.close(fd);
    },
    close() {
      void endpoint.closeAsync();
    },
  };
  return endpoint;
}
