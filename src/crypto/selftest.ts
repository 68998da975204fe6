/**
 * Known-answer checks of the embedded WASM core, run by `tinct selftest` so that a user can
 * tell on the target machine (ARM, musl, old x86) that the core computes the right bytes; and of
 * the host's libcrypto through FFI where it loads (the faster record cipher the daemon prefers).
 * @module
 */
import { NativeSptpsCipher } from "./sptps_native.ts";
import { SINGLE_REGION, WasmSptpsCipher } from "./sptps_wasm.ts";
import type { WasmCore } from "./wasm_core.ts";

/** One check's outcome. */
export interface SelftestResult {
  name: string;
  ok: boolean;
  detail: string;
}

function hex(b: Uint8Array): string {
  return Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
}

function fromHex(s: string): Uint8Array {
  const out = new Uint8Array(s.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(s.slice(2 * i, 2 * i + 2), 16);
  return out;
}

function result(name: string, got: string, want: string): SelftestResult {
  return { name, ok: got === want, detail: got === want ? "ok" : `got ${got}` };
}

/** RFC 8439 §2.3.2: key 00..1f, nonce 000000090000004a00000000, counter 1. */
function chachaBlockVector(core: WasmCore): SelftestResult {
  const x = core.exports;
  const mem = core.bytes();
  const state = x.stagingBase();
  const out = x.arenaBase();
  const words = new DataView(mem.buffer, state, 64);
  const consts = [0x61707865, 0x3320646e, 0x79622d32, 0x6b206574];
  consts.forEach((c, i) => words.setUint32(4 * i, c, true));
  for (let i = 0; i < 32; i++) mem[state + 16 + i] = i;
  words.setUint32(48, 1, true);
  mem.set(fromHex("000000090000004a00000000"), state + 52);
  const status = x.chacha20Block(state, out);
  const got = status === 0 ? hex(core.bytes().subarray(out, out + 64)) : `status ${status}`;
  const want = "10f1e7e4d13b5915500fdd1fa32071c4c7d1f4c733c068030422aa9ac3d46c4e" +
    "d2826446079faa0914c2d705d98b02a2b5129cd1de164eb9cbd083e8a2503c4e";
  return result("chacha20 block (RFC 8439 2.3.2)", got, want);
}

/** RFC 8439 §2.5.2. */
function poly1305Vector(core: WasmCore): SelftestResult {
  const x = core.exports;
  const arena = new Uint8Array(x.memory.buffer, x.arenaBase(), 4096);
  arena.set(fromHex("85d6be7857556d337f4452fe42d506a80103808afb0db2fd4abff6af4149f51b"), 0);
  const msg = Array.from("Cryptographic Forum Research Group", (c) => c.charCodeAt(0));
  arena.set(msg, 64);
  const status = x.poly1305(0, 64, msg.length, 32);
  const got = status === 0 ? hex(arena.slice(32, 48)) : `status ${status}`;
  return result("poly1305 (RFC 8439 2.5.2)", got, "a8061dc1305136c6c22b8baf0c0127a9");
}

/** tinc-1.1-sptps.md §1.9: A→B type 0 "hello", seqno 2, as a datagram record, on both paths. */
function sptpsRecordVectors(core: WasmCore): SelftestResult[] {
  const key1 = new Uint8Array(64);
  key1.set(fromHex("c3c32edd28eb8d1e1398e8bbf93a2678f667d074629c8cb647fb9b5951458f6b"));
  const want = "00000002f534041ba946f7fd67617d05937d47c684297a673177";
  const port = new WasmSptpsCipher(core);
  const wasSimd = port.simd;
  const out: SelftestResult[] = [];
  for (const simd of [true, false]) {
    port.setSimd(simd);
    const slot = port.slotCount - 1;
    port.setKey(slot, "send", key1);
    port.setKey(slot, "recv", key1);
    port.replayReset(slot, 16, "sptps");
    const sealed = hex(port.seal(slot, 2, 0, Uint8Array.from([0x68, 0x65, 0x6c, 0x6c, 0x6f])));
    const opened = port.open(slot, fromHex(want));
    const back = opened.ok ? `type ${opened.type} ${hex(opened.data)}` : opened.reason;
    port.clearKey(slot, "send");
    port.clearKey(slot, "recv");
    const path = simd ? "SIMD" : "scalar";
    out.push(result(`sptps record seal (spec 1.1 §1.9, ${path})`, sealed, want));
    out.push(result(`sptps record open (spec 1.1 §1.9, ${path})`, back, "type 0 68656c6c6f"));
  }
  port.setSimd(wasSimd);
  return out;
}

/** A 1400-byte record sealed and opened on both paths: the v128 loops must match the scalar ones. */
function simdMatchesScalar(core: WasmCore): SelftestResult {
  const port = new WasmSptpsCipher(core);
  const wasSimd = port.simd;
  const slot = port.slotCount - 1;
  const key = Uint8Array.from({ length: 64 }, (_, i) => (i * 37 + 11) & 0xff);
  const data = Uint8Array.from({ length: 1400 }, (_, i) => (i * 13) & 0xff);
  port.setKey(slot, "send", key);
  port.setKey(slot, "recv", key);
  port.replayReset(slot, 0, "sptps");
  const sealed = [true, false].map((simd) => (port.setSimd(simd), hex(port.seal(slot, 0x01020304, 7, data))));
  port.setSimd(true);
  const opened = port.open(slot, fromHex(sealed[1]!));
  port.clearKey(slot, "send");
  port.clearKey(slot, "recv");
  port.setSimd(wasSimd);
  const same = sealed[0] === sealed[1] && opened.ok && hex(opened.data) === hex(data);
  return {
    name: "sptps 1400-byte record: SIMD equals scalar",
    ok: same,
    detail: same ? "ok" : "the two paths disagree",
  };
}

/**
 * The spec's record vector through libcrypto, if it loads; its absence is no failure (the daemon
 * then uses the WASM core), so it is reported in the check's name.
 */
function libcryptoRecordVector(): SelftestResult {
  const created = NativeSptpsCipher.tryCreate({ slots: 1, arenaSize: SINGLE_REGION, maxBatch: 1 });
  if (!created.ok) {
    return { name: "libcrypto record cipher: not available, the WASM core is used", ok: true, detail: "ok" };
  }
  const port = created.port;
  try {
    const key1 = new Uint8Array(64);
    key1.set(fromHex("c3c32edd28eb8d1e1398e8bbf93a2678f667d074629c8cb647fb9b5951458f6b"));
    const want = "00000002f534041ba946f7fd67617d05937d47c684297a673177";
    port.setKey(0, "send", key1);
    port.setKey(0, "recv", key1);
    const sealed = hex(port.seal(0, 2, 0, Uint8Array.from([0x68, 0x65, 0x6c, 0x6c, 0x6f])));
    const opened = port.open(0, fromHex(want));
    const got = `${sealed} ${opened.ok ? hex(opened.data) : opened.reason}`;
    return result(
      `sptps record via libcrypto (${created.library}, spec 1.1 §1.9)`,
      got,
      `${want} 68656c6c6f`,
    );
  } finally {
    port.close();
  }
}

/** Runs every known-answer check against the core (and libcrypto where it loads). */
export function runSelftest(core: WasmCore): SelftestResult[] {
  return [
    chachaBlockVector(core),
    poly1305Vector(core),
    ...sptpsRecordVectors(core),
    simdMatchesScalar(core),
    libcryptoRecordVector(),
  ];
}
