/**
 * The daemon's UDP endpoint (Bun UDP sockets) on the tinc port. One dual-stack socket on `::`
 * carries both families where the kernel allows it (IPv4 peers then appear as `::ffff:a.b.c.d`,
 * unmapped before the engine sees them, and are mapped again to send); a separate `0.0.0.0`
 * socket is used when the IPv6 one is v6-only or IPv6 is unavailable.
 * @module
 */
import type { udp } from "bun";
import type { SockAddr } from "../../core/node/effects.ts";
import { unmapAddress } from "./meta_net.ts";

type UdpSocket = udp.Socket<"uint8array">;

/** Receives datagrams and sends them from the tinc port. */
export class UdpNet {
  private v4?: UdpSocket;
  private v6?: UdpSocket;
  /** Datagrams the kernel refused (buffer full), counted, never thrown. */
  sendFailures = 0;

  private constructor(private readonly onDatagram: (from: SockAddr, bytes: Uint8Array) => void) {}

  /**
   * Binds `port` on the families allowed. Throws when nothing could be bound.
   * @param family tinc's AddressFamily
   */
  static async open(
    port: number,
    family: "ipv4" | "ipv6" | "any",
    onDatagram: (from: SockAddr, bytes: Uint8Array) => void,
  ): Promise<UdpNet> {
    const net = new UdpNet(onDatagram);
    const errors: string[] = [];
    const handler = {
      data: (_s: UdpSocket, data: Uint8Array, rport: number, address: string) => {
        net.onDatagram({ host: unmapAddress(address), port: rport }, data);
      },
    };
    if (family !== "ipv4") {
      try {
        net.v6 = await Bun.udpSocket({ hostname: "::", port, binaryType: "uint8array", socket: handler });
      } catch (e) {
        errors.push(`[::]:${port}: ${(e as Error).message}`);
      }
    }
    if (family !== "ipv6") {
      try {
        net.v4 = await Bun.udpSocket({
          hostname: "0.0.0.0",
          port,
          binaryType: "uint8array",
          socket: handler,
        });
      } catch (e) {
        // Expected when the IPv6 socket is dual-stack: it already owns the IPv4 port.
        if (net.v6 === undefined) errors.push(`0.0.0.0:${port}: ${(e as Error).message}`);
      }
    }
    if (net.v4 === undefined && net.v6 === undefined) {
      throw new Error(`Could not bind UDP port ${port}: ${errors.join("; ")}`);
    }
    return net;
  }

  /** Sends one datagram; a full socket buffer drops it, as UDP may. */
  send(to: SockAddr, bytes: Uint8Array): void {
    const v4 = !to.host.includes(":");
    let ok = false;
    try {
      if (v4 && this.v4 !== undefined) ok = this.v4.send(bytes, to.port, to.host);
      else if (v4 && this.v6 !== undefined) ok = this.v6.send(bytes, to.port, `::ffff:${to.host}`);
      else if (!v4 && this.v6 !== undefined) ok = this.v6.send(bytes, to.port, to.host);
    } catch {
      ok = false;
    }
    if (!ok) this.sendFailures++;
  }

  close(): void {
    this.v4?.close();
    this.v6?.close();
  }
}
