import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { isDirectNodeId, nodeIdHex, nodeIdOf } from "./node_id.ts";

describe("nodeIdHex", () => {
  test("two lower-case digits per byte, leading zeros kept", () => {
    expect(nodeIdHex(new Uint8Array([0, 1, 0x0f, 0x10, 0xab, 0xff]))).toBe("00010f10abff");
    expect(nodeIdHex(new Uint8Array(0))).toBe("");
  });

  test("matches a per-byte toString(16) rendering for any bytes", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 16 }), (bytes) => {
        const expected = [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
        expect(nodeIdHex(bytes)).toBe(expected);
      }),
    );
  });

  test("is the hex of the first six bytes of SHA-512 of the name", () => {
    // SHA-512("") starts cf83e1357eef…
    expect(nodeIdHex(nodeIdOf(""))).toBe("cf83e1357eef");
  });
});

describe("isDirectNodeId", () => {
  test("true only for six zero bytes", () => {
    expect(isDirectNodeId(new Uint8Array(6))).toBe(true);
    expect(isDirectNodeId(new Uint8Array(5))).toBe(false);
    expect(isDirectNodeId(new Uint8Array(7))).toBe(false);
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 6, maxLength: 6 }), (id) => {
        expect(isDirectNodeId(id)).toBe(id.every((b) => b === 0));
      }),
    );
    for (let i = 0; i < 6; i++) {
      const id = new Uint8Array(6);
      id[i] = 0x80;
      expect(isDirectNodeId(id)).toBe(false);
    }
  });
});
