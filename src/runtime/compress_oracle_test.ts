// The pure codecs and the node:zlib port against the C libraries tincd links (liblzo2, zlib) and
// liblz4, through bun:ffi. A missing library fails these tests with the package to install.
import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { type CompressResult, createCompressor } from "../core/compress/mod.ts";
import { createRuntimeCompressor } from "./compress.ts";
import {
  loadNativeLz4,
  loadNativeLzo,
  loadNativeZlib,
  type NativeLz4,
  type NativeLzo,
  type NativeZlib,
} from "./compress_native.ts";

function attempt<T>(load: () => T): () => T {
  let value: T | undefined;
  let error: unknown;
  try {
    value = load();
  } catch (e) {
    error = e;
  }
  return () => {
    if (error !== undefined) throw error;
    return value!;
  };
}

const lzo: () => NativeLzo = attempt(loadNativeLzo);
const lz4: () => NativeLz4 = attempt(loadNativeLz4);
const zlib: () => NativeZlib = attempt(loadNativeZlib);

/** The largest frame tinc handles: MTU 1518 plus room for what a broken peer might claim. */
const MAXSIZE = 1661;

const concat = (parts: Uint8Array[]) => {
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
};

/** Payloads seen in tunnels: text, zeros, repeated records, random (already-encrypted) data. */
const payload = fc.oneof(
  fc.uint8Array({ maxLength: 1480 }),
  fc.integer({ min: 0, max: 1480 }).map((n) => new Uint8Array(n)),
  fc.tuple(fc.string({ minLength: 1, maxLength: 80 }), fc.integer({ min: 0, max: 1480 })).map(([s, n]) =>
    new TextEncoder().encode(s.repeat(Math.ceil(n / Math.max(1, s.length)) || 1)).slice(0, n)
  ),
  fc.tuple(fc.uint8Array({ minLength: 1, maxLength: 24 }), fc.integer({ min: 0, max: 1480 })).map(([m, n]) =>
    Uint8Array.from({ length: n }, (_, i) => m[i % m.length]! ^ (i >> 8))
  ),
);

/** Ethernet + IPv4 + TCP/UDP headers around a payload, as a TAP device hands them over. */
const frame = fc
  .record({
    mac: fc.uint8Array({ minLength: 12, maxLength: 12 }),
    src: fc.uint8Array({ minLength: 4, maxLength: 4 }),
    dst: fc.uint8Array({ minLength: 4, maxLength: 4 }),
    tcp: fc.boolean(),
    ports: fc.uint8Array({ minLength: 4, maxLength: 4 }),
    body: payload,
  })
  .map(({ mac, src, dst, tcp, ports, body }) => {
    const l4 = tcp ? 20 : 8;
    const total = Math.min(20 + l4 + body.length, 1500);
    const ip = new Uint8Array(20);
    ip.set([0x45, 0, total >> 8, total & 0xff, 0x12, 0x34, 0x40, 0, 64, tcp ? 6 : 17]);
    ip.set(src, 12);
    ip.set(dst, 16);
    const l4h = new Uint8Array(l4);
    l4h.set(ports, 0);
    if (tcp) l4h.set([0, 0, 0, 1, 0, 0, 0, 0, 0x50, 0x18, 0xff, 0xff]);
    else l4h.set([(l4 + body.length) >> 8, (l4 + body.length) & 0xff], 4);
    return concat([mac, Uint8Array.of(0x08, 0x00), ip, l4h, body]).slice(0, 1518);
  });

/** Random and compressible inputs 0..1600 bytes, and frames. */
const input = fc.oneof(
  frame,
  payload,
  fc.uint8Array({ maxLength: 1600 }),
  fc.array(fc.constantFrom(0, 0, 1, 0x41, 0xff), { maxLength: 1600 }).map((a) => Uint8Array.from(a)),
);

const bytes = (r: CompressResult) => {
  if (!r.ok) throw new Error(`${r.reason}: ${r.detail}`);
  return r.out.slice(0, r.length);
};

/** Mutations of a valid stream: byte changes, truncation, an inserted or appended byte. */
function mutate(stream: Uint8Array, kind: number, at: number, value: number): Uint8Array {
  const i = stream.length === 0 ? 0 : at % stream.length;
  switch (kind) {
    case 0: {
      const s = stream.slice();
      if (s.length > 0) s[i] = value;
      return s;
    }
    case 1:
      return stream.slice(0, i);
    case 2:
      return concat([stream.subarray(0, i), Uint8Array.of(value), stream.subarray(i)]);
    default:
      return concat([stream, Uint8Array.of(value)]);
  }
}

const mutation = fc.tuple(fc.integer({ min: 0, max: 3 }), fc.nat(), fc.nat(255));

const RUNS = 120;

describe("LZO1X against liblzo2", () => {
  test("our level 10 and 11 streams decompress with lzo1x_decompress_safe", () => {
    const native = lzo();
    const c = createCompressor();
    fc.assert(
      fc.property(input, fc.constantFrom(10, 11), (data, level) => {
        const r = native.decompressSafe(bytes(c.compress(level, data)), MAXSIZE);
        expect(r.code).toBe(0);
        expect(r.data).toEqual(data);
      }),
      { numRuns: RUNS },
    );
  });

  test("liblzo2's LZO1X-1 and LZO1X-999 streams decompress with ours", () => {
    const native = lzo();
    const c = createCompressor();
    fc.assert(
      fc.property(input, fc.boolean(), (data, best) => {
        const z = best ? native.compress999(data) : native.compress1(data);
        expect(z.code).toBe(0);
        const r = c.decompress(best ? 11 : 10, z.data, MAXSIZE);
        expect(r.ok).toBe(true);
        if (r.ok) expect(r.out.subarray(0, r.length)).toEqual(data);
      }),
      { numRuns: RUNS },
    );
  });

  test("on mutated, truncated and overlong streams ours accepts exactly what liblzo2 accepts", () => {
    const native = lzo();
    const c = createCompressor();
    fc.assert(
      fc.property(
        input,
        fc.boolean(),
        mutation,
        fc.integer({ min: 0, max: MAXSIZE }),
        (data, best, m, limit) => {
          const z = best ? native.compress999(data) : native.compress1(data);
          const stream = mutate(z.data, ...m);
          const theirs = native.decompressSafe(stream, limit);
          const ours = c.decompress(10, stream, limit);
          expect(ours.ok).toBe(theirs.ok);
          if (ours.ok) expect(ours.out.subarray(0, ours.length)).toEqual(theirs.data);
          else expect(ours.detail.length).toBeGreaterThan(0);
        },
      ),
      { numRuns: RUNS * 3 },
    );
  });

  test("random bytes: same verdicts as liblzo2", () => {
    const native = lzo();
    const c = createCompressor();
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (stream) => {
        const theirs = native.decompressSafe(stream, MAXSIZE);
        const ours = c.decompress(11, stream, MAXSIZE);
        expect(ours.ok).toBe(theirs.ok);
        if (ours.ok) expect(ours.out.subarray(0, ours.length)).toEqual(theirs.data);
      }),
      { numRuns: RUNS * 3 },
    );
  });
});

describe("LZ4 against liblz4", () => {
  test("our level 12 blocks decompress with LZ4_decompress_safe (exact-size output too)", () => {
    const native = lz4();
    const c = createCompressor();
    fc.assert(
      fc.property(input, (data) => {
        const block = bytes(c.compress(12, data));
        for (const cap of [MAXSIZE, data.length]) {
          const r = native.decompressSafe(block, cap);
          expect(r.code).toBe(data.length);
          expect(r.data).toEqual(data);
        }
      }),
      { numRuns: RUNS },
    );
  });

  test("liblz4's LZ4_compress_default blocks decompress with ours", () => {
    const native = lz4();
    const c = createCompressor();
    fc.assert(
      fc.property(input, (data) => {
        const z = native.compressDefault(data);
        expect(z.ok).toBe(true);
        const r = c.decompress(12, z.data, MAXSIZE);
        expect(r.ok).toBe(true);
        if (r.ok) expect(r.out.subarray(0, r.length)).toEqual(data);
      }),
      { numRuns: RUNS },
    );
  });

  test("on mutated streams: whatever liblz4 accepts, ours accepts with the same output", () => {
    const native = lz4();
    const c = createCompressor();
    let refusedByBoth = 0;
    fc.assert(
      fc.property(input, mutation, fc.integer({ min: 0, max: MAXSIZE }), (data, m, limit) => {
        const stream = mutate(native.compressDefault(data).data, ...m);
        const theirs = native.decompressSafe(stream, limit);
        const ours = c.decompress(12, stream, limit);
        if (theirs.ok) {
          expect(ours.ok).toBe(true);
          if (ours.ok) expect(ours.out.subarray(0, ours.length)).toEqual(theirs.data);
        }
        if (!ours.ok) {
          expect(ours.detail.length).toBeGreaterThan(0);
          refusedByBoth++;
        }
      }),
      { numRuns: RUNS * 3 },
    );
    expect(refusedByBoth).toBeGreaterThan(0);
  });
});

describe("zlib (levels 1..9) against libz", () => {
  test("node:zlib output uncompresses with libz, and compress2 output inflates with ours", () => {
    const native = zlib();
    const c = createRuntimeCompressor();
    fc.assert(
      fc.property(input, fc.integer({ min: 1, max: 9 }), (data, level) => {
        const ours = bytes(c.compress(level, data, new Uint8Array(MAXSIZE + 64)));
        // RFC 1950 header: CM = 8 (deflate), 32K window, header checksum.
        expect(ours[0]).toBe(0x78);
        expect(((ours[0]! << 8) | ours[1]!) % 31).toBe(0);
        const back = native.uncompress(ours, MAXSIZE);
        expect(back.code).toBe(0);
        expect(back.data).toEqual(data);
        const theirs = native.compress2(data, level);
        expect(theirs.code).toBe(0);
        const r = c.decompress(level, theirs.data, MAXSIZE, new Uint8Array(MAXSIZE));
        expect(r.ok).toBe(true);
        if (r.ok) expect(r.out.subarray(0, r.length)).toEqual(data);
      }),
      { numRuns: RUNS },
    );
  });

  test("on mutated streams ours accepts exactly what uncompress accepts", () => {
    const native = zlib();
    const c = createRuntimeCompressor();
    fc.assert(
      fc.property(input, fc.integer({ min: 1, max: 9 }), mutation, fc.integer({ min: 0, max: MAXSIZE }), (
        data,
        level,
        m,
        limit,
      ) => {
        const stream = mutate(native.compress2(data, level).data, ...m);
        const theirs = native.uncompress(stream, limit);
        const ours = c.decompress(level, stream, limit);
        expect(ours.ok).toBe(theirs.ok);
        if (ours.ok) expect(ours.out.subarray(0, ours.length)).toEqual(theirs.data);
        else expect(ours.detail.length).toBeGreaterThan(0);
      }),
      { numRuns: RUNS * 2 },
    );
  });
});
