import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { createCipheriv } from "node:crypto";
import { fromHex, toHexUpper } from "./bytes.ts";
import { BlowfishBlockCipher } from "./blowfish.ts";

function hex(s: string): Uint8Array {
  const r = fromHex(s);
  if (!r.ok) throw new Error(r.reason);
  return r.value;
}

function encrypt(keyHex: string, ptHex: string): string {
  const out = new Uint8Array(8);
  new BlowfishBlockCipher(hex(keyHex)).encryptBlock(hex(ptHex), 0, out, 0);
  return toHexUpper(out);
}

describe("Blowfish", () => {
  // Eric Young's published Blowfish test vectors (8-byte keys).
  test("known-answer vectors", () => {
    expect(encrypt("0000000000000000", "0000000000000000")).toBe("4EF997456198DD78");
    expect(encrypt("FFFFFFFFFFFFFFFF", "FFFFFFFFFFFFFFFF")).toBe("51866FD5B85ECB8A");
    expect(encrypt("3000000000000000", "1000000000000001")).toBe("7D856F9A613063F2");
    expect(encrypt("0123456789ABCDEF", "1111111111111111")).toBe("61F9C3802281B096");
    expect(encrypt("FEDCBA9876543210", "0123456789ABCDEF")).toBe("0ACEAB0FC6A0A28D");
  });

  test("agrees with the runtime's bf-cbc (OpenSSL/BoringSSL) on one block, and decrypts", () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 16, maxLength: 16 }),
        fc.uint8Array({ minLength: 8, maxLength: 8 }),
        (key, block) => {
          const bf = new BlowfishBlockCipher(key);
          const out = new Uint8Array(8);
          bf.encryptBlock(block, 0, out, 0);
          const c = createCipheriv("bf-cbc", key, new Uint8Array(8));
          c.setAutoPadding(false);
          expect(out).toEqual(new Uint8Array(c.update(block)));
          const back = new Uint8Array(8);
          bf.decryptBlock(out, 0, back, 0);
          expect(back).toEqual(block);
        },
      ),
      { numRuns: 20 },
    );
  });
});
