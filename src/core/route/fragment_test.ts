import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { fragmentIpv4 } from "./fragment.ts";
import { ethernet, ETHERTYPE, ip4, ipv4, mac, pattern, referenceVerifies, word } from "./test_packets.ts";

const DST = mac("02:00:00:00:00:02");
const SRC = mac("02:00:00:00:00:01");

interface Piece {
  offset: number;
  more: boolean;
  data: Uint8Array;
  header: Uint8Array;
}

/** Reads fragments like a receiver would: checks each header, then lays the data out by offset. */
function reassemble(
  fragments: Uint8Array[],
  link: number,
  mtu: number,
): { pieces: Piece[]; data: Uint8Array } {
  const pieces: Piece[] = [];
  for (const f of fragments) {
    expect(f.length).toBeLessThanOrEqual(mtu);
    const hl = (f[link]! & 0x0f) * 4;
    const header = f.slice(link, link + hl);
    expect(referenceVerifies(header)).toBe(true);
    expect(word(f, link + 2)).toBe(f.length - link);
    const fo = word(f, link + 6);
    pieces.push({ offset: (fo & 0x1fff) * 8, more: (fo & 0x2000) !== 0, data: f.slice(link + hl), header });
  }
  const base = Math.min(...pieces.map((p) => p.offset));
  const total = pieces.reduce((n, p) => Math.max(n, p.offset + p.data.length), 0) - base;
  const data = new Uint8Array(total);
  let covered = 0;
  for (const p of pieces) {
    data.set(p.data, p.offset - base);
    covered += p.data.length;
  }
  expect(covered).toBe(total);
  return { pieces, data };
}

describe("IPv4 fragmentation", () => {
  test("fragments reassemble to the original payload, with 8-byte offsets and MF on all but the last", () => {
    const payload = pattern(3000, 5);
    const f = ethernet(
      DST,
      SRC,
      ETHERTYPE.ipv4,
      ipv4({ src: ip4("10.0.0.1"), dst: ip4("10.0.0.2"), protocol: 17, payload }),
    );
    const out = fragmentIpv4(f, f.length, 14, 1000);
    if (typeof out === "string") throw new Error(out);
    expect(out.length).toBe(4);
    const { pieces, data } = reassemble(out, 14, 1000);
    expect(data).toEqual(payload);
    pieces.forEach((p, i) => {
      expect(p.offset % 8).toBe(0);
      expect(p.more).toBe(i < pieces.length - 1);
      if (i < pieces.length - 1) expect(p.data.length % 8).toBe(0);
      expect(p.header.slice(4, 6)).toEqual(f.slice(18, 20));
      expect(p.header.slice(8, 10)).toEqual(f.slice(22, 24));
    });
    for (const frag of out) expect(frag.slice(0, 14)).toEqual(f.slice(0, 14));
  });

  test("a fragment of a fragment keeps MF and continues the original offset", () => {
    const payload = pattern(1600);
    const f = ethernet(
      DST,
      SRC,
      ETHERTYPE.ipv4,
      ipv4({ src: ip4("10.0.0.1"), dst: ip4("10.0.0.2"), protocol: 17, payload, flagsOffset: 0x2000 | 100 }),
    );
    const out = fragmentIpv4(f, f.length, 14, 900);
    if (typeof out === "string") throw new Error(out);
    const { pieces } = reassemble(out, 14, 900);
    expect(pieces.every((p) => p.more)).toBe(true);
    expect(pieces[0]!.offset).toBe(800);
    expect(pieces[1]!.offset).toBe(800 + pieces[0]!.data.length);
  });

  test("only options with the copied flag are repeated after the first fragment", () => {
    // Security-like option 0x82 (copied, 4 bytes), record route 0x07 (not copied, 7 bytes), end.
    const options = new Uint8Array([0x82, 4, 0xaa, 0xbb, 0x07, 7, 4, 0, 0, 0, 0, 0]);
    const payload = pattern(2000);
    const f = ethernet(
      DST,
      SRC,
      ETHERTYPE.ipv4,
      ipv4({ src: ip4("10.0.0.1"), dst: ip4("10.0.0.2"), protocol: 17, payload, options }),
    );
    const out = fragmentIpv4(f, f.length, 14, 700);
    if (typeof out === "string") throw new Error(out);
    const { pieces, data } = reassemble(out, 14, 700);
    expect(data).toEqual(payload);
    expect(pieces[0]!.header.slice(20)).toEqual(options);
    for (const p of pieces.slice(1)) expect(Array.from(p.header.slice(20))).toEqual([0x82, 4, 0xaa, 0xbb]);
  });

  test("VLAN-tagged frames keep their tag in every fragment", () => {
    const payload = pattern(1500);
    const f = ethernet(
      DST,
      SRC,
      ETHERTYPE.ipv4,
      ipv4({ src: ip4("10.0.0.1"), dst: ip4("10.0.0.2"), protocol: 6, payload }),
      42,
    );
    const out = fragmentIpv4(f, f.length, 18, 800);
    if (typeof out === "string") throw new Error(out);
    expect(reassemble(out, 18, 800).data).toEqual(payload);
    for (const frag of out) expect(frag.slice(0, 18)).toEqual(f.slice(0, 18));
  });

  test("refuses a length mismatch, a broken header and an MTU too small for 8 bytes of data", () => {
    const f = ethernet(
      DST,
      SRC,
      ETHERTYPE.ipv4,
      ipv4({ src: ip4("10.0.0.1"), dst: ip4("10.0.0.2"), protocol: 17, payload: pattern(100) }),
    );
    expect(fragmentIpv4(f, f.length - 1, 14, 60)).toBe("length-mismatch");
    expect(fragmentIpv4(f, f.length, 14, 41)).toBe("mtu-too-small");
    const bad = f.slice();
    bad[14] = 0x43;
    expect(fragmentIpv4(bad, bad.length, 14, 60)).toBe("bad-header");
  });

  test("property: any size and MTU gives fragments that fit and reassemble", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 4000 }), fc.integer({ min: 42, max: 1518 }), (size, mtu) => {
        const payload = pattern(size, size);
        const f = ethernet(
          DST,
          SRC,
          ETHERTYPE.ipv4,
          ipv4({ src: ip4("10.0.0.1"), dst: ip4("10.0.0.2"), protocol: 17, payload }),
        );
        const out = fragmentIpv4(f, f.length, 14, mtu);
        if (typeof out === "string") throw new Error(out);
        const { pieces, data } = reassemble(out, 14, mtu);
        expect(data).toEqual(payload);
        expect(pieces.filter((p) => !p.more).length).toBe(1);
        expect(pieces.every((p) => p.offset % 8 === 0)).toBe(true);
      }),
      { numRuns: 200 },
    );
  });
});
