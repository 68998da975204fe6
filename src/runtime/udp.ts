/**
 * The UDP port: one endpoint per bound address (tinc's ListenAddress/BindToAddress), on top of
 * Bun.udpSocket (its event loop gives each datagram with the sender's address; measured on
 * loopback in test/netns/runtime_udp_pps.ts). Path MTU discovery is switched to "do" (DF set,
 * never fragment locally) through libc on the socket's fd, so an oversized send fails with
 * EMSGSIZE, reported to the caller as "too-big" (tinc's PMTU logic relies on it). An IPv6
 * endpoint bound to `::` is dual-stack: IPv4 peers are reported unmapped and mapped again to send.
 * @module
 */
import type { udp } from "bun";
import { libc } from "./libc.ts";
import { findSocketFd } from "./socket_fd.ts";

/** A datagram peer. */
export interface UdpPeer {
  host: string;
  port: number;
}

/** What became of a send: never an exception. */
export type UdpSendResult = "sent" | "too-big" | "dropped";

/** A bound UDP socket. */
export interface UdpEndpoint {
  /** The bound address as given (`0.0.0.0`, `::`, or a specific one). */
  readonly host: string;
  /** The bound port (the kernel's choice when 0 was asked). */
  readonly port: number;
  /** True when DF is set (IP_PMTUDISC_DO / IPV6_PMTUDISC_DO took effect). */
  readonly pmtuDiscovery: boolean;
  /** Datagrams the kernel refused for reasons other than size. */
  readonly dropped: number;
  send(bytes: Uint8Array, to: UdpPeer): UdpSendResult;
  close(): void;
}

/** How to open an endpoint. */
export interface UdpOptions {
  host: string;
  port: number;
  onDatagram(bytes: Uint8Array, from: UdpPeer): void;
  /** Default true. */
  pmtuDiscovery?: boolean;
}

const IPPROTO_IP = 0;
const IP_MTU_DISCOVER = 10;
const IPPROTO_IPV6 = 41;
const IPV6_MTU_DISCOVER = 23;
const PMTUDISC_DO = 2;
const V4_MAPPED = "::ffff:";
const SOL_SOCKET = 1;
const SO_SNDBUF = 7;
const SO_RCVBUF = 8;
const SO_SNDBUFFORCE = 32;
const SO_RCVBUFFORCE = 33;
/** tinc 1.1's UDPRcvBuf/UDPSndBuf default. */
const UDP_BUFFER_BYTES = 1024 * 1024;

/**
 * An IPv4-mapped IPv6 address (`::ffff:a.b.c.d`, any case) as plain IPv4; anything else
 * unchanged. Dual-stack sockets (TCP and UDP alike) report IPv4 peers this way.
 */
export function unmapAddress(host: string): string {
  // Asked for every received datagram, nearly always with the previous peer's address: the
  // last answer is kept so the regular expression runs once per new address.
  if (host === lastMapped) return lastUnmapped;
  const m = /^::ffff:([0-9.]+)$/i.exec(host);
  lastMapped = host;
  lastUnmapped = m ? m[1]! : host;
  return lastUnmapped;
}

let lastMapped = "";
let lastUnmapped = "";

function isIpv6Bind(host: string): boolean {
  return host.includes(":");
}

/** Sets DF on a Linux socket fd; false when it could not be done. */
function setPmtuDo(fd: number, ipv6: boolean): boolean {
  if (fd < 0) return false;
  const c = libc();
  const value = new Uint8Array(new Int32Array([PMTUDISC_DO]).buffer);
  const v4 = c.setsockopt(fd, IPPROTO_IP, IP_MTU_DISCOVER, value, 4) === 0;
  // A dual-stack socket needs both: IPv4 peers go out under the IPv4 option.
  return ipv6 ? c.setsockopt(fd, IPPROTO_IPV6, IPV6_MTU_DISCOVER, value, 4) === 0 && v4 : v4;
}

/** UDPRcvBuf / UDPSndBuf in bytes. */
export interface UdpBufferSizes {
  receive?: number;
  send?: number;
}

/**
 * Asks for the configured socket buffers (UDPRcvBuf / UDPSndBuf), 1 MiB each when not set, as
 * tinc 1.1 does. The kernel's default (about 208 KiB, also the cap net.core.rmem_max puts on a
 * plain SO_RCVBUF) overflowed under bulk SPTPS traffic in the netns tests (16% of datagrams lost
 * at the receiver); as root the FORCE variants pass the cap.
 */
export function setUdpBuffers(fd: number, sizes: UdpBufferSizes = {}): void {
  if (fd < 0) return;
  const c = libc();
  const options = [
    [SO_RCVBUFFORCE, SO_RCVBUF, sizes.receive ?? UDP_BUFFER_BYTES],
    [SO_SNDBUFFORCE, SO_SNDBUF, sizes.send ?? UDP_BUFFER_BYTES],
  ] as const;
  for (const [force, plain, bytes] of options) {
    const value = new Uint8Array(new Int32Array([bytes]).buffer);
    if (c.setsockopt(fd, SOL_SOCKET, force, value, 4) !== 0) c.setsockopt(fd, SOL_SOCKET, plain, value, 4);
  }
}

/**
 * Binds a UDP endpoint. Throws an Error naming the address when binding fails.
 * @param options address, port, receive callback, PMTU discovery
 * @returns the endpoint
 */
export async function openUdp(options: UdpOptions): Promise<UdpEndpoint> {
  const ipv6 = isIpv6Bind(options.host);
  let socket: udp.Socket<"uint8array">;
  try {
    socket = await Bun.udpSocket({
      hostname: options.host,
      port: options.port,
      binaryType: "uint8array",
      socket: {
        data: (_s, data, port, address) => options.onDatagram(data, { host: unmapAddress(address), port }),
        error: () => {}, // send errors are reported by send(); nothing else arrives here
      },
    });
  } catch (e) {
    throw new Error(`Could not bind UDP ${options.host} port ${options.port}: ${(e as Error).message}`);
  }
  const fd = findSocketFd(ipv6 ? "udp6" : "udp", socket.port);
  const pmtu = options.pmtuDiscovery !== false && setPmtuDo(fd, ipv6);
  setUdpBuffers(fd);
  return new BunUdpEndpoint(socket, options.host, ipv6, pmtu);
}

class BunUdpEndpoint implements UdpEndpoint {
  dropped = 0;

  constructor(
    private readonly socket: udp.Socket<"uint8array">,
    readonly host: string,
    private readonly ipv6: boolean,
    readonly pmtuDiscovery: boolean,
  ) {}

  get port(): number {
    return this.socket.port;
  }

  send(bytes: Uint8Array, to: UdpPeer): UdpSendResult {
    const host = this.ipv6 && !to.host.includes(":") ? V4_MAPPED + to.host : to.host;
    try {
      if (this.socket.send(bytes, to.port, host)) return "sent";
    } catch (e) {
      if (/EMSGSIZE/.test((e as Error).message)) return "too-big";
    }
    this.dropped++;
    return "dropped";
  }

  close(): void {
    if (!this.socket.closed) this.socket.close();
  }
}

/**
 * In-memory UDP for tests: endpoints on one FakeUdpNetwork deliver to each other by host:port
 * (asynchronously, in order), with an MTU above which sends report "too-big".
 */
export class FakeUdpNetwork {
  private readonly endpoints = new Map<string, FakeUdpEndpoint>();
  /** Datagrams larger than this are "too-big". */
  mtu = 1500;
  private nextPort = 40000;

  /** Opens an endpoint; port 0 picks a free one. */
  open(options: UdpOptions): UdpEndpoint {
    const port = options.port || this.nextPort++;
    const key = `${options.host}:${port}`;
    if (this.endpoints.has(key)) {
      throw new Error(`Could not bind UDP ${options.host} port ${port}: address in use`);
    }
    const ep = new FakeUdpEndpoint(this, options.host, port, options.onDatagram);
    this.endpoints.set(key, ep);
    return ep;
  }

  /** @internal */
  deliver(from: FakeUdpEndpoint, bytes: Uint8Array, to: UdpPeer): UdpSendResult {
    if (bytes.length > this.mtu) return "too-big";
    const target = this.endpoints.get(`${to.host}:${to.port}`);
    if (!target) return "sent"; // UDP: vanishes silently
    const copy = bytes.slice();
    queueMicrotask(() => target.receive(copy, { host: from.host, port: from.port }));
    return "sent";
  }

  /** @internal */
  remove(ep: FakeUdpEndpoint): void {
    this.endpoints.delete(`${ep.host}:${ep.port}`);
  }
}

class FakeUdpEndpoint implements UdpEndpoint {
  readonly pmtuDiscovery = true;
  readonly dropped = 0;
  private closed = false;

  constructor(
    private readonly net: FakeUdpNetwork,
    readonly host: string,
    readonly port: number,
    private readonly onDatagram: (bytes: Uint8Array, from: UdpPeer) => void,
  ) {}

  send(bytes: Uint8Array, to: UdpPeer): UdpSendResult {
    return this.closed ? "dropped" : this.net.deliver(this, bytes, to);
  }

  receive(bytes: Uint8Array, from: UdpPeer): void {
    if (!this.closed) this.onDatagram(bytes, from);
  }

  close(): void {
    this.closed = true;
    this.net.remove(this);
  }
}
