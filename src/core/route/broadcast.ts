/**
 * Which peers get a copy of a broadcast frame (tinc net_packet.c broadcast_packet; spec §7). The
 * local device always gets a copy of a broadcast that came from another node; that part is the
 * router's `localCopy` flag, not this function's.
 *
 * - `mst`: every active connection flagged as part of the minimum spanning tree, except the one
 *   toward the frame's source (the connection to the source's next hop).
 * - `direct`: only frames we originate, and only to nodes we reach directly; never forwarded.
 * - `no`, or TunnelServer: nowhere.
 * @module
 */

/** Broadcast=… setting ("yes" is read as "mst" by the config layer). */
export type BroadcastMode = "no" | "mst" | "direct";

/** A meta connection as the broadcast rule sees it. */
export interface BroadcastConnection {
  /** Name of the node at the other end. */
  readonly peer: string;
  /** Past ACK. */
  readonly active: boolean;
  /** Part of the minimum spanning tree. */
  readonly mst: boolean;
}

/** A node as the broadcast rule sees it, with the graph's raw `via` and `nexthop` (graph.c). */
export interface BroadcastNode {
  readonly name: string;
  readonly reachable: boolean;
  /** The graph's `via`: the last direct hop toward the node (the node itself when direct). */
  readonly via: string;
  /** The graph's `nexthop`: the neighbour the first hop goes to. */
  readonly nexthop: string;
}

/** What the rule needs to know; connections and nodes are iterated once. */
export interface BroadcastInput {
  readonly mode: BroadcastMode;
  readonly tunnelServer: boolean;
  readonly myself: string;
  /** The node the frame came from (myself for frames read from the device). */
  readonly from: string;
  /** `from`'s next hop (myself when `from` is myself): its connection gets no copy back. */
  readonly fromNexthop: string;
  readonly connections: Iterable<BroadcastConnection>;
  readonly nodes: Iterable<BroadcastNode>;
}

/**
 * Appends to `out` the names of the nodes to send the frame to (the engine maps each to the
 * connection or UDP path it uses for that node) and returns `out`.
 */
export function broadcastTargets(input: BroadcastInput, out: string[] = []): string[] {
  if (input.tunnelServer || input.mode === "no") return out;
  if (input.mode === "direct") {
    if (input.from !== input.myself) return out;
    for (const n of input.nodes) {
      if (!n.reachable || n.name === input.myself) continue;
      const direct = (n.via === input.myself && n.nexthop === n.name) || n.via === n.name;
      if (direct) out.push(n.name);
    }
    return out;
  }
  for (const c of input.connections) {
    if (c.active && c.mst && c.peer !== input.fromNexthop) out.push(c.peer);
  }
  return out;
}
