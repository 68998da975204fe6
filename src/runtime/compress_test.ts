import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { createRuntimeCompressor } from "./compress.ts";

const text = new TextEncoder().encode("GET /index.html HTTP/1.1\r\nHost: example.org\r\n\r\n".repeat(20));

describe("runtime compressor (node:zlib for 1..9, pure codecs for 10..12)", () => {
  test("every level 0..12 round-trips through caller buffers", () => {
    const c = createRuntimeCompressor();
    const out = new Uint8Array(2048);
    const back = new Uint8Array(2048);
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 12 }),
        fc.uint8Array({ maxLength: 1518 }),
        fc.boolean(),
        (level, rnd, useText) => {
          const data = useText ? text.subarray(0, rnd.length) : rnd;
          const r = c.compress(level, data, out);
          expect(r.ok).toBe(true);
          if (!r.ok) return;
          const d = c.decompress(level, out.subarray(0, r.length), 1518, back);
          expect(d.ok && [...back.subarray(0, d.length)]).toEqual([...data]);
        },
      ),
      { numRuns: 150 },
    );
  });

  test("zlib format, not raw deflate: the header is 78 xx and compressing shrinks text", () => {
    const r = createRuntimeCompressor().compress(6, text);
    expect(r.ok && r.out[0]).toBe(0x78);
    expect(r.ok && r.length).toBeLessThan(text.length / 4);
  });

  test("zlib failures are results with reasons", () => {
    const c = createRuntimeCompressor();
    const r = c.compress(9, text);
    if (!r.ok) throw new Error(r.detail);
    const z = r.out.slice(0, r.length);
    expect(c.decompress(9, z, text.length - 1)).toMatchObject({ ok: false, reason: "output-overrun" });
    expect(c.decompress(9, z.subarray(0, z.length - 5), 4000)).toMatchObject({ ok: false });
    const bad = z.slice();
    bad[bad.length - 1] = bad[bad.length - 1]! ^ 1; // Adler-32 mismatch
    expect(c.decompress(9, bad, 4000)).toMatchObject({ ok: false, reason: "corrupt" });
    expect(c.decompress(3, new Uint8Array([1, 2, 3]), 4000)).toMatchObject({ ok: false });
    expect(c.compress(5, text, new Uint8Array(4))).toMatchObject({ ok: false, reason: "output-too-small" });
    expect(c.decompress(5, z, 4000, new Uint8Array(10))).toMatchObject({
      ok: false,
      reason: "output-overrun",
    });
  });

  test("hostile input at every level never throws", () => {
    const c = createRuntimeCompressor();
    fc.assert(
      fc.property(
        fc.integer({ min: -2, max: 14 }),
        fc.uint8Array({ maxLength: 400 }),
        fc.nat(2000),
        (level, data, maxLen) => {
          const r = c.decompress(level, data, maxLen);
          if (r.ok) expect(r.length).toBeLessThanOrEqual(maxLen);
          else expect(r.detail.length).toBeGreaterThan(0);
        },
      ),
      { numRuns: 300 },
    );
  });
});
