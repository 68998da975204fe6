// ChaCha20 keystream over key material in linear memory, in two interchangeable forms: a scalar
// one-block loop and a loop that computes three consecutive blocks at once, two of them in v128. Both XOR the
// keystream into a buffer (in place when src == dst) and agree byte for byte.
//
// Words 12..15 of the state are passed as (c0, c1, n0, n1). With `wide` the block counter is the
// 64-bit pair c0|c1 (DJB's original ChaCha20, tinc's SPTPS); without it only c0 counts and c1 is
// the first nonce word (RFC 8439).

import { SCRATCH } from "./layout";

/** A zero-padded two-block tail of the v128 path. */
const SIMD_TAIL: usize = SCRATCH + 0x300;

const SIGMA0: u32 = 0x61707865;
const SIGMA1: u32 = 0x3320646e;
const SIGMA2: u32 = 0x79622d32;
const SIGMA3: u32 = 0x6b206574;

/** The RFC 8439 §2.3 block function on a 16-word state at `state`; 64 bytes written at `out`. */
export function chachaBlockAt(state: usize, out: usize): void {
  let x0 = load<u32>(state, 0);
  let x1 = load<u32>(state, 4);
  let x2 = load<u32>(state, 8);
  let x3 = load<u32>(state, 12);
  let x4 = load<u32>(state, 16);
  let x5 = load<u32>(state, 20);
  let x6 = load<u32>(state, 24);
  let x7 = load<u32>(state, 28);
  let x8 = load<u32>(state, 32);
  let x9 = load<u32>(state, 36);
  let x10 = load<u32>(state, 40);
  let x11 = load<u32>(state, 44);
  let x12 = load<u32>(state, 48);
  let x13 = load<u32>(state, 52);
  let x14 = load<u32>(state, 56);
  let x15 = load<u32>(state, 60);
  for (let i = 0; i < 10; i++) {
    x0 += x4;
    x12 = rotl<u32>(x12 ^ x0, 16);
    x8 += x12;
    x4 = rotl<u32>(x4 ^ x8, 12);
    x0 += x4;
    x12 = rotl<u32>(x12 ^ x0, 8);
    x8 += x12;
    x4 = rotl<u32>(x4 ^ x8, 7);
    x1 += x5;
    x13 = rotl<u32>(x13 ^ x1, 16);
    x9 += x13;
    x5 = rotl<u32>(x5 ^ x9, 12);
    x1 += x5;
    x13 = rotl<u32>(x13 ^ x1, 8);
    x9 += x13;
    x5 = rotl<u32>(x5 ^ x9, 7);
    x2 += x6;
    x14 = rotl<u32>(x14 ^ x2, 16);
    x10 += x14;
    x6 = rotl<u32>(x6 ^ x10, 12);
    x2 += x6;
    x14 = rotl<u32>(x14 ^ x2, 8);
    x10 += x14;
    x6 = rotl<u32>(x6 ^ x10, 7);
    x3 += x7;
    x15 = rotl<u32>(x15 ^ x3, 16);
    x11 += x15;
    x7 = rotl<u32>(x7 ^ x11, 12);
    x3 += x7;
    x15 = rotl<u32>(x15 ^ x3, 8);
    x11 += x15;
    x7 = rotl<u32>(x7 ^ x11, 7);
    x0 += x5;
    x15 = rotl<u32>(x15 ^ x0, 16);
    x10 += x15;
    x5 = rotl<u32>(x5 ^ x10, 12);
    x0 += x5;
    x15 = rotl<u32>(x15 ^ x0, 8);
    x10 += x15;
    x5 = rotl<u32>(x5 ^ x10, 7);
    x1 += x6;
    x12 = rotl<u32>(x12 ^ x1, 16);
    x11 += x12;
    x6 = rotl<u32>(x6 ^ x11, 12);
    x1 += x6;
    x12 = rotl<u32>(x12 ^ x1, 8);
    x11 += x12;
    x6 = rotl<u32>(x6 ^ x11, 7);
    x2 += x7;
    x13 = rotl<u32>(x13 ^ x2, 16);
    x8 += x13;
    x7 = rotl<u32>(x7 ^ x8, 12);
    x2 += x7;
    x13 = rotl<u32>(x13 ^ x2, 8);
    x8 += x13;
    x7 = rotl<u32>(x7 ^ x8, 7);
    x3 += x4;
    x14 = rotl<u32>(x14 ^ x3, 16);
    x9 += x14;
    x4 = rotl<u32>(x4 ^ x9, 12);
    x3 += x4;
    x14 = rotl<u32>(x14 ^ x3, 8);
    x9 += x14;
    x4 = rotl<u32>(x4 ^ x9, 7);
  }
  store<u32>(out, x0 + load<u32>(state, 0), 0);
  store<u32>(out, x1 + load<u32>(state, 4), 4);
  store<u32>(out, x2 + load<u32>(state, 8), 8);
  store<u32>(out, x3 + load<u32>(state, 12), 12);
  store<u32>(out, x4 + load<u32>(state, 16), 16);
  store<u32>(out, x5 + load<u32>(state, 20), 20);
  store<u32>(out, x6 + load<u32>(state, 24), 24);
  store<u32>(out, x7 + load<u32>(state, 28), 28);
  store<u32>(out, x8 + load<u32>(state, 32), 32);
  store<u32>(out, x9 + load<u32>(state, 36), 36);
  store<u32>(out, x10 + load<u32>(state, 40), 40);
  store<u32>(out, x11 + load<u32>(state, 44), 44);
  store<u32>(out, x12 + load<u32>(state, 48), 48);
  store<u32>(out, x13 + load<u32>(state, 52), 52);
  store<u32>(out, x14 + load<u32>(state, 56), 56);
  store<u32>(out, x15 + load<u32>(state, 60), 60);
}

/** XORs `len` bytes from `src` with keystream into `dst`, one 64-byte block at a time. */
export function chachaXorScalar(
  key: usize,
  c0: u32,
  c1: u32,
  n0: u32,
  n1: u32,
  wide: bool,
  src: usize,
  dst: usize,
  len: u32,
): void {
  const k0 = load<u32>(key, 0);
  const k1 = load<u32>(key, 4);
  const k2 = load<u32>(key, 8);
  const k3 = load<u32>(key, 12);
  const k4 = load<u32>(key, 16);
  const k5 = load<u32>(key, 20);
  const k6 = load<u32>(key, 24);
  const k7 = load<u32>(key, 28);
  let done: u32 = 0;
  while (len - done >= 64) {
    const s = src + done;
    const d = dst + done;
    let x0 = SIGMA0, x1 = SIGMA1, x2 = SIGMA2, x3 = SIGMA3;
    let x4 = k0, x5 = k1, x6 = k2, x7 = k3, x8 = k4, x9 = k5, x10 = k6, x11 = k7;
    let x12 = c0, x13 = c1, x14 = n0, x15 = n1;
    for (let i = 0; i < 10; i++) {
      x0 += x4;
      x12 = rotl<u32>(x12 ^ x0, 16);
      x8 += x12;
      x4 = rotl<u32>(x4 ^ x8, 12);
      x0 += x4;
      x12 = rotl<u32>(x12 ^ x0, 8);
      x8 += x12;
      x4 = rotl<u32>(x4 ^ x8, 7);
      x1 += x5;
      x13 = rotl<u32>(x13 ^ x1, 16);
      x9 += x13;
      x5 = rotl<u32>(x5 ^ x9, 12);
      x1 += x5;
      x13 = rotl<u32>(x13 ^ x1, 8);
      x9 += x13;
      x5 = rotl<u32>(x5 ^ x9, 7);
      x2 += x6;
      x14 = rotl<u32>(x14 ^ x2, 16);
      x10 += x14;
      x6 = rotl<u32>(x6 ^ x10, 12);
      x2 += x6;
      x14 = rotl<u32>(x14 ^ x2, 8);
      x10 += x14;
      x6 = rotl<u32>(x6 ^ x10, 7);
      x3 += x7;
      x15 = rotl<u32>(x15 ^ x3, 16);
      x11 += x15;
      x7 = rotl<u32>(x7 ^ x11, 12);
      x3 += x7;
      x15 = rotl<u32>(x15 ^ x3, 8);
      x11 += x15;
      x7 = rotl<u32>(x7 ^ x11, 7);
      x0 += x5;
      x15 = rotl<u32>(x15 ^ x0, 16);
      x10 += x15;
      x5 = rotl<u32>(x5 ^ x10, 12);
      x0 += x5;
      x15 = rotl<u32>(x15 ^ x0, 8);
      x10 += x15;
      x5 = rotl<u32>(x5 ^ x10, 7);
      x1 += x6;
      x12 = rotl<u32>(x12 ^ x1, 16);
      x11 += x12;
      x6 = rotl<u32>(x6 ^ x11, 12);
      x1 += x6;
      x12 = rotl<u32>(x12 ^ x1, 8);
      x11 += x12;
      x6 = rotl<u32>(x6 ^ x11, 7);
      x2 += x7;
      x13 = rotl<u32>(x13 ^ x2, 16);
      x8 += x13;
      x7 = rotl<u32>(x7 ^ x8, 12);
      x2 += x7;
      x13 = rotl<u32>(x13 ^ x2, 8);
      x8 += x13;
      x7 = rotl<u32>(x7 ^ x8, 7);
      x3 += x4;
      x14 = rotl<u32>(x14 ^ x3, 16);
      x9 += x14;
      x4 = rotl<u32>(x4 ^ x9, 12);
      x3 += x4;
      x14 = rotl<u32>(x14 ^ x3, 8);
      x9 += x14;
      x4 = rotl<u32>(x4 ^ x9, 7);
    }
    store<u32>(d, load<u32>(s, 0) ^ (x0 + SIGMA0), 0);
    store<u32>(d, load<u32>(s, 4) ^ (x1 + SIGMA1), 4);
    store<u32>(d, load<u32>(s, 8) ^ (x2 + SIGMA2), 8);
    store<u32>(d, load<u32>(s, 12) ^ (x3 + SIGMA3), 12);
    store<u32>(d, load<u32>(s, 16) ^ (x4 + k0), 16);
    store<u32>(d, load<u32>(s, 20) ^ (x5 + k1), 20);
    store<u32>(d, load<u32>(s, 24) ^ (x6 + k2), 24);
    store<u32>(d, load<u32>(s, 28) ^ (x7 + k3), 28);
    store<u32>(d, load<u32>(s, 32) ^ (x8 + k4), 32);
    store<u32>(d, load<u32>(s, 36) ^ (x9 + k5), 36);
    store<u32>(d, load<u32>(s, 40) ^ (x10 + k6), 40);
    store<u32>(d, load<u32>(s, 44) ^ (x11 + k7), 44);
    store<u32>(d, load<u32>(s, 48) ^ (x12 + c0), 48);
    store<u32>(d, load<u32>(s, 52) ^ (x13 + c1), 52);
    store<u32>(d, load<u32>(s, 56) ^ (x14 + n0), 56);
    store<u32>(d, load<u32>(s, 60) ^ (x15 + n1), 60);
    done += 64;
    c0++;
    if (wide && c0 == 0) c1++;
  }
  const rest = len - done;
  if (rest > 0) {
    // The tail goes through a zero-padded scratch block so the loop above stays the only block code.
    memory.fill(SCRATCH, 0, 64);
    memory.copy(SCRATCH, src + done, rest);
    chachaXorScalar(key, c0, c1, n0, n1, wide, SCRATCH, SCRATCH, 64);
    memory.copy(dst + done, SCRATCH, rest);
  }
}

// Rotations of every 32-bit lane. By 16 and 8 they are byte shuffles (one pshufb/tbl); by 12
// and 7 they need two shifts and an or.
// @ts-ignore: decorator
function rot16(v: v128): v128 {
  return i8x16.shuffle(v, v, 2, 3, 0, 1, 6, 7, 4, 5, 10, 11, 8, 9, 14, 15, 12, 13);
}

// @ts-ignore: decorator
function rot8(v: v128): v128 {
  return i8x16.shuffle(v, v, 3, 0, 1, 2, 7, 4, 5, 6, 11, 8, 9, 10, 15, 12, 13, 14);
}

// @ts-ignore: decorator
function rotlv(v: v128, n: i32): v128 {
  return v128.or(i32x4.shl(v, n), i32x4.shr_u(v, 32 - n));
}

/**
 * Same contract as chachaXorScalar, three blocks per iteration: two in v128 registers and one in
 * scalar ones, interleaved. Each v128 block is held as four row vectors (a = words 0-3, b = 4-7,
 * c = 8-11, d = 12-15): the column round works on whole rows and the diagonal round first rotates
 * b, c, d by one, two, three lanes. Measured under Bun's engine (JavaScriptCore, see README):
 * 2 v128 + 1 scalar block beat 2 v128 blocks alone by about 30%, and both beat four blocks in
 * sixteen vectors (one per state word), which spill registers there.
 */
export function chachaXorSimd(
  key: usize,
  c0: u32,
  c1: u32,
  n0: u32,
  n1: u32,
  wide: bool,
  src: usize,
  dst: usize,
  len: u32,
): void {
  const sigma = i32x4(<i32> SIGMA0, <i32> SIGMA1, <i32> SIGMA2, <i32> SIGMA3);
  const k0 = v128.load(key, 0);
  const k1 = v128.load(key, 16);
  const w4 = load<u32>(key, 0);
  const w5 = load<u32>(key, 4);
  const w6 = load<u32>(key, 8);
  const w7 = load<u32>(key, 12);
  const w8 = load<u32>(key, 16);
  const w9 = load<u32>(key, 20);
  const w10 = load<u32>(key, 24);
  const w11 = load<u32>(key, 28);
  let done: u32 = 0;
  while (len - done >= 192) {
    // Counters of the three blocks; a low word that wraps carries into word 13 when it is 64-bit.
    const c0b = c0 + 1;
    const c1b = wide && c0b == 0 ? c1 + 1 : c1;
    const c0c = c0b + 1;
    const c1c = wide && c0c == 0 ? c1b + 1 : c1b;
    const e0 = i32x4(<i32> c0, <i32> c1, <i32> n0, <i32> n1);
    const e1 = i32x4(<i32> c0b, <i32> c1b, <i32> n0, <i32> n1);
    let a0 = sigma, b0 = k0, cc0 = k1, d0 = e0;
    let a1 = sigma, b1 = k0, cc1 = k1, d1 = e1;
    let x0 = SIGMA0, x1 = SIGMA1, x2 = SIGMA2, x3 = SIGMA3;
    let x4 = w4, x5 = w5, x6 = w6, x7 = w7, x8 = w8, x9 = w9, x10 = w10, x11 = w11;
    let x12 = c0c, x13 = c1c, x14 = n0, x15 = n1;
    for (let i = 0; i < 10; i++) {
      a0 = i32x4.add(a0, b0);
      d0 = rot16(v128.xor(d0, a0));
      x0 += x4;
      x12 = rotl<u32>(x12 ^ x0, 16);
      a1 = i32x4.add(a1, b1);
      d1 = rot16(v128.xor(d1, a1));
      x8 += x12;
      x4 = rotl<u32>(x4 ^ x8, 12);
      cc0 = i32x4.add(cc0, d0);
      b0 = rotlv(v128.xor(b0, cc0), 12);
      x0 += x4;
      x12 = rotl<u32>(x12 ^ x0, 8);
      cc1 = i32x4.add(cc1, d1);
      b1 = rotlv(v128.xor(b1, cc1), 12);
      x8 += x12;
      x4 = rotl<u32>(x4 ^ x8, 7);
      a0 = i32x4.add(a0, b0);
      d0 = rot8(v128.xor(d0, a0));
      x1 += x5;
      x13 = rotl<u32>(x13 ^ x1, 16);
      a1 = i32x4.add(a1, b1);
      d1 = rot8(v128.xor(d1, a1));
      x9 += x13;
      x5 = rotl<u32>(x5 ^ x9, 12);
      cc0 = i32x4.add(cc0, d0);
      b0 = rotlv(v128.xor(b0, cc0), 7);
      x1 += x5;
      x13 = rotl<u32>(x13 ^ x1, 8);
      cc1 = i32x4.add(cc1, d1);
      b1 = rotlv(v128.xor(b1, cc1), 7);
      x9 += x13;
      x5 = rotl<u32>(x5 ^ x9, 7);
      b0 = i32x4.shuffle(b0, b0, 1, 2, 3, 0);
      x2 += x6;
      x14 = rotl<u32>(x14 ^ x2, 16);
      cc0 = i32x4.shuffle(cc0, cc0, 2, 3, 0, 1);
      x10 += x14;
      x6 = rotl<u32>(x6 ^ x10, 12);
      d0 = i32x4.shuffle(d0, d0, 3, 0, 1, 2);
      x2 += x6;
      x14 = rotl<u32>(x14 ^ x2, 8);
      b1 = i32x4.shuffle(b1, b1, 1, 2, 3, 0);
      x10 += x14;
      x6 = rotl<u32>(x6 ^ x10, 7);
      cc1 = i32x4.shuffle(cc1, cc1, 2, 3, 0, 1);
      x3 += x7;
      x15 = rotl<u32>(x15 ^ x3, 16);
      d1 = i32x4.shuffle(d1, d1, 3, 0, 1, 2);
      x11 += x15;
      x7 = rotl<u32>(x7 ^ x11, 12);
      a0 = i32x4.add(a0, b0);
      d0 = rot16(v128.xor(d0, a0));
      x3 += x7;
      x15 = rotl<u32>(x15 ^ x3, 8);
      a1 = i32x4.add(a1, b1);
      d1 = rot16(v128.xor(d1, a1));
      x11 += x15;
      x7 = rotl<u32>(x7 ^ x11, 7);
      cc0 = i32x4.add(cc0, d0);
      b0 = rotlv(v128.xor(b0, cc0), 12);
      x0 += x5;
      x15 = rotl<u32>(x15 ^ x0, 16);
      cc1 = i32x4.add(cc1, d1);
      b1 = rotlv(v128.xor(b1, cc1), 12);
      x10 += x15;
      x5 = rotl<u32>(x5 ^ x10, 12);
      a0 = i32x4.add(a0, b0);
      d0 = rot8(v128.xor(d0, a0));
      x0 += x5;
      x15 = rotl<u32>(x15 ^ x0, 8);
      a1 = i32x4.add(a1, b1);
      d1 = rot8(v128.xor(d1, a1));
      x10 += x15;
      x5 = rotl<u32>(x5 ^ x10, 7);
      cc0 = i32x4.add(cc0, d0);
      b0 = rotlv(v128.xor(b0, cc0), 7);
      x1 += x6;
      x12 = rotl<u32>(x12 ^ x1, 16);
      cc1 = i32x4.add(cc1, d1);
      b1 = rotlv(v128.xor(b1, cc1), 7);
      x11 += x12;
      x6 = rotl<u32>(x6 ^ x11, 12);
      b0 = i32x4.shuffle(b0, b0, 3, 0, 1, 2);
      x1 += x6;
      x12 = rotl<u32>(x12 ^ x1, 8);
      cc0 = i32x4.shuffle(cc0, cc0, 2, 3, 0, 1);
      x11 += x12;
      x6 = rotl<u32>(x6 ^ x11, 7);
      d0 = i32x4.shuffle(d0, d0, 1, 2, 3, 0);
      x2 += x7;
      x13 = rotl<u32>(x13 ^ x2, 16);
      b1 = i32x4.shuffle(b1, b1, 3, 0, 1, 2);
      x8 += x13;
      x7 = rotl<u32>(x7 ^ x8, 12);
      cc1 = i32x4.shuffle(cc1, cc1, 2, 3, 0, 1);
      x2 += x7;
      x13 = rotl<u32>(x13 ^ x2, 8);
      d1 = i32x4.shuffle(d1, d1, 1, 2, 3, 0);
      x8 += x13;
      x7 = rotl<u32>(x7 ^ x8, 7);
      x3 += x4;
      x14 = rotl<u32>(x14 ^ x3, 16);
      x9 += x14;
      x4 = rotl<u32>(x4 ^ x9, 12);
      x3 += x4;
      x14 = rotl<u32>(x14 ^ x3, 8);
      x9 += x14;
      x4 = rotl<u32>(x4 ^ x9, 7);
    }
    const s = src + done;
    const d = dst + done;
    v128.store(d, v128.xor(v128.load(s, 0), i32x4.add(a0, sigma)), 0);
    v128.store(d, v128.xor(v128.load(s, 16), i32x4.add(b0, k0)), 16);
    v128.store(d, v128.xor(v128.load(s, 32), i32x4.add(cc0, k1)), 32);
    v128.store(d, v128.xor(v128.load(s, 48), i32x4.add(d0, e0)), 48);
    v128.store(d, v128.xor(v128.load(s, 64), i32x4.add(a1, sigma)), 64);
    v128.store(d, v128.xor(v128.load(s, 80), i32x4.add(b1, k0)), 80);
    v128.store(d, v128.xor(v128.load(s, 96), i32x4.add(cc1, k1)), 96);
    v128.store(d, v128.xor(v128.load(s, 112), i32x4.add(d1, e1)), 112);
    store<u32>(d, load<u32>(s, 128) ^ (x0 + SIGMA0), 128);
    store<u32>(d, load<u32>(s, 132) ^ (x1 + SIGMA1), 132);
    store<u32>(d, load<u32>(s, 136) ^ (x2 + SIGMA2), 136);
    store<u32>(d, load<u32>(s, 140) ^ (x3 + SIGMA3), 140);
    store<u32>(d, load<u32>(s, 144) ^ (x4 + w4), 144);
    store<u32>(d, load<u32>(s, 148) ^ (x5 + w5), 148);
    store<u32>(d, load<u32>(s, 152) ^ (x6 + w6), 152);
    store<u32>(d, load<u32>(s, 156) ^ (x7 + w7), 156);
    store<u32>(d, load<u32>(s, 160) ^ (x8 + w8), 160);
    store<u32>(d, load<u32>(s, 164) ^ (x9 + w9), 164);
    store<u32>(d, load<u32>(s, 168) ^ (x10 + w10), 168);
    store<u32>(d, load<u32>(s, 172) ^ (x11 + w11), 172);
    store<u32>(d, load<u32>(s, 176) ^ (x12 + c0c), 176);
    store<u32>(d, load<u32>(s, 180) ^ (x13 + c1c), 180);
    store<u32>(d, load<u32>(s, 184) ^ (x14 + n0), 184);
    store<u32>(d, load<u32>(s, 188) ^ (x15 + n1), 188);
    done += 192;
    c0 = c0c + 1;
    c1 = wide && c0 == 0 ? c1c + 1 : c1c;
  }
  if (len - done >= 128) {
    const c0b = c0 + 1;
    const c1b = wide && c0b == 0 ? c1 + 1 : c1;
    const e0 = i32x4(<i32> c0, <i32> c1, <i32> n0, <i32> n1);
    const e1 = i32x4(<i32> c0b, <i32> c1b, <i32> n0, <i32> n1);
    let a0 = sigma, b0 = k0, cc0 = k1, d0 = e0;
    let a1 = sigma, b1 = k0, cc1 = k1, d1 = e1;
    for (let i = 0; i < 10; i++) {
      a0 = i32x4.add(a0, b0);
      d0 = rot16(v128.xor(d0, a0));
      a1 = i32x4.add(a1, b1);
      d1 = rot16(v128.xor(d1, a1));
      cc0 = i32x4.add(cc0, d0);
      b0 = rotlv(v128.xor(b0, cc0), 12);
      cc1 = i32x4.add(cc1, d1);
      b1 = rotlv(v128.xor(b1, cc1), 12);
      a0 = i32x4.add(a0, b0);
      d0 = rot8(v128.xor(d0, a0));
      a1 = i32x4.add(a1, b1);
      d1 = rot8(v128.xor(d1, a1));
      cc0 = i32x4.add(cc0, d0);
      b0 = rotlv(v128.xor(b0, cc0), 7);
      cc1 = i32x4.add(cc1, d1);
      b1 = rotlv(v128.xor(b1, cc1), 7);
      b0 = i32x4.shuffle(b0, b0, 1, 2, 3, 0);
      cc0 = i32x4.shuffle(cc0, cc0, 2, 3, 0, 1);
      d0 = i32x4.shuffle(d0, d0, 3, 0, 1, 2);
      b1 = i32x4.shuffle(b1, b1, 1, 2, 3, 0);
      cc1 = i32x4.shuffle(cc1, cc1, 2, 3, 0, 1);
      d1 = i32x4.shuffle(d1, d1, 3, 0, 1, 2);
      a0 = i32x4.add(a0, b0);
      d0 = rot16(v128.xor(d0, a0));
      a1 = i32x4.add(a1, b1);
      d1 = rot16(v128.xor(d1, a1));
      cc0 = i32x4.add(cc0, d0);
      b0 = rotlv(v128.xor(b0, cc0), 12);
      cc1 = i32x4.add(cc1, d1);
      b1 = rotlv(v128.xor(b1, cc1), 12);
      a0 = i32x4.add(a0, b0);
      d0 = rot8(v128.xor(d0, a0));
      a1 = i32x4.add(a1, b1);
      d1 = rot8(v128.xor(d1, a1));
      cc0 = i32x4.add(cc0, d0);
      b0 = rotlv(v128.xor(b0, cc0), 7);
      cc1 = i32x4.add(cc1, d1);
      b1 = rotlv(v128.xor(b1, cc1), 7);
      b0 = i32x4.shuffle(b0, b0, 3, 0, 1, 2);
      cc0 = i32x4.shuffle(cc0, cc0, 2, 3, 0, 1);
      d0 = i32x4.shuffle(d0, d0, 1, 2, 3, 0);
      b1 = i32x4.shuffle(b1, b1, 3, 0, 1, 2);
      cc1 = i32x4.shuffle(cc1, cc1, 2, 3, 0, 1);
      d1 = i32x4.shuffle(d1, d1, 1, 2, 3, 0);
    }
    const s = src + done;
    const d = dst + done;
    v128.store(d, v128.xor(v128.load(s, 0), i32x4.add(a0, sigma)), 0);
    v128.store(d, v128.xor(v128.load(s, 16), i32x4.add(b0, k0)), 16);
    v128.store(d, v128.xor(v128.load(s, 32), i32x4.add(cc0, k1)), 32);
    v128.store(d, v128.xor(v128.load(s, 48), i32x4.add(d0, e0)), 48);
    v128.store(d, v128.xor(v128.load(s, 64), i32x4.add(a1, sigma)), 64);
    v128.store(d, v128.xor(v128.load(s, 80), i32x4.add(b1, k0)), 80);
    v128.store(d, v128.xor(v128.load(s, 96), i32x4.add(cc1, k1)), 96);
    v128.store(d, v128.xor(v128.load(s, 112), i32x4.add(d1, e1)), 112);
    done += 128;
    c0 = c0b + 1;
    c1 = wide && c0 == 0 ? c1b + 1 : c1b;
  }
  const rest = len - done;
  if (rest > 64) {
    // Two more blocks are cheaper as one v128 step on a zero-padded copy than as two scalar ones.
    memory.fill(SIMD_TAIL, 0, 128);
    memory.copy(SIMD_TAIL, src + done, rest);
    chachaXorSimd(key, c0, c1, n0, n1, wide, SIMD_TAIL, SIMD_TAIL, 128);
    memory.copy(dst + done, SIMD_TAIL, rest);
  } else if (rest > 0) {
    chachaXorScalar(key, c0, c1, n0, n1, wide, src + done, dst + done, rest);
  }
}
