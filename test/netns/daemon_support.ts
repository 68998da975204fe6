/**
 * Shared pieces of the daemon end-to-end tests: how to start tinct (the built executable when it
 * is newer than every source file, else bun on src/main.ts), node directories for mixed
 * tinct/tincd meshes with Cipher/Digest none, and bounded start/stop with logs kept for failures.
 */
import type { ChildProcess } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import type { Lab, LabNode } from "./lib/lab.ts";
import { writeTincNode } from "./lib/tincd.ts";

const root = join(import.meta.dir, "..", "..");
const binary = join(root, "dist", "bin", "tinct-linux-x64");

function newestSource(dir: string): number {
  let t = 0;
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    const s = statSync(p);
    t = Math.max(t, s.isDirectory() ? newestSource(p) : s.mtimeMs);
  }
  return t;
}

/**
 * argv prefix that runs `tinct`. TINCT_TEST_BINARY forces the built executable,
 * TINCT_TEST_FROM_SOURCE forces bun on src/main.ts.
 */
export function tinctCommand(): string[] {
  if (process.env.TINCT_TEST_BINARY !== undefined) return [binary];
  if (process.env.TINCT_TEST_FROM_SOURCE === undefined && existsSync(binary)) {
    if (statSync(binary).mtimeMs >= newestSource(join(root, "src"))) return [binary];
  }
  return [join(root, "node_modules", ".bin", "bun"), join(root, "src", "main.ts")];
}

export type Kind = "tinct" | "tincd";

/** Host lines both implementations need for the bypass-security null-cipher protocol. */
export const NULL_CIPHER_HOST = ["Cipher = none", "Digest = none", "MACLength = 0"];

export interface MeshNode {
  lab: LabNode;
  kind: Kind;
  index: number;
  dir: string;
  log: string;
  proc?: ChildProcess;
  /** false: tinc's RSA authentication and packet crypto instead of --bypass-security. */
  bypass?: boolean;
}

/** Writes a node directory (keys, tinc-up) with the null cipher in its host file. */
export function writeNode(
  dir: string,
  n: { name: string; index: number; underlayIp: string },
  opts: {
    mode?: "router" | "switch";
    connectTo?: string[];
    conf?: string[];
    host?: string[];
    /** Host lines for the packet crypto; default Cipher/Digest none. */
    crypto?: string[];
  } = {},
): void {
  writeTincNode(dir, {
    name: n.name,
    index: n.index,
    underlayIp: n.underlayIp,
    ...(opts.mode ? { mode: opts.mode } : {}),
    connectTo: opts.connectTo ?? [],
    conf: opts.conf ?? [],
    host: [...(opts.crypto ?? NULL_CIPHER_HOST), ...(opts.host ?? [])],
  }, 1024);
}

/** The command line of a node in the foreground. */
export function daemonArgs(node: MeshNode, pidfile: string, debug = 3): string[] {
  const common = [
    "-c",
    node.dir,
    "-D",
    `-d${debug}`,
    ...(node.bypass === false ? [] : ["--bypass-security"]),
    `--pidfile=${pidfile}`,
  ];
  return node.kind === "tincd" ? ["tincd", ...common] : [...tinctCommand(), "daemon", ...common];
}

/** Starts a node in the foreground and waits (bounded) for "Ready" in its log. */
export async function startNode(lab: Lab, node: MeshNode, pidfile: string, debug = 3): Promise<number> {
  node.log = "";
  node.proc = lab.start(node.lab.ns, daemonArgs(node, pidfile, debug), {
    logTo: (s) => (node.log += s),
  });
  try {
    return await lab.waitFor(
      `${node.lab.name} (${node.kind}) ready`,
      () => {
        if (node.proc?.exitCode !== null && node.proc?.exitCode !== undefined) {
          throw new Error(`${node.lab.name} exited during start-up (status ${node.proc?.exitCode})`);
        }
        return node.log.includes("Ready");
      },
      20_000,
      100,
    );
  } catch (e) {
    throw new Error(`${(e as Error).message}; its log:\n${tail(node.log)}`);
  }
}

/** The last lines of a log, for failure messages. */
export function tail(log: string, lines = 40): string {
  return log.split("\n").slice(-lines).join("\n");
}
