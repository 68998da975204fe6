/**
 * The reactor: owns one Engine and gives it a real world. It implements the engine's Effects
 * with TCP (meta), UDP, the TUN/TAP device, scripts, files, DNS and the log; feeds every event
 * back as an engine input with the current time; and keeps exactly one timer armed for the
 * engine's next deadline.
 *
 * ```
 *   TUN reader Worker ──frames──▶ ┐                      ┌──▶ UdpNet.send / MetaNet.send
 *   UdpNet ──datagrams──────────▶ │                      │──▶ device.write
 *   MetaNet ──accept/data/close─▶ ├──▶ Engine input ───▶ ┤──▶ runScript (blocking, in order)
 *   timer (next deadline) ──────▶ │     (now = clock)    │──▶ DNS lookups ──▶ onResolved
 *   signals (HUP reload, TERM) ─▶ ┘                      └──▶ log sink
 * ```
 *
 * Start-up follows tincd: read the configuration (fail with FILE line N), open the device, bind
 * the listening sockets, run tinc-up and subnet-up for our subnets, dial ConnectTo, say "Ready".
 * @module
 */
import { lookup } from "node:dns/promises";
import { appendFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { ConfigEntry } from "../../core/config/parse.ts";
import type { EngineConfig } from "../../core/node/config.ts";
import type {
  ConnId,
  Effects,
  LogFields,
  LogLevelValue,
  RandomSource,
  SockAddr,
  WriteMode,
} from "../../core/node/effects.ts";
import { Engine } from "../../core/node/engine.ts";
import { sptpsEnabled } from "../../core/node/auth/sptps_keys.ts";
import type { SptpsCipherPort } from "../../core/crypto/cipher_port.ts";
import type { ControlDumps } from "../../core/node/control_dump.ts";
import type { TunDevice } from "../tun.ts";
import { openTun } from "../tun_open.ts";
import { startTunReader, type TunReader } from "../tun_reader.ts";
import { type LogSink, priorityForLevel } from "../log_sink.ts";
import { runScript, type ScriptSettings } from "../scripts.ts";
import { type LoadedConfig, readConfigDir } from "./config_files.ts";
import { MetaNet } from "./meta_net.ts";
import { type BindSpec, UdpNet } from "./udp_net.ts";
import { applyProcessPriority } from "../process_priority.ts";

/** How to run the daemon. */
export interface DaemonOptions {
  confbase: string;
  netname: string | null;
  debugLevel: number;
  bypassSecurity: boolean;
  /** `-o` entries. */
  commandLine: readonly ConfigEntry[];
  log: LogSink;
  /** Called once when shutting down begins (systemd's STOPPING=1). */
  onStopping?: () => void;
  /**
   * Creates the record cipher of SPTPS UDP sessions (WASM core or libcrypto); called once at
   * start-up, only when SPTPS is on. Without it, or when it throws (logged), sessions use the
   * engine's pure TypeScript cipher.
   */
  sptpsCipher?: () => SptpsCipherPort;
}

/** What a reload did: the control socket answers `18 1 0` or `18 1 1` from it. */
export type ReloadResult = { ok: true } | { ok: false; reason: string };

/** Start-up failed; `message` says why (config errors carry "FILE line N: …"). */
export class DaemonStartError extends Error {
  override name = "DaemonStartError";
}

/**
 * The MTU given to the device at creation (tinc-up may change it). tincd leaves the kernel's
 * 1500: its UDP socket sets DF, so probes larger than the local interface fail with EMSGSIZE,
 * which narrows its PMTU discovery within seconds; after that its router answers oversized
 * packets with ICMP "fragmentation needed" and they shrink to travel as UDP. The engine does the
 * same with a settled PMTU and takes "too-big" from sendUdp, but the daemon's UDP sockets do not
 * set DF yet: tried with DF and DEVICE_MTU 1500, test/netns/daemon_chain_test.ts passed 3 times
 * each try, but in test/netns/sptps_chain_test.ts the SPTPS transfer relayed through t2 sent
 * nothing over UDP (twice; also with UdpNet's socket error handler), cause not found yet.
 * Without DF, tincd never echoes our probes larger than its path, so discovery settles only
 * after 30 probes (~30 s) and frames above minmtu go over TCP meanwhile. 1400 keeps full-sized frames (1414 bytes, 1446 on the
 * wire) under the path MTU of an ordinary 1500-byte underlay, so they travel as UDP at once.
 */
const DEVICE_MTU = 1400;

/** Randomness from the OS, drawn in blocks. */
class OsRandom implements RandomSource {
  private readonly pool = new Uint32Array(256);
  private index = 256;
  nextU32(): number {
    if (this.index >= this.pool.length) {
      crypto.getRandomValues(this.pool);
      this.index = 0;
    }
    return this.pool[this.index++]!;
  }
}

/** Milliseconds on a monotonic clock: the engine's `now`. */
function clock(): number {
  return performance.now();
}

/** A running daemon. */
export class Daemon implements Effects {
  private engine!: Engine;
  private device: TunDevice | undefined;
  private reader: TunReader | undefined;
  private meta: MetaNet;
  private udp!: UdpNet;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private timerAt = Infinity;
  private stopping = false;
  private resolveStopped: (code: number) => void = () => {};
  /** Settles with the exit status once the daemon has shut down. */
  readonly stopped: Promise<number>;
  private scriptSettings: ScriptSettings;
  private current: LoadedConfig;
  private debugLevel: number;
  private savedDebugLevel: number | undefined;

  private constructor(private readonly options: DaemonOptions, loaded: LoadedConfig) {
    this.current = loaded;
    this.debugLevel = options.debugLevel;
    this.meta = new MetaNet(
      {
        accepted: (id, peer) =>
          this.feed((now) => this.engine.onMetaConnected(now, id, { outgoing: false, peerAddress: peer })),
        connected: (id, peer) =>
          this.feed((now) => this.engine.onMetaConnected(now, id, { outgoing: true, peerAddress: peer })),
        data: (id, bytes) => this.feed((now) => this.engine.onMetaData(now, id, bytes)),
        closed: (id, reason) => {
          this.logAt(1, "Meta connection lost", { conn: id, reason });
          this.feed((now) => this.engine.onMetaClosed(now, id));
        },
        tarpitted: (peer) =>
          this.logAt(1, "Too many connections at once: held in the tarpit", {
            host: peer.host,
            port: peer.port,
          }),
      },
      undefined,
      loaded.daemon.maxConnectionBurst,
    );
    this.scriptSettings = {
      confbase: options.confbase,
      extension: loaded.daemon.scriptsExtension,
      interpreter: loaded.daemon.scriptsInterpreter,
      timeoutMs: 120_000,
      unset: new Set(),
    };
    this.stopped = new Promise((r) => (this.resolveStopped = r));
  }

  /**
   * Reads the configuration, opens the device and sockets and starts the engine.
   * Throws a DaemonStartError (nothing left open) when any step fails.
   */
  static async start(options: DaemonOptions): Promise<Daemon> {
    const read = readConfigDir(options);
    if (!read.ok) throw new DaemonStartError(read.errors.join("\n"));
    const loaded = read.config;
    for (const w of loaded.warnings) options.log.line(w);
    if (loaded.daemon.processPriority !== undefined) {
      const failed = applyProcessPriority(loaded.daemon.processPriority);
      if (failed !== undefined) throw new DaemonStartError(failed);
    }
    const d = new Daemon(options, loaded);
    try {
      await d.open();
    } catch (e) {
      d.closeResources();
      throw e instanceof DaemonStartError ? e : new DaemonStartError((e as Error).message);
    }
    return d;
  }

  private async open(): Promise<void> {
    const { daemon, engine } = this.current;
    let config: EngineConfig = engine;
    if (daemon.deviceType === "tun" || daemon.deviceType === "tap") {
      this.device = openTun({
        mode: daemon.deviceType,
        device: daemon.device,
        ...(engine.iface !== undefined ? { name: engine.iface } : {}),
        mtu: DEVICE_MTU,
        oneQueue: daemon.iffOneQueue,
      });
      config = { ...config, iface: this.device.name, device: daemon.device };
      this.options.log.line(
        `${daemon.deviceType.toUpperCase()} device (${daemon.device}) is a Linux ${daemon.deviceType} device ${this.device.name}`,
      );
    } else if (daemon.deviceType !== "dummy") {
      throw new DaemonStartError(`DeviceType = ${daemon.deviceType} is not supported by tinct`);
    }
    config = { ...config, port: await this.listen(daemon, engine.port) };
    const cipher = this.createSptpsCipher(engine);
    if (cipher !== undefined) config = { ...config, sptpsCipher: cipher };
    this.engine = new Engine(config, this, new OsRandom());
    this.current = { ...this.current, engine: config };
    this.arm(this.engine.start(clock()));
    if (this.device !== undefined) {
      const device = this.device;
      this.reader = await startTunReader(device, {
        onBatchEnd: () => this.udp.endBatch(),
        onFrame: (slot, length) => {
          this.udp.beginBatch();
          const deadline = this.engine.onTunFrame(clock(), slot.subarray(0, length));
          if (deadline < this.timerAt) this.arm(deadline);
        },
        onFailed: (errno) => {
          this.options.log.line(`Error while reading from ${device.name}: errno ${errno}`);
          void this.stop(1);
        },
      });
    }
    this.options.log.line("Ready");
  }

  private createSptpsCipher(engine: EngineConfig): SptpsCipherPort | undefined {
    if (!sptpsEnabled(engine) || this.options.sptpsCipher === undefined) return undefined;
    try {
      return this.options.sptpsCipher();
    } catch (e) {
      this.options.log.line(
        `SPTPS record cipher not available (${(e as Error).message}); using the pure TypeScript one`,
      );
      return undefined;
    }
  }

  /**
   * Binds the TCP listeners and UDP sockets: BindToAddress/ListenAddress when given (a missing
   * host is the wildcard, a missing port ours), else the wildcard of each allowed family.
   * Like tincd, an address that fails is logged and start-up fails only when none is left.
   */
  private async listen(daemon: LoadedConfig["daemon"], port: number): Promise<number> {
    const family = daemon.addressFamily;
    const wildcards = family === "ipv4" ? ["0.0.0.0"] : family === "ipv6" ? ["::"] : ["::", "0.0.0.0"];
    const configured = [...daemon.bindToAddress, ...daemon.listenAddress];
    const specs: BindSpec[] = configured.length === 0
      ? wildcards.map((host) => ({ host, port }))
      : configured.flatMap((l) => {
        const p = l.port !== undefined && /^[0-9]+$/.test(l.port) ? Number(l.port) : port;
        return (l.host !== undefined ? [l.host] : wildcards).map((host) => ({ host, port: p }));
      });
    // Port = 0: the kernel picks the first TCP port, and every other socket takes that same
    // number (tinc announces one port, for TCP and UDP alike).
    let picked: number | undefined;
    const bound: string[] = [];
    const errors: string[] = [];
    for (const spec of specs) {
      if (spec.port === 0 && picked !== undefined) spec.port = picked;
      // A dual-stack "::" listener already accepts IPv4: its 0.0.0.0 twin may fail quietly.
      const covered = spec.host === "0.0.0.0" && bound.includes(`:: port ${spec.port}`);
      try {
        const actual = this.meta.listen(spec.host, spec.port, family === "ipv6");
        if (spec.port === 0) spec.port = picked = actual;
        bound.push(`${spec.host} port ${spec.port}`);
      } catch (e) {
        if (!covered) errors.push(`${spec.host} port ${spec.port}: ${(e as Error).message}`);
      }
    }
    for (const e of errors) this.options.log.line(`Could not listen on ${e}`);
    if (bound.length === 0) {
      throw new DaemonStartError(`Unable to create any listening socket: ${errors.join("; ")}`);
    }
    for (const b of bound) this.logAt(1, `Listening on ${b}`);
    const buffers = {
      ...(daemon.udpRcvBuf !== undefined ? { receive: daemon.udpRcvBuf } : {}),
      ...(daemon.udpSndBuf !== undefined ? { send: daemon.udpSndBuf } : {}),
    };
    const udp = await UdpNet.bind(
      specs.filter((s) => s.port !== 0),
      (from, bytes) => this.feed((now) => this.engine.onUdp(now, from, bytes)),
      buffers,
    ).catch((e: Error) => {
      throw new DaemonStartError(`Unable to create any UDP socket: ${e.message}`);
    });
    this.udp = udp.net;
    for (const e of udp.errors) this.options.log.line(`Could not bind UDP ${e}`);
    return port === 0 ? picked ?? port : port;
  }

  /** Runs one engine input now and re-arms the timer for the deadline it returns. */
  private feed(input: (now: number) => number): void {
    if (this.stopping) return;
    this.arm(input(clock()));
  }

  private arm(deadline: number): void {
    if (this.stopping) return;
    if (deadline === this.timerAt && this.timer !== undefined) return;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.timerAt = deadline;
    // Only +Infinity means "nothing to do": a deadline of -Infinity (work never done yet, such as
    // the first probe of a new SPTPS session) is due at once.
    if (deadline === Infinity || Number.isNaN(deadline)) return;
    const delay = Math.min(Math.max(0, deadline - clock()), 2_000_000_000);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.timerAt = Infinity;
      this.feed((now) => this.engine.onTimer(now));
    }, Math.ceil(delay));
  }

  private logAt(level: number, message: string, fields: LogFields = {}): void {
    if (level <= this.debugLevel) this.options.log.line(message, fields, priorityForLevel(level));
  }

  // ---- Effects ----------------------------------------------------------------------------

  sendMeta(conn: ConnId, bytes: Uint8Array): void {
    this.meta.send(conn, bytes);
  }

  connect(address: SockAddr): ConnId {
    const timeout = Math.max(5, this.current.engine.pingTimeout) * 1000;
    return this.meta.connect(address, timeout);
  }

  close(conn: ConnId, tarpit?: boolean): void {
    this.meta.close(conn, tarpit === true);
  }

  sendUdp(to: SockAddr, bytes: Uint8Array): void {
    this.udp.send(to, bytes);
  }

  writeTun(frame: Uint8Array): void {
    if (this.device === undefined) return;
    const n = this.device.write(frame);
    if (n < 0) this.logAt(5, `Can't write to ${this.device.name}`, { errno: -n });
  }

  runScript(name: string, env: Record<string, string>): void {
    const outcome = runScript(this.scriptSettings, name, env);
    if (!outcome.ran) return;
    if (outcome.ok) this.logAt(2, `Executed script ${name}`);
    else this.options.log.line(`Script ${name} failed: ${outcome.reason}`);
  }

  readFile(path: string): void {
    // No engine input takes file contents yet; tinc's per-ID re-read of hosts/NAME is served
    // from the configuration loaded at start-up and on SIGHUP.
    this.logAt(10, "Engine asked to read a file; ignored", { path });
  }

  writeFile(path: string, bytes: Uint8Array, mode: WriteMode): void {
    const full = path.startsWith("/") ? path : join(this.options.confbase, path);
    try {
      if (mode === "append") appendFileSync(full, bytes);
      else {
        const tmp = `${full}.tmp${process.pid}`;
        writeFileSync(tmp, bytes);
        renameSync(tmp, full);
      }
    } catch (e) {
      this.options.log.line(`Could not write ${full}: ${(e as Error).message}`);
    }
  }

  resolve(host: string): void {
    lookup(host, { all: true })
      .then((list) => list.map((a) => a.address))
      .catch(() => [] as string[])
      .then((addresses) => this.feed((now) => this.engine.onResolved(now, host, addresses)));
  }

  log(level: LogLevelValue, message: string, fields: LogFields): void {
    this.options.log.line(message, fields, priorityForLevel(level));
  }

  // ---- control ----------------------------------------------------------------------------

  /** SIGHUP and `tinct reload`: re-read the configuration; a bad one is logged and the old one kept. */
  reload(): ReloadResult {
    if (this.stopping) return { ok: false, reason: "the daemon is stopping" };
    const read = readConfigDir({ ...this.options, debugLevel: this.debugLevel });
    if (!read.ok) {
      const reason = read.errors.join("; ");
      this.options.log.line(`Unable to reread configuration, keeping the old one: ${reason}`);
      return { ok: false, reason };
    }
    for (const w of read.config.warnings) this.logAt(1, w);
    const old = this.current.engine;
    const kept = keepFixedAtStart(old, read.config.engine);
    const next: EngineConfig = {
      ...kept.config,
      ...(old.iface !== undefined ? { iface: old.iface } : {}),
      ...(old.device !== undefined ? { device: old.device } : {}),
      // Sessions hold slots of the cipher created at start-up; new ones take slots of it too.
      ...(old.sptpsCipher !== undefined ? { sptpsCipher: old.sptpsCipher } : {}),
    };
    if (kept.changed.length > 0) {
      this.options.log.line(`${kept.changed.join(", ")} changes take effect after a restart`);
    }
    this.current = { ...read.config, engine: next };
    this.scriptSettings = {
      ...this.scriptSettings,
      extension: read.config.daemon.scriptsExtension,
      interpreter: read.config.daemon.scriptsInterpreter,
    };
    this.options.log.line("Got SIGHUP: reloaded configuration");
    this.feed((now) => this.engine.onConfigReload(now, next));
    return { ok: true };
  }

  /** SIGALRM: retry outgoing connections now. */
  retry(): void {
    if (!this.stopping) this.engine.onControl(clock(), { type: "retry" });
    this.arm(this.engine.nextDeadline());
  }

  /** SIGWINCH: forget unreachable nodes. */
  purge(): void {
    if (!this.stopping) this.engine.onControl(clock(), { type: "purge" });
  }

  /** SIGINT (as tincd 1.0): toggles the debug level between its value and 5. */
  toggleDebug(): void {
    if (this.savedDebugLevel === undefined) {
      this.savedDebugLevel = this.debugLevel;
      this.debugLevel = 5;
    } else {
      this.debugLevel = this.savedDebugLevel;
      this.savedDebugLevel = undefined;
    }
    this.options.log.line(`Debug level set to ${this.debugLevel}`);
    this.engine.onControl(clock(), { type: "debug", level: this.debugLevel });
  }

  /** SIGUSR1/SIGUSR2: the node's view in the log. */
  dump(): void {
    const view = this.engine.view();
    for (const c of view.connections) {
      this.options.log.line(` connection ${c.name ?? "?"} ${c.phase}${c.mst ? " mst" : ""}`);
    }
    for (const n of view.nodes) {
      this.options.log.line(
        ` node ${n.name} ${n.reachable ? "reachable" : "unreachable"} nexthop ${n.nexthop ?? "-"} via ${
          n.via ?? "-"
        } udp ${n.udp ?? "-"}`,
      );
    }
    for (const e of view.edges) {
      this.options.log.line(
        ` edge ${e.from} to ${e.to} at ${e.address} port ${e.port} options ${
          e.options.toString(16)
        } weight ${e.weight}`,
      );
    }
    for (const s of view.subnets) this.options.log.line(` subnet ${s.subnet} owner ${s.owner}`);
  }

  /** What `tinct dump`/`info` show, for the control socket (src/runtime/control_daemon.ts). */
  controlDumps(): ControlDumps {
    return this.engine.controlDumps();
  }

  /** The control socket's `debug N`: the engine's level and the daemon's own log filter. */
  setDebugLevel(level: number): void {
    this.debugLevel = level;
    this.savedDebugLevel = undefined;
    this.engine.onControl(clock(), { type: "debug", level });
  }

  /** The control socket's `disconnect NAME`; false when not connected to NAME. */
  disconnect(name: string): boolean {
    const r = this.engine.onControl(clock(), { type: "disconnect", name });
    this.arm(this.engine.nextDeadline());
    return r.ok;
  }

  /** A snapshot for tests and dumps. */
  view(): ReturnType<Engine["view"]> {
    return this.engine.view();
  }

  /** TERM: close connections, subnet-down and tinc-down, close the device and sockets. */
  async stop(code = 0): Promise<void> {
    if (this.stopping) return;
    this.options.onStopping?.();
    this.engine.onControl(clock(), { type: "stop" });
    this.stopping = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    await this.reader?.stop();
    this.closeResources();
    this.options.log.line("Terminating");
    this.resolveStopped(code);
  }

  private closeResources(): void {
    this.meta.closeAll();
    this.udp?.close();
    this.device?.close();
    this.device = undefined;
  }
}

/**
 * Engine settings tincd reads once, at setup (setup_myself and the device set-up), and keeps
 * across SIGHUP, with tinc's names for the log: the open device and sockets depend on some, and a
 * strict node's subnet table on StrictSubnets/TunnelServer (toggling it at reload would make the
 * whole mesh drop and re-learn subnets).
 */
const FIXED_AT_START = {
  port: "Port",
  mode: "Mode",
  broadcast: "Broadcast",
  forwarding: "Forwarding",
  directOnly: "DirectOnly",
  decrementTtl: "DecrementTTL",
  deviceIsTap: "DeviceType",
  strictSubnets: "StrictSubnets",
  tunnelServer: "TunnelServer",
} as const satisfies Partial<Record<keyof EngineConfig, string>>;

type FixedKey = keyof typeof FIXED_AT_START;
const FIXED_KEYS = Object.keys(FIXED_AT_START) as FixedKey[];

/** `next` with the settings fixed at start taken from `started`, and tinc's names of those the
 * new files would change. */
function keepFixedAtStart(
  started: EngineConfig,
  next: EngineConfig,
): { config: EngineConfig; changed: string[] } {
  const config: Record<string, unknown> = { ...next };
  const changed: string[] = [];
  for (const k of FIXED_KEYS) {
    if (next[k] !== started[k]) changed.push(FIXED_AT_START[k]);
    config[k] = started[k];
  }
  return { config: config as unknown as EngineConfig, changed };
}
