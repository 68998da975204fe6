/**
 * The TCP port for meta connections: listeners and outgoing connects on Bun.listen/Bun.connect
 * (IPv4 and IPv6), TCP_NODELAY on every stream, an output queue that survives partial writes and
 * enforces MaxOutputBufferSize, and tincd's accept-burst gate with its tarpit on listeners.
 * Bun.connect cannot bind the local address: a connect with `bindHost` (tinc binds the outgoing
 * socket to the listen address when that family has exactly one) goes through node:net instead.
 * @module
 */
import type { Socket, TCPSocketListener } from "bun";
import { connect as netConnect, type Socket as NetSocket } from "node:net";
import { AcceptBurstGate, Tarpit } from "./accept_gate.ts";
import { DEFAULT_MAX_OUTPUT_BUFFER, OutputQueue, type WriteResult } from "./output_queue.ts";

/** A TCP endpoint address. */
export interface TcpPeer {
  host: string;
  port: number;
}

/** Callbacks of one stream. */
export interface StreamHandlers {
  onData(stream: TcpStream, bytes: Uint8Array): void;
  /** The output queue emptied. */
  onDrain?(stream: TcpStream): void;
  /** The peer closed or the connection failed (`reason` set for errors); not called after our own close(). */
  onClose(stream: TcpStream, reason?: string): void;
}

/** One meta connection's socket. */
export interface TcpStream {
  readonly remote: TcpPeer;
  /** Sends bytes in order; "overflow" refuses them whole when the queue is at its limit. */
  write(bytes: Uint8Array): WriteResult;
  readonly bufferedBytes: number;
  /** Closes at once (pending output is dropped, as tincd's terminate_connection does). */
  close(): void;
}

interface StreamState {
  stream?: BunStream;
  tarpitted?: boolean;
}

const V4_MAPPED = "::ffff:";
const unmap = (h: string) => (h.startsWith(V4_MAPPED) && h.includes(".") ? h.slice(V4_MAPPED.length) : h);

class BunStream implements TcpStream {
  readonly queue: OutputQueue;
  closed = false;
  handlers: StreamHandlers | undefined;

  constructor(private readonly socket: Socket<StreamState>, readonly remote: TcpPeer, maxOutput: number) {
    this.queue = new OutputQueue((b) => (this.closed ? -1 : socket.write(b)), maxOutput);
  }

  write(bytes: Uint8Array): WriteResult {
    return this.closed ? "closed" : this.queue.write(bytes);
  }

  get bufferedBytes(): number {
    return this.queue.bufferedBytes;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.queue.clear();
    this.socket.end();
  }

  drained(): void {
    if (!this.closed && this.queue.flush()) this.handlers?.onDrain?.(this);
  }

  ended(reason?: string): void {
    const wasClosed = this.closed;
    this.closed = true;
    this.queue.clear();
    if (!wasClosed || reason) this.handlers?.onClose(this, reason);
  }
}

/** A listening socket. */
export interface TcpListener {
  readonly host: string;
  readonly port: number;
  /** Connections currently held in the tarpit. */
  tarpitted(): number;
  close(): void;
}

/** How to listen. */
export interface ListenOptions {
  host: string;
  port: number;
  /** A new connection passed the burst gate: return its handlers. */
  onAccept(stream: TcpStream): StreamHandlers;
  /** Monotonic ms for the burst gate (default performance.now). */
  now?: () => number;
  maxOutputBuffer?: number;
}

/**
 * Listens on host:port. Throws an Error naming the address when binding fails.
 * @param options address, accept callback, clock, MaxOutputBufferSize
 * @returns the listener
 */
export function listenTcp(options: ListenOptions): TcpListener {
  const gate = new AcceptBurstGate();
  const now = options.now ?? (() => performance.now());
  const maxOutput = options.maxOutputBuffer ?? DEFAULT_MAX_OUTPUT_BUFFER;
  const tarpit = new Tarpit<Socket<StreamState>>((s) => s.terminate());
  let listener: TCPSocketListener<StreamState>;
  try {
    listener = Bun.listen<StreamState>({
      hostname: options.host,
      port: options.port,
      data: {},
      socket: {
        binaryType: "uint8array",
        open(socket) {
          socket.data = {};
          const host = unmap(socket.remoteAddress);
          if (gate.decide(now(), host) === "tarpit") {
            socket.data.tarpitted = true;
            socket.pause();
            tarpit.put(socket);
            return;
          }
          socket.setNoDelay(true);
          const stream = new BunStream(socket, { host, port: socket.remotePort }, maxOutput);
          socket.data.stream = stream;
          stream.handlers = options.onAccept(stream);
        },
        data(socket, bytes) {
          const stream = socket.data.stream;
          if (stream && !stream.closed) stream.handlers?.onData(stream, bytes);
        },
        drain(socket) {
          socket.data.stream?.drained();
        },
        close(socket, error) {
          if (socket.data.tarpitted) tarpit.forget(socket);
          socket.data.stream?.ended(error?.message);
        },
        error(socket, error) {
          socket.data.stream?.ended(error.message);
        },
      },
    });
  } catch (e) {
    throw new Error(`Could not listen on TCP ${options.host} port ${options.port}: ${(e as Error).message}`);
  }
  return {
    host: options.host,
    port: listener.port,
    tarpitted: () => tarpit.held().length,
    close: () => {
      tarpit.closeAll();
      listener.stop(true);
    },
  };
}

/** How to connect. */
export interface ConnectOptions extends TcpPeer {
  handlers: StreamHandlers;
  /** Local address to bind before connecting (tinc's BindToAddress). */
  bindHost?: string;
  /** Give up after this long (default 10 s, like tincd's connect timeout order of magnitude). */
  timeoutMs?: number;
  maxOutputBuffer?: number;
}

/**
 * Connects to host:port (a literal address; resolve names first with dns.ts).
 * @param options address, handlers, timeout, MaxOutputBufferSize
 * @returns the stream; rejects with an Error naming the address on failure or timeout
 */
export async function connectTcp(options: ConnectOptions): Promise<TcpStream> {
  if (options.bindHost !== undefined) return connectBound(options, options.bindHost);
  const maxOutput = options.maxOutputBuffer ?? DEFAULT_MAX_OUTPUT_BUFFER;
  const where = `${options.host} port ${options.port}`;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const connecting = Bun.connect<StreamState>({
    hostname: options.host,
    port: options.port,
    data: {},
    socket: {
      binaryType: "uint8array",
      open(socket) {
        socket.setNoDelay(true);
        const stream = new BunStream(socket, { host: options.host, port: options.port }, maxOutput);
        stream.handlers = options.handlers;
        socket.data = { stream };
      },
      data(socket, bytes) {
        const stream = socket.data.stream;
        if (stream && !stream.closed) stream.handlers?.onData(stream, bytes);
      },
      drain(socket) {
        socket.data.stream?.drained();
      },
      close(socket, error) {
        socket.data.stream?.ended(error?.message);
      },
      error(socket, error) {
        socket.data.stream?.ended(error.message);
      },
      connectError(_socket, error) {
        throw error;
      },
    },
  });
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error("timed out")), options.timeoutMs ?? 10_000);
  });
  try {
    const socket = await Promise.race([connecting, timeout]);
    return socket.data.stream!;
  } catch (e) {
    void connecting.then((s) => s.terminate(), () => {});
    throw new Error(`Could not connect to ${where}: ${(e as Error).message}`);
  } finally {
    clearTimeout(timer);
  }
}

/** A node:net socket behind the same queue: node buffers internally, so the queue only fills
 * when node asks to wait for "drain"; chunks are copied since node keeps them until sent. */
class NetStream implements TcpStream {
  readonly queue: OutputQueue;
  closed = false;

  constructor(
    private readonly socket: NetSocket,
    readonly remote: TcpPeer,
    readonly handlers: StreamHandlers,
    max: number,
  ) {
    this.queue = new OutputQueue((b) => {
      if (this.closed || socket.destroyed) return -1;
      if (socket.writableNeedDrain) return 0;
      socket.write(b.slice());
      return b.length;
    }, max);
    socket.on("data", (b: Buffer) => {
      if (!this.closed) handlers.onData(this, new Uint8Array(b.buffer, b.byteOffset, b.length));
    });
    socket.on("drain", () => {
      if (!this.closed && this.queue.flush()) handlers.onDrain?.(this);
    });
    socket.on("close", () => this.ended());
    socket.on("error", (e) => this.ended(e.message));
  }

  write(bytes: Uint8Array): WriteResult {
    return this.closed ? "closed" : this.queue.write(bytes);
  }

  get bufferedBytes(): number {
    return this.queue.bufferedBytes + this.socket.writableLength;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.queue.clear();
    this.socket.destroy();
  }

  private ended(reason?: string): void {
    if (this.closed) return;
    this.closed = true;
    this.queue.clear();
    this.handlers.onClose(this, reason);
  }
}

function connectBound(options: ConnectOptions, bindHost: string): Promise<TcpStream> {
  const where = `${options.host} port ${options.port} from ${bindHost}`;
  return new Promise((resolve, reject) => {
    const socket = netConnect({
      host: options.host,
      port: options.port,
      localAddress: bindHost,
      noDelay: true,
    });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`Could not connect to ${where}: timed out`));
    }, options.timeoutMs ?? 10_000);
    socket.once("error", (e) => {
      clearTimeout(timer);
      reject(new Error(`Could not connect to ${where}: ${e.message}`));
    });
    socket.once("connect", () => {
      clearTimeout(timer);
      socket.removeAllListeners("error");
      const max = options.maxOutputBuffer ?? DEFAULT_MAX_OUTPUT_BUFFER;
      resolve(new NetStream(socket, { host: options.host, port: options.port }, options.handlers, max));
    });
  });
}

/**
 * In-memory stream pair for tests: what one side writes the other receives (asynchronously, in
 * order). `capacity` bytes are accepted per write before the rest is queued, to exercise partial
 * writes; `drainBoth()` lets the queues flush as a socket's drain event would.
 */
export function fakeStreamPair(
  a: StreamHandlers,
  b: StreamHandlers,
  capacity = Infinity,
  maxOutput = DEFAULT_MAX_OUTPUT_BUFFER,
): { a: TcpStream; b: TcpStream; drainBoth(): void } {
  const sa = new FakeStream({ host: "fake-b", port: 655 }, capacity, maxOutput);
  const sb = new FakeStream({ host: "fake-a", port: 655 }, capacity, maxOutput);
  sa.peer = sb;
  sb.peer = sa;
  sa.handlers = a;
  sb.handlers = b;
  return {
    a: sa,
    b: sb,
    drainBoth: () => {
      sa.drained();
      sb.drained();
    },
  };
}

class FakeStream implements TcpStream {
  peer: FakeStream | undefined;
  handlers: StreamHandlers | undefined;
  closed = false;
  private readonly queue: OutputQueue;

  constructor(readonly remote: TcpPeer, capacity: number, maxOutput: number) {
    this.queue = new OutputQueue((bytes) => {
      if (this.closed) return -1;
      const n = Math.min(bytes.length, capacity);
      const copy = bytes.slice(0, n);
      const peer = this.peer;
      if (n > 0) queueMicrotask(() => peer && !peer.closed && peer.handlers?.onData(peer, copy));
      return n;
    }, maxOutput);
  }

  write(bytes: Uint8Array): WriteResult {
    return this.closed ? "closed" : this.queue.write(bytes);
  }

  get bufferedBytes(): number {
    return this.queue.bufferedBytes;
  }

  drained(): void {
    if (!this.closed && this.queue.flush()) this.handlers?.onDrain?.(this);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.queue.clear();
    const peer = this.peer;
    queueMicrotask(() => {
      if (peer && !peer.closed) {
        peer.closed = true;
        peer.handlers?.onClose(peer);
      }
    });
  }
}
