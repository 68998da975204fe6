/**
 * The control commands of tinc 1.1's CLI, against a running daemon's control socket: `pid`,
 * `stop`, `reload`, `retry`, `purge`, `debug N`, `disconnect NODE`, `dump …`, `info …`,
 * `log [LEVEL]`. Messages and exit codes are tinc's (tincctl.c, info.c).
 * @module
 */
import { readdirSync, readFileSync } from "node:fs";
import { ControlType, formatControlLine, parseResultLine } from "../../core/control/protocol.ts";
import {
  type EdgeDump,
  isDumpEnd,
  type NodeDump,
  parseConnectionLine,
  parseEdgeLine,
  parseNodeLine,
  parseSubnetLine,
  type SubnetDump,
} from "../../core/control/dump_lines.ts";
import {
  graphEdge,
  graphHeader,
  graphNode,
  infoKind,
  isReachable,
  isValidNodeName,
  printConnection,
  printEdge,
  printNode,
  printNodeInfo,
  printSubnet,
  printSubnetInfo,
} from "../../core/control/print.ts";
import { ControlClient } from "../../runtime/control_client.ts";
import { PROTOCOL_MAJOR } from "../../version.ts";
import type { CtlOptions } from "./options.ts";

/** Output channels of a control command. */
export interface CtlIo {
  stdout(s: string): void;
  stderr(s: string): void;
}

/** Replies to simple requests must come within this bound (tinc waits forever; tests must not). */
const REPLY_TIMEOUT_MS = 60_000;

type Connected = { client: ControlClient } | { code: number };

async function connect(o: CtlOptions, io: CtlIo): Promise<Connected> {
  const r = await ControlClient.connect(o.pidfile);
  if (!r.ok) {
    io.stderr(`${r.message}\n`);
    return { code: 1 };
  }
  return { client: r.client };
}

function tooMany(args: string[], max: number, io: CtlIo): boolean {
  if (args.length > max) {
    io.stderr("Too many arguments!\n");
    return true;
  }
  return false;
}

/** Sends `18 TYPE [ARG]` and checks for `18 TYPE 0`. */
async function simpleRequest(
  o: CtlOptions,
  io: CtlIo,
  type: number,
  failure: string,
  arg?: string,
): Promise<number> {
  const c = await connect(o, io);
  if ("code" in c) return c.code;
  try {
    c.client.sendLine(arg === undefined ? formatControlLine(type) : formatControlLine(type, arg));
    const line = await c.client.readLine(REPLY_TIMEOUT_MS);
    if (line === null || parseResultLine(line, type) !== 0) {
      io.stderr(`${failure}\n`);
      return 1;
    }
    return 0;
  } finally {
    c.client.close();
  }
}

/** `pid`: prints the daemon's pid (from the handshake). */
export async function cmdPid(o: CtlOptions, args: string[], io: CtlIo): Promise<number> {
  if (tooMany(args, 0, io)) return 1;
  const c = await connect(o, io);
  if ("code" in c) return c.code;
  c.client.close();
  if (c.client.pid === 0) return 1;
  io.stdout(`${c.client.pid}\n`);
  return 0;
}

/** `stop`: asks the daemon to stop and waits for it to close the connection; else sends TERM. */
export async function cmdStop(o: CtlOptions, args: string[], io: CtlIo): Promise<number> {
  if (tooMany(args, 0, io)) return 1;
  const r = await ControlClient.connect(o.pidfile);
  if (r.ok) {
    r.client.sendLine(formatControlLine(ControlType.STOP));
    await r.client.waitClosed(REPLY_TIMEOUT_MS);
    return 0;
  }
  io.stderr(`${r.message}\n`);
  if (r.pid === undefined) return 1;
  try {
    process.kill(r.pid, "SIGTERM");
  } catch (e) {
    io.stderr(`Could not send TERM signal to process with PID ${r.pid}: ${(e as Error).message}\n`);
    return 1;
  }
  io.stderr(`Sent TERM signal to process with PID ${r.pid}.\n`);
  return 0;
}

/** `reload`. */
export function cmdReload(o: CtlOptions, args: string[], io: CtlIo): Promise<number> | number {
  if (tooMany(args, 0, io)) return 1;
  return simpleRequest(o, io, ControlType.RELOAD, "Could not reload configuration.");
}

/** `purge`. */
export function cmdPurge(o: CtlOptions, args: string[], io: CtlIo): Promise<number> | number {
  if (tooMany(args, 0, io)) return 1;
  return simpleRequest(o, io, ControlType.PURGE, "Could not purge old information.");
}

/** `retry`. */
export function cmdRetry(o: CtlOptions, args: string[], io: CtlIo): Promise<number> | number {
  if (tooMany(args, 0, io)) return 1;
  return simpleRequest(o, io, ControlType.RETRY, "Could not retry outgoing connections.");
}

/** `disconnect NODE`. */
export function cmdDisconnect(o: CtlOptions, args: string[], io: CtlIo): Promise<number> | number {
  return nodeRequest(o, args, io, ControlType.DISCONNECT, (node) => `Could not disconnect ${node}.`);
}

/**
 * `connect NODE`: sends REQ_CONNECT. tinc's daemon has no handler for it (it answers `18 -1`),
 * and neither has tinct's, so this fails as tinc's does; kept for scripts that call it.
 */
export function cmdConnect(o: CtlOptions, args: string[], io: CtlIo): Promise<number> | number {
  return nodeRequest(o, args, io, ControlType.CONNECT, (node) => `Could not connect to ${node}.`);
}

/** A request naming one node: exactly one argument, a valid node name, as tinc checks them. */
function nodeRequest(
  o: CtlOptions,
  args: string[],
  io: CtlIo,
  type: number,
  failure: (node: string) => string,
): Promise<number> | number {
  if (args.length !== 1) {
    io.stderr("Invalid number of arguments.\n");
    return 1;
  }
  const node = args[0]!;
  if (!isValidNodeName(node)) {
    io.stderr("Invalid name for node.\n");
    return 1;
  }
  return simpleRequest(o, io, type, failure(node), node);
}

/** C's atoi: leading blanks, optional sign, digits; 0 when there are none. */
function atoi(text: string): number {
  const m = /^\s*([+-]?\d+)/.exec(text);
  if (m === null) return 0;
  const v = Number.parseInt(m[1]!, 10);
  return Math.max(-2147483648, Math.min(2147483647, v));
}

/** `debug N`: sets the level and reports the old one. */
export async function cmdDebug(o: CtlOptions, args: string[], io: CtlIo): Promise<number> {
  if (args.length !== 1) {
    io.stderr("Invalid number of arguments.\n");
    return 1;
  }
  const c = await connect(o, io);
  if ("code" in c) return c.code;
  const level = atoi(args[0]!);
  try {
    c.client.sendLine(formatControlLine(ControlType.SET_DEBUG, level));
    const line = await c.client.readLine(REPLY_TIMEOUT_MS);
    const old = line === null ? undefined : parseResultLine(line, ControlType.SET_DEBUG);
    if (old === undefined) {
      io.stderr("Could not set debug level.\n");
      return 1;
    }
    io.stderr(`Old level ${old}, new level ${level}.\n`);
    return 0;
  } finally {
    c.client.close();
  }
}

function usageHint(io: CtlIo): void {
  io.stderr("Try `tinct --help' for more information.\n");
}

/** `dump invitations`: local files, no daemon. */
function dumpInvitations(o: CtlOptions, io: CtlIo): number {
  const dir = `${o.confbase}/invitations`;
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (e) {
    if ((e as { code?: string }).code === "ENOENT") {
      io.stderr("No outstanding invitations.\n");
      return 0;
    }
    io.stderr(`Cannot not read directory ${dir}: ${(e as Error).message}\n`);
    return 1;
  }
  let found = false;
  for (const name of names.sort()) {
    // Invitation files are named by 18 bytes of hash in tinc's base64 (24 characters).
    if (!/^[A-Za-z0-9+/_-]{24}$/.test(name)) continue;
    let first: string;
    try {
      first = readFileSync(`${dir}/${name}`, "latin1").split("\n")[0]!.replace(/[\t \r]+$/, "");
    } catch (e) {
      io.stderr(`Cannot open ${dir}/${name}: ${(e as Error).message}\n`);
      continue;
    }
    if (!first.startsWith("Name = ") || !isValidNodeName(first.slice(7))) {
      io.stderr(`Invalid invitation file ${dir}/${name}\n`);
      continue;
    }
    found = true;
    io.stdout(`${name} ${first.slice(7)}\n`);
  }
  if (!found) io.stderr("No outstanding invitations.\n");
  return 0;
}

const DUMP_TYPES: Record<string, number> = {
  nodes: ControlType.DUMP_NODES,
  edges: ControlType.DUMP_EDGES,
  subnets: ControlType.DUMP_SUBNETS,
  connections: ControlType.DUMP_CONNECTIONS,
};

/** `dump [reachable] nodes|edges|subnets|connections|graph|digraph|invitations`. */
export async function cmdDump(o: CtlOptions, argsIn: string[], io: CtlIo): Promise<number> {
  let args = argsIn;
  let onlyReachable = false;
  if (args.length > 1 && args[0]!.toLowerCase() === "reachable") {
    if (args[1]!.toLowerCase() !== "nodes") {
      io.stderr("`reachable' only supported for nodes.\n");
      usageHint(io);
      return 1;
    }
    onlyReachable = true;
    args = args.slice(1);
  }
  if (args.length !== 1) {
    io.stderr("Invalid number of arguments.\n");
    usageHint(io);
    return 1;
  }
  const what = args[0]!.toLowerCase();
  if (what === "invitations") return dumpInvitations(o, io);
  const graph = what === "graph" ? 1 : what === "digraph" ? 2 : 0;
  if (graph === 0 && DUMP_TYPES[what] === undefined) {
    io.stderr(`Unknown dump type '${args[0]}'.\n`);
    usageHint(io);
    return 1;
  }
  const c = await connect(o, io);
  if ("code" in c) return c.code;
  const client = c.client;
  try {
    if (graph !== 0) {
      client.sendLine(formatControlLine(ControlType.DUMP_NODES));
      client.sendLine(formatControlLine(ControlType.DUMP_EDGES));
      io.stdout(graphHeader(graph === 2) + "\n");
    } else {
      client.sendLine(formatControlLine(DUMP_TYPES[what]!));
    }
    for (;;) {
      const line = await client.readLine(REPLY_TIMEOUT_MS);
      if (line === null) break;
      const result = printDumpLine(line, graph, onlyReachable);
      if (result === "end-nodes" && graph !== 0) continue;
      if (result === "end-nodes" || result === "end") {
        if (graph !== 0) io.stdout("}\n");
        return 0;
      }
      if (result.startsWith("error:")) {
        io.stderr(result.slice(6));
        return 1;
      }
      io.stdout(result);
    }
    io.stderr("Error receiving dump.\n");
    return 1;
  } finally {
    client.close();
  }
}

/**
 * What the CLI prints for one dump line: text (possibly empty), "end"/"end-nodes" at a
 * terminator, or "error:MESSAGE".
 */
export function printDumpLine(line: string, graph: number, onlyReachable: boolean): string {
  if (isDumpEnd(line, ControlType.DUMP_NODES)) return "end-nodes";
  for (const t of [ControlType.DUMP_EDGES, ControlType.DUMP_SUBNETS, ControlType.DUMP_CONNECTIONS]) {
    if (isDumpEnd(line, t)) return "end";
  }
  const type = /^\s*18\s+(\d+)/.exec(line)?.[1];
  switch (Number(type)) {
    case ControlType.DUMP_NODES: {
      const n = parseNodeLine(line);
      if (n === null) return `error:Unable to parse node dump from tincd: ${line}\n`;
      if (graph !== 0) return graphNode(n) + "\n";
      if (onlyReachable && !isReachable(n)) return "";
      return printNode(n) + "\n";
    }
    case ControlType.DUMP_EDGES: {
      const e = parseEdgeLine(line);
      if (e === null) return "error:Unable to parse edge dump from tincd.\n";
      if (graph !== 0) {
        const g = graphEdge(e, graph === 2);
        return g === null ? "" : g + "\n";
      }
      return printEdge(e) + "\n";
    }
    case ControlType.DUMP_SUBNETS: {
      const s = parseSubnetLine(line);
      return s === null ? "error:Unable to parse subnet dump from tincd.\n" : printSubnet(s) + "\n";
    }
    case ControlType.DUMP_CONNECTIONS: {
      const conn = parseConnectionLine(line);
      return conn === null
        ? "error:Unable to parse connection dump from tincd.\n"
        : printConnection(conn) + "\n";
    }
    default:
      return "error:Unable to parse dump from tincd.\n";
  }
}

/** Reads one dump's records until its terminator; null when the stream breaks or a line is bad. */
async function readDump<T>(
  client: ControlClient,
  type: number,
  parse: (line: string) => T | null,
): Promise<T[] | null> {
  const out: T[] = [];
  for (;;) {
    const line = await client.readLine(REPLY_TIMEOUT_MS);
    if (line === null) return null;
    if (isDumpEnd(line, type)) return out;
    const v = parse(line);
    if (v === null) return null;
    out.push(v);
  }
}

function localTime(unixSeconds: number): string {
  const d = new Date(unixSeconds * 1000);
  const p = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${
    p(d.getMinutes())
  }:${p(d.getSeconds())}`;
}

/** `info NODE|SUBNET|ADDRESS`. */
export async function cmdInfo(o: CtlOptions, args: string[], io: CtlIo): Promise<number> {
  if (args.length !== 1) {
    io.stderr("Invalid number of arguments.\n");
    return 1;
  }
  const item = args[0]!;
  const c = await connect(o, io);
  if ("code" in c) return c.code;
  const client = c.client;
  try {
    const kind = infoKind(item);
    if (kind === "invalid") {
      io.stderr("Argument is not a node name, subnet or address.\n");
      return 1;
    }
    client.sendLine(formatControlLine(ControlType.DUMP_SUBNETS, item));
    if (kind === "node") {
      client.sendLine(formatControlLine(ControlType.DUMP_NODES, item));
      client.sendLine(formatControlLine(ControlType.DUMP_EDGES, item));
    }
    const subnets = await readDump<SubnetDump>(client, ControlType.DUMP_SUBNETS, parseSubnetLine);
    if (subnets === null) {
      io.stderr("Unable to parse subnet dump from tincd.\n");
      return 1;
    }
    if (kind === "subnet") {
      const r = printSubnetInfo(item, subnets);
      io.stdout(r.stdout);
      io.stderr(r.stderr);
      return r.code;
    }
    const nodes = await readDump<NodeDump>(client, ControlType.DUMP_NODES, parseNodeLine);
    if (nodes === null) {
      io.stderr("Unable to parse node dump from tincd.\n");
      return 1;
    }
    const edges = await readDump<EdgeDump>(client, ControlType.DUMP_EDGES, parseEdgeLine);
    if (edges === null) {
      io.stderr("Unable to parse edge dump from tincd.\n");
      return 1;
    }
    const r = printNodeInfo(item, nodes, edges, subnets, localTime, PROTOCOL_MAJOR);
    io.stdout(r.stdout);
    io.stderr(r.stderr);
    return r.code;
  } finally {
    client.close();
  }
}

/**
 * `log [LEVEL]`: streams the daemon's log until it closes the connection (or `stopSignal`
 * resolves, standing in for tinc's SIGINT handler).
 */
export async function cmdLog(
  o: CtlOptions,
  args: string[],
  io: CtlIo,
  stopSignal?: Promise<void>,
): Promise<number> {
  if (tooMany(args, 1, io)) return 1;
  const c = await connect(o, io);
  if ("code" in c) return c.code;
  const client = c.client;
  let stopped = false;
  void stopSignal?.then(() => {
    stopped = true;
    client.close();
  });
  client.sendLine(formatControlLine(ControlType.LOG, args.length > 0 ? atoi(args[0]!) : -1));
  const decoder = new TextDecoder();
  while (!stopped) {
    const line = await client.readLine();
    if (line === null) break;
    const m = /^\s*18\s+15\s+(\d+)\s*$/.exec(line);
    if (m === null) break;
    const len = Number(m[1]);
    if (len > 1024) break;
    const bytes = await client.readBytes(len);
    if (bytes === null) break;
    io.stdout(decoder.decode(bytes) + "\n");
  }
  client.close();
  return 0;
}
