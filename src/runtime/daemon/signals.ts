/**
 * tincd 1.0's signals: TERM and QUIT stop, HUP reloads the configuration, ALRM retries
 * outgoing connections at once, INT toggles debug level 5, USR1/USR2 dump state into the log,
 * WINCH purges unreachable nodes.
 * @module
 */
import type { Daemon } from "./daemon.ts";
import type { LogSink } from "./log_sink.ts";

/** Installs the handlers; returns a function that removes them. */
export function installSignals(daemon: Daemon, log: LogSink): () => void {
  const table: Array<[NodeJS.Signals, () => void]> = [
    ["SIGTERM", () => {
      log.line("Got SIGTERM signal");
      void daemon.stop(0);
    }],
    ["SIGQUIT", () => {
      log.line("Got SIGQUIT signal");
      void daemon.stop(0);
    }],
    ["SIGHUP", () => daemon.reload()],
    ["SIGALRM", () => {
      log.line("Got SIGALRM signal: retrying outgoing connections");
      daemon.retry();
    }],
    ["SIGINT", () => daemon.toggleDebug()],
    ["SIGUSR1", () => daemon.dump()],
    ["SIGUSR2", () => daemon.dump()],
    ["SIGWINCH", () => daemon.purge()],
  ];
  for (const [sig, fn] of table) process.on(sig, fn);
  return () => {
    for (const [sig, fn] of table) process.off(sig, fn);
  };
}
