import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { cbc, cfb, ctr } from "@noble/ciphers/aes.js";
import { createLegacyStreamCipher, type LegacyStreamCipher } from "./meta_stream.ts";
import { checkMetakeyNids } from "./metakey.ts";

const AES_STREAM_NIDS: Record<number, { key: number; mode: "cfb" | "ofb" | "ctr" }> = {
  421: { key: 16, mode: "cfb" },
  425: { key: 24, mode: "cfb" },
  429: { key: 32, mode: "cfb" },
  420: { key: 16, mode: "ofb" },
  424: { key: 24, mode: "ofb" },
  428: { key: 32, mode: "ofb" },
  904: { key: 16, mode: "ctr" },
  905: { key: 24, mode: "ctr" },
  906: { key: 32, mode: "ctr" },
};

function must<T>(r: { ok: true; value: T } | { ok: false; reason: string }): T {
  if (!r.ok) throw new Error(r.reason);
  return r.value;
}

/** The whole-message reference from @noble/ciphers (OFB = P xor CBC-encryption of zeros). */
function reference(
  mode: "cfb" | "ofb" | "ctr",
  key: Uint8Array,
  iv: Uint8Array,
  data: Uint8Array,
): Uint8Array {
  if (mode === "cfb") return cfb(key, iv).encrypt(data);
  if (mode === "ctr") return ctr(key, iv).encrypt(data);
  const blocks = Math.ceil(data.length / 16);
  const ks = cbc(key, iv, { disablePadding: true }).encrypt(new Uint8Array(blocks * 16));
  return data.map((b, i) => b ^ ks[i]!);
}

function feed(stream: LegacyStreamCipher, data: Uint8Array, cuts: number[]): Uint8Array {
  const points = [...new Set(cuts.map((c) => c % (data.length + 1)))].sort((a, b) => a - b);
  const out = new Uint8Array(data.length);
  let prev = 0;
  for (const p of [...points, data.length]) {
    out.set(stream.update(data.subarray(prev, p)), prev);
    prev = p;
  }
  return out;
}

describe("meta stream cipher against @noble/ciphers", () => {
  test("encrypt in arbitrary chunks = noble's one-shot mode; decrypt in other chunks inverts", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...Object.keys(AES_STREAM_NIDS).map(Number)),
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.uint8Array({ minLength: 16, maxLength: 16 }),
        fc.uint8Array({ maxLength: 700, size: "max" }),
        fc.array(fc.nat(), { maxLength: 12, size: "max" }),
        fc.array(fc.nat(), { maxLength: 12, size: "max" }),
        (nid, keyBytes, iv, data, cutsA, cutsB) => {
          const spec = AES_STREAM_NIDS[nid]!;
          const key = keyBytes.slice(0, spec.key);
          const enc = must(createLegacyStreamCipher(nid, key, iv, "encrypt"));
          const ct = feed(enc, data, cutsA);
          expect(ct).toEqual(reference(spec.mode, key, iv, data));
          const dec = must(createLegacyStreamCipher(nid, key, iv, "decrypt"));
          expect(feed(dec, ct, cutsB)).toEqual(data);
        },
      ),
      { numRuns: 200 },
    );
  });

  test("a stream continues across calls: two messages equal one concatenated message", () => {
    const key = new Uint8Array(32).fill(1);
    const iv = new Uint8Array(16).fill(2);
    const a = must(createLegacyStreamCipher(429, key, iv, "encrypt"));
    const first = a.update(new Uint8Array(5));
    const second = a.update(new Uint8Array(30));
    expect(new Uint8Array([...first, ...second])).toEqual(cfb(key, iv).encrypt(new Uint8Array(35)));
  });

  test("blowfish CFB64 stream round-trips across chunks", () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 16, maxLength: 16 }),
        fc.uint8Array({ minLength: 8, maxLength: 8 }),
        fc.uint8Array({ maxLength: 200, size: "max" }),
        fc.array(fc.nat(), { maxLength: 6, size: "max" }),
        (key, iv, data, cuts) => {
          const enc = must(createLegacyStreamCipher(93, key, iv, "encrypt"));
          const whole = enc.update(data);
          const dec = must(createLegacyStreamCipher(93, key, iv, "decrypt"));
          expect(feed(dec, whole, cuts)).toEqual(data);
        },
      ),
      { numRuns: 40 },
    );
  });
});

describe("refusals", () => {
  test("CBC, none and unknown NIDs cannot be meta streams", () => {
    const k = new Uint8Array(32);
    const iv = new Uint8Array(16);
    expect(createLegacyStreamCipher(427, k, iv, "encrypt")).toEqual({
      ok: false,
      reason: "cipher aes-256-cbc (NID 427) cannot run as a meta-connection stream",
    });
    expect(createLegacyStreamCipher(0, k, iv, "encrypt").ok).toBe(false);
    expect(createLegacyStreamCipher(12345, k, iv, "encrypt")).toEqual({
      ok: false,
      reason: "unsupported cipher NID 12345",
    });
    expect(createLegacyStreamCipher(429, k.subarray(1), iv, "encrypt").ok).toBe(false);
    expect(createLegacyStreamCipher(429, k, iv.subarray(1), "encrypt").ok).toBe(false);
  });

  test("METAKEY NIDs: 0 is refused for either field, unknown NIDs are named", () => {
    expect(checkMetakeyNids(429, 672).ok).toBe(true);
    expect(checkMetakeyNids(0, 672).ok).toBe(false);
    expect(checkMetakeyNids(429, 0).ok).toBe(false);
    expect(checkMetakeyNids(429, 4)).toEqual({ ok: false, reason: "unsupported digest NID 4" });
  });
});
