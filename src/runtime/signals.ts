/**
 * tincd's signals mapped to daemon actions (tinc 1.0 §8): HUP reload, ALRM retry now, INT toggle
 * debug level 5, USR1 dump connections, USR2 dump state, WINCH purge, TERM/QUIT stop. Each
 * action runs on the event loop (process.on), never inside a real signal handler.
 * {@link daemonSignalActions} binds them to the daemon, with tincd's log lines.
 * @module
 */
import type { LogSink } from "./log_sink.ts";

/** What the daemon does per signal. */
export interface SignalActions {
  reload(): void;
  retryNow(): void;
  toggleDebug(): void;
  dumpConnections(): void;
  dumpState(): void;
  purge(): void;
  stop(signal: "SIGTERM" | "SIGQUIT" | "SIGINT"): void;
}

/** The signals handled and which action each triggers. */
export const SIGNAL_TABLE = {
  SIGHUP: (a: SignalActions) => a.reload(),
  SIGALRM: (a: SignalActions) => a.retryNow(),
  SIGINT: (a: SignalActions) => a.toggleDebug(),
  SIGUSR1: (a: SignalActions) => a.dumpConnections(),
  SIGUSR2: (a: SignalActions) => a.dumpState(),
  SIGWINCH: (a: SignalActions) => a.purge(),
  SIGTERM: (a: SignalActions) => a.stop("SIGTERM"),
  SIGQUIT: (a: SignalActions) => a.stop("SIGQUIT"),
} as const satisfies Record<string, (a: SignalActions) => void>;

/** The part of `process` used here (tests substitute an EventEmitter). */
export interface SignalSource {
  on(signal: NodeJS.Signals, listener: () => void): unknown;
  off(signal: NodeJS.Signals, listener: () => void): unknown;
}

/**
 * Installs the handlers.
 * @param actions the daemon's callbacks
 * @param source defaults to process
 * @returns a function removing them again
 */
export function installSignalHandlers(actions: SignalActions, source: SignalSource = process): () => void {
  const installed: [NodeJS.Signals, () => void][] = [];
  for (const [signal, act] of Object.entries(SIGNAL_TABLE)) {
    const listener = () => {
      try {
        act(actions);
      } catch {
        // A failing action must not leave the signal unhandled (which would kill the daemon).
      }
    };
    source.on(signal as NodeJS.Signals, listener);
    installed.push([signal as NodeJS.Signals, listener]);
  }
  return () => {
    for (const [signal, listener] of installed) source.off(signal, listener);
  };
}

/** The daemon's side of the signals (src/runtime/daemon/daemon.ts implements it). */
export interface SignalledDaemon {
  reload(): unknown;
  retry(): void;
  toggleDebug(): void;
  dump(): void;
  purge(): void;
  stop(code?: number): Promise<void>;
}

/**
 * tincd's actions on a daemon: HUP reopens the log file (for log rotation) and then rereads the
 * configuration; USR1 and USR2 both dump the node's view into the log.
 * @param reopenLog reopens the log output (the file sink's reopen)
 */
export function daemonSignalActions(
  daemon: SignalledDaemon,
  log: LogSink,
  reopenLog: () => void,
): SignalActions {
  return {
    reload: () => {
      reopenLog();
      daemon.reload();
    },
    retryNow: () => {
      log.line("Got SIGALRM signal: retrying outgoing connections");
      daemon.retry();
    },
    toggleDebug: () => daemon.toggleDebug(),
    dumpConnections: () => daemon.dump(),
    dumpState: () => daemon.dump(),
    purge: () => daemon.purge(),
    stop: (signal) => {
      log.line(`Got ${signal} signal`);
      void daemon.stop(0);
    },
  };
}
