// The pure TypeScript cipher port: spec 1.1 §1.9 records byte for byte, batches, hostile input.
import { describe, expect, test } from "bun:test";
import sptps from "../../../test/vectors/sptps.json" with { type: "json" };
import { RecordStatus } from "./cipher_port.ts";
import { NobleSptpsCipher } from "./sptps_noble.ts";

const fromHex = (s: string) => Uint8Array.from(s.match(/../g) ?? [], (h) => parseInt(h, 16));
const toHex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
const ascii = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));

function key64(hex32: string): Uint8Array {
  const k = new Uint8Array(64);
  k.set(fromHex(hex32));
  return k;
}

describe("NobleSptpsCipher", () => {
  for (const r of sptps.records) {
    test(`spec 1.1 §1.9: ${r.name}`, () => {
      const c = new NobleSptpsCipher({ slots: 4 });
      const k = key64((sptps.keys as Record<string, string>)[r.key]!);
      c.setKey(1, "send", k);
      c.setKey(1, "recv", k);
      expect(toHex(c.seal(1, r.seqno, r.type, ascii(r.dataAscii)))).toBe(r.datagram);
      expect(toHex(c.sealBody(1, r.seqno, r.type, ascii(r.dataAscii)))).toBe(r.stream.slice(4));
      expect(c.open(1, fromHex(r.datagram))).toEqual({
        ok: true,
        type: r.type,
        seqno: r.seqno,
        data: ascii(r.dataAscii),
      });
      expect(c.open(1, fromHex(r.datagram))).toMatchObject({ ok: false, reason: "replay" });
      expect(c.openBody(1, r.seqno, fromHex(r.stream.slice(4)))).toMatchObject({ ok: true, type: r.type });
      expect(c.openBody(1, r.seqno + 1, fromHex(r.stream.slice(4)))).toMatchObject({
        ok: false,
        reason: "bad-tag",
      });
    });
  }

  test("batch seal and open in the arena, with a forged and a misplaced packet", () => {
    const c = new NobleSptpsCipher({ slots: 4, arenaSize: 4096, maxBatch: 8 });
    const k = key64("00".repeat(31) + "01");
    c.setKey(2, "send", k);
    c.setKey(2, "recv", k);
    c.arena.fill(7, 5, 105);
    c.arena.fill(8, 205, 305);
    c.writeDescriptor(0, 0, 100, 1, 2, 3);
    c.writeDescriptor(1, 200, 100, 2, 2, 4);
    c.writeDescriptor(2, 4000, 100, 3, 2, 4);
    expect(c.sealBatch(0, 3)).toBe(2);
    expect(c.statusAt(2)).toBe(RecordStatus.BadRange);
    c.arena[250]! ^= 1;
    c.writeDescriptor(0, 0, 121, 0, 2, 0);
    c.writeDescriptor(1, 200, 121, 0, 2, 0);
    expect(c.openBatch(0, 2)).toBe(1);
    expect([c.statusAt(0), c.typeAt(0), c.seqnoAt(0)]).toEqual([RecordStatus.Ok, 3, 1]);
    expect(c.statusAt(1)).toBe(RecordStatus.BadTag);
    expect(c.arena.subarray(5, 105).every((v) => v === 7)).toBe(true);
    expect(c.sealBatch(7, 2)).toBe(-RecordStatus.BadArgument);
  });

  test("bad input is a reason, misuse is a RangeError", () => {
    const c = new NobleSptpsCipher({ slots: 2 });
    expect(c.open(0, new Uint8Array(40))).toMatchObject({ ok: false, reason: "no-key" });
    expect(c.open(2, new Uint8Array(40))).toMatchObject({ ok: false, reason: "bad-slot" });
    expect(c.open(0, new Uint8Array(20))).toMatchObject({ ok: false, reason: "too-short" });
    expect(c.open(0, new Uint8Array(65535 + 22))).toMatchObject({ ok: false, reason: "too-long" });
    expect(() => c.seal(0, 0, 0, new Uint8Array(1))).toThrow(RangeError);
    expect(() => c.setKey(0, "send", new Uint8Array(32))).toThrow(RangeError);
    expect(() => c.replayReset(0, 257, "sptps")).toThrow(RangeError);
  });
});
