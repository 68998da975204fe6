/**
 * The subnet table: who owns which IPv4/IPv6 prefix or MAC address, and the per-packet lookup
 * (spec §7). tinc keeps one ordered tree — kind, prefix length descending, address, weight
 * ascending, owner — and returns the first matching entry whose owner is reachable, else the
 * last matching entry (an unreachable owner), behind a 2-entry cache flushed on every change.
 *
 * Here the same answer comes from one hash table per prefix length, probed from the longest
 * length present to the shortest. Within a length, entries sharing a masked network sit in a
 * bucket kept in tree order, so walking lengths longest-first and buckets front-to-back visits
 * the matches in exactly the tree's order:
 *
 * ```
 *   lookup 10.1.2.3    /32 → 10.1.2.3 ? (no bucket)
 *                      /24 → 10.1.2.0 ? [ (#5, b: down), (#10, c: up) ]  → c wins
 *                      /16 → 10.1.0.0 ? ...                               (not reached)
 * ```
 *
 * Each owner's reachability is a snapshot read from the engine's callback when the owner first
 * appears and at every {@link SubnetTable.flushCache} (tinc flushes its cache in graph() too), so
 * a candidate costs one field read. A direct-mapped cache of 64 slots per kind sits in front;
 * every change invalidates it in O(1) by bumping a generation number.
 * @module
 */
import type { Subnet } from "./subnet.ts";
import { compareSubnets } from "./subnet_text.ts";

/** One owned subnet. */
export interface SubnetEntry {
  readonly owner: string;
  readonly subnet: Readonly<Subnet>;
}

/** Answers whether a node is reachable right now. */
export type OwnerReachable = (owner: string) => boolean;

function compareOwners(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** tinc's subnet tree order, owner included. */
export function compareEntries(a: SubnetEntry, b: SubnetEntry): number {
  return compareSubnets(a.subnet, b.subnet) || compareOwners(a.owner, b.owner);
}

/** Network-order 32-bit word at `offset`, as a signed int32 (cheap Map key). */
function word(bytes: Uint8Array, offset: number): number {
  return (bytes[offset]! << 24) | (bytes[offset + 1]! << 16) | (bytes[offset + 2]! << 8) | bytes[offset + 3]!;
}

/** A 48-bit MAC as an exact integer. */
function macKey(bytes: Uint8Array, offset: number): number {
  const high = (bytes[offset]! << 8) | bytes[offset + 1]!;
  return high * 0x1_0000_0000 + (word(bytes, offset + 2) >>> 0);
}

/** Mask of the top `len` bits of a 32-bit word (len 0..32), as int32. */
function wordMask(len: number): number {
  return len <= 0 ? 0 : len >= 32 ? -1 : (-1 << (32 - len)) | 0;
}

/** Masks of each of 4 words for every prefix length 0..128, flattened. */
const V6_MASKS: Int32Array = (() => {
  const masks = new Int32Array(129 * 4);
  for (let len = 0; len <= 128; len++) {
    for (let w = 0; w < 4; w++) masks[len * 4 + w] = wordMask(len - 32 * w);
  }
  return masks;
})();

const V4_MASKS: Int32Array = Int32Array.from({ length: 33 }, (_, len) => wordMask(len));

function hashV6(w0: number, w1: number, w2: number, w3: number): number {
  let h = Math.imul(w0 ^ 0x2545f491, 0x9e3779b1);
  h = Math.imul(h ^ w1 ^ (h >>> 15), 0x85ebca6b);
  h = Math.imul(h ^ w2 ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ w3 ^ (h >>> 16)) | 0;
}

function hex(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += b.toString(16).padStart(2, "0");
  return s;
}

/** Identity of a subnet for exact matching: kind, address, prefix and weight. */
function subnetKey(s: Subnet): string {
  const prefix = s.kind === "mac" ? 48 : s.prefix;
  return `${s.kind}/${prefix}#${s.weight}@${hex(s.address)}`;
}

/** One owner's subnets, and its reachability as last read from the engine. */
class OwnerRecord {
  readonly name: string;
  reachable: boolean;
  /** Entries by {@link subnetKey}. */
  readonly entries = new Map<string, Entry>();
  /** `entries` in tree order; rebuilt lazily after a change. */
  sorted: Entry[] | null = null;

  constructor(name: string, reachable: boolean) {
    this.name = name;
    this.reachable = reachable;
  }
}

function checkShape(s: Subnet): void {
  const [length, maxPrefix] = s.kind === "mac" ? [6, 48] : s.kind === "ipv4" ? [4, 32] : [16, 128];
  const prefix = s.kind === "mac" ? 48 : s.prefix;
  if (s.address.length !== length || !Number.isInteger(prefix) || prefix < 0 || prefix > maxPrefix) {
    throw new RangeError(`malformed ${s.kind} subnet`);
  }
}

class Entry implements SubnetEntry {
  readonly owner: string;
  /** Shared by all of the owner's entries: one hot field read per candidate during lookups. */
  readonly record: OwnerRecord;
  readonly subnet: Readonly<Subnet>;
  readonly key: string;
  /** Masked network words: n0 for IPv4, n0..n3 for IPv6, unused (0) for MAC. */
  readonly n0: number = 0;
  readonly n1: number = 0;
  readonly n2: number = 0;
  readonly n3: number = 0;
  /** The bucket's key: masked IPv4 word, IPv6 hash or MAC integer. */
  readonly bucketKey: number;

  constructor(record: OwnerRecord, subnet: Subnet) {
    this.owner = record.name;
    this.record = record;
    const address = subnet.address.slice();
    this.subnet = { ...subnet, address } as Subnet;
    this.key = subnetKey(subnet);
    switch (subnet.kind) {
      case "mac":
        this.bucketKey = macKey(address, 0);
        break;
      case "ipv4":
        this.n0 = word(address, 0) & V4_MASKS[subnet.prefix]!;
        this.bucketKey = this.n0;
        break;
      case "ipv6": {
        const m = subnet.prefix * 4;
        this.n0 = word(address, 0) & V6_MASKS[m]!;
        this.n1 = word(address, 4) & V6_MASKS[m + 1]!;
        this.n2 = word(address, 8) & V6_MASKS[m + 2]!;
        this.n3 = word(address, 12) & V6_MASKS[m + 3]!;
        this.bucketKey = hashV6(this.n0, this.n1, this.n2, this.n3);
        break;
      }
    }
  }
}

type Bucket = Entry[];

function insertSorted(bucket: Bucket, entry: Entry): void {
  let at = bucket.length;
  while (at > 0 && compareEntries(bucket[at - 1]!, entry) > 0) at--;
  bucket.splice(at, 0, entry);
}

function removeFrom(bucket: Bucket, entry: Entry): void {
  const at = bucket.indexOf(entry);
  if (at >= 0) bucket.splice(at, 1);
}

/**
 * Buckets keyed by int32, in an open-addressing table (linear probing, load ≤ 1/2, deletion by
 * backward shift, so no tombstones). On the lookup path it answers a probe in a few array reads,
 * several times faster than a Map with number keys.
 */
class BucketMap {
  /** Pairs (key, bucket number + 1) side by side, so a probe touches one cache line; a zero
   * bucket number marks an empty slot. */
  private table = new Int32Array(32);
  private shift = 28;
  private used = 0;
  private readonly buckets: (Bucket | undefined)[] = [];
  private readonly freeBuckets: number[] = [];

  /** Slot count (a power of two). */
  private get capacity(): number {
    return this.table.length >> 1;
  }

  private home(key: number): number {
    return Math.imul(key, 0x9e3779b1) >>> this.shift;
  }

  get(key: number): Bucket | undefined {
    const table = this.table;
    const mask = (table.length >> 1) - 1;
    for (let i = this.home(key);; i = (i + 1) & mask) {
      const slot = table[2 * i + 1]!;
      if (slot === 0) return undefined;
      if (table[2 * i] === key) return this.buckets[slot - 1];
    }
  }

  set(key: number, bucket: Bucket): void {
    if ((this.used + 1) * 2 > this.capacity) this.grow();
    const table = this.table;
    const mask = this.capacity - 1;
    let i = this.home(key);
    while (table[2 * i + 1] !== 0) {
      if (table[2 * i] === key) {
        this.buckets[table[2 * i + 1]! - 1] = bucket;
        return;
      }
      i = (i + 1) & mask;
    }
    const number = this.freeBuckets.pop() ?? this.buckets.length;
    this.buckets[number] = bucket;
    table[2 * i] = key;
    table[2 * i + 1] = number + 1;
    this.used++;
  }

  delete(key: number): void {
    const table = this.table;
    const mask = this.capacity - 1;
    let i = this.home(key);
    while (table[2 * i + 1] !== 0 && table[2 * i] !== key) i = (i + 1) & mask;
    if (table[2 * i + 1] === 0) return;
    const number = table[2 * i + 1]! - 1;
    this.buckets[number] = undefined;
    this.freeBuckets.push(number);
    this.used--;
    // Pull later members of the probe run back so that no lookup stops early at the hole.
    for (let j = (i + 1) & mask; table[2 * j + 1] !== 0; j = (j + 1) & mask) {
      const home = this.home(table[2 * j]!);
      const movable = i <= j ? home <= i || home > j : home <= i && home > j;
      if (!movable) continue;
      table[2 * i] = table[2 * j]!;
      table[2 * i + 1] = table[2 * j + 1]!;
      i = j;
    }
    table[2 * i + 1] = 0;
  }

  private grow(): void {
    const old = this.table;
    this.table = new Int32Array(old.length * 2);
    this.shift--;
    const mask = this.capacity - 1;
    for (let j = 0; j < old.length; j += 2) {
      if (old[j + 1] === 0) continue;
      let i = this.home(old[j]!);
      while (this.table[2 * i + 1] !== 0) i = (i + 1) & mask;
      this.table[2 * i] = old[j]!;
      this.table[2 * i + 1] = old[j + 1]!;
    }
  }
}

/** Buckets per prefix length for one address family. */
class PrefixIndex {
  readonly maps: (BucketMap | undefined)[];
  readonly counts: Int32Array;
  /** Prefix lengths holding at least one entry, longest first. */
  lengths: Int32Array = new Int32Array(0);

  constructor(maxLength: number) {
    this.maps = new Array(maxLength + 1).fill(undefined);
    this.counts = new Int32Array(maxLength + 1);
  }

  add(entry: Entry, prefix: number): void {
    let map = this.maps[prefix];
    if (map === undefined) {
      map = new BucketMap();
      this.maps[prefix] = map;
    }
    const bucket = map.get(entry.bucketKey);
    if (bucket === undefined) map.set(entry.bucketKey, [entry]);
    else insertSorted(bucket, entry);
    if (this.counts[prefix]!++ === 0) this.refreshLengths();
  }

  remove(entry: Entry, prefix: number): void {
    const map = this.maps[prefix];
    const bucket = map?.get(entry.bucketKey);
    if (map === undefined || bucket === undefined) return;
    removeFrom(bucket, entry);
    if (bucket.length === 0) map.delete(entry.bucketKey);
    if (--this.counts[prefix]! === 0) this.refreshLengths();
  }

  private refreshLengths(): void {
    const present: number[] = [];
    for (let len = this.counts.length - 1; len >= 0; len--) if (this.counts[len]! > 0) present.push(len);
    this.lengths = Int32Array.from(present);
  }
}

/** Slots of each lookup cache; a power of two. */
const CACHE_SLOTS = 64;

/** Every subnet announced in the mesh, with tinc's lookup rules. */
export class SubnetTable {
  private isReachable: OwnerReachable;
  private readonly owners = new Map<string, OwnerRecord>();
  private allSorted: Entry[] | null = null;
  private count = 0;
  private readonly v4 = new PrefixIndex(32);
  private readonly v6 = new PrefixIndex(128);
  private readonly mac = new Map<number, Bucket>();

  /** Bumped on every change; a cache slot is valid only while its stamp equals it. */
  private generation = 1;
  private readonly v4CacheKey = new Int32Array(CACHE_SLOTS);
  private readonly v4CacheStamp = new Uint32Array(CACHE_SLOTS);
  private readonly v4CacheValue: (Entry | null)[] = new Array(CACHE_SLOTS).fill(null);
  private readonly v6CacheKey = new Int32Array(CACHE_SLOTS * 4);
  private readonly v6CacheStamp = new Uint32Array(CACHE_SLOTS);
  private readonly v6CacheValue: (Entry | null)[] = new Array(CACHE_SLOTS).fill(null);
  private readonly macCacheKey = new Float64Array(CACHE_SLOTS);
  private readonly macCacheStamp = new Uint32Array(CACHE_SLOTS);
  private readonly macCacheValue: (Entry | null)[] = new Array(CACHE_SLOTS).fill(null);

  /**
   * @param isReachable tells whether an owner is reachable. It is read when an owner first
   * appears and again at every {@link flushCache}, which the engine calls after each graph run
   * (tinc flushes its subnet cache there too); lookups use those snapshots.
   */
  constructor(isReachable: OwnerReachable) {
    this.isReachable = isReachable;
  }

  /** Replaces the reachability source, then re-reads it ({@link flushCache}). */
  setReachability(isReachable: OwnerReachable): void {
    this.isReachable = isReachable;
    this.flushCache();
  }

  /** Re-reads every owner's reachability and forgets cached lookups (tinc: at every graph()). */
  flushCache(): void {
    for (const record of this.owners.values()) record.reachable = this.isReachable(record.name);
    this.invalidate();
  }

  /** Sets one owner's reachability without asking the callback (and forgets cached lookups). */
  setOwnerReachable(owner: string, reachable: boolean): void {
    const record = this.owners.get(owner);
    if (record === undefined || record.reachable === reachable) return;
    record.reachable = reachable;
    this.invalidate();
  }

  private invalidate(): void {
    this.generation = (this.generation + 1) >>> 0 || 1;
  }

  /** Number of entries. */
  get size(): number {
    return this.count;
  }

  /**
   * Adds `owner`'s subnet; null if that exact subnet (weight included) is already theirs.
   * @throws RangeError for a malformed value (wrong address length, prefix out of range): the
   * parser never produces one, so it is a programming error, not bad network input.
   */
  add(owner: string, subnet: Subnet): SubnetEntry | null {
    checkShape(subnet);
    let record = this.owners.get(owner);
    const key = subnetKey(subnet);
    if (record?.entries.has(key)) return null;
    if (record === undefined) {
      record = new OwnerRecord(owner, this.isReachable(owner));
      this.owners.set(owner, record);
    }
    const entry = new Entry(record, subnet);
    record.entries.set(key, entry);
    this.index(entry, true);
    return entry;
  }

  /** Removes `owner`'s exact subnet (weight included); false if it was not there. */
  delete(owner: string, subnet: Subnet): boolean {
    const record = this.owners.get(owner);
    const entry = record?.entries.get(subnetKey(subnet));
    if (record === undefined || entry === undefined) return false;
    record.entries.delete(entry.key);
    if (record.entries.size === 0) this.owners.delete(owner);
    this.index(entry, false);
    return true;
  }

  /** Removes every subnet of `owner` (purge) and returns them in tree order. */
  deleteOwner(owner: string): SubnetEntry[] {
    const removed = [...this.ownerSubnets(owner)];
    for (const entry of removed) this.delete(owner, entry.subnet);
    return removed;
  }

  /** `owner`'s entry for exactly this subnet (weight included), if any. */
  find(owner: string, subnet: Subnet): SubnetEntry | undefined {
    return this.owners.get(owner)?.entries.get(subnetKey(subnet));
  }

  /** `owner`'s first entry (any weight) for the MAC at `bytes[offset..offset+6]`. */
  findMac(owner: string, bytes: Uint8Array, offset = 0): SubnetEntry | undefined {
    const bucket = this.mac.get(macKey(bytes, offset));
    return bucket?.find((e) => e.owner === owner);
  }

  /** `owner`'s subnets in tree order. */
  ownerSubnets(owner: string): readonly SubnetEntry[] {
    const record = this.owners.get(owner);
    if (record === undefined) return [];
    record.sorted ??= [...record.entries.values()].sort(compareEntries);
    return record.sorted;
  }

  /** Every entry in tree order. */
  entries(): readonly SubnetEntry[] {
    let sorted = this.allSorted;
    if (sorted === null) {
      sorted = [];
      for (const record of this.owners.values()) for (const e of record.entries.values()) sorted.push(e);
      sorted.sort(compareEntries);
      this.allSorted = sorted;
    }
    return sorted;
  }

  /** Route lookup for any address kind by length: 4 → IPv4, 16 → IPv6, 6 → MAC. */
  lookup(address: Uint8Array): SubnetEntry | null {
    switch (address.length) {
      case 4:
        return this.lookupIpv4(address, 0);
      case 16:
        return this.lookupIpv6(address, 0);
      case 6:
        return this.lookupMac(address, 0);
      default:
        return null;
    }
  }

  /** The owner entry for the IPv4 address at `bytes[offset..offset+4]` (tinc's rules), or null. */
  lookupIpv4(bytes: Uint8Array, offset = 0): SubnetEntry | null {
    const address = word(bytes, offset);
    const slot = (Math.imul(address, 0x9e3779b1) >>> 26) & (CACHE_SLOTS - 1);
    if (this.v4CacheStamp[slot] === this.generation && this.v4CacheKey[slot] === address) {
      return this.v4CacheValue[slot]!;
    }
    const found = this.searchIpv4(address);
    this.v4CacheKey[slot] = address;
    this.v4CacheStamp[slot] = this.generation;
    this.v4CacheValue[slot] = found;
    return found;
  }

  /** The owner entry for the IPv6 address at `bytes[offset..offset+16]`, or null. */
  lookupIpv6(bytes: Uint8Array, offset = 0): SubnetEntry | null {
    const a0 = word(bytes, offset);
    const a1 = word(bytes, offset + 4);
    const a2 = word(bytes, offset + 8);
    const a3 = word(bytes, offset + 12);
    const slot = (hashV6(a0, a1, a2, a3) >>> 26) & (CACHE_SLOTS - 1);
    const k = slot * 4;
    const keys = this.v6CacheKey;
    if (
      this.v6CacheStamp[slot] === this.generation && keys[k] === a0 && keys[k + 1] === a1 &&
      keys[k + 2] === a2 && keys[k + 3] === a3
    ) {
      return this.v6CacheValue[slot]!;
    }
    const found = this.searchIpv6(a0, a1, a2, a3);
    keys[k] = a0;
    keys[k + 1] = a1;
    keys[k + 2] = a2;
    keys[k + 3] = a3;
    this.v6CacheStamp[slot] = this.generation;
    this.v6CacheValue[slot] = found;
    return found;
  }

  /** The owner entry for the MAC address at `bytes[offset..offset+6]`, or null. */
  lookupMac(bytes: Uint8Array, offset = 0): SubnetEntry | null {
    const key = macKey(bytes, offset);
    const slot = (Math.imul(key | 0, 0x9e3779b1) >>> 26) & (CACHE_SLOTS - 1);
    if (this.macCacheStamp[slot] === this.generation && this.macCacheKey[slot] === key) {
      return this.macCacheValue[slot]!;
    }
    const found = this.pickOwner(this.mac.get(key), null);
    this.macCacheKey[slot] = key;
    this.macCacheStamp[slot] = this.generation;
    this.macCacheValue[slot] = found;
    return found;
  }

  private searchIpv4(address: number): Entry | null {
    const lengths = this.v4.lengths;
    const maps = this.v4.maps;
    let last: Entry | null = null;
    for (let i = 0; i < lengths.length; i++) {
      const len = lengths[i]!;
      const bucket = maps[len]!.get(address & V4_MASKS[len]!);
      if (bucket === undefined) continue;
      for (let j = 0; j < bucket.length; j++) {
        const entry = bucket[j]!;
        if (entry.record.reachable) return entry;
        last = entry;
      }
    }
    return last;
  }

  private searchIpv6(a0: number, a1: number, a2: number, a3: number): Entry | null {
    const lengths = this.v6.lengths;
    const maps = this.v6.maps;
    let last: Entry | null = null;
    for (let i = 0; i < lengths.length; i++) {
      const len = lengths[i]!;
      const m = len * 4;
      const n0 = a0 & V6_MASKS[m]!;
      const n1 = a1 & V6_MASKS[m + 1]!;
      const n2 = a2 & V6_MASKS[m + 2]!;
      const n3 = a3 & V6_MASKS[m + 3]!;
      const bucket = maps[len]!.get(hashV6(n0, n1, n2, n3));
      if (bucket === undefined) continue;
      for (let j = 0; j < bucket.length; j++) {
        const entry = bucket[j]!;
        // Different networks can share a hash; only true matches count.
        if (entry.n0 !== n0 || entry.n1 !== n1 || entry.n2 !== n2 || entry.n3 !== n3) continue;
        if (entry.record.reachable) return entry;
        last = entry;
      }
    }
    return last;
  }

  private pickOwner(bucket: Bucket | undefined, fallback: Entry | null): Entry | null {
    if (bucket === undefined) return fallback;
    let last = fallback;
    for (const entry of bucket) {
      if (entry.record.reachable) return entry;
      last = entry;
    }
    return last;
  }

  private index(entry: Entry, adding: boolean): void {
    const s = entry.subnet;
    switch (s.kind) {
      case "ipv4":
        if (adding) this.v4.add(entry, s.prefix);
        else this.v4.remove(entry, s.prefix);
        break;
      case "ipv6":
        if (adding) this.v6.add(entry, s.prefix);
        else this.v6.remove(entry, s.prefix);
        break;
      case "mac": {
        const bucket = this.mac.get(entry.bucketKey);
        if (adding) {
          if (bucket === undefined) this.mac.set(entry.bucketKey, [entry]);
          else insertSorted(bucket, entry);
        } else if (bucket !== undefined) {
          removeFrom(bucket, entry);
          if (bucket.length === 0) this.mac.delete(entry.bucketKey);
        }
        break;
      }
    }
    this.count += adding ? 1 : -1;
    entry.record.sorted = null;
    this.allSorted = null;
    this.invalidate();
  }
}
