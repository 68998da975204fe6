import { describe, expect, test } from "bun:test";
import {
  cipherByName,
  cipherByNid,
  CIPHERS,
  digestByName,
  digestByNid,
  metaCipherForPacketCipher,
  packetKeyMaterialLength,
} from "./nid.ts";

describe("NID table (spec 1.0 §5)", () => {
  test("AES rows: key, IV and EVP block sizes by mode", () => {
    const rows = [...CIPHERS.values()].filter((c) => c.algorithm === "aes").map((c) => [
      c.nid,
      c.name,
      c.keyLength,
      c.ivLength,
      c.blockSize,
    ]);
    expect(rows).toEqual([
      [419, "aes-128-cbc", 16, 16, 16],
      [420, "aes-128-ofb", 16, 16, 1],
      [421, "aes-128-cfb", 16, 16, 1],
      [423, "aes-192-cbc", 24, 16, 16],
      [424, "aes-192-ofb", 24, 16, 1],
      [425, "aes-192-cfb", 24, 16, 1],
      [427, "aes-256-cbc", 32, 16, 16],
      [428, "aes-256-ofb", 32, 16, 1],
      [429, "aes-256-cfb", 32, 16, 1],
      [904, "aes-128-ctr", 16, 16, 1],
      [905, "aes-192-ctr", 24, 16, 1],
      [906, "aes-256-ctr", 32, 16, 1],
    ]);
  });

  test("blowfish, none and digests", () => {
    const bf = cipherByNid(91);
    expect(bf.ok && [bf.value.name, bf.value.keyLength, bf.value.ivLength, bf.value.blockSize]).toEqual([
      "bf-cbc",
      16,
      8,
      8,
    ]);
    const sizes = [64, 672, 673, 674].map((n) => {
      const d = digestByNid(n);
      return d.ok ? [d.value.name, d.value.size] : d.reason;
    });
    expect(sizes).toEqual([["sha1", 20], ["sha256", 32], ["sha384", 48], ["sha512", 64]]);
  });

  test("unknown NIDs are refused with a reason naming them", () => {
    expect(cipherByNid(44)).toEqual({ ok: false, reason: "unsupported cipher NID 44" });
    expect(cipherByNid(753)).toEqual({ ok: false, reason: "unsupported cipher NID 753" });
    expect(digestByNid(4)).toEqual({ ok: false, reason: "unsupported digest NID 4" });
    expect(digestByNid(117)).toEqual({ ok: false, reason: "unsupported digest NID 117" });
  });

  test("ANS_KEY key material lengths: key + IV, or 1 byte for none", () => {
    const len = (nid: number) => {
      const c = cipherByNid(nid);
      return c.ok ? packetKeyMaterialLength(c.value) : -1;
    };
    expect([len(427), len(419), len(423), len(91), len(0)]).toEqual([48, 32, 40, 24, 1]);
  });

  test("meta cipher follows the packet cipher's key length", () => {
    const meta = (nid: number) => metaCipherForPacketCipher(CIPHERS.get(nid)!).nid;
    expect([meta(427), meta(423), meta(419), meta(91), meta(0)]).toEqual([429, 425, 421, 421, 421]);
  });

  test("configuration names", () => {
    const c = cipherByName("AES-256-CBC");
    expect(c.ok && c.value.nid).toBe(427);
    const b = cipherByName("blowfish");
    expect(b.ok && b.value.nid).toBe(91);
    const d = digestByName("SHA512");
    expect(d.ok && d.value.nid).toBe(674);
    expect(cipherByName("des-ede3-cbc").ok).toBe(false);
  });
});
