// Known answers for the WASM core: RFC 8439 primitives on both ChaCha20 paths, the SPTPS records
// of spec 1.1 §1.9 byte for byte, and the original ChaCha20's 64-bit counter carry.
import { describe, expect, test } from "bun:test";
import rfc from "../../test/vectors/rfc8439.json" with { type: "json" };
import sptps from "../../test/vectors/sptps.json" with { type: "json" };
import { coreBytes, fromHex, toHex } from "./test_core.ts";
import { instantiateWasmCore, type WasmCore } from "./wasm_core.ts";
import { WasmSptpsCipher } from "./sptps_wasm.ts";
import { runSelftest } from "./selftest.ts";

const ascii = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));
const core: WasmCore = instantiateWasmCore(coreBytes());
const x = core.exports;
const arena = new Uint8Array(x.memory.buffer, x.arenaBase(), x.arenaSize());

/** RFC 8439 ChaCha20 (32-bit counter, 12-byte nonce) through the core's raw export. */
function rfcChacha(key: string, nonce: string, counter: number, data: Uint8Array): Uint8Array {
  arena.set(fromHex(key), 0);
  arena.set(data, 64);
  const n = new DataView(fromHex(nonce).buffer);
  const status = x.chacha20Xor(
    0,
    counter,
    n.getUint32(0, true),
    n.getUint32(4, true),
    n.getUint32(8, true),
    0,
    64,
    64,
    data.length,
  );
  expect(status).toBe(0);
  return arena.slice(64, 64 + data.length);
}

function poly(key: Uint8Array, msg: Uint8Array): Uint8Array {
  arena.set(key, 0);
  arena.set(msg, 64);
  expect(x.poly1305(0, 64, msg.length, 32)).toBe(0);
  return arena.slice(32, 48);
}

for (const simd of [true, false]) {
  describe(`RFC 8439 on the ${simd ? "SIMD" : "scalar"} path`, () => {
    const withPath = (f: () => void) => () => {
      x.setSimd(simd ? 1 : 0);
      f();
    };

    for (const v of rfc.chacha20Block) {
      test(
        `block function §${v.section}`,
        withPath(() => {
          expect(toHex(rfcChacha(v.key, v.nonce, v.counter, new Uint8Array(64)))).toBe(v.block);
        }),
      );
    }

    for (const v of rfc.chacha20Encrypt) {
      test(
        `encryption §${v.section}`,
        withPath(() => {
          const ct = rfcChacha(v.key, v.nonce, v.counter, ascii(v.plaintextAscii));
          expect(toHex(ct)).toBe(v.ciphertext);
          expect(rfcChacha(v.key, v.nonce, v.counter, ct)).toEqual(ascii(v.plaintextAscii));
        }),
      );
    }

    for (const v of rfc.polyKeyGen) {
      test(
        `Poly1305 key generation §${v.section}`,
        withPath(() => {
          expect(toHex(rfcChacha(v.key, v.nonce, 0, new Uint8Array(32)))).toBe(v.polyKey);
        }),
      );
    }

    for (const v of rfc.aead) {
      test(
        `AEAD §${v.section} from its keystream and Poly1305 parts`,
        withPath(() => {
          const polyKey = rfcChacha(v.key, v.nonce, 0, new Uint8Array(32));
          const ct = rfcChacha(v.key, v.nonce, 1, ascii(v.plaintextAscii));
          expect(toHex(ct)).toBe(v.ciphertext);
          const aad = fromHex(v.aad);
          const pad = (n: number) => (16 - (n % 16)) % 16;
          const macData = new Uint8Array(aad.length + pad(aad.length) + ct.length + pad(ct.length) + 16);
          macData.set(aad, 0);
          macData.set(ct, aad.length + pad(aad.length));
          const lens = new DataView(macData.buffer, macData.length - 16);
          lens.setBigUint64(0, BigInt(aad.length), true);
          lens.setBigUint64(8, BigInt(ct.length), true);
          expect(toHex(poly(polyKey, macData))).toBe(v.tag);
        }),
      );
    }

    test(
      "original ChaCha20 carries its block counter from word 12 into word 13",
      withPath(() => {
        const key = Uint8Array.from({ length: 32 }, (_, i) => 7 * i + 1);
        const staging = x.stagingBase();
        const mem = new DataView(x.memory.buffer);
        // Seven blocks from each start: the wrap falls at every position of a three-block step,
        // of the two-block step after it, and of the tail.
        for (const start of [0xfffffffa, 0xfffffffb, 0xfffffffc, 0xfffffffd, 0xfffffffe, 0xffffffff]) {
          arena.set(key, 0);
          arena.fill(0, 64, 64 + 7 * 64);
          expect(x.chacha20Xor(0, start, 0x11, 0xa1b2c3d4, 0x01020304, 1, 64, 64, 7 * 64)).toBe(0);
          const stream = arena.slice(64, 64 + 7 * 64);
          for (let b = 0; b < 7; b++) {
            const counter = (0x11n << 32n) + BigInt(start) + BigInt(b);
            const words = [0x61707865, 0x3320646e, 0x79622d32, 0x6b206574];
            words.forEach((w, i) => mem.setUint32(staging + 4 * i, w, true));
            for (let i = 0; i < 32; i++) mem.setUint8(staging + 16 + i, key[i]!);
            mem.setUint32(staging + 48, Number(counter & 0xffffffffn), true);
            mem.setUint32(staging + 52, Number(counter >> 32n), true);
            mem.setUint32(staging + 56, 0xa1b2c3d4, true);
            mem.setUint32(staging + 60, 0x01020304, true);
            expect(x.chacha20Block(staging, staging + 64)).toBe(0);
            const block = new Uint8Array(x.memory.buffer, staging + 64, 64).slice();
            expect([start, b, toHex(stream.subarray(64 * b, 64 * b + 64))]).toEqual([start, b, toHex(block)]);
          }
        }
      }),
    );
  });
}

describe("Poly1305 §2.5.2", () => {
  for (const simd of [true, false]) {
    test(`tag (${simd ? "SIMD" : "scalar"})`, () => {
      x.setSimd(simd ? 1 : 0);
      for (const v of rfc.poly1305) expect(toHex(poly(fromHex(v.key), ascii(v.messageAscii)))).toBe(v.tag);
    });
  }
});

describe("SPTPS records of spec 1.1 §1.9, byte for byte", () => {
  const key64 = (name: string) => {
    const k = new Uint8Array(64);
    k.set(fromHex((sptps.keys as Record<string, string>)[name]!));
    return k;
  };
  for (const simd of [true, false]) {
    for (const r of sptps.records) {
      test(`${r.name} (${simd ? "SIMD" : "scalar"})`, () => {
        const port = new WasmSptpsCipher(core);
        port.setSimd(simd);
        port.setKey(3, "send", key64(r.key));
        port.setKey(3, "recv", key64(r.key));
        port.replayReset(3, 16, "sptps");
        expect(toHex(port.seal(3, r.seqno, r.type, ascii(r.dataAscii)))).toBe(r.datagram);
        const body = port.sealBody(3, r.seqno, r.type, ascii(r.dataAscii));
        const header = new Uint8Array([r.dataAscii.length >> 8, r.dataAscii.length & 0xff]);
        expect(toHex(header) + toHex(body)).toBe(r.stream);
        const opened = port.open(3, fromHex(r.datagram));
        expect(opened).toEqual({ ok: true, type: r.type, seqno: r.seqno, data: ascii(r.dataAscii) });
        const openedBody = port.openBody(3, r.seqno, fromHex(r.stream).subarray(2));
        expect(openedBody).toEqual({ ok: true, type: r.type, seqno: r.seqno, data: ascii(r.dataAscii) });
      });
    }
  }
});

describe("tinct selftest", () => {
  test("every check passes on the freshly built core", () => {
    const results = runSelftest(instantiateWasmCore(coreBytes()));
    expect(results.length).toBeGreaterThanOrEqual(4);
    expect(results.filter((r) => !r.ok)).toEqual([]);
  });
});
