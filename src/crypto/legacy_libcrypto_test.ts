import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import {
  CIPHERS,
  DIGESTS,
  type LegacyPacketParams,
  packetKeyMaterialLength,
  pureLegacyCrypto,
  validatePacketParams,
} from "../core/crypto/legacy/mod.ts";
import { LibcryptoLegacyPacketCodec } from "./legacy_libcrypto.ts";
import { NativeLegacyPacketCodec } from "./legacy_native.ts";

function must<T>(r: { ok: true; value: T } | { ok: false; reason: string }): T {
  if (!r.ok) throw new Error(r.reason);
  return r.value;
}

const CBC_NIDS = [...CIPHERS.values()].filter((c) => c.mode === "cbc").map((c) => c.nid);
const DIGEST_NIDS = [...DIGESTS.keys()].filter((nid) => nid !== 0);

const paramsArb = fc.record({
  cipherNid: fc.constantFrom(...CBC_NIDS),
  digestNid: fc.constantFrom(...DIGEST_NIDS),
  macSeed: fc.nat(),
  keyBytes: fc.uint8Array({ minLength: 64, maxLength: 64 }),
}).map(({ cipherNid, digestNid, macSeed, keyBytes }): LegacyPacketParams => ({
  cipherNid,
  digestNid,
  macLength: macSeed % (DIGESTS.get(digestNid)!.size + 1),
  keyMaterial: keyBytes.slice(0, packetKeyMaterialLength(CIPHERS.get(cipherNid)!)),
}));

/** The libcrypto codec for `params`, or undefined where libcrypto lacks the cipher (Blowfish). */
function libcryptoCodec(params: LegacyPacketParams): LibcryptoLegacyPacketCodec | undefined {
  const v = must(validatePacketParams(params));
  const native = must(NativeLegacyPacketCodec.create(params));
  return LibcryptoLegacyPacketCodec.create(v, native.macLength, native);
}

describe("libcrypto legacy packet codec = pure codec", () => {
  test("AES-256-CBC with HMAC-SHA256 (tinc's default) is served by libcrypto", () => {
    const codec = libcryptoCodec({
      cipherNid: 427,
      digestNid: 672,
      macLength: 4,
      keyMaterial: new Uint8Array(48).fill(3),
    });
    expect(codec).toBeInstanceOf(LibcryptoLegacyPacketCodec);
  });

  test("one codec, many packets (the contexts are rewound per packet): same bytes as pure, both directions", () => {
    fc.assert(
      fc.property(
        paramsArb,
        fc.array(fc.tuple(fc.nat({ max: 0xffffffff }), fc.uint8Array({ maxLength: 1600, size: "max" })), {
          minLength: 1,
          maxLength: 6,
        }),
        (params, packets) => {
          const fast = libcryptoCodec(params);
          if (fast === undefined) return;
          const pure = must(pureLegacyCrypto.createPacketCodec(params));
          for (const [seqno, frame] of packets) {
            const d = pure.seal(seqno, frame);
            expect(fast.seal(seqno, frame)).toEqual(d);
            expect(fast.sealedLength(frame.length)).toBe(d.length);
            expect(fast.open(d)).toEqual({ ok: true, seqno, frame });
            expect(fast.verifyMac(d)).toBe(pure.verifyMac(d));
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  test("same verdicts as pure on tampered and random datagrams, and a good packet opens right after", () => {
    fc.assert(
      fc.property(
        paramsArb,
        fc.uint8Array({ maxLength: 300, size: "max" }),
        fc.nat(),
        fc.uint8Array({ maxLength: 80, size: "max" }),
        (params, frame, bit, garbage) => {
          const fast = libcryptoCodec(params);
          if (fast === undefined) return;
          const pure = must(pureLegacyCrypto.createPacketCodec(params));
          const d = pure.seal(9, frame);
          const t = d.slice();
          const i = bit % (t.length * 8);
          t[i >> 3]! ^= 1 << (i & 7);
          expect(fast.open(t)).toEqual(pure.open(t));
          expect(fast.open(garbage)).toEqual(pure.open(garbage));
          expect(fast.verifyMac(garbage)).toBe(pure.verifyMac(garbage));
          expect(fast.open(d)).toEqual({ ok: true, seqno: 9, frame });
        },
      ),
      { numRuns: 300 },
    );
  });

  test("a frame larger than the scratch buffer goes through the fallback, same bytes", () => {
    const params = { cipherNid: 427, digestNid: 672, macLength: 4, keyMaterial: new Uint8Array(48).fill(5) };
    const fast = libcryptoCodec(params)!;
    const pure = must(pureLegacyCrypto.createPacketCodec(params));
    const frame = new Uint8Array(9000).map((_, i) => i * 7);
    const d = pure.seal(77, frame);
    expect(fast.seal(77, frame)).toEqual(d);
    expect(fast.open(d)).toEqual({ ok: true, seqno: 77, frame });
    expect(fast.verifyMac(d)).toBe(true);
  });
});
