import { expect, test } from "bun:test";
import { EventEmitter } from "node:events";
import {
  daemonSignalActions,
  installSignalHandlers,
  type SignalActions,
  type SignalledDaemon,
} from "./signals.ts";

function recorder() {
  const calls: string[] = [];
  const actions: SignalActions = {
    reload: () => calls.push("reload"),
    retryNow: () => calls.push("retry"),
    toggleDebug: () => calls.push("debug"),
    dumpConnections: () => calls.push("connections"),
    dumpState: () => calls.push("state"),
    purge: () => calls.push("purge"),
    stop: (s) => calls.push(`stop ${s}`),
  };
  return { calls, actions };
}

test("each tincd signal maps to its action; uninstall removes them", () => {
  const e = new EventEmitter();
  const { calls, actions } = recorder();
  const off = installSignalHandlers(actions, e);
  for (const s of ["SIGHUP", "SIGALRM", "SIGINT", "SIGUSR1", "SIGUSR2", "SIGWINCH", "SIGTERM", "SIGQUIT"]) {
    e.emit(s);
  }
  expect(calls).toEqual([
    "reload",
    "retry",
    "debug",
    "connections",
    "state",
    "purge",
    "stop SIGTERM",
    "stop SIGQUIT",
  ]);
  off();
  e.emit("SIGHUP");
  expect(calls.length).toBe(8);
  expect(e.listenerCount("SIGHUP")).toBe(0);
});

test("a throwing action does not escape", () => {
  const e = new EventEmitter();
  const { actions } = recorder();
  actions.reload = () => {
    throw new Error("bad config");
  };
  installSignalHandlers(actions, e);
  expect(() => e.emit("SIGHUP")).not.toThrow();
});

test("real signals to this process reach the actions", async () => {
  const { calls, actions } = recorder();
  const off = installSignalHandlers(actions);
  try {
    process.kill(process.pid, "SIGUSR2");
    process.kill(process.pid, "SIGHUP");
    for (let i = 0; i < 1000 && calls.length < 2; i++) await new Promise((r) => setTimeout(r, 10));
    expect(calls.sort()).toEqual(["reload", "state"]);
  } finally {
    off();
  }
});

test("on a daemon: HUP reopens the log before rereading; TERM/QUIT/ALRM say so in the log", () => {
  const e = new EventEmitter();
  const calls: string[] = [];
  const daemon: SignalledDaemon = {
    reload: () => calls.push("reload"),
    retry: () => calls.push("retry"),
    toggleDebug: () => calls.push("toggle"),
    dump: () => calls.push("dump"),
    purge: () => calls.push("purge"),
    stop: (code) => (calls.push(`stop ${code}`), Promise.resolve()),
  };
  const log = { line: (m: string) => void calls.push(`log ${m}`) };
  const off = installSignalHandlers(daemonSignalActions(daemon, log, () => calls.push("reopen")), e);
  for (const s of ["SIGHUP", "SIGALRM", "SIGINT", "SIGUSR1", "SIGUSR2", "SIGWINCH", "SIGTERM", "SIGQUIT"]) {
    e.emit(s);
  }
  off();
  expect(calls).toEqual([
    "reopen",
    "reload",
    "log Got SIGALRM signal: retrying outgoing connections",
    "retry",
    "toggle",
    "dump",
    "dump",
    "purge",
    "log Got SIGTERM signal",
    "stop 0",
    "log Got SIGQUIT signal",
    "stop 0",
  ]);
});
