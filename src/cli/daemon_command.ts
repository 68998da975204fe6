/**
 * `tinct daemon [tincd 1.0.36 options]`: the tincd-compatible daemon entry. Parses tincd's
 * flags, handles `--help`, `--version`, `-k` and `-K` (RSA and Ed25519 keys, as `tinc generate-keys`),
 * and then runs the daemon in the foreground
 * (`-D`) or detached. Detached start-up returns only once the daemon is up (or has failed, with
 * its reason): see src/runtime/detach.ts.
 * @module
 */
import type { CliIo } from "./app.ts";
import { parseTincdOptions, tincdHelpText, type TincdOptions } from "./tincd_options.ts";
import { VERSION } from "../version.ts";
import { Daemon, DaemonStartError } from "../runtime/daemon/daemon.ts";
import { createLogSink, type LogTarget } from "../runtime/log_sink.ts";
import { claimPidfile, readPidfile, removePidfile } from "../runtime/pidfile.ts";
import {
  READY_FD_ENV,
  selfCommand,
  signalFailed,
  signalReady,
  spawnDetachedAndWait,
} from "../runtime/detach.ts";
import { daemonSignalActions, installSignalHandlers } from "../runtime/signals.ts";
import { DaemonControlHook } from "../runtime/control_daemon.ts";
import { createNotifier } from "../runtime/sd_notify.ts";
import { ed25519Keygen, nameFromTincConf, rsaKeygen } from "./ctl/key_commands.ts";
import { parseSptpsCipherPreference, selectSptpsCipher } from "../crypto/sptps_select.ts";

/** Runs the daemon command; resolves with the exit status. */
export async function runDaemonCommand(args: string[], io: CliIo): Promise<number> {
  const parsed = parseTincdOptions(args, {
    programName: "tinct daemon",
    env: { NETNAME: io.env("NETNAME") },
    cwd: process.cwd(),
  });
  if (!parsed.ok) {
    io.stderr(parsed.error.message);
    return parsed.error.exitCode;
  }
  const o = parsed.options;
  if (o.showHelp) {
    io.stdout(tincdHelpText("tinct daemon"));
    return 0;
  }
  if (o.showVersion) {
    io.stdout(`tinct daemon ${VERSION} (tincd 1.0.36 compatible)\n`);
    return 0;
  }
  if (o.kill !== null) return killRunning(o, io);
  if (o.generateKeys !== null) {
    // tincd 1.0 writes RSA only; tinct also writes the Ed25519 pair, as `tinc generate-keys`.
    const name = nameFromTincConf(o.confbase);
    if (!rsaKeygen(o.confbase, name, o.generateKeys, io)) return 1;
    return ed25519Keygen(o.confbase, name, io) ? 0 : 1;
  }
  const detachedChild = io.env(READY_FD_ENV) !== undefined;
  if (o.detach && !detachedChild) return startDetached(args, io);
  return runForeground(o, io, detachedChild);
}

/** Without -D: the daemon re-runs itself detached; we return once it is up, or with its reason. */
async function startDetached(args: string[], io: CliIo): Promise<number> {
  // The child re-parses the same arguments: keep our directory so relative paths mean the same.
  const r = await spawnDetachedAndWait(
    [...selfCommand(), "daemon", ...args],
    process.env,
    60_000,
    process.cwd(),
  );
  if (r.ok) return 0;
  io.stderr(`${r.reason}\n`);
  return 1;
}

function killRunning(o: TincdOptions, io: CliIo): number {
  const pid = readPidfile(o.pidfile);
  if (pid === undefined) {
    io.stderr(`No other tincd is running (no pid file ${o.pidfile}).\n`);
    return 1;
  }
  try {
    process.kill(pid, o.kill!);
    return 0;
  } catch (e) {
    io.stderr(`Could not send signal ${o.kill} to process ${pid}: ${(e as Error).message}\n`);
    return 1;
  }
}

async function runForeground(o: TincdOptions, io: CliIo, detachedChild: boolean): Promise<number> {
  // As tincd: a log file when asked for, syslog when detached (or with -s), else stderr.
  const target: LogTarget = o.useLogfile
    ? { kind: "file", path: o.logfile }
    : detachedChild || o.useSyslog
    ? { kind: "syslog" }
    : { kind: "stderr" };
  const baseLog = createLogSink(target, { ident: o.identname });
  // tinc 1.1's control socket beside the pid file; its log tee feeds `tinct log`.
  const control = new DaemonControlHook(baseLog);
  const log = control.log;
  for (const notice of o.notices) log.line(notice);
  if (o.mlock) log.line("Warning: --mlock is not supported by tinct and is ignored");
  if (o.chroot) log.line("Warning: --chroot is not supported by tinct and is ignored");
  if (o.user !== null) log.line(`Warning: --user=${o.user} is not supported by tinct and is ignored`);
  const claim = claimPidfile(o.pidfile);
  if (!claim.ok) {
    const message = claim.reason;
    if (detachedChild) signalFailed(message);
    io.stderr(`${message}\n`);
    baseLog.close();
    return 1;
  }
  log.line(`tinct daemon ${VERSION} starting, debug level ${o.debugLevel}`);
  // systemd Type=notify (dist/systemd/tinct@.service): READY=1, WATCHDOG=1, STOPPING=1.
  const notifier = createNotifier();
  let daemon: Daemon;
  try {
    daemon = await Daemon.start({
      confbase: o.confbase,
      netname: o.netname,
      debugLevel: o.debugLevel,
      bypassSecurity: o.bypassSecurity,
      commandLine: o.configOptions,
      log,
      onStopping: () => notifier.stopping("Terminating"),
      sptpsCipher: () => {
        // TINCT_SPTPS_CIPHER = auto (default: libcrypto 3 if present, else WASM), libcrypto or wasm.
        const wanted = io.env("TINCT_SPTPS_CIPHER");
        const preference = parseSptpsCipherPreference(wanted);
        if (preference === undefined) log.line(`TINCT_SPTPS_CIPHER=${wanted} names no cipher; using auto`);
        const chosen = selectSptpsCipher(preference ?? "auto", () => io.loadWasm());
        log.line(`SPTPS record cipher: ${chosen.implementation} (${chosen.detail})`);
        return chosen.port;
      },
    });
  } catch (e) {
    removePidfile(o.pidfile);
    const message = e instanceof DaemonStartError ? e.message : String((e as Error)?.stack ?? e);
    log.line(message);
    if (detachedChild) signalFailed(message);
    else if (o.useLogfile) io.stderr(`${message}\n`);
    baseLog.close();
    return 1;
  }
  try {
    await control.start(daemon, o.pidfile);
  } catch (e) {
    // tincd 1.0 has no control socket: the tunnel runs on without one; signals still work.
    log.line(`Control socket not available: ${(e as Error).message}`);
  }
  const uninstall = installSignalHandlers(daemonSignalActions(daemon, log, () => baseLog.reopen()));
  if (detachedChild) signalReady();
  notifier.ready("Ready");
  notifier.startWatchdog();
  const code = await daemon.stopped;
  uninstall();
  control.close();
  notifier.close();
  removePidfile(o.pidfile);
  baseLog.close();
  // Nothing should keep the process alive now; this is a bound in case a handle lingers.
  setTimeout(() => process.exit(code), 2000).unref();
  return code;
}
