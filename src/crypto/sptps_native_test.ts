// What is particular to the libcrypto port (its port-level behaviour is tested with the WASM
// core's suites in sptps_wasm_test.ts and replay_test.ts): sealing borrows the 64 bytes before a
// body as the zero block and must give them back, also at the very start of the arena, and a
// host without libcrypto 3 gets a reason instead of an exception.
import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { NobleSptpsCipher } from "../core/crypto/sptps_noble.ts";
import { RecordStatus } from "../core/crypto/cipher_port.ts";
import { LibcryptoChaChaPoly } from "./libcrypto_ffi.ts";
import { NativeSptpsCipher } from "./sptps_native.ts";
import { toHex } from "./test_core.ts";

const created = NativeSptpsCipher.tryCreate({ slots: 4, arenaSize: 1 << 17, maxBatch: 8 });
const noble = new NobleSptpsCipher({ slots: 4, arenaSize: 16, maxBatch: 1 });

describe("libcrypto loading", () => {
  test("no usable library is a reason per candidate, not an exception", () => {
    const r = LibcryptoChaChaPoly.open(["/nonexistent/libcrypto.so.3", "libc.so.6"]);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.reasons).toHaveLength(2);
      expect(r.reasons[0]).toContain("/nonexistent/libcrypto.so.3");
    }
  });
});

// The arena tests below need libcrypto 3; without it they would be skipped quietly, so its absence
// fails here instead (Debian: libssl3, which CI's packages pull in).
test("libcrypto 3 loads on this host (apt-get install libssl3)", () => {
  expect(created.ok ? "loaded" : created.reason).toBe("loaded");
});

describe.if(created.ok)("libcrypto port, arena details", () => {
  const port = created.ok ? created.port : (undefined as never);

  test("records at any offset (also at the arena start) equal the oracle and leave the bytes around them alone", () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 64, maxLength: 64 }),
        fc.nat({ max: 300 }),
        fc.nat({ max: 2000 }),
        fc.nat(),
        (key, off, len, seqno) => {
          for (const p of [port, noble]) {
            p.setKey(1, "send", key);
            p.setKey(1, "recv", key);
            p.replayReset(1, 0, "sptps");
          }
          const a = port.arena;
          for (let i = 0; i < off + len + 200; i++) a[i] = (i * 31 + 7) & 0xff;
          const before = a.slice(0, off + len + 200);
          port.writeDescriptor(0, off, len, seqno, 1, 9);
          expect(port.sealBatch(0, 1)).toBe(1);
          const want = noble.seal(1, seqno, 9, before.subarray(off + 5, off + 5 + len));
          expect(toHex(a.subarray(off, off + len + 21))).toBe(toHex(want));
          expect(toHex(a.subarray(0, off))).toBe(toHex(before.subarray(0, off)));
          expect(toHex(a.subarray(off + len + 21, off + len + 200))).toBe(
            toHex(before.subarray(off + len + 21, off + len + 200)),
          );
          port.writeDescriptor(0, off, len + 21, 0, 1, 0);
          expect(port.openBatch(0, 1)).toBe(1);
          expect([port.statusAt(0), port.typeAt(0), port.seqnoAt(0)]).toEqual([
            RecordStatus.Ok,
            9,
            seqno >>> 0,
          ]);
          expect(toHex(a.subarray(0, off))).toBe(toHex(before.subarray(0, off)));
          expect(toHex(a.subarray(off + 5, off + len + 5))).toBe(
            toHex(before.subarray(off + 5, off + len + 5)),
          );
        },
      ),
      { numRuns: 80 },
    );
  });

  test("a cleared key no longer seals or opens, and a new key in the same slot works", () => {
    const k1 = new Uint8Array(64).fill(1), k2 = new Uint8Array(64).fill(2);
    port.setKey(2, "send", k1);
    port.setKey(2, "recv", k1);
    const record = port.seal(2, 0, 0, new Uint8Array(5));
    port.clearKey(2, "send");
    port.clearKey(2, "recv");
    expect(() => port.seal(2, 1, 0, new Uint8Array(5))).toThrow(RangeError);
    expect(port.open(2, record)).toMatchObject({ ok: false, reason: "no-key" });
    port.setKey(2, "recv", k2);
    expect(port.open(2, record)).toMatchObject({ ok: false, reason: "bad-tag" });
    port.setKey(2, "recv", k1);
    expect(port.open(2, record)).toMatchObject({ ok: true, seqno: 0 });
  });

  test("a closed port refuses keys and drops records instead of touching freed contexts", () => {
    const other = NativeSptpsCipher.tryCreate({ slots: 2, arenaSize: 1 << 17, maxBatch: 1 });
    if (!other.ok) throw new Error(other.reason);
    const p = other.port;
    const key = new Uint8Array(64).fill(9);
    p.setKey(0, "send", key);
    p.setKey(0, "recv", key);
    const record = p.seal(0, 0, 0, new Uint8Array(3));
    p.close();
    p.close();
    expect(() => p.setKey(0, "send", key)).toThrow(RangeError);
    expect(() => p.seal(0, 1, 0, new Uint8Array(3))).toThrow(RangeError);
    expect(p.open(0, record)).toMatchObject({ ok: false, reason: "no-key" });
  });
});
