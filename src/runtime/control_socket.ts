/**
 * The daemon's control socket, as tinc 1.1 has it (spec tinc-1.1-sptps.md §3.2): a UNIX stream
 * socket named after the pid file (`/run/tinc.NET.pid` → `/run/tinc.NET.socket`), and the pid
 * file rewritten as `PID COOKIE HOST port PORT` so that a client can prove it may read it. Each
 * connection runs a {@link ControlSession} (src/core/control/session.ts); this module only moves
 * bytes.
 *
 * ```
 *   start: probe old socket ──live──▶ refuse ("still in use")
 *              │ dead/absent
 *              ▼
 *          unlink, bind under umask 077, listen; write pid file (mode 0600) with a fresh cookie
 *   accept ──▶ ControlSession.start() (greeting) ◀──▶ client lines / replies
 *   close:  end every connection (after its queued output), remove the socket file
 * ```
 * @module
 */
import { chmodSync, renameSync, rmSync, writeFileSync } from "node:fs";
import type { Socket, TCPSocketListener, UnixSocketListener } from "bun";
import { formatCookie } from "../core/control/protocol.ts";
import type { ConnectionDump } from "../core/control/dump_lines.ts";
import { type ControlBackend, ControlSession } from "../core/control/session.ts";
import { formatPidfile } from "./pidfile.ts";
import { OutputQueue } from "./output_queue.ts";

/** Most bytes queued for one control client (a dump of a large mesh fits; a stalled log reader drops). */
const MAX_CONTROL_OUTPUT = 64 * 1024 * 1024;

/** Where the control socket goes: the pid file's name with `.pid` replaced by `.socket`. */
export function controlSocketPath(pidfile: string): string {
  return pidfile.endsWith(".pid") ? `${pidfile.slice(0, -4)}.socket` : `${pidfile}.socket`;
}

/** How to start the control socket. */
export interface ControlSocketOptions {
  /** The pid file to (re)write with the cookie. */
  pidfile: string;
  /** Defaults to {@link controlSocketPath}(pidfile). */
  socketPath?: string;
  /** First listening socket, written into the pid file (0.0.0.0/:: become loopback). */
  listenHost?: string;
  listenPort?: number;
  /** The daemon's log, for connection notices. */
  log?: (message: string) => void;
  /** Random bytes for the cookie (default: the OS generator). */
  randomBytes?: (n: number) => Uint8Array;
  /** The pid written into the pid file (default: ours). */
  pid?: number;
}

/** A running control socket. */
export interface ControlSocket {
  readonly socketPath: string;
  readonly cookie: string;
  /** Streams a daemon log message to clients that asked for logs at `level` or above. */
  log(level: number, message: string): void;
  /** Ends every client connection and removes the socket file. */
  close(): void;
}

interface ClientState {
  id: number;
  session: ControlSession;
  queue: OutputQueue;
  closing: boolean;
  decoder: TextDecoder;
}

/** Refused start: an old socket answers, or binding failed. */
export class ControlSocketError extends Error {
  override name = "ControlSocketError";
}

/** Whether something accepts connections on the UNIX socket at `path` (bounded by `timeoutMs`). */
export async function unixSocketLive(path: string, timeoutMs = 1000): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const attempt = Bun.connect({
    unix: path,
    socket: { data() {}, open() {}, error() {}, close() {} },
  }).then((s) => {
    s.end();
    return true;
  }, () => false);
  const timeout = new Promise<boolean>((r) => (timer = setTimeout(() => r(false), timeoutMs)));
  const live = await Promise.race([attempt, timeout]);
  clearTimeout(timer);
  return live;
}

function loopback(host: string | undefined): string {
  if (host === undefined || host === "0.0.0.0") return "127.0.0.1";
  if (host === "::") return "::1";
  return host;
}

function writePidfileWithCookie(path: string, pid: number, cookie: string, host: string, port: number): void {
  const tmp = `${path}.tmp${process.pid}`;
  const text = formatPidfile({ pid, control: { cookie, host, port } });
  const old = process.umask(0o077);
  try {
    writeFileSync(tmp, text, { mode: 0o600 });
    chmodSync(tmp, 0o600);
    renameSync(tmp, path);
  } finally {
    process.umask(old);
  }
}

/**
 * Opens the control socket and writes the pid file with a new cookie.
 * Throws a {@link ControlSocketError} when another daemon's socket is live or binding fails.
 */
export async function startControlSocket(
  backend: ControlBackend,
  options: ControlSocketOptions,
): Promise<ControlSocket> {
  const socketPath = options.socketPath ?? controlSocketPath(options.pidfile);
  const random = options.randomBytes ?? ((n: number) => crypto.getRandomValues(new Uint8Array(n)));
  const cookie = formatCookie(random(32));
  const log = options.log ?? (() => {});

  if (await unixSocketLive(socketPath)) {
    throw new ControlSocketError(`UNIX socket ${socketPath} is still in use!`);
  }
  rmSync(socketPath, { force: true });

  const clients = new Set<ClientState>();
  let nextId = 1;
  const withControlConnections: ControlBackend = {
    name: backend.name,
    pid: backend.pid,
    protocolMajor: backend.protocolMajor,
    protocolMinor: backend.protocolMinor,
    dumpNodes: () => backend.dumpNodes(),
    dumpEdges: () => backend.dumpEdges(),
    dumpSubnets: () => backend.dumpSubnets(),
    dumpConnections: (): ConnectionDump[] => [
      ...backend.dumpConnections(),
      ...[...clients].filter((c) => !c.session.isClosed()).map((c) => c.session.connectionDump(c.id)),
    ],
    dumpTraffic: () => backend.dumpTraffic(),
    stop: () => backend.stop(),
    reload: () => backend.reload(),
    purge: () => backend.purge(),
    retry: () => backend.retry(),
    debugLevel: () => backend.debugLevel(),
    setDebugLevel: (l) => backend.setDebugLevel(l),
    disconnect: (n) => backend.disconnect(n),
  };

  const finish = (s: Socket<ClientState>): void => {
    const c = s.data;
    if (c.queue.bufferedBytes === 0) s.end();
    else c.closing = true;
  };

  let listener: UnixSocketListener<ClientState> | TCPSocketListener<ClientState>;
  const oldMask = process.umask(0o077);
  try {
    listener = Bun.listen<ClientState>({
      unix: socketPath,
      socket: {
        open(s) {
          const state: ClientState = {
            id: nextId++,
            closing: false,
            decoder: new TextDecoder("latin1"),
            queue: new OutputQueue((bytes) => s.write(bytes), MAX_CONTROL_OUTPUT),
            session: undefined as unknown as ControlSession,
          };
          const encoder = new TextEncoder();
          state.session = new ControlSession(
            withControlConnections,
            cookie,
            (text) => {
              if (state.queue.write(encoder.encode(text)) === "overflow") {
                log("Control client is not reading; closing it");
                s.end();
              }
            },
            (reason) => {
              log(`Closing control connection: ${reason}`);
              finish(s);
            },
          );
          s.data = state;
          clients.add(state);
          state.session.start();
        },
        data(s, bytes) {
          s.data.session.receive(s.data.decoder.decode(bytes, { stream: true }));
        },
        drain(s) {
          if (s.data.queue.flush() && s.data.closing) s.end();
        },
        close(s) {
          clients.delete(s.data);
        },
        error(s) {
          clients.delete(s.data);
        },
      },
    });
  } catch (e) {
    throw new ControlSocketError(`Could not bind UNIX socket to ${socketPath}: ${(e as Error).message}`);
  } finally {
    process.umask(oldMask);
  }
  try {
    chmodSync(socketPath, 0o600);
  } catch {
    // Permissions came from the umask already.
  }
  writePidfileWithCookie(
    options.pidfile,
    options.pid ?? process.pid,
    cookie,
    loopback(options.listenHost),
    options.listenPort ?? 655,
  );

  let closed = false;
  return {
    socketPath,
    cookie,
    log(level, message) {
      for (const c of clients) c.session.log(level, message);
    },
    close() {
      if (closed) return;
      closed = true;
      listener.stop(true);
      rmSync(socketPath, { force: true });
    },
  };
}
