/**
 * systemd's notification protocol, as src/linux/watchdog.c in tinc uses it: one datagram of
 * newline-separated KEY=VALUE lines to the AF_UNIX socket named by $NOTIFY_SOCKET ("@" = abstract).
 * READY=1 once up; WATCHDOG=1 every half of $WATCHDOG_USEC when $WATCHDOG_PID is unset or ours;
 * STOPPING=1 on the way out; STATUS=… for `systemctl status`. Send errors are ignored (counted),
 * and without $NOTIFY_SOCKET every call is a no-op.
 * @module
 */
import { openUnixDatagramSender, type UnixDatagramSender } from "./unix_dgram.ts";

/** The daemon's view of systemd supervision. */
export interface Notifier {
  /** True when $NOTIFY_SOCKET is set. */
  readonly enabled: boolean;
  /** The keep-alive period in ms (half of WATCHDOG_USEC), or 0 when no watchdog applies to us. */
  readonly watchdogIntervalMs: number;
  /** Send failures so far. */
  readonly failures: number;
  ready(status?: string): void;
  stopping(status?: string): void;
  status(text: string): void;
  /** One WATCHDOG=1 (the timer sends these by itself once started). */
  watchdog(): void;
  /** Starts the keep-alive timer when a watchdog applies; idempotent. */
  startWatchdog(): void;
  /** Stops the timer and closes the socket. */
  close(): void;
}

/** Environment variables the protocol reads. */
export type NotifyEnv = Partial<Record<"NOTIFY_SOCKET" | "WATCHDOG_USEC" | "WATCHDOG_PID", string>>;

/**
 * The watchdog period for this process, or 0.
 * @param env WATCHDOG_USEC and WATCHDOG_PID
 * @param pid our pid
 */
export function watchdogInterval(env: NotifyEnv, pid: number): number {
  const usec = Number(env.WATCHDOG_USEC ?? "");
  if (!Number.isFinite(usec) || usec <= 0) return 0;
  if (env.WATCHDOG_PID !== undefined && env.WATCHDOG_PID !== "" && Number(env.WATCHDOG_PID) !== pid) return 0;
  return Math.max(1, Math.floor(usec / 2000));
}

/**
 * Creates the notifier from the environment.
 * @param env defaults to process.env
 * @param pid defaults to process.pid
 * @param openSender the socket factory (tests may substitute one)
 */
export function createNotifier(
  env: NotifyEnv = process.env as NotifyEnv,
  pid: number = process.pid,
  openSender: () => UnixDatagramSender = openUnixDatagramSender,
): Notifier {
  const path = env.NOTIFY_SOCKET ?? "";
  const interval = watchdogInterval(env, pid);
  let sender: UnixDatagramSender | undefined;
  let failures = 0;
  let timer: ReturnType<typeof setInterval> | undefined;
  const encoder = new TextEncoder();

  const send = (text: string) => {
    if (path === "") return;
    try {
      sender ??= openSender();
    } catch {
      failures++;
      return;
    }
    if (sender.send(path, encoder.encode(text)) !== 0) failures++;
  };
  const withStatus = (
    line: string,
    status?: string,
  ) => (status === undefined ? line : `${line}\nSTATUS=${status}`);

  return {
    enabled: path !== "",
    watchdogIntervalMs: path === "" ? 0 : interval,
    get failures() {
      return failures;
    },
    ready: (status) => send(withStatus(`READY=1\nMAINPID=${pid}`, status)),
    stopping: (status) => send(withStatus("STOPPING=1", status)),
    status: (text) => send(`STATUS=${text}`),
    watchdog: () => send("WATCHDOG=1"),
    startWatchdog() {
      if (timer || path === "" || interval === 0) return;
      timer = setInterval(() => send("WATCHDOG=1"), interval);
      timer.unref?.();
    },
    close() {
      if (timer) clearInterval(timer);
      timer = undefined;
      sender?.close();
      sender = undefined;
    },
  };
}
