import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { scanNonce, tokenize } from "./fields.ts";

/** Independent references: C isspace splitting, and strtoul-like low 32 bits of a hex token. */
const referenceTokens = (line: string): string[] => line.split(/[ \t\n\v\f\r]+/).filter((t) => t !== "");
const referenceNonce = (token: string): number | null => {
  const m = /^[+-]?(?:0[xX])?([0-9a-fA-F]+)$/.exec(token);
  if (m === null) return null;
  return Number.parseInt(m[1]!.slice(-8), 16) >>> 0;
};

const lineChars = fc.constantFrom(..."ab0_9 \t\n\v\f\r.:#/x-+".split(""));

describe("field scanners", () => {
  test("tokenize splits on runs of C whitespace, as the reference does", () => {
    fc.assert(
      fc.property(fc.array(lineChars, { maxLength: 60 }).map((cs) => cs.join("")), (line) => {
        expect(tokenize(line)).toEqual(referenceTokens(line));
      }),
      { numRuns: 2000 },
    );
  });

  test("scanNonce accepts exactly hex tokens and keeps their low 32 bits", () => {
    const tokenChars = fc.constantFrom(..."0123456789abcdefABCDEFxX+-g ".split(""));
    fc.assert(
      fc.property(fc.array(tokenChars, { minLength: 1, maxLength: 14 }).map((cs) => cs.join("")), (token) => {
        const want = referenceNonce(token);
        const got = scanNonce(token);
        if (want === null) expect(got.ok).toBe(false);
        else expect(got).toEqual({ ok: true, value: want });
      }),
      { numRuns: 3000 },
    );
    expect(scanNonce("7fffffff")).toEqual({ ok: true, value: 0x7fffffff });
    expect(scanNonce("ffffffff")).toEqual({ ok: true, value: 0xffffffff });
    expect(scanNonce("")).toEqual({ ok: false, reason: "bad NONCE: not hexadecimal" });
  });
});
