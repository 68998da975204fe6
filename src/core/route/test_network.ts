/**
 * A small in-memory implementation of {@link RoutePort} for the routing tests: subnets are
 * matched by linear scan (longest prefix, then lowest weight, preferring reachable owners, like
 * tinc), nodes are plain records. Not used by the engine.
 * @module
 */
import type { RouteNode, RoutePort } from "./router.ts";

interface PrefixEntry {
  address: Uint8Array;
  prefix: number;
  weight: number;
  owner: string;
}

export interface TestNode {
  reachable: boolean;
  via: string;
  mtu: number;
  clampMss: boolean;
}

function prefixMatches(entry: PrefixEntry, bytes: Uint8Array, offset: number): boolean {
  for (let bit = 0; bit < entry.prefix; bit++) {
    const byte = bit >> 3;
    const mask = 0x80 >> (bit & 7);
    if ((entry.address[byte]! & mask) !== (bytes[offset + byte]! & mask)) return false;
  }
  return true;
}

export class TestNetwork implements RoutePort {
  readonly v4: PrefixEntry[] = [];
  readonly v6: PrefixEntry[] = [];
  readonly macs: PrefixEntry[] = [];
  readonly nodes = new Map<string, TestNode>();
  lookups = 0;

  addNode(name: string, node: Partial<TestNode> = {}): this {
    this.nodes.set(name, { reachable: true, via: name, mtu: 1518, clampMss: true, ...node });
    return this;
  }

  addIpv4(owner: string, address: Uint8Array, prefix: number, weight = 10): this {
    this.v4.push({ owner, address, prefix, weight });
    return this;
  }

  addIpv6(owner: string, address: Uint8Array, prefix: number, weight = 10): this {
    this.v6.push({ owner, address, prefix, weight });
    return this;
  }

  addMac(owner: string, address: Uint8Array): this {
    this.macs.push({ owner, address, prefix: 48, weight: 10 });
    return this;
  }

  private lookup(table: PrefixEntry[], bytes: Uint8Array, offset: number): string | undefined {
    this.lookups++;
    const matches = table.filter((e) => prefixMatches(e, bytes, offset))
      .sort((a, b) => b.prefix - a.prefix || a.weight - b.weight);
    const reachable = matches.find((e) => this.nodes.get(e.owner)?.reachable === true);
    return (reachable ?? matches[matches.length - 1])?.owner;
  }

  lookupIpv4(bytes: Uint8Array, offset: number): string | undefined {
    return this.lookup(this.v4, bytes, offset);
  }

  lookupIpv6(bytes: Uint8Array, offset: number): string | undefined {
    return this.lookup(this.v6, bytes, offset);
  }

  lookupMac(bytes: Uint8Array, offset: number): string | undefined {
    return this.lookup(this.macs, bytes, offset);
  }

  node(name: string): RouteNode | undefined {
    return this.nodes.get(name);
  }
}
