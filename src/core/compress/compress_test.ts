import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import {
  createCompressor,
  isValidLevel,
  lz4Decompress,
  lzo1xBound,
  lzo1xDecompress,
  LzoStatus,
} from "./mod.ts";
import { strictBounds } from "./strict_array.ts";

/** Byte strings that compress: runs, repeats of a short motif, a small alphabet, mixed with noise. */
export const compressible: fc.Arbitrary<Uint8Array> = fc.oneof(
  fc.uint8Array({ minLength: 0, maxLength: 1600 }),
  fc.array(fc.constantFrom(0, 1, 32, 65, 66, 255), { maxLength: 1600 }).map((a) => Uint8Array.from(a)),
  fc.tuple(fc.uint8Array({ minLength: 1, maxLength: 40 }), fc.integer({ min: 0, max: 1600 })).map(
    ([motif, n]) => Uint8Array.from({ length: n }, (_, i) => motif[i % motif.length]!),
  ),
  fc.array(
    fc.oneof(
      fc.uint8Array({ minLength: 1, maxLength: 60 }),
      fc.tuple(fc.integer({ min: 0, max: 255 }), fc.integer({ min: 1, max: 300 })).map(([b, n]) =>
        new Uint8Array(n).fill(b)
      ),
    ),
    { maxLength: 30 },
  ).map((parts) => {
    const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
    let o = 0;
    for (const p of parts) {
      out.set(p, o);
      o += p.length;
    }
    // At most 1600 bytes like the other branches: callers size their buffers for a frame (1700),
    // and 30 parts of up to 300 bytes reached 1701 now and then (seed 182898481).
    return out.subarray(0, 1600);
  }),
);

const hex = (s: string) => Uint8Array.from(s.match(/../g) ?? [], (h) => parseInt(h, 16));

describe("levels", () => {
  test("12 is valid only where LZ4 is configured; 0..11 always; nothing else", () => {
    expect(isValidLevel(12, false)).toBe(false);
    expect(isValidLevel(12, true)).toBe(true);
    for (let l = 0; l <= 11; l++) expect(isValidLevel(l, false)).toBe(true);
    for (const l of [-1, 13, 1.5, NaN, 255]) expect(isValidLevel(l, true)).toBe(false);
  });

  test("bad levels and zlib without a codec are refused, not thrown", () => {
    const c = createCompressor();
    expect(c.compress(13, new Uint8Array(4))).toMatchObject({ ok: false, reason: "bad-level" });
    expect(c.decompress(-1, new Uint8Array(4), 100)).toMatchObject({ ok: false, reason: "bad-level" });
    expect(c.compress(6, new Uint8Array(4))).toMatchObject({ ok: false, reason: "unsupported-level" });
    expect(c.decompress(1, new Uint8Array(4), 100)).toMatchObject({ ok: false, reason: "unsupported-level" });
  });

  test("level 0 copies and enforces maxLen", () => {
    const c = createCompressor();
    const data = Uint8Array.from([1, 2, 3, 4, 5]);
    const r = c.compress(0, data);
    expect(r.ok && [...r.out.subarray(0, r.length)]).toEqual([1, 2, 3, 4, 5]);
    expect(c.decompress(0, data, 4)).toMatchObject({ ok: false, reason: "output-overrun" });
    expect(c.compress(0, data, new Uint8Array(4))).toMatchObject({ ok: false, reason: "output-too-small" });
  });
});

describe("pure codecs round-trip", () => {
  for (const level of [0, 10, 11, 12]) {
    test(`level ${level}: decompress(compress(x)) = x, into caller buffers`, () => {
      const c = createCompressor();
      const out = new Uint8Array(lzo1xBound(1700) + 64);
      const back = new Uint8Array(1700);
      fc.assert(
        fc.property(compressible, (data) => {
          const r = c.compress(level, data, out);
          expect(r.ok).toBe(true);
          if (!r.ok) return;
          expect(r.out).toBe(out);
          expect(r.length).toBeLessThanOrEqual(lzo1xBound(data.length));
          const d = c.decompress(level, out.subarray(0, r.length), data.length, back);
          expect(d.ok).toBe(true);
          if (d.ok) expect(back.subarray(0, d.length)).toEqual(data as Uint8Array<ArrayBuffer>);
          // One byte less room than the frame needs is an overlong packet.
          if (data.length > 0) {
            const short = c.decompress(level, out.subarray(0, r.length), data.length - 1, back);
            expect(short).toMatchObject({ ok: false, reason: "output-overrun" });
          }
        }),
        { numRuns: 150 },
      );
    });
  }

  test("inputs far longer than a frame (200 KB, repeats beyond every window) round-trip", () => {
    const c = createCompressor();
    let x = 99;
    const block = Uint8Array.from(
      { length: 70000 },
      () => (x = (Math.imul(x, 1103515245) + 12345) >>> 0) >>> 24,
    );
    const data = new Uint8Array(200000);
    for (let o = 0; o < data.length; o += 30000) {
      data.set(block.subarray(0, Math.min(70000, data.length - o)), o);
    }
    for (const level of [10, 11, 12]) {
      const r = c.compress(level, data);
      if (!r.ok) throw new Error(r.detail);
      // The fast encoders skip ahead through incompressible stretches (as liblzo and liblz4 do), so
      // only the exhaustive level-11 search is sure to find repeats 30 000 bytes back.
      if (level === 11) expect(r.length).toBeLessThan(data.length / 2);
      const d = c.decompress(level, r.out.subarray(0, r.length), data.length);
      expect(d.ok && d.out.subarray(0, d.length)).toEqual(data);
    }
  });

  test("a too-small output buffer is a result, not an exception", () => {
    const c = createCompressor();
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 20, maxLength: 400 }),
        fc.constantFrom(10, 11, 12),
        (data, level) => {
          const r = c.compress(level, data, new Uint8Array(8));
          expect(r).toMatchObject({ ok: false, reason: "output-too-small" });
        },
      ),
      { numRuns: 60 },
    );
  });

  test("level 11 output is smaller in total than level 10 on compressible data", () => {
    const c = createCompressor();
    let sum10 = 0;
    let sum11 = 0;
    fc.assert(
      fc.property(compressible, (data) => {
        const a = c.compress(10, data);
        const b = c.compress(11, data);
        if (!a.ok || !b.ok) throw new Error("compression failed");
        sum10 += a.length;
        sum11 += b.length;
      }),
      { numRuns: 100, seed: 7 },
    );
    expect(sum11).toBeLessThan(sum10);
  });
});

describe("LZO1X decoder on hand-made streams", () => {
  const dst = new Uint8Array(64);
  test("end marker alone is an empty frame; trailing bytes and truncation are refused", () => {
    expect(lzo1xDecompress(hex("110000"), dst)).toBe(0);
    expect(lzo1xDecompress(hex("11000000"), dst)).toBe(LzoStatus.InputNotConsumed);
    expect(lzo1xDecompress(hex("1100"), dst)).toBe(LzoStatus.InputOverrun);
    expect(lzo1xDecompress(new Uint8Array(0), dst)).toBe(LzoStatus.InputOverrun);
  });

  test("first-byte literals, an M2 repeat with overlap, trailing literals in the S bits", () => {
    // 0x15 = 4 literals "abcd"; then M2 len 3 dist 4 (0x4c 0x00) with S=2 ("xy"): abcdabcxy.
    const n = lzo1xDecompress(hex("1561626364" + "4e00" + "7879" + "110000"), dst);
    expect(new TextDecoder().decode(dst.subarray(0, n))).toBe("abcdabcxy");
    // M2 len 8 dist 1 repeats one byte: "a" + 8 × "a".
    const m = lzo1xDecompress(hex("1261" + "e000" + "110000"), dst);
    expect(new TextDecoder().decode(dst.subarray(0, m))).toBe("aaaaaaaaa");
  });

  test("a back-reference before the output start and an output past the limit are refused", () => {
    expect(lzo1xDecompress(hex("1261" + "e400" + "110000"), dst)).toBe(LzoStatus.LookbehindOverrun);
    expect(lzo1xDecompress(hex("1261" + "e000" + "110000"), dst, 5)).toBe(LzoStatus.OutputOverrun);
  });
});

describe("safe decoders on hostile input", () => {
  const c = createCompressor();
  const mutated = fc
    .tuple(
      compressible,
      fc.constantFrom(10, 11, 12),
      fc.array(fc.tuple(fc.nat(), fc.nat(255)), { maxLength: 4 }),
    )
    .map(([data, level, flips]) => {
      const r = c.compress(level, data);
      if (!r.ok) throw new Error("compression failed");
      const stream = r.out.slice(0, r.length);
      for (const [at, v] of flips) if (stream.length > 0) stream[at % stream.length] = v;
      return { data, level, stream };
    });

  test("mutated, truncated and random streams never throw nor touch bytes outside the buffers", () => {
    fc.assert(
      fc.property(
        fc.oneof(
          mutated,
          mutated.chain((m) =>
            fc.nat(m.stream.length).map((cut) => ({ ...m, stream: m.stream.slice(0, cut) }))
          ),
          fc.tuple(fc.uint8Array({ maxLength: 300 }), fc.constantFrom(10, 11, 12)).map(([stream, level]) => ({
            data: new Uint8Array(0),
            level,
            stream,
          })),
        ),
        fc.integer({ min: 0, max: 1700 }),
        ({ level, stream }, limit) => {
          const dst = new Uint8Array(limit);
          const n = level === 12
            ? lz4Decompress(strictBounds(stream), strictBounds(dst), limit)
            : lzo1xDecompress(strictBounds(stream), strictBounds(dst), limit);
          expect(n).toBeLessThanOrEqual(limit);
          const r = c.decompress(level, stream, limit);
          expect(r.ok ? r.length : -1).toBe(n < 0 ? -1 : n);
          if (!r.ok) expect(r.detail.length).toBeGreaterThan(0);
        },
      ),
      { numRuns: 300 },
    );
  });
});
