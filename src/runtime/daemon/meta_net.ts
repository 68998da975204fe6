/**
 * Meta connections over TCP (Bun sockets): a listener per address, outgoing dials with a
 * connect timeout, and a per-connection output queue that absorbs partial writes. Each socket
 * gets a small integer id, the engine's ConnId. Addresses are handed out unmapped
 * (`::ffff:10.0.0.1` becomes `10.0.0.1`), the way tinc prints them.
 * @module
 */
import type { Socket, TCPSocketListener } from "bun";
import type { SockAddr } from "../../core/node/effects.ts";
import { unmapAddress } from "../udp.ts";
import { AcceptBurstGate, MAX_CONNECTION_BURST, Tarpit } from "../accept_gate.ts";

/** What the owner hears about its sockets. */
export interface MetaEvents {
  accepted(id: number, peer: SockAddr): void;
  /** An outgoing dial completed. */
  connected(id: number, peer: SockAddr): void;
  data(id: number, bytes: Uint8Array): void;
  /** The peer closed, the socket failed, or a dial failed or timed out. Not sent after close(). */
  closed(id: number, reason: string): void;
  /** An incoming connection went to the tarpit (tincd's connection-burst limit): held open and
   * ignored, closed when its slot is reused. No id: the engine never hears of it. */
  tarpitted?(peer: SockAddr): void;
}

/** Queued output beyond this closes the connection (tinc bounds it with MaxOutputBufferSize). */
const MAX_QUEUED_BYTES = 32 * 1024 * 1024;

interface Entry {
  id: number;
  socket?: Socket<undefined>;
  queue: Uint8Array[];
  queued: number;
  closed: boolean;
  connectTimer?: ReturnType<typeof setTimeout>;
}

/** The TCP side of the daemon. */
export class MetaNet {
  private nextId = 1;
  private readonly entries = new Map<number, Entry>();
  private readonly bySocket = new WeakMap<Socket<undefined>, Entry>();
  private readonly listeners: TCPSocketListener<undefined>[] = [];
  private readonly gate: AcceptBurstGate;
  private readonly tarpit = new Tarpit<Socket<undefined>>((s) => {
    try {
      s.end();
    } catch {
      // already gone
    }
  });
  private readonly tarpitted = new WeakSet<Socket<undefined>>();

  /**
   * @param now monotonic milliseconds for the burst limit (tests pass their own clock)
   * @param maxConnectionBurst accepts within a burst before the tarpit (MaxConnectionBurst)
   */
  constructor(
    private readonly events: MetaEvents,
    private readonly now: () => number = () => performance.now(),
    maxConnectionBurst = MAX_CONNECTION_BURST,
  ) {
    this.gate = new AcceptBurstGate(maxConnectionBurst);
  }

  private handlers() {
    return {
      open: (s: Socket<undefined>) => {
        let e = this.bySocket.get(s);
        if (e !== undefined) return; // outgoing: handled where the dial resolves
        const peer = { host: unmapAddress(s.remoteAddress), port: s.remotePort };
        if (this.gate.decide(this.now(), peer.host) === "tarpit") {
          this.tarpitted.add(s);
          this.hold(s);
          this.events.tarpitted?.(peer);
          return;
        }
        e = { id: this.nextId++, socket: s, queue: [], queued: 0, closed: false };
        this.entries.set(e.id, e);
        this.bySocket.set(s, e);
        s.setNoDelay(true);
        this.events.accepted(e.id, peer);
      },
      data: (s: Socket<undefined>, data: Uint8Array) => {
        const e = this.bySocket.get(s);
        if (e !== undefined && !e.closed) this.events.data(e.id, data);
      },
      drain: (s: Socket<undefined>) => {
        const e = this.bySocket.get(s);
        if (e !== undefined) this.flush(e);
      },
      close: (s: Socket<undefined>) => this.gone(s, "connection closed"),
      end: (s: Socket<undefined>) => this.gone(s, "connection closed by peer"),
      error: (s: Socket<undefined>, err: Error) => this.gone(s, err.message),
    };
  }

  /**
   * Listens on `host:port` (host `::` is dual-stack on Linux unless `ipv6Only`).
   * Throws when the address cannot be bound.
   */
  listen(host: string, port: number, ipv6Only = false): number {
    const l = Bun.listen<undefined>(
      { hostname: host, port, ipv6Only, socket: this.handlers() } as never,
    ) as TCPSocketListener<undefined>;
    this.listeners.push(l);
    return l.port;
  }

  /** Dials `to`; the outcome arrives as `connected` or `closed`. */
  connect(to: SockAddr, timeoutMs: number): number {
    const e: Entry = { id: this.nextId++, queue: [], queued: 0, closed: false };
    this.entries.set(e.id, e);
    e.connectTimer = setTimeout(() => {
      if (e.socket === undefined) this.lost(e, `timed out connecting to ${to.host} port ${to.port}`);
    }, timeoutMs);
    const handlers = this.handlers();
    Bun.connect<undefined>({
      hostname: to.host,
      port: to.port,
      socket: {
        ...handlers,
        open: (s: Socket<undefined>) => {
          if (e.closed) {
            s.end();
            return;
          }
          clearTimeout(e.connectTimer);
          e.socket = s;
          this.bySocket.set(s, e);
          s.setNoDelay(true);
          this.events.connected(e.id, to);
          this.flush(e);
        },
        connectError: (_s: Socket<undefined>, err: Error) => this.lost(e, err.message),
      },
    } as never).catch((err: unknown) => this.lost(e, String((err as Error)?.message ?? err)));
    return e.id;
  }

  /** Queues bytes; they are copied only when the kernel does not take them at once. */
  send(id: number, bytes: Uint8Array): void {
    const e = this.entries.get(id);
    if (e === undefined || e.closed) return;
    if (e.socket !== undefined && e.queue.length === 0) {
      const n = e.socket.write(bytes);
      if (n >= bytes.length) return;
      bytes = bytes.subarray(Math.max(0, n));
    }
    e.queue.push(bytes.slice());
    e.queued += bytes.length;
    if (e.queued > MAX_QUEUED_BYTES) this.lost(e, "output buffer overflow");
  }

  private flush(e: Entry): void {
    const s = e.socket;
    if (s === undefined || e.closed) return;
    while (e.queue.length > 0) {
      const chunk = e.queue[0]!;
      const n = s.write(chunk);
      if (n < 0) return this.lost(e, "write failed");
      if (n < chunk.length) {
        e.queue[0] = chunk.subarray(n);
        e.queued -= n;
        return;
      }
      e.queue.shift();
      e.queued -= chunk.length;
    }
  }

  /** Puts a socket in the tarpit, unread from now on (tincd never reads a tarpitted socket, so a
   * flooder's writes stall against a full window instead of being drained and thrown away). */
  private hold(s: Socket<undefined>): void {
    s.pause();
    this.tarpit.put(s);
  }

  /** A socket ended: a tarpitted one just leaves its slot; a served one is lost. */
  private gone(s: Socket<undefined>, reason: string): void {
    if (this.tarpitted.has(s)) {
      this.tarpitted.delete(s);
      this.tarpit.forget(s);
      return;
    }
    this.lost(this.bySocket.get(s), reason);
  }

  private lost(e: Entry | undefined, reason: string): void {
    if (e === undefined || e.closed) return;
    this.dispose(e);
    this.events.closed(e.id, reason);
  }

  private dispose(e: Entry): void {
    e.closed = true;
    clearTimeout(e.connectTimer);
    this.entries.delete(e.id);
    try {
      e.socket?.end();
    } catch {
      // already gone
    }
  }

  /**
   * Closes a connection without reporting it back (the engine asked for it). With `tarpit` an
   * established socket is not closed but moved to the tarpit: held open, its input ignored, closed
   * when its slot is reused (tincd does this to peers that failed).
   */
  close(id: number, tarpit = false): void {
    const e = this.entries.get(id);
    if (e === undefined) return;
    const s = e.socket;
    if (!tarpit || s === undefined) return this.dispose(e);
    e.closed = true;
    clearTimeout(e.connectTimer);
    this.entries.delete(e.id);
    this.bySocket.delete(s);
    this.tarpitted.add(s);
    this.hold(s);
  }

  /** Closes every socket and listener. */
  closeAll(): void {
    for (const e of [...this.entries.values()]) this.dispose(e);
    this.tarpit.closeAll();
    for (const l of this.listeners) l.stop(true);
    this.listeners.length = 0;
  }
}
