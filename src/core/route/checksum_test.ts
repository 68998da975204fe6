import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import {
  checksumValid,
  internetChecksum,
  ipv6PseudoSum,
  readU16,
  sumWords,
  updateChecksum,
  writeU16,
} from "./checksum.ts";
import { concat, pseudo6, referenceChecksum, referenceVerifies } from "./test_packets.ts";

describe("internet checksum", () => {
  test("RFC 1071 §3 example words sum to ddf2", () => {
    const data = new Uint8Array([0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7]);
    expect(sumWords(data, 0, data.length)).toBe(0xddf2);
    expect(internetChecksum(data, 0, data.length)).toBe(0x220d);
  });

  test("a well-known IPv4 header (192.168.0.1 -> 192.168.0.199, checksum b861) verifies", () => {
    const header = new Uint8Array([
      0x45,
      0,
      0,
      0x73,
      0,
      0,
      0x40,
      0,
      0x40,
      0x11,
      0xb8,
      0x61,
      192,
      168,
      0,
      1,
      192,
      168,
      0,
      199,
    ]);
    expect(checksumValid(header, 0, 20)).toBe(true);
    header[10] = 0;
    header[11] = 0;
    expect(internetChecksum(header, 0, 20)).toBe(0xb861);
  });

  test("agrees with the reference on random data, odd lengths included", () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), (data) => {
      expect(internetChecksum(data, 0, data.length)).toBe(referenceChecksum(data));
    }));
  });

  test("a stored checksum verifies under both implementations", () => {
    fc.assert(fc.property(fc.uint8Array({ minLength: 4, maxLength: 200 }), (data) => {
      const d = data.length % 2 === 0 ? data : concat(data, [0]);
      writeU16(d, 2, 0);
      writeU16(d, 2, internetChecksum(d, 0, d.length));
      expect(checksumValid(d, 0, d.length)).toBe(true);
      expect(referenceVerifies(d)).toBe(true);
    }));
  });

  test("RFC 1624 update equals recomputation", () => {
    fc.assert(fc.property(
      fc.uint8Array({ minLength: 8, maxLength: 100 }),
      fc.nat(),
      fc.integer({ min: 0, max: 0xffff }),
      (data, at, value) => {
        const d = data.length % 2 === 0 ? data : concat(data, [0]);
        writeU16(d, 0, 0);
        writeU16(d, 0, internetChecksum(d, 0, d.length));
        const pos = 2 + 2 * (at % ((d.length - 2) / 2));
        const old = readU16(d, pos);
        writeU16(d, pos, value);
        writeU16(d, 0, updateChecksum(readU16(d, 0), old, value));
        expect(referenceVerifies(d)).toBe(true);
      },
    ));
  });

  test("IPv6 pseudo-header sum matches the reference layout", () => {
    const header = new Uint8Array(40);
    for (let i = 8; i < 40; i++) header[i] = i * 13;
    const body = new Uint8Array([135, 0, 0, 0, 1, 2, 3, 4, 5]);
    const mine = internetChecksum(body, 0, body.length, ipv6PseudoSum(header, 0, body.length, 58));
    const ref = referenceChecksum(pseudo6(header.slice(8, 24), header.slice(24, 40), 58, body.length), body);
    expect(mine).toBe(ref);
  });
});
