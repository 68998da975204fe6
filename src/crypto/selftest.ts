/**
 * Known-answer checks of the embedded WASM core, run by `tinct selftest` so that a user can
 * tell on the target machine (ARM, musl, old x86) that the core computes the right bytes.
 * @module
 */
import type { WasmCore } from "./wasm_core.ts";

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

/** RFC 8439 §2.3.2: key 00..1f, nonce 000000090000004a00000000, counter 1. */
function chachaBlockVector(core: WasmCore): SelftestResult {
  const mem = core.bytes();
  const state = 1024;
  const out = 2048;
  const words = new DataView(mem.buffer, state, 64);
  const consts = [0x61707865, 0x3320646e, 0x79622d32, 0x6b206574];
  consts.forEach((c, i) => words.setUint32(4 * i, c, true));
  for (let i = 0; i < 32; i++) mem[state + 16 + i] = i;
  words.setUint32(48, 1, true);
  mem.set(fromHex("000000090000004a00000000"), state + 52);
  core.exports.chacha20Block(state, out);
  const got = hex(core.bytes().subarray(out, out + 64));
  const want = "10f1e7e4d13b5915500fdd1fa32071c4c7d1f4c733c068030422aa9ac3d46c4e" +
    "d2826446079faa0914c2d705d98b02a2b5129cd1de164eb9cbd083e8a2503c4e";
  return {
    name: "chacha20 block (RFC 8439 2.3.2)",
    ok: got === want,
    detail: got === want ? "ok" : `got ${got}`,
  };
}

export function runSelftest(core: WasmCore): SelftestResult[] {
  return [chachaBlockVector(core)];
}
