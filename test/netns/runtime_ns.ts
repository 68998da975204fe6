/**
 * Network-namespace helpers for the runtime's root-only tests: uniquely named namespaces
 * (`tinctrt-<pid>-<n>`), stale ones from dead test processes removed first, every command bounded
 * in time. Only namespaces and processes created here are touched.
 * @module
 */
import { spawnSync } from "node:child_process";
import { join } from "node:path";

export const REPO = join(import.meta.dir, "..", "..");
export const BUN = join(REPO, "node_modules", ".bin", "bun");
const PREFIX = "tinctrt-";

/** Fails loudly (never skips) when not root: CI runs these as root. */
export function requireRoot(): void {
  if (process.getuid?.() !== 0) {
    throw new Error("test/netns runtime tests need root (ip netns, /dev/net/tun); run them as root");
  }
}

/** Runs a command with a time bound; returns status and output. */
export function sh(cmd: string[], timeoutMs = 10_000): { status: number; stdout: string; stderr: string } {
  const r = spawnSync(cmd[0]!, cmd.slice(1), { encoding: "utf8", timeout: timeoutMs });
  return {
    status: r.status ?? -1,
    stdout: r.stdout ?? "",
    stderr: (r.stderr ?? "") + (r.error?.message ?? ""),
  };
}

/** Runs a command and throws with its stderr when it fails. */
export function must(cmd: string[], timeoutMs = 10_000): string {
  const r = sh(cmd, timeoutMs);
  if (r.status !== 0) throw new Error(`${cmd.join(" ")} failed (${r.status}): ${r.stderr}`);
  return r.stdout;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Deletes `tinctrt-<pid>-*` namespaces whose creating process is gone. */
export function removeStaleNamespaces(): void {
  const list = sh(["ip", "netns", "list"]).stdout.split("\n");
  for (const line of list.slice(0, 1000)) {
    const name = line.split(" ")[0] ?? "";
    const m = new RegExp(`^${PREFIX}(\\d+)-`).exec(name);
    if (m && (Number(m[1]) === process.pid || !alive(Number(m[1])))) sh(["ip", "netns", "del", name]);
  }
}

let counter = 0;
const created: string[] = [];

/** Creates a fresh namespace with loopback up. */
export function createNamespace(): string {
  const name = `${PREFIX}${process.pid}-${counter++}`;
  must(["ip", "netns", "add", name]);
  created.push(name);
  must(["ip", "-n", name, "link", "set", "lo", "up"]);
  return name;
}

/** Deletes every namespace this process created. */
export function deleteNamespaces(): void {
  while (created.length > 0) sh(["ip", "netns", "del", created.pop()!]);
}

/** Joins two namespaces with a veth pair, addresses a/b given as CIDR (IPv4 and IPv6). */
export function vethPair(nsA: string, nsB: string, a: string[], b: string[]): void {
  const ia = `vta${process.pid % 10000}${counter}`;
  const ib = `vtb${process.pid % 10000}${counter}`;
  must(["ip", "link", "add", ia, "netns", nsA, "type", "veth", "peer", "name", ib, "netns", nsB]);
  for (const addr of a) {
    must(["ip", "-n", nsA, "addr", "add", addr, "dev", ia, ...(addr.includes(":") ? ["nodad"] : [])]);
  }
  for (const addr of b) {
    must(["ip", "-n", nsB, "addr", "add", addr, "dev", ib, ...(addr.includes(":") ? ["nodad"] : [])]);
  }
  must(["ip", "-n", nsA, "link", "set", ia, "up"]);
  must(["ip", "-n", nsB, "link", "set", ib, "up"]);
}

/** Runs a bun script inside a namespace, bounded in time; parses the last stdout line as JSON. */
export function runInNamespace<T>(ns: string, script: string, args: string[], timeoutMs = 20_000): T {
  const r = sh(["ip", "netns", "exec", ns, BUN, script, ...args], timeoutMs);
  const lines = r.stdout.trim().split("\n");
  const last = lines[lines.length - 1] ?? "";
  if (r.status !== 0 || !last.startsWith("{")) {
    throw new Error(`${script} ${args.join(" ")} in ${ns} failed (${r.status}): ${r.stderr}\n${r.stdout}`);
  }
  return JSON.parse(last) as T;
}
