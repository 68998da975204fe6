/**
 * Subnet lookup for routing (tinc's lookup_subnet_*): in tree order (kind, longest prefix,
 * address, lowest weight, owner name) the first match whose owner is reachable wins; if no
 * matching owner is reachable the last match is returned. Rebuilt lazily after changes.
 * @module
 */
import type { Subnet } from "../subnet/subnet.ts";
import { compareSubnets, subnetContains } from "../subnet/subnet_text.ts";
import { byName, type NodeRec, type SubnetRec } from "./world.ts";

/** All known subnets in tinc's tree order; a linear scan (the route layer will replace it). */
export class SubnetIndex {
  private sorted: SubnetRec[] | null = null;

  invalidate(): void {
    this.sorted = null;
  }

  private entries(nodes: Iterable<NodeRec>): SubnetRec[] {
    if (this.sorted === null) {
      const all: SubnetRec[] = [];
      for (const n of nodes) for (const s of n.subnets.values()) all.push(s);
      all.sort((a, b) => compareSubnets(a.subnet, b.subnet) || byName(a.owner.name, b.owner.name));
      this.sorted = all;
    }
    return this.sorted;
  }

  /** The subnet routing `addr` (4, 16 or 6 bytes for IPv4, IPv6, MAC), or undefined. */
  lookup(nodes: Iterable<NodeRec>, kind: Subnet["kind"], addr: Uint8Array): SubnetRec | undefined {
    let last: SubnetRec | undefined;
    for (const s of this.entries(nodes)) {
      if (s.subnet.kind !== kind || !subnetContains(s.subnet, addr)) continue;
      if (s.owner.reachable) return s;
      last = s;
    }
    return last;
  }
}
