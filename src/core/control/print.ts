/**
 * How the `tinc` CLI prints what the daemon dumps (spec tinc-1.1-sptps.md §3.3): the `dump`
 * lines, the Graphviz output of `dump graph`/`digraph`, and `info NODE|SUBNET|ADDRESS`.
 *
 * ```
 *  dump nodes    NAME id ID at HOST port P cipher C digest D maclength M compression Z
 *                options O(hex) status SSSS(hex, 4 digits) nexthop N via V distance D
 *                pmtu P (min A max B) rx PKTS BYTES tx PKTS BYTES[ rtt MS.FRAC]
 *  dump edges    FROM to TO at HOST port P local LHOST port LP options O(hex) weight W
 *  dump subnets  SUBNET owner NAME           (a trailing "#10", the default weight, dropped)
 *  dump conns    NAME at HOST port P options O(hex) socket S status X(hex)
 *  dump graph    graph {
 *                 "N" [label = "N", color = "C"(, style = "filled" for the daemon's node)];
 *                 "A" -- "B" [w = X, weight = X];      X = 1 + 65536/weight, once per pair
 *                }
 * ```
 * @module
 */
import {
  OPTION_CLAMP_MSS,
  OPTION_INDIRECT,
  OPTION_PMTU_DISCOVERY,
  OPTION_TCPONLY,
} from "../meta/requests.ts";
import type { Subnet } from "../subnet/subnet.ts";
import { parseSubnet, subnetContains } from "../subnet/subnet_text.ts";
import {
  type ConnectionDump,
  type EdgeDump,
  type NodeDump,
  NodeStatus,
  type SubnetDump,
} from "./dump_lines.ts";

const hex = (n: number): string => (n >>> 0).toString(16);

/** A `dump nodes` line as printed. */
export function printNode(n: NodeDump): string {
  let s = `${n.name} id ${n.id} at ${n.host} port ${n.port} cipher ${n.cipher} digest ${n.digest} ` +
    `maclength ${n.maclength} compression ${n.compression} options ${hex(n.options)} ` +
    `status ${hex(n.status).padStart(4, "0")} nexthop ${n.nexthop} via ${n.via} distance ${n.distance} ` +
    `pmtu ${n.pmtu} (min ${n.minmtu} max ${n.maxmtu}) rx ${n.inPackets} ${n.inBytes} ` +
    `tx ${n.outPackets} ${n.outBytes}`;
  if (n.udpPingRtt !== -1) {
    // C's / and % truncate toward zero.
    const ms = Math.trunc(n.udpPingRtt / 1000);
    const frac = Math.abs(n.udpPingRtt % 1000);
    s += ` rtt ${ms}.${String(frac).padStart(3, "0")}`;
  }
  return s;
}

/** A `dump edges` line as printed. */
export function printEdge(e: EdgeDump): string {
  return `${e.from} to ${e.to} at ${e.host} port ${e.port} local ${e.localHost} port ${e.localPort} ` +
    `options ${hex(e.options)} weight ${e.weight}`;
}

/** Drops a trailing `#10` (the default weight), as the CLI does before printing a subnet. */
export function stripDefaultWeight(subnet: string): string {
  return subnet.length >= 3 && subnet.endsWith("#10") ? subnet.slice(0, -3) : subnet;
}

/** A `dump subnets` line as printed. */
export function printSubnet(s: SubnetDump): string {
  return `${stripDefaultWeight(s.subnet)} owner ${s.owner}`;
}

/** A `dump connections` line as printed. */
export function printConnection(c: ConnectionDump): string {
  return `${c.name} at ${c.host} port ${c.port} options ${hex(c.options)} socket ${c.socket} status ${
    hex(c.status)
  }`;
}

/** Whether `dump reachable nodes` keeps this node. */
export function isReachable(n: NodeDump): boolean {
  return (n.status & NodeStatus.reachable) !== 0;
}

/** The node colour in `dump graph`: self green, unreachable red, indirect orange, … */
export function graphColor(n: NodeDump): string {
  if (n.host === "MYSELF") return "green";
  if (!isReachable(n)) return "red";
  if (n.via !== n.name) return "orange";
  if ((n.status & NodeStatus.validkey) === 0) return "black";
  if (n.minmtu > 0) return "green";
  return "black";
}

/** The opening line of `dump graph` (false) or `dump digraph` (true). */
export function graphHeader(directed: boolean): string {
  return directed ? "digraph {" : "graph {";
}

/** A node line of `dump graph`/`digraph`. */
export function graphNode(n: NodeDump): string {
  const filled = n.host === "MYSELF" ? `, style = "filled"` : "";
  return ` "${n.name}" [label = "${n.name}", color = "${graphColor(n)}"${filled}];`;
}

/** C's `%f` of a single-precision value: six decimals, `inf`/`-inf`/`nan` spelled as glibc does. */
function printfFloat(value: number): string {
  const f = Math.fround(value);
  if (Number.isNaN(f)) return f < 0 ? "-nan" : "nan";
  if (!Number.isFinite(f)) return f > 0 ? "inf" : "-inf";
  return f.toFixed(6);
}

/**
 * An edge line of `dump graph` (undirected: only when FROM sorts after TO, so each pair once;
 * otherwise null) or `dump digraph` (every edge).
 */
export function graphEdge(e: EdgeDump, directed: boolean): string | null {
  const w = printfFloat(1 + 65536 / e.weight);
  if (directed) return ` "${e.from}" -> "${e.to}" [w = ${w}, weight = ${w}];`;
  return e.from > e.to ? ` "${e.from}" -- "${e.to}" [w = ${w}, weight = ${w}];` : null;
}

/** All of `dump graph`/`digraph`'s output lines. */
export function printGraph(
  nodes: readonly NodeDump[],
  edges: readonly EdgeDump[],
  directed: boolean,
): string[] {
  const out = [graphHeader(directed)];
  for (const n of nodes) out.push(graphNode(n));
  for (const e of edges) {
    const line = graphEdge(e, directed);
    if (line !== null) out.push(line);
  }
  out.push("}");
  return out;
}

/** What a CLI command prints and its exit status. */
export interface CommandOutput {
  stdout: string;
  stderr: string;
  code: number;
}

/** tinc's check_id: a node name is one or more of `[A-Za-z0-9_]`. */
export function isValidNodeName(name: string): boolean {
  return /^[A-Za-z0-9_]+$/.test(name);
}

/** The protocol minor a node's options carry in their top byte (OPTION_VERSION). */
function optionVersion(options: number): number {
  return (options >>> 24) & 0xff;
}

/**
 * `tinc info NODE`: the node's summary, its edges and its subnets.
 * @param formatTime renders Unix seconds as local `YYYY-MM-DD HH:MM:SS` (the runtime's clock)
 */
export function printNodeInfo(
  item: string,
  nodes: readonly NodeDump[],
  edges: readonly EdgeDump[],
  subnets: readonly SubnetDump[],
  formatTime: (unixSeconds: number) => string,
  protocolMajor: number,
): CommandOutput {
  const n = nodes.find((x) => x.name === item);
  if (n === undefined) return { stdout: "", stderr: `Unknown node ${item}.\n`, code: 1 };
  const lines: string[] = [];
  lines.push(`Node:         ${item}`);
  lines.push(`Node ID:      ${n.id}`);
  lines.push(`Address:      ${n.host} port ${n.port}`);
  const when = n.lastStateChange !== 0 ? formatTime(n.lastStateChange) : "never";
  const reachable = isReachable(n);
  lines.push(reachable ? `Online since: ${when}` : `Last seen:    ${when}`);
  const statusWords: Array<[number, string]> = [
    [NodeStatus.validkey, "validkey"],
    [NodeStatus.visited, "visited"],
    [NodeStatus.reachable, "reachable"],
    [NodeStatus.indirect, "indirect"],
    [NodeStatus.sptps, "sptps"],
    [NodeStatus.udpConfirmed, "udp_confirmed"],
  ];
  lines.push(
    "Status:      " + statusWords.filter(([bit]) => (n.status & bit) !== 0).map(([, w]) => ` ${w}`).join(""),
  );
  const optionWords: Array<[number, string]> = [
    [OPTION_INDIRECT, "indirect"],
    [OPTION_TCPONLY, "tcponly"],
    [OPTION_PMTU_DISCOVERY, "pmtu_discovery"],
    [OPTION_CLAMP_MSS, "clamp_mss"],
  ];
  lines.push(
    "Options:     " + optionWords.filter(([bit]) => (n.options & bit) !== 0).map(([, w]) => ` ${w}`).join(""),
  );
  lines.push(`Protocol:     ${protocolMajor}.${optionVersion(n.options)}`);
  let reach: string;
  if (n.host === "MYSELF") reach = "can reach itself";
  else if (!reachable) reach = "unreachable";
  else if (n.via !== item) reach = `indirectly via ${n.via}`;
  else if ((n.status & NodeStatus.validkey) === 0) reach = "unknown";
  else if (n.minmtu > 0) reach = `directly with UDP\nPMTU:         ${n.pmtu}`;
  else if (n.nexthop === item) reach = "directly with TCP";
  else reach = `none, forwarded via ${n.nexthop}`;
  lines.push(`Reachability: ${reach}`);
  lines.push("Edges:       " + edges.filter((e) => e.from === item).map((e) => ` ${e.to}`).join(""));
  lines.push(
    "Subnets:     " +
      subnets.filter((s) => s.owner === item).map((s) => ` ${stripDefaultWeight(s.subnet)}`).join(""),
  );
  return { stdout: lines.join("\n") + "\n", stderr: "", code: 0 };
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

function matches(find: Subnet, subnet: Subnet, address: boolean, weighted: boolean): boolean {
  if (find.kind !== subnet.kind) return false;
  if (weighted && find.weight !== subnet.weight) return false;
  if (find.kind === "mac") return sameBytes(find.address, subnet.address);
  if (address) return subnetContains(subnet, find.address);
  return subnet.kind !== "mac" && find.prefix === subnet.prefix && sameBytes(find.address, subnet.address);
}

/**
 * `tinc info SUBNET|ADDRESS`: every dumped subnet equal to SUBNET (same prefix and address), or
 * containing ADDRESS (an item without `/`); with `#W` in the item only subnets of weight W.
 */
export function printSubnetInfo(item: string, subnets: readonly SubnetDump[]): CommandOutput {
  const find = parseSubnet(item);
  if (!find.ok) return { stdout: "", stderr: `Could not parse subnet or address '${item}'.\n`, code: 1 };
  const address = !item.includes("/");
  const weighted = item.includes("#");
  let stdout = "";
  for (const s of subnets) {
    const parsed = parseSubnet(s.subnet);
    if (!parsed.ok) return { stdout, stderr: "Unable to parse subnet dump from tincd.\n", code: 1 };
    if (!matches(find.value, parsed.value, address, weighted)) continue;
    stdout += `Subnet: ${stripDefaultWeight(s.subnet)}\nOwner:  ${s.owner}\n`;
  }
  if (stdout === "") {
    return { stdout, stderr: `Unknown ${address ? "address" : "subnet"} ${item}.\n`, code: 1 };
  }
  return { stdout, stderr: "", code: 0 };
}

/** Which kind of `info` the item asks for, as tinc decides it. */
export function infoKind(item: string): "node" | "subnet" | "invalid" {
  if (isValidNodeName(item)) return "node";
  if (item.includes(".") || item.includes(":")) return "subnet";
  return "invalid";
}
