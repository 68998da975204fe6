import { expect, test } from "bun:test";
import fc from "fast-check";
import { ConfigTree } from "./tree.ts";
import type { ConfigEntry } from "./parse.ts";

// Model of spec §8: for each variable (case-insensitive), -o entries first, then the lowest line
// number, then the smaller path. Checked against the tree for random entries across files.
test("lookup and lookupAll follow tinc's precedence (fast-check model)", () => {
  const entry = fc.record({
    variable: fc.constantFrom("Port", "PORT", "port", "ConnectTo", "connectTo", "Mode"),
    value: fc.string({ minLength: 1, maxLength: 4 }),
    file: fc.constantFrom(null, "/n/tinc.conf", "/n/conf.d/a.conf", "/n/hosts/me"),
    line: fc.integer({ min: 1, max: 6 }),
  });
  fc.assert(
    fc.property(
      fc.uniqueArray(entry, {
        selector: (e) => `${e.file}|${e.line}|${e.variable.toLowerCase()}`,
        maxLength: 30,
      }),
      (entries) => {
        const tree = new ConfigTree(entries as ConfigEntry[]);
        for (const name of ["port", "connectto", "mode", "absent"]) {
          const mine = entries.filter((e) => e.variable.toLowerCase() === name);
          const rank = (e: ConfigEntry) => [e.file === null ? 0 : 1, e.line, e.file ?? ""] as const;
          const sorted = [...mine].sort((a, b) => {
            const [ac, al, af] = rank(a);
            const [bc, bl, bf] = rank(b);
            return ac - bc || al - bl || (af < bf ? -1 : af > bf ? 1 : 0);
          });
          expect(tree.lookupAll(name)).toEqual(sorted);
          expect(tree.lookup(name.toUpperCase())).toEqual(sorted[0]);
        }
      },
    ),
    { numRuns: 300 },
  );
});
