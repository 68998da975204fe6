import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { nodeIdHex, nodeIdOf } from "./node_id.ts";

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
