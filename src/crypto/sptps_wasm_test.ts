// The record ciphers of the data path (the WASM core, SIMD and scalar, and libcrypto through FFI
// where the host has it) against the @noble oracle (single and batched), and their behaviour on
// hostile input: tampering, truncation, oversize records, bad descriptors. The port-level suites
// run once per implementation; the WASM core's raw exports are tested on their own.
import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { chacha20orig } from "@noble/ciphers/chacha.js";
import { poly1305 } from "@noble/ciphers/_poly1305.js";
import { NobleSptpsCipher } from "../core/crypto/sptps_noble.ts";
import { RecordStatus, type SptpsBatchPort, type SptpsCipherPort } from "../core/crypto/cipher_port.ts";
import { coreBytes, toHex } from "./test_core.ts";
import { SINGLE_REGION, WasmSptpsCipher } from "./sptps_wasm.ts";
import { NativeSptpsCipher } from "./sptps_native.ts";

const wasm = WasmSptpsCipher.fromBytes(coreBytes());
const noble = new NobleSptpsCipher({ slots: 1024, arenaSize: 1 << 20, maxBatch: 64 });

const key64 = fc.uint8Array({ minLength: 64, maxLength: 64 });
const seqno = fc.oneof(fc.nat({ max: 1000 }), fc.integer({ min: 0, max: 0xffffffff }));
/** Mostly packet-sized, sometimes up to the 65,535-byte limit. */
const dataLength = fc.oneof(
  { weight: 4, arbitrary: fc.nat({ max: 1500 }) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 65535 }) },
);
const data = dataLength.chain((n) => fc.uint8Array({ minLength: n, maxLength: n }));

function keyBoth(subject: SptpsCipherPort, slot: number, key: Uint8Array, windowBytes = 0): void {
  for (const port of [subject, noble]) {
    port.setKey(slot, "send", key);
    port.setKey(slot, "recv", key);
    port.replayReset(slot, windowBytes, "sptps");
  }
}

/** One implementation under test and how to switch its ChaCha20 path (no-op where there is one). */
interface TestPort {
  name: string;
  port: SptpsCipherPort & SptpsBatchPort;
  simdModes: boolean[];
  setSimd(on: boolean): void;
}

const native = NativeSptpsCipher.tryCreate();
const testPorts: TestPort[] = [
  { name: "WASM core", port: wasm, simdModes: [true, false], setSimd: (on) => wasm.setSimd(on) },
];
if (native.ok) {
  testPorts.push({
    name: `libcrypto (${native.library})`,
    port: native.port,
    simdModes: [true],
    setSimd: () => {},
  });
}

test("libcrypto 3 is found on Linux (the native port must not silently vanish from CI)", () => {
  if (process.platform === "linux") expect(native).toMatchObject({ ok: true });
});

function portSuites(t: TestPort): void {
  const wasm = t.port;
  describe("equivalence with @noble/ciphers (chacha20orig + poly1305 composing tinc's cipher)", () => {
    test("single records: seal gives the same bytes, each side opens the other's", () => {
      fc.assert(
        fc.property(
          key64,
          fc.nat({ max: 1023 }),
          seqno,
          fc.nat({ max: 255 }),
          data,
          fc.boolean(),
          (k, slot, s, type, d, simd) => {
            t.setSimd(simd);
            keyBoth(wasm, slot, k);
            const record = wasm.seal(slot, s, type, d);
            expect(toHex(record)).toBe(toHex(noble.seal(slot, s, type, d)));
            expect(wasm.open(slot, record)).toEqual({ ok: true, type, seqno: s, data: d });
            const body = wasm.sealBody(slot, s, type, d);
            expect(toHex(body)).toBe(toHex(record.subarray(4)));
            expect(noble.openBody(slot, s, body)).toEqual({ ok: true, type, seqno: s, data: d });
          },
        ),
        { numRuns: 60 },
      );
    });

    test("batches: every descriptor sealed and opened in place as the oracle does", () => {
      const packet = fc.record({ seq: seqno, type: fc.nat({ max: 255 }), data, gap: fc.nat({ max: 40 }) });
      fc.assert(
        fc.property(
          key64,
          fc.array(packet, { minLength: 1, maxLength: 12 }),
          fc.boolean(),
          (k, packets, simd) => {
            t.setSimd(simd);
            keyBoth(wasm, 5, k);
            let off = SINGLE_REGION;
            const offsets: number[] = [];
            packets.forEach((p, i) => {
              off += p.gap;
              offsets.push(off);
              wasm.arena.set(p.data, off + 5);
              wasm.writeDescriptor(i, off, p.data.length, p.seq, 5, p.type);
              off += p.data.length + 21;
            });
            expect(wasm.sealBatch(0, packets.length)).toBe(packets.length);
            packets.forEach((p, i) => {
              expect(wasm.statusAt(i)).toBe(RecordStatus.Ok);
              const record = wasm.arena.slice(offsets[i], offsets[i]! + p.data.length + 21);
              expect(toHex(record)).toBe(toHex(noble.seal(5, p.seq, p.type, p.data)));
              wasm.writeDescriptor(i, offsets[i]!, p.data.length + 21, 0, 5, 0);
            });
            expect(wasm.openBatch(0, packets.length)).toBe(packets.length);
            packets.forEach((p, i) => {
              expect(wasm.statusAt(i)).toBe(RecordStatus.Ok);
              expect(wasm.typeAt(i)).toBe(p.type);
              expect(wasm.seqnoAt(i)).toBe(p.seq);
              expect(toHex(wasm.arena.subarray(offsets[i]! + 5, offsets[i]! + 5 + p.data.length))).toBe(
                toHex(p.data),
              );
            });
          },
        ),
        { numRuns: 25 },
      );
    });

    test("every length from 0 to 300 bytes: both paths equal the oracle (all head and tail shapes)", () => {
      const k = Uint8Array.from({ length: 64 }, (_, i) => i * 3);
      keyBoth(wasm, 11, k);
      for (let len = 0; len <= 300; len++) {
        const d = Uint8Array.from({ length: len }, (_, i) => (i * 7 + len) & 0xff);
        const want = toHex(noble.seal(11, len * 1000, 2, d));
        for (const simd of t.simdModes) {
          t.setSimd(simd);
          const record = wasm.seal(11, len * 1000, 2, d);
          expect([len, simd, toHex(record)]).toEqual([len, simd, want]);
          expect(wasm.open(11, record)).toEqual({ ok: true, type: 2, seqno: len * 1000, data: d });
        }
      }
      t.setSimd(true);
    });

    // Only the WASM core has two paths to compare; libcrypto has one, so the test is not defined there.
    if (t.simdModes.length > 1) {
      test("SIMD and scalar paths produce identical records", () => {
        fc.assert(
          fc.property(key64, seqno, data, (k, s, d) => {
            keyBoth(wasm, 9, k);
            t.setSimd(true);
            const a = wasm.seal(9, s, 1, d);
            t.setSimd(false);
            const b = wasm.seal(9, s, 1, d);
            t.setSimd(true);
            expect(toHex(a)).toBe(toHex(b));
          }),
          { numRuns: 40 },
        );
      });
    }
  });

  describe("tampering", () => {
    const key = Uint8Array.from({ length: 64 }, (_, i) => 255 - i);

    for (const simd of t.simdModes) {
      test(`every single-bit flip of a short record is rejected (${simd ? "SIMD" : "scalar"})`, () => {
        t.setSimd(simd);
        keyBoth(wasm, 1, key, 16);
        const record = wasm.seal(1, 7, 0, Uint8Array.from([104, 101, 108, 108, 111]));
        let rejected = 0;
        for (let bit = 0; bit < record.length * 8; bit++) {
          const bad = record.slice();
          bad[bit >> 3]! ^= 1 << (bit & 7);
          const r = wasm.open(1, bad);
          expect(r.ok).toBe(false);
          // Body flips fail the tag; a flipped seqno changes keystream and MAC key, so also the tag.
          if (!r.ok) expect(r.reason).toBe("bad-tag");
          rejected++;
        }
        expect(rejected).toBe(26 * 8);
        // None of the forgeries moved the window: the genuine record still opens, once.
        expect(wasm.open(1, record).ok).toBe(true);
        expect(wasm.open(1, record)).toMatchObject({ ok: false, reason: "replay" });
      });
    }

    test("sampled single-bit flips of long records are rejected", () => {
      fc.assert(
        fc.property(
          fc.constantFrom(1400, 8192, 65535),
          fc.array(fc.nat(), { minLength: 1, maxLength: 16 }),
          fc.boolean(),
          (len, picks, simd) => {
            t.setSimd(simd);
            keyBoth(wasm, 2, key, 16);
            const record = wasm.seal(2, 1, 0, new Uint8Array(len).fill(0x5a));
            for (const p of picks) {
              // Half of the picks land in the tag, the rest anywhere in the encrypted part.
              const bit = p % 2 === 0 ? (record.length - 16) * 8 + (p % 128) : 32 + (p % ((len + 1) * 8));
              const bad = record.slice();
              bad[bit >> 3]! ^= 1 << (bit & 7);
              expect(wasm.open(2, bad)).toMatchObject({ ok: false, reason: "bad-tag" });
            }
            expect(wasm.open(2, record).ok).toBe(true);
          },
        ),
        { numRuns: 12 },
      );
    });

    test("truncated records are rejected without an exception", () => {
      keyBoth(wasm, 3, key, 0);
      const record = wasm.seal(3, 4, 0, new Uint8Array(100).fill(1));
      for (let n = 0; n < record.length; n++) {
        const r = wasm.open(3, record.subarray(0, n));
        expect(r).toMatchObject({ ok: false, reason: n < 21 ? "too-short" : "bad-tag" });
      }
      const body = record.subarray(4);
      for (let n = 0; n < body.length; n++) {
        expect(wasm.openBody(3, 4, body.subarray(0, n))).toMatchObject({
          ok: false,
          reason: n < 17 ? "too-short" : "bad-tag",
        });
      }
      expect(wasm.openBody(3, 4, body).ok).toBe(true);
    });

    test("oversize records are rejected without an exception", () => {
      keyBoth(wasm, 3, key, 0);
      expect(wasm.open(3, new Uint8Array(65535 + 22))).toMatchObject({ ok: false, reason: "too-long" });
      expect(wasm.openBody(3, 0, new Uint8Array(65535 + 18))).toMatchObject({
        ok: false,
        reason: "too-long",
      });
      expect(() => wasm.seal(3, 0, 0, new Uint8Array(65536))).toThrow(RangeError);
    });
  });

  describe("bad arguments return a code, never trap", () => {
    const key = new Uint8Array(64).fill(3);

    test("descriptors pointing outside the arena, at bad slots or at slots without keys", () => {
      keyBoth(wasm, 4, key, 16);
      wasm.clearKey(6, "send");
      wasm.clearKey(6, "recv");
      const size = wasm.arena.length;
      const cases: Array<[number, number, number, RecordStatus, RecordStatus]> = [
        // offset, length, slot, seal status, open status
        [size, 0, 4, RecordStatus.BadRange, RecordStatus.TooShort],
        [size, 21, 4, RecordStatus.BadRange, RecordStatus.BadRange],
        [size - 20, 0, 4, RecordStatus.BadRange, RecordStatus.TooShort],
        [size - 30, 10, 4, RecordStatus.BadRange, RecordStatus.TooShort],
        [0xffffffff, 100, 4, RecordStatus.BadRange, RecordStatus.BadRange],
        [0xfffffff0, 0x20, 4, RecordStatus.BadRange, RecordStatus.BadRange],
        [SINGLE_REGION, 0xffffffff, 4, RecordStatus.TooLong, RecordStatus.TooLong],
        [SINGLE_REGION, 40, 1024, RecordStatus.BadSlot, RecordStatus.BadSlot],
        [SINGLE_REGION, 40, 0xffff, RecordStatus.BadSlot, RecordStatus.BadSlot],
        [SINGLE_REGION, 40, 6, RecordStatus.NoKey, RecordStatus.NoKey],
      ];
      cases.forEach(([off, len, slot], i) => wasm.writeDescriptor(i, off, len, 1, slot, 0));
      expect(wasm.sealBatch(0, cases.length)).toBe(0);
      cases.forEach(([, , , sealStatus], i) => expect([i, wasm.statusAt(i)]).toEqual([i, sealStatus]));
      cases.forEach(([off, len, slot], i) => wasm.writeDescriptor(i, off, len, 0, slot, 0));
      expect(wasm.openBatch(0, cases.length)).toBe(0);
      cases.forEach(([, , , , openStatus], i) => expect([i, wasm.statusAt(i)]).toEqual([i, openStatus]));
    });

    test("a bad packet in a batch does not stop the others", () => {
      keyBoth(wasm, 4, key, 16);
      const a = SINGLE_REGION, b = SINGLE_REGION + 256;
      wasm.arena.fill(9, a + 5, a + 105);
      wasm.arena.fill(8, b + 5, b + 105);
      wasm.writeDescriptor(0, a, 100, 10, 4, 0);
      wasm.writeDescriptor(1, wasm.arena.length, 100, 11, 4, 0);
      wasm.writeDescriptor(2, b, 100, 12, 4, 0);
      expect(wasm.sealBatch(0, 3)).toBe(2);
      expect([wasm.statusAt(0), wasm.statusAt(1), wasm.statusAt(2)]).toEqual([0, RecordStatus.BadRange, 0]);
      wasm.arena[b + 50]! ^= 4;
      wasm.writeDescriptor(0, a, 121, 0, 4, 0);
      wasm.writeDescriptor(1, b, 121, 0, 4, 0);
      wasm.writeDescriptor(2, a, 121, 0, 4, 0);
      expect(wasm.openBatch(0, 3)).toBe(1);
      // The duplicate of the first record meets the window its twin moved (decrypted bytes now fail the tag
      // too, but the replay check comes first and keeps the window's verdict).
      expect([wasm.statusAt(0), wasm.statusAt(1), wasm.statusAt(2)]).toEqual([
        RecordStatus.Ok,
        RecordStatus.BadTag,
        RecordStatus.ReplayDuplicate,
      ]);
      expect(wasm.arena.subarray(a + 5, a + 105).every((v) => v === 9)).toBe(true);
    });

    test("descriptor ranges outside the table", () => {
      expect(wasm.sealBatch(wasm.maxBatch, 1)).toBe(-RecordStatus.BadArgument);
      expect(wasm.openBatch(1, wasm.maxBatch)).toBe(-RecordStatus.BadArgument);
      expect(wasm.openBatch(0xffffffff, 2)).toBe(-RecordStatus.BadArgument);
      expect(wasm.sealBatch(0, 0)).toBe(0);
    });

    test("the facade rejects engine misuse with RangeError and network input never throws", () => {
      expect(() => wasm.setKey(1024, "send", key)).toThrow(RangeError);
      expect(() => wasm.setKey(0, "send", key.subarray(0, 32))).toThrow(RangeError);
      wasm.clearKey(7, "send");
      expect(() => wasm.seal(7, 0, 0, new Uint8Array(1))).toThrow(RangeError);
      expect(wasm.open(-1, new Uint8Array(30))).toMatchObject({ ok: false, reason: "bad-slot" });
      expect(wasm.open(1.5, new Uint8Array(30))).toMatchObject({ ok: false, reason: "bad-slot" });
      wasm.clearKey(7, "recv");
      expect(wasm.open(7, new Uint8Array(30))).toMatchObject({ ok: false, reason: "no-key" });
    });
  });
}

for (const t of testPorts) describe(t.name, () => portSuites(t));

describe("raw primitives against @noble/ciphers", () => {
  const x = wasm.core.exports;

  test("Poly1305, both paths, every block-count shape", () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.oneof(fc.nat({ max: 80 }), fc.nat({ max: 5000 })),
        fc.boolean(),
        (key, len, simd) => {
          x.setSimd(simd ? 1 : 0);
          const msg = Uint8Array.from({ length: len }, (_, i) => (i * 31 + key[0]!) & 0xff);
          wasm.arena.set(key, SINGLE_REGION);
          wasm.arena.set(msg, SINGLE_REGION + 64);
          expect(x.poly1305(SINGLE_REGION, SINGLE_REGION + 64, len, SINGLE_REGION + 32)).toBe(0);
          expect(toHex(wasm.arena.slice(SINGLE_REGION + 32, SINGLE_REGION + 48))).toBe(
            toHex(poly1305(msg, key)),
          );
        },
      ),
      { numRuns: 200 },
    );
    x.setSimd(1);
  });

  test("Poly1305 with an all-ones key and message (largest limbs)", () => {
    const key = new Uint8Array(32).fill(0xff);
    for (const len of [0, 1, 15, 16, 17, 31, 32, 33, 48, 63, 64, 65, 1401, 4096]) {
      const msg = new Uint8Array(len).fill(0xff);
      wasm.arena.set(key, SINGLE_REGION);
      wasm.arena.set(msg, SINGLE_REGION + 64);
      for (const simd of [1, 0]) {
        x.setSimd(simd);
        expect(x.poly1305(SINGLE_REGION, SINGLE_REGION + 64, len, SINGLE_REGION + 32)).toBe(0);
        expect([len, simd, toHex(wasm.arena.slice(SINGLE_REGION + 32, SINGLE_REGION + 48))])
          .toEqual([len, simd, toHex(poly1305(msg, key))]);
      }
    }
    x.setSimd(1);
  });

  test("original ChaCha20 keystream, both paths, any length and counter", () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.uint8Array({ minLength: 8, maxLength: 8 }),
        fc.nat({ max: 1 << 20 }),
        fc.nat({ max: 3000 }),
        fc.boolean(),
        (key, nonce, counter, len, simd) => {
          x.setSimd(simd ? 1 : 0);
          const n = new DataView(nonce.buffer);
          wasm.arena.set(key, SINGLE_REGION);
          wasm.arena.fill(0, SINGLE_REGION + 64, SINGLE_REGION + 64 + len);
          const status = x.chacha20Xor(
            SINGLE_REGION,
            counter,
            0,
            n.getUint32(0, true),
            n.getUint32(4, true),
            1,
            SINGLE_REGION + 64,
            SINGLE_REGION + 64,
            len,
          );
          expect(status).toBe(0);
          const want = chacha20orig(key, nonce, new Uint8Array(len), undefined, counter);
          expect(toHex(wasm.arena.slice(SINGLE_REGION + 64, SINGLE_REGION + 64 + len))).toBe(toHex(want));
        },
      ),
      { numRuns: 100 },
    );
    x.setSimd(1);
  });

  test("raw exports check their ranges", () => {
    const size = x.arenaSize();
    expect(x.chacha20Xor(0, 0, 0, 0, 0, 1, 0, size - 10, 11)).toBe(RecordStatus.BadRange);
    expect(x.chacha20Xor(size - 31, 0, 0, 0, 0, 1, 0, 0, 1)).toBe(RecordStatus.BadRange);
    expect(x.chacha20Xor(0, 0, 0, 0, 0, 1, 0, 0, 0xffffffff)).toBe(RecordStatus.BadRange);
    expect(x.poly1305(0, 0xffffff00, 0x200, 0)).toBe(RecordStatus.BadRange);
    expect(x.chacha20Block(0, x.arenaBase())).toBe(RecordStatus.BadRange);
    expect(x.chacha20Block(x.stagingBase(), 0xfffffff0)).toBe(RecordStatus.BadRange);
    expect(x.setKey(1024, 0)).toBe(RecordStatus.BadSlot);
    expect(x.setKey(0, 2)).toBe(RecordStatus.BadArgument);
    expect(x.replayReset(0, 257, 0)).toBe(RecordStatus.BadArgument);
    expect(x.replayCheck(5000, 1)).toBe(RecordStatus.BadSlot);
    expect(x.openBody(SINGLE_REGION, 40, 0, 1 << 20)).toBe(-RecordStatus.BadSlot);
    expect(x.sealRecord(SINGLE_REGION, 10, 0, 0xffffffff, 0)).toBe(RecordStatus.BadSlot);
  });
});
