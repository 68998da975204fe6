import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { fromBase64, fromHex, toBase64, toHexUpper } from "./bytes.ts";
import { challengeReplyHex, verifyChallengeReply } from "./challenge.ts";
import { newPacketKeyMaterial, parsePacketKeyMaterial, splitPacketKeyMaterial } from "./key_material.ts";
import { CIPHERS } from "./nid.ts";

describe("hex and base64", () => {
  test("hex: uppercase out, either case in, round trip", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 100, size: "max" }), (b) => {
        const h = toHexUpper(b);
        expect(h).toBe(Buffer.from(b).toString("hex").toUpperCase());
        expect(fromHex(h)).toEqual({ ok: true, value: b });
        expect(fromHex(h.toLowerCase())).toEqual({ ok: true, value: b });
      }),
    );
    expect(fromHex("abc").ok).toBe(false);
    expect(fromHex("0g").ok).toBe(false);
  });

  test("base64 agrees with Buffer", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 100, size: "max" }), (b) => {
        const s = toBase64(b);
        expect(s).toBe(Buffer.from(b).toString("base64"));
        expect(fromBase64(s)).toEqual({ ok: true, value: b });
      }),
    );
    expect(fromBase64("A").ok).toBe(false);
    expect(fromBase64("AB*=").ok).toBe(false);
  });
});

describe("CHAL_REPLY", () => {
  test("spec vector: 256 zero bytes with sha256", () => {
    const want = "5341E6B2646979A70E57653007A1F310169421EC9BDD9F1A5648F75ADE005AF1";
    expect(challengeReplyHex(new Uint8Array(256), 672)).toEqual({ ok: true, value: want });
    expect(verifyChallengeReply(new Uint8Array(256), 672, want)).toEqual({ ok: true, value: true });
    expect(verifyChallengeReply(new Uint8Array(256), 672, want.toLowerCase()).ok).toBe(true);
    expect(verifyChallengeReply(new Uint8Array(256), 672, want.slice(2)).ok).toBe(false);
    expect(verifyChallengeReply(new Uint8Array(256), 64, want).ok).toBe(false);
    expect(challengeReplyHex(new Uint8Array(256), 4)).toEqual({
      ok: false,
      reason: "unsupported digest NID 4",
    });
  });

  test("other digests have their own lengths", () => {
    for (const [nid, size] of [[64, 20], [673, 48], [674, 64]] as const) {
      const r = challengeReplyHex(new Uint8Array(256), nid);
      expect(r.ok && r.value.length).toBe(2 * size);
    }
  });
});

describe("ANS_KEY key material", () => {
  test("key first, then IV; exact length required", () => {
    const aes = CIPHERS.get(427)!;
    const mat = newPacketKeyMaterial(aes, (n) => Uint8Array.from({ length: n }, (_, i) => i));
    expect(mat.length).toBe(48);
    const { key, iv } = splitPacketKeyMaterial(mat, aes);
    expect(key[0]).toBe(0);
    expect(iv[0]).toBe(32);
    const hex = toHexUpper(mat);
    expect(parsePacketKeyMaterial(hex, 427)).toEqual({ ok: true, value: mat });
    expect(parsePacketKeyMaterial(hex.slice(2), 427).ok).toBe(false);
    expect(parsePacketKeyMaterial("AB", 0).ok).toBe(true);
    expect(parsePacketKeyMaterial("ABCD", 0).ok).toBe(false);
    expect(parsePacketKeyMaterial(hex, 44)).toEqual({ ok: false, reason: "unsupported cipher NID 44" });
  });
});
