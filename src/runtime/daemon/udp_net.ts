/**
 * The daemon's UDP endpoints (Bun UDP sockets) on the tinc port. By default one dual-stack
 * socket on `::` carries both families where the kernel allows it (IPv4 peers then appear as
 * `::ffff:a.b.c.d`, unmapped before the engine sees them, and are mapped again to send), plus a
 * `0.0.0.0` socket when the IPv6 one is v6-only or IPv6 is unavailable. With BindToAddress or
 * ListenAddress, exactly the given addresses are bound. A datagram leaves from the first socket
 * of its destination's family. While the daemon routes a batch of frames read from the device,
 * datagrams are collected and handed to the kernel together at the end (Bun's sendMany), which
 * measured about a fifth more throughput than one send per datagram.
 * @module
 */
import type { udp } from "bun";
import type { SockAddr } from "../../core/node/effects.ts";
import { setUdpBuffers, type UdpBufferSizes, unmapAddress } from "../udp.ts";
import { findSocketFd } from "../socket_fd.ts";

type UdpSocket = udp.Socket<"uint8array">;

/** An address to bind: a numeric host (`0.0.0.0`, `::` or a local address) and a port. */
export interface BindSpec {
  host: string;
  port: number;
}

function isV6(host: string): boolean {
  return host.includes(":");
}

/** Receives datagrams and sends them from the tinc port. */
export class UdpNet {
  private readonly v4: UdpSocket[] = [];
  private readonly v6: UdpSocket[] = [];
  /** Whether the first IPv6 socket is a wildcard that also carries IPv4 (dual-stack). */
  private v6Wildcard = false;
  /** Datagrams the kernel refused (buffer full), counted, never thrown. */
  sendFailures = 0;

  private constructor(private readonly onDatagram: (from: SockAddr, bytes: Uint8Array) => void) {}

  /**
   * Binds the default wildcard sockets on `port` for the families allowed. Throws when nothing
   * could be bound.
   */
  static async open(
    port: number,
    family: "ipv4" | "ipv6" | "any",
    onDatagram: (from: SockAddr, bytes: Uint8Array) => void,
  ): Promise<UdpNet> {
    const specs: BindSpec[] = [];
    if (family !== "ipv4") specs.push({ host: "::", port });
    if (family !== "ipv6") specs.push({ host: "0.0.0.0", port });
    return (await UdpNet.bind(specs, onDatagram)).net;
  }

  /**
   * Binds every address in `specs`, as tincd does: an address that fails is reported and the
   * others are used; only when nothing could be bound does it throw. An IPv4 wildcard that
   * fails after a dual-stack IPv6 wildcard succeeded is expected (that socket owns the port
   * already) and not reported.
   */
  static async bind(
    specs: readonly BindSpec[],
    onDatagram: (from: SockAddr, bytes: Uint8Array) => void,
    buffers: UdpBufferSizes = {},
  ): Promise<{ net: UdpNet; errors: string[] }> {
    const net = new UdpNet(onDatagram);
    const errors: string[] = [];
    const handler = {
      data: (_s: UdpSocket, data: Uint8Array, rport: number, address: string) => {
        net.onDatagram({ host: unmapAddress(address), port: rport }, data);
      },
      // Errors from the socket's error queue (ECONNREFUSED after an ICMP port unreachable,
      // EMSGSIZE after a frag-needed) are routine on a UDP underlay; without a handler Bun prints
      // each as an uncaught error and the daemon later exits with status 1.
      error: () => {},
    };
    for (const spec of specs) {
      try {
        const s = await Bun.udpSocket({
          hostname: spec.host,
          port: spec.port,
          binaryType: "uint8array",
          socket: handler,
        });
        setUdpBuffers(findSocketFd(isV6(spec.host) ? "udp6" : "udp", s.port), buffers);
        if (isV6(spec.host)) {
          if (net.v6.length === 0 && spec.host === "::") net.v6Wildcard = true;
          net.v6.push(s);
        } else net.v4.push(s);
      } catch (e) {
        if (spec.host === "0.0.0.0" && net.v6Wildcard) continue;
        errors.push(
          `${isV6(spec.host) ? `[${spec.host}]` : spec.host}:${spec.port}: ${(e as Error).message}`,
        );
      }
    }
    if (net.v4.length + net.v6.length === 0) {
      throw new Error(`Could not bind UDP ${errors.join("; ")}`);
    }
    return { net, errors };
  }

  private batch: Array<Uint8Array | number | string> | undefined;
  private batchSocket: UdpSocket | undefined;

  /**
   * Starts collecting datagrams (sent together by {@link endBatch}); used while a batch of TUN
   * frames is routed. Bytes handed to {@link send} meanwhile must stay unchanged until then.
   */
  beginBatch(): void {
    this.batch ??= [];
  }

  /** Sends what was collected since {@link beginBatch}, in one call per socket run. */
  endBatch(): void {
    const b = this.batch;
    const socket = this.batchSocket;
    this.batch = undefined;
    this.batchSocket = undefined;
    if (b === undefined || b.length === 0 || socket === undefined) return;
    try {
      const sent = socket.sendMany(b);
      this.sendFailures += b.length / 3 - sent;
    } catch {
      this.sendFailures += b.length / 3;
    }
  }

  /** Sends one datagram; a full socket buffer drops it, as UDP may. */
  send(to: SockAddr, bytes: Uint8Array): void {
    if (this.batch !== undefined) {
      const s = isV6(to.host) ? this.v6[0] : this.v4[0] ?? (this.v6Wildcard ? this.v6[0] : undefined);
      const host = !isV6(to.host) && this.v4[0] === undefined ? `::ffff:${to.host}` : to.host;
      if (s !== undefined) {
        if (this.batchSocket !== undefined && this.batchSocket !== s) {
          this.endBatch();
          this.batch = [];
        }
        this.batchSocket = s;
        this.batch!.push(bytes, to.port, host);
        return;
      }
    }
    let ok = false;
    try {
      if (isV6(to.host)) {
        const s = this.v6[0];
        if (s !== undefined) ok = s.send(bytes, to.port, to.host);
      } else {
        const s = this.v4[0];
        if (s !== undefined) ok = s.send(bytes, to.port, to.host);
        else if (this.v6Wildcard) ok = this.v6[0]!.send(bytes, to.port, `::ffff:${to.host}`);
      }
    } catch {
      ok = false;
    }
    if (!ok) this.sendFailures++;
  }

  close(): void {
    for (const s of [...this.v4, ...this.v6]) s.close();
    this.v4.length = 0;
    this.v6.length = 0;
  }
}
