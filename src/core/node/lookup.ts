/**
 * Subnet lookup for routing, backed by the subnet layer's SubnetTable (src/core/subnet/table.ts:
 * tinc's order — kind, longest prefix, address, lowest weight, owner — first match with a
 * reachable owner, else the last match). The engine keeps subnets on its node records; this
 * index rebuilds the table lazily after a change and re-reads reachability after graph().
 * @module
 */
import type { Subnet } from "../subnet/subnet.ts";
import { type SubnetEntry, SubnetTable } from "../subnet/table.ts";
import type { NodeRec, SubnetRec } from "./world.ts";

/** All known subnets, indexed for per-frame lookups. */
export class SubnetIndex {
  private table: SubnetTable | null = null;
  private recs = new Map<SubnetEntry, SubnetRec>();
  private reachabilityStale = false;

  constructor(private readonly nodeNamed: (name: string) => NodeRec | undefined) {}

  /** A subnet was added or removed somewhere. */
  invalidate(): void {
    this.table = null;
  }

  /** graph() changed someone's reachability. */
  reachabilityChanged(): void {
    this.reachabilityStale = true;
  }

  private current(nodes: Iterable<NodeRec>): SubnetTable {
    if (this.table === null) {
      const table = new SubnetTable((name) => this.nodeNamed(name)?.reachable ?? false);
      this.recs = new Map();
      for (const n of nodes) {
        for (const s of n.subnets.values()) {
          const entry = table.add(n.name, s.subnet);
          if (entry !== null) this.recs.set(entry, s);
        }
      }
      this.table = table;
      this.reachabilityStale = false;
    } else if (this.reachabilityStale) {
      this.table.flushCache();
      this.reachabilityStale = false;
    }
    return this.table;
  }

  /** The subnet routing `addr` (4, 16 or 6 bytes for IPv4, IPv6, MAC), or undefined. */
  lookup(nodes: Iterable<NodeRec>, kind: Subnet["kind"], addr: Uint8Array): SubnetRec | undefined {
    const table = this.current(nodes);
    const entry = kind === "mac"
      ? table.lookupMac(addr, 0)
      : kind === "ipv4"
      ? table.lookupIpv4(addr, 0)
      : table.lookupIpv6(addr, 0);
    return entry === null ? undefined : this.recs.get(entry);
  }
}
