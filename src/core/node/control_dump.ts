/**
 * The node's state as tinc 1.1's control dumps describe it (src/core/control/dump_lines.ts):
 * nodes, edges, subnets, meta connections and traffic, in tinc's order (nodes and edges by name,
 * subnets in table order).
 *
 * Fields the engine does not track yet are reported as tinc reports "nothing known": the last
 * state change as 0 (never) and the UDP ping RTT as -1.
 * @module
 */
import type { ConnectionDump, EdgeDump, NodeDump, SubnetDump, TrafficDump } from "../control/dump_lines.ts";
import { NodeStatus } from "../control/dump_lines.ts";
import { formatSubnet } from "../subnet/subnet_text.ts";
import { nodeIdHex, nodeIdOf } from "../sptps/node_id.ts";
import type { NodeCore } from "./core.ts";
import { sortedSubnets } from "./core.ts";
import { byName, type NodeRec, sortedEdges } from "./world.ts";
import { pmtuView } from "./auth/legacy_pmtu.ts";
import { nodeUsesSptps, sptpsSessionInfo } from "./sptps_data.ts";
import { sptpsEnabled } from "./auth/sptps_keys.ts";

/** Everything the control socket's dumps need, read at one moment. */
export interface ControlDumps {
  nodes: NodeDump[];
  edges: EdgeDump[];
  subnets: SubnetDump[];
  connections: ConnectionDump[];
  traffic: TrafficDump[];
  debugLevel: number;
}

/** Connection status bits (tinc's connection_status_t, bit 0 first). */
const CONN_PINGED = 1 << 0;
const CONN_ACTIVE = 1 << 1;
const CONN_CONNECTING = 1 << 2;
const CONN_MST = 1 << 8;

function nodeStatus(core: NodeCore, n: NodeRec): number {
  if (nodeUsesSptps(core, n)) return sptpsNodeStatus(core, n);
  let s = 0;
  // tinc marks itself sptps whenever SPTPS is on (setup_myself: status.sptps = experimental).
  if (n === core.myself && sptpsEnabled(core.config)) s |= NodeStatus.sptps;
  if (n.validKey) s |= NodeStatus.validkey;
  if (n.waitingForKey) s |= NodeStatus.waitingforkey;
  if (n.reachable) s |= NodeStatus.reachable;
  if (n.indirect) s |= NodeStatus.indirect;
  if (n !== core.myself && n.minmtu > 0) s |= NodeStatus.udpConfirmed;
  if (n.inKey) s |= NodeStatus.validkeyIn;
  if (n.udp !== undefined) s |= NodeStatus.hasAddress;
  return s;
}

/**
 * A node reached through a UDP session: keys and UDP state come from the session (tinc keeps
 * validkey/waitingforkey/udp_confirmed on the node for both kinds; validkey_in is legacy-only).
 */
function sptpsNodeStatus(core: NodeCore, n: NodeRec): number {
  let s = NodeStatus.sptps;
  const info = sptpsSessionInfo(core, n.name);
  if (info?.valid) s |= NodeStatus.validkey;
  if (info?.waitingForKey) s |= NodeStatus.waitingforkey;
  if (info?.udpConfirmed) s |= NodeStatus.udpConfirmed;
  if (n.reachable) s |= NodeStatus.reachable;
  if (n.indirect) s |= NodeStatus.indirect;
  if (n.udp !== undefined) s |= NodeStatus.hasAddress;
  return s;
}

function nodeDump(core: NodeCore, n: NodeRec): NodeDump {
  const self = n === core.myself;
  const codec = n.outCodec;
  const mtu = self ? undefined : pmtuView(core, n);
  return {
    name: n.name,
    id: nodeIdHex(nodeIdOf(n.name)),
    host: self ? "MYSELF" : n.udp?.host ?? "unknown",
    port: self ? String(core.config.port) : n.udp !== undefined ? String(n.udp.port) : "unknown",
    cipher: codec?.cipher.nid ?? 0,
    digest: codec?.digest.nid ?? 0,
    maclength: codec?.macLength ?? 0,
    compression: n.outCompression,
    options: n.options,
    status: nodeStatus(core, n),
    nexthop: n.reachable && n.nexthop ? n.nexthop.name : "-",
    via: n.reachable && n.via ? n.via.name : "-",
    distance: n.distance,
    pmtu: mtu?.mtu ?? 0,
    minmtu: n.minmtu,
    maxmtu: mtu?.maxmtu ?? 0,
    lastStateChange: 0,
    udpPingRtt: -1,
    inPackets: n.inPackets,
    inBytes: n.inBytes,
    outPackets: n.outPackets,
    outBytes: n.outBytes,
  };
}

/** Reads the dumps from the node's state. Does not change it. */
export function controlDumps(core: NodeCore): ControlDumps {
  const nodes = [...core.nodes.values()].sort((a, b) => byName(a.name, b.name));
  const out: ControlDumps = {
    nodes: [],
    edges: [],
    subnets: [],
    connections: [],
    traffic: [],
    debugLevel: core.config.debugLevel,
  };
  for (const n of nodes) {
    out.nodes.push(nodeDump(core, n));
    const { inPackets, inBytes, outPackets, outBytes } = n;
    out.traffic.push({ name: n.name, inPackets, inBytes, outPackets, outBytes });
    for (const e of sortedEdges(n)) {
      out.edges.push({
        from: n.name,
        to: e.to.name,
        host: e.address,
        port: e.port,
        localHost: "unspec",
        localPort: "unspec",
        options: e.options,
        weight: e.weight,
      });
    }
    for (const s of sortedSubnets(n)) {
      out.subnets.push({ subnet: formatSubnet(s.subnet, "1.1"), owner: n.name });
    }
  }
  for (const c of [...core.conns.values()].sort((a, b) => a.id - b.id)) {
    if (c.phase === "closed") continue;
    let status = 0;
    if (c.pinged) status |= CONN_PINGED;
    if (c.phase === "active") status |= CONN_ACTIVE;
    if (c.phase === "connecting") status |= CONN_CONNECTING;
    if (c.mst) status |= CONN_MST;
    out.connections.push({
      name: c.name ?? "<unknown>",
      host: c.address.host,
      port: String(c.address.port),
      options: c.options,
      socket: c.id,
      status,
    });
  }
  return out;
}
