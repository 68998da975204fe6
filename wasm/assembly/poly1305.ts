// Poly1305 one-time authenticator (RFC 8439 §2.5) with the accumulator in five 26-bit limbs, so
// every limb product fits a u64 and no 128-bit multiply is needed (wasm has none).

import { SCRATCH } from "./layout";

/** Where a final partial block is padded (apart from the ChaCha20 tail block at SCRATCH). */
const PAD_BLOCK: usize = SCRATCH + 128;
const M26: u32 = 0x3ffffff;

/** Writes the 16-byte tag of `len` bytes at `msg` under the 32-byte one-time key at `key`. */
export function poly1305Mac(key: usize, msg: usize, len: u32, out: usize): void {
  // r is clamped as the RFC demands, then split into 26-bit limbs.
  const r0: u64 = load<u32>(key, 0) & 0x3ffffff;
  const r1: u64 = (load<u32>(key, 3) >> 2) & 0x3ffff03;
  const r2: u64 = (load<u32>(key, 6) >> 4) & 0x3ffc0ff;
  const r3: u64 = (load<u32>(key, 9) >> 6) & 0x3f03fff;
  const r4: u64 = (load<u32>(key, 12) >> 8) & 0x00fffff;
  // 2^130 = 5 (mod p): a product limb that lands past limb 4 comes back multiplied by 5.
  const s1 = r1 * 5, s2 = r2 * 5, s3 = r3 * 5, s4 = r4 * 5;
  let h0: u32 = 0, h1: u32 = 0, h2: u32 = 0, h3: u32 = 0, h4: u32 = 0;

  let m = msg;
  let blocks = len >> 4;
  let hibit: u32 = 1 << 24;
  const tail = len & 15;
  for (let pass = 0; pass < 2; pass++) {
    while (blocks > 0) {
      h0 += load<u32>(m, 0) & M26;
      h1 += (load<u32>(m, 3) >> 2) & M26;
      h2 += (load<u32>(m, 6) >> 4) & M26;
      h3 += (load<u32>(m, 9) >> 6) & M26;
      h4 += (load<u32>(m, 12) >> 8) | hibit;
      const a0 = <u64> h0, a1 = <u64> h1, a2 = <u64> h2, a3 = <u64> h3, a4 = <u64> h4;
      const d0 = a0 * r0 + a1 * s4 + a2 * s3 + a3 * s2 + a4 * s1;
      let d1 = a0 * r1 + a1 * r0 + a2 * s4 + a3 * s3 + a4 * s2;
      let d2 = a0 * r2 + a1 * r1 + a2 * r0 + a3 * s4 + a4 * s3;
      let d3 = a0 * r3 + a1 * r2 + a2 * r1 + a3 * r0 + a4 * s4;
      let d4 = a0 * r4 + a1 * r3 + a2 * r2 + a3 * r1 + a4 * r0;
      d1 += d0 >> 26;
      h0 = <u32> d0 & M26;
      d2 += d1 >> 26;
      h1 = <u32> d1 & M26;
      d3 += d2 >> 26;
      h2 = <u32> d2 & M26;
      d4 += d3 >> 26;
      h3 = <u32> d3 & M26;
      const c = <u32> (d4 >> 26);
      h4 = <u32> d4 & M26;
      h0 += c * 5;
      h1 += h0 >> 26;
      h0 &= M26;
      m += 16;
      blocks--;
    }
    if (pass == 1 || tail == 0) break;
    // The last partial block gets a 0x01 byte after the message and no 2^128 bit.
    memory.fill(PAD_BLOCK, 0, 16);
    memory.copy(PAD_BLOCK, m, tail);
    store<u8>(PAD_BLOCK + tail, 1);
    m = PAD_BLOCK;
    blocks = 1;
    hibit = 0;
  }

  polyFinish(h0, h1, h2, h3, h4, key, out);
}

/**
 * Ends a Poly1305 computation: full carry of the 26-bit limbs h0..h4, reduction mod p = 2^130 - 5,
 * and the addition of s (bytes 16..31 of the one-time key at `key`); 16 bytes written at `out`.
 */
export function polyFinish(h0: u32, h1: u32, h2: u32, h3: u32, h4: u32, key: usize, out: usize): void {
  // Carry fully, then subtract p = 2^130 - 5 if h >= p (constant time: select by mask).
  let c = h1 >> 26;
  h1 &= M26;
  h2 += c;
  c = h2 >> 26;
  h2 &= M26;
  h3 += c;
  c = h3 >> 26;
  h3 &= M26;
  h4 += c;
  c = h4 >> 26;
  h4 &= M26;
  h0 += c * 5;
  c = h0 >> 26;
  h0 &= M26;
  h1 += c;

  let g0 = h0 + 5;
  c = g0 >> 26;
  g0 &= M26;
  let g1 = h1 + c;
  c = g1 >> 26;
  g1 &= M26;
  let g2 = h2 + c;
  c = g2 >> 26;
  g2 &= M26;
  let g3 = h3 + c;
  c = g3 >> 26;
  g3 &= M26;
  const g4 = h4 + c - (1 << 26);
  // g4's top bit is set exactly when h + 5 < 2^130, i.e. h < p: keep h then.
  const keepG = (g4 >> 31) - 1;
  const keepH = ~keepG;
  h0 = (h0 & keepH) | (g0 & keepG);
  h1 = (h1 & keepH) | (g1 & keepG);
  h2 = (h2 & keepH) | (g2 & keepG);
  h3 = (h3 & keepH) | (g3 & keepG);
  h4 = (h4 & keepH) | (g4 & keepG);

  // Repack to 4 × 32 bits and add s (the key's second half) mod 2^128.
  const w0 = <u64> (h0 | (h1 << 26));
  const w1 = <u64> ((h1 >> 6) | (h2 << 20));
  const w2 = <u64> ((h2 >> 12) | (h3 << 14));
  const w3 = <u64> ((h3 >> 18) | (h4 << 8));
  let f = w0 + load<u32>(key, 16);
  store<u32>(out, <u32> f, 0);
  f = w1 + load<u32>(key, 20) + (f >> 32);
  store<u32>(out, <u32> f, 4);
  f = w2 + load<u32>(key, 24) + (f >> 32);
  store<u32>(out, <u32> f, 8);
  f = w3 + load<u32>(key, 28) + (f >> 32);
  store<u32>(out, <u32> f, 12);
}
