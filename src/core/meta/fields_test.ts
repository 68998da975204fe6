import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { isValidName, scanHex32, scanInt, scanNonce, tokenize } from "./fields.ts";

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

  test("isValidName, scanInt and scanHex32 agree with regular-expression references", () => {
    const refName = (t: string) => /^[A-Za-z0-9_]+$/.test(t);
    const refInt = (t: string): number | null => {
      if (!/^[+-]?[0-9]+$/.test(t)) return null;
      const v = Number.parseInt(t, 10);
      return v > 0x7fffffff || v < -0x80000000 ? null : v;
    };
    const refHex = (t: string): number | null => {
      const m = /^([+-]?)(?:0[xX])?([0-9a-fA-F]+)$/.exec(t);
      if (m === null) return null;
      const digits = m[2]!.replace(/^0+(?=.)/, "");
      if (digits.length > 8) return null;
      const magnitude = Number.parseInt(digits, 16);
      return m[1] === "-" ? (-magnitude) >>> 0 : magnitude;
    };
    const chars = fc.constantFrom(..."09afAFgzGZ_-+x. \t\u00e9".split(""));
    fc.assert(
      fc.property(fc.array(chars, { maxLength: 13 }).map((cs) => cs.join("")), (t) => {
        expect({ t, name: isValidName(t) }).toEqual({ t, name: refName(t) });
        const i = scanInt(t, "F");
        expect({ t, int: i.ok ? i.value : null }).toEqual({ t, int: refInt(t) });
        const h = scanHex32(t, "F");
        expect({ t, hex: h.ok ? h.value : null }).toEqual({ t, hex: refHex(t) });
      }),
      { numRuns: 5000 },
    );
    for (const t of ["-0", "2147483647", "-2147483648", "2147483648", "999999999", "-999999999"]) {
      const i = scanInt(t, "F");
      expect({ t, int: i.ok ? i.value : null }).toEqual({ t, int: refInt(t) });
    }
  });
});
