import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import type { Subnet } from "./subnet.ts";
import { type SubnetEntry, SubnetTable } from "./table.ts";

const v4 = (a: number, b: number, c: number, d: number, prefix: number, weight = 10): Subnet => ({
  kind: "ipv4",
  address: Uint8Array.of(a, b, c, d),
  prefix,
  weight,
});
const ip = (...bytes: number[]): Uint8Array => Uint8Array.from(bytes);
const describeEntry = (e: SubnetEntry | null): string | null => {
  if (e === null) return null;
  const s = e.subnet;
  const prefix = s.kind === "mac" ? "" : `/${s.prefix}`;
  return `${e.owner}:${s.kind}:${[...s.address].join(".")}${prefix}#${s.weight}`;
};

// ---------------------------------------------------------------------------------------------
// The model: tinc's ordered tree as one sorted array, and lookup as a linear scan over it. Coded
// here from the spec (§7) without the table's code.

const KIND_RANK = { mac: 0, ipv4: 1, ipv6: 2 } as const;

function modelCompare(a: SubnetEntry, b: SubnetEntry): number {
  const sa = a.subnet;
  const sb = b.subnet;
  if (sa.kind !== sb.kind) return KIND_RANK[sa.kind] - KIND_RANK[sb.kind];
  const pa = sa.kind === "mac" ? 48 : sa.prefix;
  const pb = sb.kind === "mac" ? 48 : sb.prefix;
  if (pa !== pb) return pb - pa;
  for (let i = 0; i < sa.address.length; i++) {
    if (sa.address[i] !== sb.address[i]) return sa.address[i]! - sb.address[i]!;
  }
  if (sa.weight !== sb.weight) return sa.weight - sb.weight;
  return a.owner < b.owner ? -1 : a.owner > b.owner ? 1 : 0;
}

function modelMatches(s: Readonly<Subnet>, address: Uint8Array): boolean {
  if (s.address.length !== address.length) return false;
  const bits = s.kind === "mac" ? 48 : s.prefix;
  for (let bit = 0; bit < bits; bit++) {
    const mask = 0x80 >> (bit % 8);
    if ((s.address[bit >> 3]! & mask) !== (address[bit >> 3]! & mask)) return false;
  }
  return true;
}

function modelLookup(
  entries: SubnetEntry[],
  address: Uint8Array,
  reachable: (o: string) => boolean,
): SubnetEntry | null {
  const sorted = [...entries].sort(modelCompare);
  let last: SubnetEntry | null = null;
  for (const e of sorted) {
    if (!modelMatches(e.subnet, address)) continue;
    last = e;
    if (reachable(e.owner)) return e;
  }
  return last;
}

// Small address spaces so that random subnets overlap and collide often.
const byteArb = fc.constantFrom(0, 1, 2, 128, 255);
const ownerArb = fc.constantFrom("alpha", "bravo", "charlie", "delta");
const weightArb = fc.constantFrom(-1, 0, 5, 10, 10, 20);
const subnetArb: fc.Arbitrary<Subnet> = fc.oneof(
  fc.record({
    kind: fc.constant("ipv4" as const),
    address: fc.uint8Array({ minLength: 4, maxLength: 4 }).chain((a) =>
      fc.tuple(byteArb, byteArb).map(([x, y]) => Uint8Array.of(10, x, y, a[3]! & 3))
    ),
    prefix: fc.constantFrom(0, 8, 9, 15, 16, 17, 24, 30, 31, 32),
    weight: weightArb,
  }),
  fc.record({
    kind: fc.constant("ipv6" as const),
    address: fc.tuple(byteArb, byteArb, byteArb).map(([x, y, z]) => {
      const a = new Uint8Array(16);
      a[0] = 0xfd;
      a[1] = x;
      a[7] = y;
      a[15] = z;
      return a;
    }),
    prefix: fc.constantFrom(0, 8, 16, 17, 56, 64, 65, 120, 127, 128),
    weight: weightArb,
  }),
  fc.record({
    kind: fc.constant("mac" as const),
    address: fc.tuple(byteArb, byteArb).map(([x, y]) => Uint8Array.of(2, 0, 0, 0, x, y)),
    weight: weightArb,
  }),
);
const addressArb: fc.Arbitrary<Uint8Array> = fc.oneof(
  fc.tuple(byteArb, byteArb, fc.integer({ min: 0, max: 7 })).map(([x, y, z]) => Uint8Array.of(10, x, y, z)),
  fc.tuple(byteArb, byteArb, byteArb, fc.boolean()).map(([x, y, z, other]) => {
    const a = new Uint8Array(16);
    a[0] = other ? 0xfe : 0xfd;
    a[1] = x;
    a[7] = y;
    a[15] = z;
    return a;
  }),
  fc.tuple(byteArb, byteArb).map(([x, y]) => Uint8Array.of(2, 0, 0, 0, x, y)),
);

type Op =
  | { op: "add"; owner: string; subnet: Subnet }
  | { op: "del"; index: number }
  | { op: "reach"; owner: string; up: boolean }
  | { op: "lookup"; address: Uint8Array };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({ op: fc.constant("add" as const), owner: ownerArb, subnet: subnetArb }),
  },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("del" as const), index: fc.nat(50) }) },
  {
    weight: 1,
    arbitrary: fc.record({ op: fc.constant("reach" as const), owner: ownerArb, up: fc.boolean() }),
  },
  { weight: 4, arbitrary: fc.record({ op: fc.constant("lookup" as const), address: addressArb }) },
);

describe("SubnetTable against a linear scan of tinc's tree", () => {
  test("random adds, deletes, reachability flips and lookups agree", () => {
    fc.assert(
      fc.property(fc.array(opArb, { minLength: 20, maxLength: 150, size: "max" }), (ops) => {
        const up = new Set<string>(["alpha", "charlie"]);
        const table = new SubnetTable((o) => up.has(o));
        const model: SubnetEntry[] = [];
        for (const step of ops) {
          switch (step.op) {
            case "add": {
              const dup = model.some((e) => e.owner === step.owner && modelCompare(e, step) === 0);
              const added = table.add(step.owner, step.subnet);
              expect(added === null).toBe(dup);
              if (!dup) model.push({ owner: step.owner, subnet: step.subnet });
              break;
            }
            case "del": {
              if (model.length === 0) break;
              const [victim] = model.splice(step.index % model.length, 1);
              expect(table.delete(victim!.owner, victim!.subnet)).toBe(true);
              expect(table.delete(victim!.owner, victim!.subnet)).toBe(false);
              break;
            }
            case "reach":
              if (step.up) up.add(step.owner);
              else up.delete(step.owner);
              table.flushCache();
              break;
            case "lookup": {
              const want = modelLookup(model, step.address, (o) => up.has(o));
              // Twice: the second answer comes from the cache.
              expect(describeEntry(table.lookup(step.address))).toBe(describeEntry(want));
              expect(describeEntry(table.lookup(step.address))).toBe(describeEntry(want));
              break;
            }
          }
        }
        expect(table.size).toBe(model.length);
        expect(table.entries().map(describeEntry)).toEqual([...model].sort(modelCompare).map(describeEntry));
        for (const owner of ["alpha", "bravo", "charlie", "delta"]) {
          const mine = model.filter((e) => e.owner === owner).sort(modelCompare).map(describeEntry);
          expect(table.ownerSubnets(owner).map(describeEntry)).toEqual(mine);
        }
      }),
      { numRuns: 200 },
    );
  });
});

describe("SubnetTable under churn", () => {
  test("many host routes added and removed in random order stay findable (hash deletion keeps probe runs)", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.boolean(), fc.integer({ min: 0, max: 1023 })), {
          minLength: 500,
          maxLength: 3000,
        }),
        (ops) => {
          const table = new SubnetTable(() => true);
          const live = new Set<number>();
          const host = (k: number): Subnet => v4(10, 0, k >> 8, k & 255, 32);
          for (const [adding, k] of ops) {
            if (adding) {
              expect(table.add("o", host(k)) !== null).toBe(!live.has(k));
              live.add(k);
            } else {
              expect(table.delete("o", host(k))).toBe(live.has(k));
              live.delete(k);
            }
          }
          for (let k = 0; k < 1024; k++) {
            expect(table.lookup(ip(10, 0, k >> 8, k & 255)) !== null).toBe(live.has(k));
          }
          expect(table.size).toBe(live.size);
        },
      ),
      { numRuns: 40 },
    );
  });
});

describe("SubnetTable: spec §7 examples", () => {
  test("longest prefix wins", () => {
    const table = new SubnetTable(() => true);
    table.add("wide", v4(10, 0, 0, 0, 8));
    table.add("narrow", v4(10, 1, 0, 0, 16));
    table.add("host", v4(10, 1, 2, 3, 32));
    expect(table.lookup(ip(10, 1, 2, 3))?.owner).toBe("host");
    expect(table.lookup(ip(10, 1, 2, 4))?.owner).toBe("narrow");
    expect(table.lookup(ip(10, 2, 0, 1))?.owner).toBe("wide");
    expect(table.lookup(ip(11, 0, 0, 1))).toBeNull();
  });

  test("among equal prefixes the lower weight wins, then the owner name", () => {
    const table = new SubnetTable(() => true);
    table.add("heavy", v4(192, 168, 1, 0, 24, 20));
    table.add("light", v4(192, 168, 1, 0, 24, 5));
    expect(table.lookup(ip(192, 168, 1, 9))?.owner).toBe("light");
    table.delete("light", v4(192, 168, 1, 0, 24, 5));
    table.add("zulu", v4(192, 168, 1, 0, 24, 20));
    expect(table.lookup(ip(192, 168, 1, 9))?.owner).toBe("heavy");
  });

  test("an unreachable owner is skipped, and used only when no match is reachable", () => {
    const up = new Set(["backup"]);
    const table = new SubnetTable((o) => up.has(o));
    table.add("primary", v4(10, 0, 0, 0, 24, 1));
    table.add("backup", v4(10, 0, 0, 0, 24, 50));
    table.add("down", v4(10, 0, 0, 0, 16, 10));
    expect(table.lookup(ip(10, 0, 0, 7))?.owner).toBe("backup");
    up.clear();
    table.flushCache();
    // No reachable owner: the last match in tree order, the shortest prefix.
    expect(table.lookup(ip(10, 0, 0, 7))?.owner).toBe("down");
    up.add("primary");
    table.flushCache();
    expect(table.lookup(ip(10, 0, 0, 7))?.owner).toBe("primary");
  });

  test("reachability is read when an owner appears and at each flush; setOwnerReachable is immediate", () => {
    const up = new Set(["a", "b"]);
    const table = new SubnetTable((o) => up.has(o));
    table.add("a", v4(10, 0, 0, 0, 24, 1));
    table.add("b", v4(10, 0, 0, 0, 24, 2));
    expect(table.lookup(ip(10, 0, 0, 1))?.owner).toBe("a");
    up.delete("a");
    // Not yet re-read: the engine flushes after its graph run, as tinc does.
    expect(table.lookup(ip(10, 0, 0, 1))?.owner).toBe("a");
    table.flushCache();
    expect(table.lookup(ip(10, 0, 0, 1))?.owner).toBe("b");
    table.setOwnerReachable("a", true);
    expect(table.lookup(ip(10, 0, 0, 1))?.owner).toBe("a");
    table.setOwnerReachable("a", false);
    expect(table.lookup(ip(10, 0, 0, 1))?.owner).toBe("b");
    table.setReachability(() => false);
    expect(table.lookup(ip(10, 0, 0, 1))?.owner).toBe("b");
    table.setReachability(() => true);
    expect(table.lookup(ip(10, 0, 0, 1))?.owner).toBe("a");
  });

  test("IPv6 and MAC lookups, exact find and per-owner listing", () => {
    const table = new SubnetTable((o) => o !== "gone");
    const v6 = (prefix: number, last: number, weight = 10): Subnet => {
      const a = new Uint8Array(16);
      a[0] = 0xfd;
      a[15] = last;
      return { kind: "ipv6", address: a, prefix, weight };
    };
    const mac = (last: number, weight = 10): Subnet => ({
      kind: "mac",
      address: Uint8Array.of(0xfe, 0xfd, 0, 0, 0, last),
      weight,
    });
    table.add("six", v6(64, 0));
    table.add("host6", v6(128, 5));
    table.add("gone", mac(2, 1));
    table.add("here", mac(2, 10));
    const addr6 = new Uint8Array(16);
    addr6[0] = 0xfd;
    addr6[15] = 5;
    expect(table.lookup(addr6)?.owner).toBe("host6");
    addr6[15] = 6;
    expect(table.lookup(addr6)?.owner).toBe("six");
    expect(table.lookup(Uint8Array.of(0xfe, 0xfd, 0, 0, 0, 2))?.owner).toBe("here");
    expect(table.find("here", mac(2, 10))).toBeDefined();
    expect(table.find("here", mac(2, 11))).toBeUndefined();
    expect(table.findMac("gone", Uint8Array.of(0xfe, 0xfd, 0, 0, 0, 2))?.subnet.weight).toBe(1);
    expect(table.ownerSubnets("six").length).toBe(1);
    expect(table.deleteOwner("here").length).toBe(1);
    expect(table.lookup(Uint8Array.of(0xfe, 0xfd, 0, 0, 0, 2))?.owner).toBe("gone");
    // An offset inside a larger packet buffer (IPv4 destination at byte 16 of an IP header).
    table.add("v4", v4(10, 9, 0, 0, 16));
    const packet = new Uint8Array(20);
    packet.set([10, 9, 1, 1], 16);
    expect(table.lookupIpv4(packet, 16)?.owner).toBe("v4");
  });

  test("malformed values are refused as programming errors", () => {
    const table = new SubnetTable(() => true);
    expect(() => table.add("a", v4(10, 0, 0, 0, 33))).toThrow(RangeError);
    expect(() => table.add("a", { kind: "ipv6", address: new Uint8Array(4), prefix: 64, weight: 10 }))
      .toThrow(
        RangeError,
      );
    expect(() => table.add("a", { kind: "mac", address: new Uint8Array(5), weight: 10 })).toThrow(RangeError);
    expect(table.size).toBe(0);
  });

  test("a stored subnet is a copy, unaffected by later changes to the caller's bytes", () => {
    const table = new SubnetTable(() => true);
    const s = v4(10, 0, 0, 0, 8);
    table.add("a", s);
    s.address[0] = 11;
    expect(table.lookup(ip(10, 1, 1, 1))?.owner).toBe("a");
    expect(table.lookup(ip(11, 1, 1, 1))).toBeNull();
  });
});
