/**
 * The dump lines a tinc 1.1 daemon sends on its control socket, as records: formatted by the
 * daemon side, parsed by the CLI side (spec tinc-1.1-sptps.md §3.3). Every line starts with
 * `18 <type>`; a bare `18 <type>` ends the dump.
 *
 * ```
 *  18 3  NAME ID(12 hex) HOST port PORT CIPHER DIGEST MACLEN COMPRESSION OPTIONS(hex) STATUS(hex)
 *        NEXTHOP VIA DISTANCE PMTU MINMTU MAXMTU LAST_STATE_CHANGE UDP_PING_RTT(µs, -1 unknown)
 *        IN_PACKETS IN_BYTES OUT_PACKETS OUT_BYTES
 *  18 4  FROM TO HOST port PORT LOCALHOST port LOCALPORT OPTIONS(hex) WEIGHT
 *  18 5  SUBNET OWNER                       (OWNER "(broadcast)" for broadcast subnets)
 *  18 6  NAME HOST port PORT OPTIONS(hex) SOCKET STATUS(hex)
 *  18 13 NAME IN_PACKETS IN_BYTES OUT_PACKETS OUT_BYTES
 * ```
 * HOST is "MYSELF" for the daemon's own node and "unknown" (port "unknown") when no UDP
 * address is known; edges without a local address say "unspec port unspec".
 * @module
 */
import { CONTROL, ControlType, fields, formatControlLine, parseDecimal } from "./protocol.ts";

/** Node status bits as the daemon packs them (bit 0 first). */
export const NodeStatus = {
  validkey: 1 << 1,
  waitingforkey: 1 << 2,
  visited: 1 << 3,
  reachable: 1 << 4,
  indirect: 1 << 5,
  sptps: 1 << 6,
  udpConfirmed: 1 << 7,
  sendLocally: 1 << 8,
  udppacket: 1 << 9,
  validkeyIn: 1 << 10,
  hasAddress: 1 << 11,
  pingSent: 1 << 12,
} as const;

/** One node of `dump nodes`. */
export interface NodeDump {
  name: string;
  /** 12 lower-case hex digits. */
  id: string;
  host: string;
  port: string;
  cipher: number;
  digest: number;
  maclength: number;
  compression: number;
  options: number;
  status: number;
  nexthop: string;
  via: string;
  distance: number;
  pmtu: number;
  minmtu: number;
  maxmtu: number;
  /** Unix seconds of the last reachability change; 0 = never. */
  lastStateChange: number;
  /** Microseconds; -1 when unknown. */
  udpPingRtt: number;
  inPackets: number;
  inBytes: number;
  outPackets: number;
  outBytes: number;
}

/** One directed edge of `dump edges`. */
export interface EdgeDump {
  from: string;
  to: string;
  host: string;
  port: string;
  localHost: string;
  localPort: string;
  options: number;
  weight: number;
}

/** One subnet of `dump subnets`: the subnet's text and its owner's name. */
export interface SubnetDump {
  subnet: string;
  owner: string;
}

/** One meta (or control) connection of `dump connections`. */
export interface ConnectionDump {
  name: string;
  host: string;
  port: string;
  options: number;
  socket: number;
  status: number;
}

/** One node's counters of `dump traffic` (the `top` command's source). */
export interface TrafficDump {
  name: string;
  inPackets: number;
  inBytes: number;
  outPackets: number;
  outBytes: number;
}

const hex = (n: number): string => (n >>> 0).toString(16);

/** The daemon's node line. */
export function formatNodeLine(n: NodeDump): string {
  return formatControlLine(
    ControlType.DUMP_NODES,
    n.name,
    n.id,
    n.host,
    "port",
    n.port,
    n.cipher,
    n.digest,
    n.maclength,
    n.compression,
    hex(n.options),
    hex(n.status),
    n.nexthop,
    n.via,
    n.distance,
    n.pmtu,
    n.minmtu,
    n.maxmtu,
    n.lastStateChange,
    n.udpPingRtt,
    n.inPackets,
    n.inBytes,
    n.outPackets,
    n.outBytes,
  );
}

/** The daemon's edge line. */
export function formatEdgeLine(e: EdgeDump): string {
  return formatControlLine(
    ControlType.DUMP_EDGES,
    e.from,
    e.to,
    e.host,
    "port",
    e.port,
    e.localHost,
    "port",
    e.localPort,
    hex(e.options),
    e.weight,
  );
}

/** The daemon's subnet line. */
export function formatSubnetLine(s: SubnetDump): string {
  return formatControlLine(ControlType.DUMP_SUBNETS, s.subnet, s.owner);
}

/** The daemon's connection line. */
export function formatConnectionLine(c: ConnectionDump): string {
  return formatControlLine(
    ControlType.DUMP_CONNECTIONS,
    c.name,
    c.host,
    "port",
    c.port,
    hex(c.options),
    c.socket,
    hex(c.status),
  );
}

/** The daemon's traffic line. */
export function formatTrafficLine(t: TrafficDump): string {
  return formatControlLine(
    ControlType.DUMP_TRAFFIC,
    t.name,
    t.inPackets,
    t.inBytes,
    t.outPackets,
    t.outBytes,
  );
}

function parseHex(text: string | undefined): number | undefined {
  if (text === undefined || !/^[0-9a-fA-F]{1,8}$/.test(text)) return undefined;
  return Number.parseInt(text, 16);
}

function parseCount(text: string | undefined): number | undefined {
  if (text === undefined || !/^\d{1,20}$/.test(text)) return undefined;
  return Number(text);
}

/** Fields after `18 TYPE` when the line is of that type, else null. */
function body(line: string, type: number): string[] | null {
  const f = fields(line);
  if (parseDecimal(f[0]) !== CONTROL || parseDecimal(f[1]) !== type) return null;
  return f.slice(2);
}

/** Whether the line is the bare `18 TYPE` that ends a dump of that type. */
export function isDumpEnd(line: string, type: number): boolean {
  const b = body(line, type);
  return b !== null && b.length === 0;
}

/** Parses a node line; null when any of its 22 fields is missing or malformed. */
export function parseNodeLine(line: string): NodeDump | null {
  const f = body(line, ControlType.DUMP_NODES);
  if (f === null || f.length !== 23 || f[3] !== "port") return null;
  const ints = [5, 6, 7, 8, 13, 14, 15, 16, 17, 18].map((i) => parseDecimal(f[i]));
  const counts = [19, 20, 21, 22].map((i) => parseCount(f[i]));
  const options = parseHex(f[9]);
  const status = parseHex(f[10]);
  if (ints.some((v) => v === undefined) || counts.some((v) => v === undefined)) return null;
  if (options === undefined || status === undefined) return null;
  const [cipher, digest, maclength, compression, distance, pmtu, minmtu, maxmtu, lsc, rtt] = ints as number[];
  const [inPackets, inBytes, outPackets, outBytes] = counts as number[];
  return {
    name: f[0]!,
    id: f[1]!,
    host: f[2]!,
    port: f[4]!,
    cipher: cipher!,
    digest: digest!,
    maclength: maclength!,
    compression: compression!,
    options,
    status,
    nexthop: f[11]!,
    via: f[12]!,
    distance: distance!,
    pmtu: pmtu!,
    minmtu: minmtu!,
    maxmtu: maxmtu!,
    lastStateChange: lsc!,
    udpPingRtt: rtt!,
    inPackets: inPackets!,
    inBytes: inBytes!,
    outPackets: outPackets!,
    outBytes: outBytes!,
  };
}

/** Parses an edge line; null when malformed. */
export function parseEdgeLine(line: string): EdgeDump | null {
  const f = body(line, ControlType.DUMP_EDGES);
  if (f === null || f.length !== 10 || f[3] !== "port" || f[6] !== "port") return null;
  const options = parseHex(f[8]);
  const weight = parseDecimal(f[9]);
  if (options === undefined || weight === undefined) return null;
  return {
    from: f[0]!,
    to: f[1]!,
    host: f[2]!,
    port: f[4]!,
    localHost: f[5]!,
    localPort: f[7]!,
    options,
    weight,
  };
}

/** Parses a subnet line; null when malformed. */
export function parseSubnetLine(line: string): SubnetDump | null {
  const f = body(line, ControlType.DUMP_SUBNETS);
  if (f === null || f.length !== 2) return null;
  return { subnet: f[0]!, owner: f[1]! };
}

/** Parses a connection line; null when malformed. */
export function parseConnectionLine(line: string): ConnectionDump | null {
  const f = body(line, ControlType.DUMP_CONNECTIONS);
  if (f === null || f.length !== 7 || f[2] !== "port") return null;
  const options = parseHex(f[4]);
  const socket = parseDecimal(f[5]);
  const status = parseHex(f[6]);
  if (options === undefined || socket === undefined || status === undefined) return null;
  return { name: f[0]!, host: f[1]!, port: f[3]!, options, socket, status };
}

/** Parses a traffic line; null when malformed. */
export function parseTrafficLine(line: string): TrafficDump | null {
  const f = body(line, ControlType.DUMP_TRAFFIC);
  if (f === null || f.length !== 5) return null;
  const c = f.slice(1).map(parseCount);
  if (c.some((v) => v === undefined)) return null;
  return { name: f[0]!, inPackets: c[0]!, inBytes: c[1]!, outPackets: c[2]!, outBytes: c[3]! };
}
