import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import {
  CIPHERS,
  DIGESTS,
  type LegacyPacketParams,
  packetKeyMaterialLength,
  pureLegacyCrypto,
} from "../core/crypto/legacy/mod.ts";
import {
  chooseLegacyCrypto,
  createNativeStreamCipher,
  measureLegacyPacketThroughput,
  nativeLegacyCrypto,
  NativeLegacyPacketCodec,
} from "./legacy_native.ts";

function must<T>(r: { ok: true; value: T } | { ok: false; reason: string }): T {
  if (!r.ok) throw new Error(r.reason);
  return r.value;
}

const CIPHER_NIDS = [...CIPHERS.keys()];
const DIGEST_NIDS = [...DIGESTS.keys()];
const STREAM_NIDS = [...CIPHERS.values()].filter((c) =>
  c.mode === "cfb" || c.mode === "ofb" || c.mode === "ctr"
)
  .map((c) => c.nid);

const paramsArb = fc.record({
  cipherNid: fc.constantFrom(...CIPHER_NIDS),
  digestNid: fc.constantFrom(...DIGEST_NIDS),
  macSeed: fc.nat(),
  keyBytes: fc.uint8Array({ minLength: 48, maxLength: 48 }),
}).map(({ cipherNid, digestNid, macSeed, keyBytes }): LegacyPacketParams => ({
  cipherNid,
  digestNid,
  macLength: macSeed % (DIGESTS.get(digestNid)!.size + 1),
  keyMaterial: keyBytes.slice(0, packetKeyMaterialLength(CIPHERS.get(cipherNid)!)),
}));

describe("native legacy packet codec = pure codec", () => {
  test("AES-CBC/SHA-256 and friends are served natively (not through the fallback)", () => {
    for (const cipherNid of [419, 423, 427, 421, 429, 904, 906, 91, 0]) {
      const p = { cipherNid, digestNid: 672, macLength: 4, keyMaterial: new Uint8Array(48) };
      p.keyMaterial = p.keyMaterial.subarray(0, packetKeyMaterialLength(CIPHERS.get(cipherNid)!));
      expect(NativeLegacyPacketCodec.create(p).ok).toBe(true);
    }
  });

  test("same datagrams for random keys, NIDs, MAC lengths, seqnos and frame lengths; each opens the other's", () => {
    fc.assert(
      fc.property(
        paramsArb,
        fc.nat({ max: 0xffffffff }),
        fc.uint8Array({ maxLength: 1600, size: "max" }),
        (params, seqno, frame) => {
          const pure = must(pureLegacyCrypto.createPacketCodec(params));
          const native = must(nativeLegacyCrypto.createPacketCodec(params));
          const a = pure.seal(seqno, frame);
          const b = native.seal(seqno, frame);
          expect(b).toEqual(a);
          expect(native.sealedLength(frame.length)).toBe(a.length);
          expect(native.open(a)).toEqual({ ok: true, seqno, frame });
          expect(pure.open(b)).toEqual({ ok: true, seqno, frame });
          expect(native.verifyMac(a)).toBe(pure.verifyMac(a));
        },
      ),
      { numRuns: 250 },
    );
  });

  test("same verdicts on tampered and random datagrams, never an exception", () => {
    fc.assert(
      fc.property(
        paramsArb,
        fc.uint8Array({ maxLength: 300, size: "max" }),
        fc.nat(),
        fc.uint8Array({ maxLength: 80, size: "max" }),
        (params, frame, bit, garbage) => {
          const pure = must(pureLegacyCrypto.createPacketCodec(params));
          const native = must(nativeLegacyCrypto.createPacketCodec(params));
          const d = pure.seal(9, frame);
          const t = d.slice();
          const i = bit % (t.length * 8);
          t[i >> 3]! ^= 1 << (i & 7);
          expect(native.open(t)).toEqual(pure.open(t));
          expect(native.open(garbage)).toEqual(pure.open(garbage));
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe("native meta stream = pure meta stream", () => {
  test("random keys, NIDs and chunkings give the same bytes both ways", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...STREAM_NIDS),
        fc.uint8Array({ minLength: 48, maxLength: 48 }),
        fc.uint8Array({ maxLength: 600, size: "max" }),
        fc.array(fc.nat({ max: 40 }), { minLength: 1, maxLength: 30, size: "max" }),
        (nid, keyBytes, data, sizes) => {
          const spec = CIPHERS.get(nid)!;
          const key = keyBytes.slice(0, spec.keyLength);
          const iv = keyBytes.slice(32, 32 + spec.ivLength);
          const pe = must(pureLegacyCrypto.createStreamCipher(nid, key, iv, "encrypt"));
          const ne = must(nativeLegacyCrypto.createStreamCipher(nid, key, iv, "encrypt"));
          const nd = must(nativeLegacyCrypto.createStreamCipher(nid, key, iv, "decrypt"));
          const pd = must(pureLegacyCrypto.createStreamCipher(nid, key, iv, "decrypt"));
          let at = 0;
          for (let k = 0; at < data.length; k++) {
            const n = sizes[k % sizes.length]! + (k % 3);
            const chunk = data.subarray(at, at + n);
            const c = pe.update(chunk);
            expect(ne.update(chunk)).toEqual(c);
            expect(nd.update(c)).toEqual(chunk);
            expect(pd.update(c)).toEqual(chunk);
            at += chunk.length;
          }
        },
      ),
      { numRuns: 150 },
    );
  });

  test("aes-256-cfb runs natively; a cipher the runtime lacks falls back to pure, CBC is refused", () => {
    const k = new Uint8Array(32);
    const iv = new Uint8Array(16);
    expect(createNativeStreamCipher(429, k, iv, "encrypt").ok).toBe(true);
    expect(nativeLegacyCrypto.createStreamCipher(425, k.subarray(0, 24), iv, "encrypt").ok).toBe(true);
    expect(nativeLegacyCrypto.createStreamCipher(427, k, iv, "encrypt").ok).toBe(false);
  });
});

describe("provider choice", () => {
  test("throughput is measured within its budget and the choice is one of the two providers", () => {
    expect(measureLegacyPacketThroughput(nativeLegacyCrypto, 1400, 5)).toBeGreaterThan(0);
    expect([nativeLegacyCrypto, pureLegacyCrypto]).toContain(chooseLegacyCrypto(5));
  });
});
