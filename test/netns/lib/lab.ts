/**
 * A network-namespace lab for end-to-end tests and benchmarks (root only): one namespace per node,
 * each with a veth `eth0` on a bridge that lives in a hub namespace. Everything is named after
 * this run (`tn<pid>-…`) so that a crashed run's leftovers can be told apart and removed first;
 * only processes started through the lab are ended, by pid.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";

const PREFIX = "tn";

export interface ExecResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

function sh(cmd: string[], timeoutMs = 20_000, input?: string): ExecResult {
  const r = spawnSync(cmd[0]!, cmd.slice(1), { encoding: "utf8", timeout: timeoutMs, input });
  return { status: r.status, stdout: r.stdout ?? "", stderr: r.stderr ?? "" };
}

function must(cmd: string[], timeoutMs = 20_000): string {
  const r = sh(cmd, timeoutMs);
  if (r.status !== 0) throw new Error(`${cmd.join(" ")} failed (${r.status}): ${r.stderr.trim()}`);
  return r.stdout;
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Removes namespaces left by lab runs whose owning process is gone, and the processes inside them. */
export function removeStaleNamespaces(): string[] {
  const removed: string[] = [];
  for (const line of sh(["ip", "netns", "list"]).stdout.split("\n")) {
    const name = line.split(" ")[0] ?? "";
    const m = /^tn(\d+)-/.exec(name);
    if (!m || pidAlive(Number(m[1]))) continue;
    for (const pid of sh(["ip", "netns", "pids", name]).stdout.split(/\s+/).filter(Boolean)) {
      try {
        process.kill(Number(pid), "SIGKILL");
      } catch { /* already gone */ }
    }
    sh(["ip", "netns", "del", name]);
    removed.push(name);
  }
  return removed;
}

export function requireRoot(): void {
  if (process.getuid?.() !== 0) {
    throw new Error("this test needs root (network namespaces and TUN); CI runs it as root");
  }
}

export interface LabNode {
  name: string;
  ns: string;
  ip4: string;
  ip6: string;
}

export class Lab {
  readonly tag: string;
  readonly hub: string;
  readonly nodes = new Map<string, LabNode>();
  private readonly children = new Set<ChildProcess>();
  private index = 0;

  constructor(readonly label = "lab") {
    requireRoot();
    removeStaleNamespaces();
    this.tag = `${PREFIX}${process.pid}-`;
    this.hub = `${this.tag}hub`;
    sh(["ip", "netns", "del", this.hub]);
    must(["ip", "netns", "add", this.hub]);
    this.nsExec(this.hub, ["ip", "link", "add", "br0", "type", "bridge"]);
    this.nsExec(this.hub, ["ip", "link", "set", "br0", "up"]);
    this.nsExec(this.hub, ["ip", "link", "set", "lo", "up"]);
  }

  /** A node namespace on the bridge, underlay 10.250.0.N/24 and fd00:250::N/64. */
  addNode(name: string): LabNode {
    const n = ++this.index;
    const ns = `${this.tag}${name}`;
    sh(["ip", "netns", "del", ns]);
    must(["ip", "netns", "add", ns]);
    const hubSide = `v${n}`;
    this.nsExec(this.hub, [
      "ip",
      "link",
      "add",
      hubSide,
      "type",
      "veth",
      "peer",
      "name",
      "eth0",
      "netns",
      ns,
    ]);
    this.nsExec(this.hub, ["ip", "link", "set", hubSide, "master", "br0", "up"]);
    const node: LabNode = { name, ns, ip4: `10.250.0.${n}`, ip6: `fd00:250::${n}` };
    this.nsExec(ns, ["ip", "link", "set", "lo", "up"]);
    this.nsExec(ns, ["ip", "addr", "add", `${node.ip4}/24`, "dev", "eth0"]);
    this.nsExec(ns, ["ip", "-6", "addr", "add", `${node.ip6}/64`, "dev", "eth0", "nodad"]);
    this.nsExec(ns, ["ip", "link", "set", "eth0", "up"]);
    this.nodes.set(name, node);
    return node;
  }

  node(name: string): LabNode {
    const n = this.nodes.get(name);
    if (!n) throw new Error(`no lab node ${name}`);
    return n;
  }

  /** Runs a command inside a namespace and waits (bounded) for it. */
  exec(ns: string, cmd: string[], timeoutMs = 20_000, input?: string): ExecResult {
    return sh(["ip", "netns", "exec", ns, ...cmd], timeoutMs, input);
  }

  nsExec(ns: string, cmd: string[], timeoutMs = 20_000): string {
    return must(["ip", "netns", "exec", ns, ...cmd], timeoutMs);
  }

  /** Starts a long-running command inside a namespace; the lab ends it (by pid) on destroy. */
  start(
    ns: string,
    cmd: string[],
    opts: { env?: Record<string, string>; logTo?: (s: string) => void } = {},
  ): ChildProcess {
    const child = spawn("ip", ["netns", "exec", ns, ...cmd], {
      env: { ...process.env, ...opts.env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const log = opts.logTo;
    child.stdout?.on("data", (d: Buffer) => log?.(d.toString()));
    child.stderr?.on("data", (d: Buffer) => log?.(d.toString()));
    this.children.add(child);
    child.on("exit", () => this.children.delete(child));
    return child;
  }

  /** Ends a started process: TERM, then KILL after a grace period. */
  async stop(child: ChildProcess, graceMs = 3000): Promise<void> {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const done = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
    await done;
    clearTimeout(timer);
  }

  /** Polls `check` every `stepMs` until it returns true or `timeoutMs` passes. */
  async waitFor(what: string, check: () => boolean, timeoutMs = 30_000, stepMs = 200): Promise<number> {
    const t0 = Date.now();
    for (let i = 0; Date.now() - t0 < timeoutMs && i < 100_000; i++) {
      if (check()) return Date.now() - t0;
      await Bun.sleep(stepMs);
    }
    throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
  }

  ping(fromNs: string, target: string, count = 1, timeoutS = 2): boolean {
    const v6 = target.includes(":");
    const r = this.exec(fromNs, [
      "ping",
      ...(v6 ? ["-6"] : []),
      "-c",
      String(count),
      "-W",
      String(timeoutS),
      "-i",
      "0.2",
      target,
    ], 10_000 + count * 2000);
    return r.status === 0;
  }

  /** Ends every process this lab started, then deletes its namespaces. */
  async destroy(): Promise<void> {
    await Promise.all([...this.children].map((c) => this.stop(c)));
    for (const ns of [...[...this.nodes.values()].map((n) => n.ns), this.hub]) {
      // Daemons that detached from their starter are still ours: they live in our namespaces.
      for (const pid of sh(["ip", "netns", "pids", ns]).stdout.split(/\s+/).filter(Boolean)) {
        try {
          process.kill(Number(pid), "SIGKILL");
        } catch { /* gone */ }
      }
      sh(["ip", "netns", "del", ns]);
    }
    this.nodes.clear();
  }
}
