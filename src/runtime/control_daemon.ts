/**
 * Wires a running daemon to the control socket: the {@link ControlBackend} over the daemon and
 * its engine, and a log sink that also streams lines to `tinct log` clients.
 *
 * ```
 *   daemon_command ── new DaemonControlHook(log) ── hook.log ──▶ Daemon.start({ log })
 *                  ── await hook.start(daemon, pidfile)   (socket + pid file with cookie)
 *                  ── hook.close()                         (after the daemon stopped)
 * ```
 * @module
 */
import type { ControlBackend } from "../core/control/session.ts";
import type { ControlDumps } from "../core/node/control_dump.ts";
import type { Engine } from "../core/node/engine.ts";
import type { LogFields } from "../core/node/effects.ts";
import { PROTOCOL_MAJOR, PROTOCOL_MINOR } from "../version.ts";
import { type ControlSocket, startControlSocket } from "./control_socket.ts";
import type { Daemon } from "./daemon/daemon.ts";
import { formatLogLine, type LogSink } from "./daemon/log_sink.ts";

/**
 * The engine behind a daemon. The daemon keeps its engine private; until it offers an accessor
 * (`controlDumps()`), the field is read directly.
 */
function engineOf(daemon: Daemon): Engine {
  return (daemon as unknown as { engine: Engine }).engine;
}

/** Runs `fn` and returns the log lines it produced. */
export type LogCapture = (fn: () => void) => string[];

/**
 * A {@link ControlBackend} over a running daemon.
 * @param capture observes the daemon's log during a call: the daemon's reload() reports a
 *   configuration it could not read only by logging "Unable to reread configuration"
 */
export function daemonControlBackend(
  daemon: Daemon,
  capture: LogCapture = (fn) => (fn(), []),
): ControlBackend {
  const dumps = (): ControlDumps => engineOf(daemon).controlDumps();
  const name = daemon.view().name;
  return {
    name,
    pid: process.pid,
    protocolMajor: PROTOCOL_MAJOR,
    protocolMinor: PROTOCOL_MINOR,
    dumpNodes: () => dumps().nodes,
    dumpEdges: () => dumps().edges,
    dumpSubnets: () => dumps().subnets,
    dumpConnections: () => dumps().connections,
    dumpTraffic: () => dumps().traffic,
    stop: () => void daemon.stop(0),
    reload: () => {
      const lines = capture(() => daemon.reload());
      return lines.some((l) => l.startsWith("Unable to reread configuration")) ? 1 : 0;
    },
    purge: () => daemon.purge(),
    retry: () => daemon.retry(),
    debugLevel: () => dumps().debugLevel,
    setDebugLevel: (level) => void engineOf(daemon).onControl(performance.now(), { type: "debug", level }),
    disconnect: (node) =>
      engineOf(daemon).onControl(performance.now(), { type: "disconnect", name: node }).ok,
  };
}

/** The daemon's control socket and the log tee that feeds `tinct log`. */
export class DaemonControlHook {
  private socket: ControlSocket | undefined;
  private captured: string[] | undefined;
  /** The daemon's log: the base sink, and control clients that asked for the log. */
  readonly log: LogSink;

  constructor(private readonly base: LogSink) {
    this.log = {
      line: (message: string, fields?: LogFields) => {
        base.line(message, fields);
        this.captured?.push(message);
        // The sink does not carry levels; every line it is given counts as level 0.
        this.socket?.log(0, formatLogLine(message, fields));
      },
    };
  }

  /** Opens the socket beside `pidfile` and rewrites the pid file with the cookie; failures are logged. */
  async start(daemon: Daemon, pidfile: string): Promise<void> {
    try {
      const backend = daemonControlBackend(daemon, (fn) => {
        this.captured = [];
        try {
          fn();
          return this.captured;
        } finally {
          this.captured = undefined;
        }
      });
      const self = backend.dumpNodes().find((n) => n.host === "MYSELF");
      this.socket = await startControlSocket(backend, {
        pidfile,
        listenPort: Number(self?.port ?? 655),
        log: (m) => this.base.line(m),
      });
    } catch (e) {
      this.base.line(`Control socket not available: ${(e as Error).message}`);
    }
  }

  /** Closes the socket and removes its file. */
  close(): void {
    this.socket?.close();
    this.socket = undefined;
  }
}
