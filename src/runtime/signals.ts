/**
 * tincd's signals mapped to daemon actions (tinc 1.0 §8): HUP reload, ALRM retry now, INT toggle
 * debug level 5, USR1 dump connections, USR2 dump state, WINCH purge, TERM/QUIT stop. Each
 * action runs on the event loop (process.on), never inside a real signal handler.
 * @module
 */

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
