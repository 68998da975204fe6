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
import type { LogFields } from "../core/node/effects.ts";
import { PROTOCOL_MAJOR, PROTOCOL_MINOR } from "../version.ts";
import { type ControlSocket, startControlSocket } from "./control_socket.ts";
import type { Daemon } from "./daemon/daemon.ts";
import { formatLogLine, type LogSink } from "./log_sink.ts";

/** A {@link ControlBackend} over a running daemon, through its public control methods. */
export function daemonControlBackend(daemon: Daemon): ControlBackend {
  const dumps = () => daemon.controlDumps();
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
    // tinc's REQ_RELOAD answer: 0 reloaded, 1 the configuration could not be reread.
    reload: () => (daemon.reload().ok ? 0 : 1),
    purge: () => daemon.purge(),
    retry: () => daemon.retry(),
    debugLevel: () => dumps().debugLevel,
    setDebugLevel: (level) => daemon.setDebugLevel(level),
    disconnect: (node) => daemon.disconnect(node),
  };
}

/** The daemon's control socket and the log tee that feeds `tinct log`. */
export class DaemonControlHook {
  private socket: ControlSocket | undefined;
  /** The daemon's log: the base sink, and control clients that asked for the log. */
  readonly log: LogSink;

  constructor(private readonly base: LogSink) {
    this.log = {
      line: (message: string, fields?: LogFields, priority?: number) => {
        base.line(message, fields, priority);
        // The daemon filters by its debug level before a line gets here: each counts as level 0.
        this.socket?.log(0, formatLogLine(message, fields));
      },
    };
  }

  /** Opens the socket beside `pidfile` and rewrites the pid file with the cookie; failures are logged. */
  async start(daemon: Daemon, pidfile: string): Promise<void> {
    try {
      const backend = daemonControlBackend(daemon);
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
