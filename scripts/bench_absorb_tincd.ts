// The bench_absorb workload (absorb_lines.ts: every subnet and edge of a random N-node mesh as
// tinc 1.0 lines, 100 to a chunk) measured on real tincd 1.0.36 and on tinct in the same run.
//
//   tincd (mesh node 0, DeviceType = dummy, 127.0.0.1:free port, -D -d0)
//     ▲           ▲            ▲
//     │ A         │ B          │ C       three tinct engines as mesh nodes 1..3, each doing the
//     │ n0001     │ n0002      │ n0003   full 1.0 RSA handshake (auth/legacy.ts) over real TCP
//
//   phase "new":        every line once from A, in 100-line writes: the ADD_SUBNETs, PING/PONG,
//                       the ADD_EDGEs, PING/PONG (tincd parses, stores, forwards each line to B
//                       and C; add_edge_h runs graph() after every edge it stores)
//   phase "duplicate":  the same chunks again from B, `passes` times over, then PING/PONG on B
//                       (tincd's seen_request drops them; repeated so the CPU figure clears the
//                       10 ms clock tick)
//
// tincd's cost is the CPU time it used across each phase (/proc/PID/schedstat, ns; else utime+stime
// in 10 ms ticks) and the wall time from the first write to the PONG, per line; the median over
// TINCD_ROUNDS fresh tincd runs (keys made once). The peers' own work (sealing, decrypting what
// tincd forwards) runs in this process and shows only in the wall time. tinct's figures come from
// tinctAbsorbRound, the in-process measure bench_absorb.ts prints. A benchmark: it never fails on
// a time; it exits 1 with a message when tincd is missing, does not start, a handshake fails or a
// PONG does not come within TIMEOUT_S.
//   node_modules/.bin/bun scripts/bench_absorb_tincd.ts [NODES=1000] [TINCT_ROUNDS=15] [TINCD_ROUNDS=3] [TIMEOUT_S=600]
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { connect as tcpConnect, createServer, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Engine } from "../src/core/node/engine.ts";
import type { NodeCore } from "../src/core/node/core.ts";
import type { Connection } from "../src/core/node/world.ts";
import { inertEffects, type SockAddr } from "../src/core/node/effects.ts";
import { readConfigDir } from "../src/runtime/daemon/config_files.ts";
import {
  type AbsorbWorkload,
  absorbWorkload,
  LINES_PER_CHUNK,
  median,
  tinctAbsorbRound,
} from "./absorb_lines.ts";

const TINCD = process.env.TINCD ?? "/usr/sbin/tincd";
const count = Number(process.argv[2] ?? 1000);
const tinctRounds = Number(process.argv[3] ?? 15);
const tincdRounds = Number(process.argv[4] ?? 3);
const timeoutMs = Number(process.argv[5] ?? 600) * 1000;
/** Duplicate lines sent in all, at least: enough tincd CPU to measure with 10 ms ticks. */
const DUPLICATE_LINES_TARGET = 50_000;

class BenchError extends Error {}

/** What an abrupt exit (watchdog, Ctrl-C) must still clean up. */
const live: { tincdPid?: number; tmp?: string } = {};

function abandon(why: string): never {
  console.error(`bench_absorb_tincd: ${why}`);
  if (live.tincdPid !== undefined) process.kill(live.tincdPid, "SIGKILL");
  if (live.tmp !== undefined) rmSync(live.tmp, { recursive: true, force: true });
  process.exit(1);
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Polls `ready` every 20 ms until it holds, or throws `what` after `ms`. */
async function waitUntil(what: string, ms: number, ready: () => boolean): Promise<void> {
  const end = performance.now() + ms;
  while (!ready()) {
    if (performance.now() > end) throw new BenchError(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(20);
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

const ticksPerSecond = Number(spawnSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).stdout.trim()) || 100;

/**
 * CPU time a process has used, in ms: the ns counter of /proc/PID/schedstat (the thread-group
 * leader's; tincd 1.0 is single-threaded) where the kernel has it, else utime + stime from
 * /proc/PID/stat (fields 14 and 15 after the `(comm)`, in clock ticks of 10 ms).
 */
function cpuMs(pid: number): number {
  try {
    const ns = Number(readFileSync(`/proc/${pid}/schedstat`, "utf8").split(" ")[0]);
    if (Number.isFinite(ns) && ns > 0) return ns / 1e6;
  } catch {
    // no schedstat: fall through to the tick counters
  }
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / ticksPerSecond;
}

/** A tinc 1.0 configuration directory with a fresh 1024-bit RSA key pair from `tincd -K`. */
function writeNodeDir(dir: string, name: string, conf: string[], host: string[]): void {
  mkdirSync(join(dir, "hosts"), { recursive: true });
  writeFileSync(join(dir, "tinc.conf"), [`Name = ${name}`, ...conf].join("\n") + "\n");
  writeFileSync(join(dir, "hosts", name), host.join("\n") + (host.length ? "\n" : ""));
  const r = spawnSync(TINCD, ["-c", dir, "-K1024"], { input: "", encoding: "utf8", timeout: 60_000 });
  if (r.status !== 0) throw new BenchError(`${TINCD} -K failed for ${name}: ${r.stderr ?? r.error}`);
}

/**
 * One mesh peer: a tinct Engine dialling tincd. Until its connection is active the engine owns
 * the socket (handshake). Then the script takes the connection over: it writes chunks sealed by
 * the connection's own authenticator and reads tincd's lines through the connection's own framer
 * (which decrypts), never feeding the engine again, so the peer stays a silent source that does
 * not answer tincd's contradictions (as bench_absorb's peers, whose output is dropped).
 */
class Peer {
  readonly log: string[] = [];
  engine!: Engine;
  socket: Socket | undefined;
  /** The engine's connection record, once active (reached through Engine's private `core`). */
  conn: Connection | undefined;
  failure: string | undefined;
  pongs = 0;
  private onPong: () => void = () => {};
  /** Request lines tincd sent after the take-over, by request code. */
  readonly received = new Map<string, number>();
  private connId = 0;

  constructor(readonly name: string, confbase: string) {
    const loaded = readConfigDir({
      confbase,
      netname: null,
      commandLine: [],
      debugLevel: 0,
      bypassSecurity: false,
    });
    if (!loaded.ok) throw new BenchError(`${name}: ${loaded.errors.join("; ")}`);
    const effects = inertEffects({
      connect: (to) => this.dial(to),
      sendMeta: (_conn, bytes) => void this.socket?.write(Uint8Array.from(bytes)),
      close: () => {
        this.failure ??= "the engine closed the connection";
        this.socket?.destroy();
      },
      log: (level, message, fields) => {
        this.log.push(`[${level}] ${message} ${JSON.stringify(fields)}`);
        if (this.log.length > 40) this.log.shift();
      },
    });
    // Debug level 3 (requests): the handshake's log lines, kept for the message if it fails.
    this.engine = new Engine({ ...loaded.config.engine, debugLevel: 3 }, effects, {
      nextU32: () => crypto.getRandomValues(new Uint32Array(1))[0]!,
    });
  }

  private dial(to: SockAddr): number {
    const id = ++this.connId;
    const socket = tcpConnect(to.port, to.host);
    socket.setNoDelay(true);
    this.socket = socket;
    socket.on(
      "connect",
      () => this.engine.onMetaConnected(performance.now(), id, { outgoing: true, peerAddress: to }),
    );
    socket.on("data", (bytes: Uint8Array) => this.onData(id, bytes));
    socket.on("error", (e) => void (this.failure ??= `socket: ${e.message}`));
    socket.on("close", () => {
      this.failure ??= "tincd closed the connection";
      if (this.conn === undefined) this.engine.onMetaClosed(performance.now(), id);
    });
    return id;
  }

  private onData(id: number, bytes: Uint8Array): void {
    if (this.conn === undefined) {
      this.engine.onMetaData(performance.now(), id, bytes);
      const core = (this.engine as unknown as { core: NodeCore }).core;
      const c = core.conns.get(id);
      if (c?.phase === "active") this.conn = c;
      return;
    }
    this.conn.framer.push(bytes);
    for (let i = 0; i < 100_000; i++) {
      const item = this.conn.framer.next();
      if (item === null) break;
      if (item.kind !== "line") {
        this.failure ??= `unexpected ${item.kind} item from tincd`;
        break;
      }
      const code = item.line.split(" ", 1)[0]!;
      if (code === "9") {
        this.pongs++;
        this.onPong();
      }
      this.received.set(code, (this.received.get(code) ?? 0) + 1);
    }
  }

  /** Seals and writes bytes on the taken-over connection, in stream order after the engine's own. */
  write(bytes: Uint8Array): void {
    this.socket!.write(Uint8Array.from(this.conn!.auth.seal(bytes)));
  }

  /** PING, then wait for tincd's PONG: every line written before it has been handled. */
  async pingPong(what: string): Promise<void> {
    const before = this.pongs;
    this.write(new TextEncoder().encode("8\n"));
    // Woken by onData the moment the PONG is read (a polling wait would add its period to the
    // wall time); the slow poll only notices failures and the timeout.
    const pong = new Promise<void>((resolve) => (this.onPong = resolve));
    const end = performance.now() + timeoutMs;
    while (this.pongs <= before) {
      if (this.failure !== undefined) throw new BenchError(`${this.name}: ${this.failure}`);
      if (performance.now() > end) {
        throw new BenchError(`no PONG from tincd on ${this.name} within ${timeoutMs} ms after ${what}`);
      }
      await Promise.race([pong, sleep(200)]);
    }
  }
}

/** tincd's SIGUSR2 dump in its log: nodes with the reachable status bit (0x0010), and edges. */
async function dumpCounts(
  pid: number,
  logPath: string,
): Promise<{ reachable: number; edges: number } | null> {
  const logText = () => (existsSync(logPath) ? readFileSync(logPath, "utf8") : "");
  const start = logText().length;
  process.kill(pid, "SIGUSR2");
  try {
    await waitUntil("tincd's dump", 10_000, () => /End of subnet list/i.test(logText().slice(start)));
  } catch {
    return null;
  }
  const dump = logText().slice(start);
  const nodes = dump.slice(dump.indexOf("Nodes:"), dump.indexOf("End of nodes"));
  const edgesPart = dump.slice(dump.indexOf("Edges:"), dump.indexOf("End of edges"));
  let reachable = 0;
  for (const m of nodes.matchAll(/ status ([0-9a-f]{4}) /g)) if (parseInt(m[1]!, 16) & 0x10) reachable++;
  return { reachable, edges: (edgesPart.match(/ to /g) ?? []).length };
}

/** One tincd run's figures, per line. */
interface TincdRound {
  newCpuUs: number;
  newWallUs: number;
  /** CPU per new ADD_SUBNET line and per new ADD_EDGE line. */
  newSubnetCpuUs: number;
  newEdgeCpuUs: number;
  dupCpuUs: number;
  dupWallUs: number;
  reachable: number | null;
  edges: number | null;
  /** Lines tincd sent A after the take-over (contradictions about itself, the PONG), by request code. */
  backToA: Record<string, number>;
}

/** Starts tincd on its directory, connects the three peers, measures both phases, stops tincd. */
async function tincdRound(
  w: AbsorbWorkload,
  dirOf: (n: string) => string,
  logPath: string,
): Promise<TincdRound> {
  let stderr = "";
  const tincd = spawn(TINCD, [
    "-c",
    dirOf(w.learner),
    "-D",
    "-d0",
    `--logfile=${logPath}`,
    `--pidfile=${logPath}.pid`,
  ], { stdio: ["ignore", "ignore", "pipe"] });
  tincd.stderr!.on("data", (b: Buffer) => void (stderr = (stderr + b.toString()).slice(-4000)));
  const peers: Peer[] = [];
  try {
    const pid = tincd.pid;
    if (pid === undefined) throw new BenchError(`could not start ${TINCD}`);
    live.tincdPid = pid;
    const logText = () => (existsSync(logPath) ? readFileSync(logPath, "utf8") : "");
    try {
      await waitUntil("tincd to log Ready", 10_000, () => {
        if (tincd.exitCode !== null) throw new BenchError(`tincd exited with ${tincd.exitCode}`);
        return logText().includes("Ready");
      });
      for (const p of w.peers) peers.push(new Peer(p, dirOf(p)));
      for (const p of peers) p.engine.start(performance.now());
      await waitUntil("the three RSA handshakes", 20_000, () => {
        for (const p of peers) {
          if (p.conn === undefined && p.failure !== undefined) {
            throw new BenchError(`${p.name}: ${p.failure}`);
          }
        }
        return peers.every((p) => p.conn !== undefined);
      });
    } catch (e) {
      const engines = peers.map((p) => `--- ${p.name} (tinct engine log)\n${p.log.join("\n")}`).join("\n");
      throw new BenchError(
        `${(e as Error).message}\n${engines}\n--- tincd log\n${logText().slice(-3000)}${stderr}`,
      );
    }
    // Let tincd finish telling each peer about the others before the clock starts.
    await sleep(300);
    const [a, b] = peers as [Peer, Peer, Peer];
    const n = w.lines.length;

    // The same lines in the same order as w.chunks, cut where the ADD_SUBNETs end and the
    // ADD_EDGEs begin, with a PING/PONG at the cut: the two kinds' costs separately.
    const subnetLines = w.lines.filter((l) => l.startsWith("10 "));
    const edgeLines = w.lines.filter((l) => l.startsWith("12 "));
    const cpu0 = cpuMs(pid);
    const t0 = performance.now();
    for (const chunk of chunked(subnetLines)) a.write(chunk);
    await a.pingPong("the new ADD_SUBNETs");
    const cpuCut = cpuMs(pid);
    for (const chunk of chunked(edgeLines)) a.write(chunk);
    await a.pingPong("the new ADD_EDGEs");
    const t1 = performance.now();
    const cpu1 = cpuMs(pid);

    const passes = duplicatePasses(n);
    const t2 = performance.now();
    for (let pass = 0; pass < passes; pass++) for (const chunk of w.chunks) b.write(chunk);
    await b.pingPong("the duplicates");
    const t3 = performance.now();
    const cpu2 = cpuMs(pid);

    const dump = await dumpCounts(pid, logPath);
    return {
      newCpuUs: ((cpu1 - cpu0) * 1000) / n,
      newWallUs: ((t1 - t0) * 1000) / n,
      newSubnetCpuUs: ((cpuCut - cpu0) * 1000) / subnetLines.length,
      newEdgeCpuUs: ((cpu1 - cpuCut) * 1000) / edgeLines.length,
      dupCpuUs: ((cpu2 - cpu1) * 1000) / (n * passes),
      dupWallUs: ((t3 - t2) * 1000) / (n * passes),
      reachable: dump?.reachable ?? null,
      edges: dump?.edges ?? null,
      backToA: Object.fromEntries(a.received),
    };
  } finally {
    for (const p of peers) p.socket?.destroy();
    if (tincd.pid !== undefined && tincd.exitCode === null && tincd.signalCode === null) {
      const exited = new Promise<void>((r) => tincd.once("exit", () => r()));
      process.kill(tincd.pid, "SIGTERM");
      await Promise.race([exited, sleep(3000)]);
      if (tincd.exitCode === null && tincd.signalCode === null) process.kill(tincd.pid, "SIGKILL");
    }
    delete live.tincdPid;
  }
}

/** Lines as writes of LINES_PER_CHUNK lines each. */
function chunked(lines: string[]): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let i = 0; i < lines.length; i += LINES_PER_CHUNK) {
    out.push(new TextEncoder().encode(lines.slice(i, i + LINES_PER_CHUNK).join("\n") + "\n"));
  }
  return out;
}

/** Passes of duplicates: at least DUPLICATE_LINES_TARGET lines in all, at most 100 passes. */
function duplicatePasses(lines: number): number {
  return Math.min(100, Math.max(1, Math.ceil(DUPLICATE_LINES_TARGET / lines)));
}

const round2 = (x: number) => Number(x.toFixed(2));

async function main(): Promise<void> {
  const version = spawnSync(TINCD, ["--version"], { encoding: "utf8" });
  if (version.error !== undefined || version.status !== 0) {
    throw new BenchError(
      `cannot run ${TINCD} (Debian package tinc; or set TINCD): ${version.error ?? version.stderr}`,
    );
  }
  const tincdVersion = version.stdout.split("\n")[0]!.trim();
  if (!/^tinc version 1\.0\./.test(tincdVersion)) {
    throw new BenchError(`${TINCD} is ${tincdVersion}, not tinc 1.0`);
  }

  const w = absorbWorkload(count);
  const tmp = mkdtempSync(join(tmpdir(), "bench-absorb-tincd-"));
  live.tmp = tmp;
  try {
    const port = await freePort();
    const dirs = new Map<string, string>([w.learner, ...w.peers].map((n) => [n, join(tmp, n)]));
    const dirOf = (n: string) => dirs.get(n)!;
    writeNodeDir(dirOf(w.learner), w.learner, [
      "DeviceType = dummy",
      "AddressFamily = ipv4",
      "BindToAddress = 127.0.0.1",
      // No PINGs from tincd during the run: the peers stop answering once taken over.
      "PingInterval = 3600",
    ], ["Address = 127.0.0.1", `Port = ${port}`]);
    for (const p of w.peers) {
      writeNodeDir(dirOf(p), p, [`ConnectTo = ${w.learner}`, "DeviceType = dummy"], []);
    }
    const hostTexts = [...dirs.keys()].map((n) =>
      [n, readFileSync(join(dirOf(n), "hosts", n), "utf8")] as const
    );
    for (const dir of dirs.values()) {
      for (const [n, text] of hostTexts) writeFileSync(join(dir, "hosts", n), text);
    }

    const runs: TincdRound[] = [];
    for (let r = 0; r < tincdRounds; r++) runs.push(await tincdRound(w, dirOf, join(tmp, `tincd-${r}.log`)));
    const tinct = Array.from({ length: tinctRounds }, () => tinctAbsorbRound(w));

    const tincdNewCpu = median(runs.map((r) => r.newCpuUs));
    const tincdDupCpu = median(runs.map((r) => r.dupCpuUs));
    const tinctNew = median(tinct.map((r) => r.newUs));
    const tinctDup = median(tinct.map((r) => r.dupUs));
    console.log(JSON.stringify({
      nodes: count,
      lines: w.lines.length,
      tincdVersion,
      tincd: {
        rounds: tincdRounds,
        newLineUsCpu: round2(tincdNewCpu),
        newLineUsWall: round2(median(runs.map((r) => r.newWallUs))),
        duplicateUsCpu: round2(tincdDupCpu),
        duplicateUsWall: round2(median(runs.map((r) => r.dupWallUs))),
        newLineUsCpuAll: runs.map((r) => round2(r.newCpuUs)),
        newAddSubnetUsCpu: round2(median(runs.map((r) => r.newSubnetCpuUs))),
        newAddEdgeUsCpu: round2(median(runs.map((r) => r.newEdgeCpuUs))),
        duplicatePasses: duplicatePasses(w.lines.length),
        duplicatesFrom: w.peers[1],
        reachable: runs.at(-1)!.reachable,
        edges: runs.at(-1)!.edges,
        backToA: runs.at(-1)!.backToA,
      },
      tinct: {
        rounds: tinctRounds,
        newLineUsMedian: round2(tinctNew),
        duplicateUsMedian: round2(tinctDup),
        reachable: tinct.at(-1)!.reachable,
      },
      ratioTincdOverTinct: {
        newLineCpu: round2(tincdNewCpu / tinctNew),
        duplicateCpu: round2(tincdDupCpu / tinctDup),
      },
    }));
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

// A hard stop for anything not already bounded (each wait above is).
const watchdog = setTimeout(
  () => abandon("overall time limit reached"),
  timeoutMs * (tincdRounds + 1) + 120_000,
);
watchdog.unref();
process.on("SIGINT", () => abandon("interrupted"));

try {
  await main();
  process.exit(0);
} catch (e) {
  console.error(`bench_absorb_tincd: ${e instanceof BenchError ? e.message : (e as Error).stack ?? e}`);
  process.exit(1);
}
