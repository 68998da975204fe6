// ChaCha20 keystream over key material in linear memory, in two interchangeable forms: a scalar
// one-block loop and a v128 loop that computes four consecutive blocks at once. Both XOR the
// keystream into a buffer (in place when src == dst) and agree byte for byte; the scalar form
// also serves the tail (< 256 bytes) of the SIMD form.
//
// Words 12..15 of the state are passed as (c0, c1, n0, n1). With `wide` the block counter is the
// 64-bit pair c0|c1 (DJB's original ChaCha20, tinc's SPTPS); without it only c0 counts and c1 is
// the first nonce word (RFC 8439).

import { SCRATCH } from "./layout";

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
    x0 += x4; x12 = rotl<u32>(x12 ^ x0, 16);
    x8 += x12; x4 = rotl<u32>(x4 ^ x8, 12);
    x0 += x4; x12 = rotl<u32>(x12 ^ x0, 8);
    x8 += x12; x4 = rotl<u32>(x4 ^ x8, 7);
    x1 += x5; x13 = rotl<u32>(x13 ^ x1, 16);
    x9 += x13; x5 = rotl<u32>(x5 ^ x9, 12);
    x1 += x5; x13 = rotl<u32>(x13 ^ x1, 8);
    x9 += x13; x5 = rotl<u32>(x5 ^ x9, 7);
    x2 += x6; x14 = rotl<u32>(x14 ^ x2, 16);
    x10 += x14; x6 = rotl<u32>(x6 ^ x10, 12);
    x2 += x6; x14 = rotl<u32>(x14 ^ x2, 8);
    x10 += x14; x6 = rotl<u32>(x6 ^ x10, 7);
    x3 += x7; x15 = rotl<u32>(x15 ^ x3, 16);
    x11 += x15; x7 = rotl<u32>(x7 ^ x11, 12);
    x3 += x7; x15 = rotl<u32>(x15 ^ x3, 8);
    x11 += x15; x7 = rotl<u32>(x7 ^ x11, 7);
    x0 += x5; x15 = rotl<u32>(x15 ^ x0, 16);
    x10 += x15; x5 = rotl<u32>(x5 ^ x10, 12);
    x0 += x5; x15 = rotl<u32>(x15 ^ x0, 8);
    x10 += x15; x5 = rotl<u32>(x5 ^ x10, 7);
    x1 += x6; x12 = rotl<u32>(x12 ^ x1, 16);
    x11 += x12; x6 = rotl<u32>(x6 ^ x11, 12);
    x1 += x6; x12 = rotl<u32>(x12 ^ x1, 8);
    x11 += x12; x6 = rotl<u32>(x6 ^ x11, 7);
    x2 += x7; x13 = rotl<u32>(x13 ^ x2, 16);
    x8 += x13; x7 = rotl<u32>(x7 ^ x8, 12);
    x2 += x7; x13 = rotl<u32>(x13 ^ x2, 8);
    x8 += x13; x7 = rotl<u32>(x7 ^ x8, 7);
    x3 += x4; x14 = rotl<u32>(x14 ^ x3, 16);
    x9 += x14; x4 = rotl<u32>(x4 ^ x9, 12);
    x3 += x4; x14 = rotl<u32>(x14 ^ x3, 8);
    x9 += x14; x4 = rotl<u32>(x4 ^ x9, 7);
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
      x0 += x4; x12 = rotl<u32>(x12 ^ x0, 16);
      x8 += x12; x4 = rotl<u32>(x4 ^ x8, 12);
      x0 += x4; x12 = rotl<u32>(x12 ^ x0, 8);
      x8 += x12; x4 = rotl<u32>(x4 ^ x8, 7);
      x1 += x5; x13 = rotl<u32>(x13 ^ x1, 16);
      x9 += x13; x5 = rotl<u32>(x5 ^ x9, 12);
      x1 += x5; x13 = rotl<u32>(x13 ^ x1, 8);
      x9 += x13; x5 = rotl<u32>(x5 ^ x9, 7);
      x2 += x6; x14 = rotl<u32>(x14 ^ x2, 16);
      x10 += x14; x6 = rotl<u32>(x6 ^ x10, 12);
      x2 += x6; x14 = rotl<u32>(x14 ^ x2, 8);
      x10 += x14; x6 = rotl<u32>(x6 ^ x10, 7);
      x3 += x7; x15 = rotl<u32>(x15 ^ x3, 16);
      x11 += x15; x7 = rotl<u32>(x7 ^ x11, 12);
      x3 += x7; x15 = rotl<u32>(x15 ^ x3, 8);
      x11 += x15; x7 = rotl<u32>(x7 ^ x11, 7);
      x0 += x5; x15 = rotl<u32>(x15 ^ x0, 16);
      x10 += x15; x5 = rotl<u32>(x5 ^ x10, 12);
      x0 += x5; x15 = rotl<u32>(x15 ^ x0, 8);
      x10 += x15; x5 = rotl<u32>(x5 ^ x10, 7);
      x1 += x6; x12 = rotl<u32>(x12 ^ x1, 16);
      x11 += x12; x6 = rotl<u32>(x6 ^ x11, 12);
      x1 += x6; x12 = rotl<u32>(x12 ^ x1, 8);
      x11 += x12; x6 = rotl<u32>(x6 ^ x11, 7);
      x2 += x7; x13 = rotl<u32>(x13 ^ x2, 16);
      x8 += x13; x7 = rotl<u32>(x7 ^ x8, 12);
      x2 += x7; x13 = rotl<u32>(x13 ^ x2, 8);
      x8 += x13; x7 = rotl<u32>(x7 ^ x8, 7);
      x3 += x4; x14 = rotl<u32>(x14 ^ x3, 16);
      x9 += x14; x4 = rotl<u32>(x4 ^ x9, 12);
      x3 += x4; x14 = rotl<u32>(x14 ^ x3, 8);
      x9 += x14; x4 = rotl<u32>(x4 ^ x9, 7);
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

// Rotations of every 32-bit lane. By 16 and 8 they are byte shuffles, which engines lower to a
// single pshufb/tbl; by 12 and 7 they need two shifts and an or.
// @ts-ignore: decorator
@inline function rot16(v: v128): v128 {
  return i8x16.shuffle(v, v, 2, 3, 0, 1, 6, 7, 4, 5, 10, 11, 8, 9, 14, 15, 12, 13);
}
// @ts-ignore: decorator
@inline function rot8(v: v128): v128 {
  return i8x16.shuffle(v, v, 3, 0, 1, 2, 7, 4, 5, 6, 11, 8, 9, 10, 15, 12, 13, 14);
}
// @ts-ignore: decorator
@inline function rotlv(v: v128, n: i32): v128 {
  return v128.or(i32x4.shl(v, n), i32x4.shr_u(v, 32 - n));
}

/** Stores lane j of (a, b, c, d) as four consecutive words of block j, XORed with the input. */
// @ts-ignore: decorator
@inline function xorTransposed(a: v128, b: v128, c: v128, d: v128, s: usize, dd: usize): void {
  const ab01 = i32x4.shuffle(a, b, 0, 4, 1, 5);
  const ab23 = i32x4.shuffle(a, b, 2, 6, 3, 7);
  const cd01 = i32x4.shuffle(c, d, 0, 4, 1, 5);
  const cd23 = i32x4.shuffle(c, d, 2, 6, 3, 7);
  v128.store(dd, v128.xor(v128.load(s, 0), i64x2.shuffle(ab01, cd01, 0, 2)), 0);
  v128.store(dd, v128.xor(v128.load(s, 64), i64x2.shuffle(ab01, cd01, 1, 3)), 64);
  v128.store(dd, v128.xor(v128.load(s, 128), i64x2.shuffle(ab23, cd23, 0, 2)), 128);
  v128.store(dd, v128.xor(v128.load(s, 192), i64x2.shuffle(ab23, cd23, 1, 3)), 192);
}

/** Same contract as chachaXorScalar; four blocks per iteration in v128 lanes (lane j = block j). */
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
  const k0 = i32x4.splat(load<u32>(key, 0));
  const k1 = i32x4.splat(load<u32>(key, 4));
  const k2 = i32x4.splat(load<u32>(key, 8));
  const k3 = i32x4.splat(load<u32>(key, 12));
  const k4 = i32x4.splat(load<u32>(key, 16));
  const k5 = i32x4.splat(load<u32>(key, 20));
  const k6 = i32x4.splat(load<u32>(key, 24));
  const k7 = i32x4.splat(load<u32>(key, 28));
  const s0 = i32x4.splat(SIGMA0);
  const s1 = i32x4.splat(SIGMA1);
  const s2 = i32x4.splat(SIGMA2);
  const s3 = i32x4.splat(SIGMA3);
  const w14 = i32x4.splat(n0);
  const w15 = i32x4.splat(n1);
  let done: u32 = 0;
  while (len - done >= 256) {
    const base = i32x4.splat(c0);
    const w12 = i32x4.add(base, i32x4(0, 1, 2, 3));
    // A lane whose low word wrapped carries into word 13 (only when the counter is 64-bit).
    const carry = wide ? i32x4.lt_u(w12, base) : i32x4.splat(0);
    const w13 = i32x4.sub(i32x4.splat(c1), carry);
    let v0 = s0, v1 = s1, v2 = s2, v3 = s3;
    let v4 = k0, v5 = k1, v6 = k2, v7 = k3, v8 = k4, v9 = k5, v10 = k6, v11 = k7;
    let v12 = w12, v13 = w13, v14 = w14, v15 = w15;
    for (let i = 0; i < 10; i++) {
      v0 = i32x4.add(v0, v4); v12 = rot16(v128.xor(v12, v0));
      v8 = i32x4.add(v8, v12); v4 = rotlv(v128.xor(v4, v8), 12);
      v0 = i32x4.add(v0, v4); v12 = rot8(v128.xor(v12, v0));
      v8 = i32x4.add(v8, v12); v4 = rotlv(v128.xor(v4, v8), 7);
      v1 = i32x4.add(v1, v5); v13 = rot16(v128.xor(v13, v1));
      v9 = i32x4.add(v9, v13); v5 = rotlv(v128.xor(v5, v9), 12);
      v1 = i32x4.add(v1, v5); v13 = rot8(v128.xor(v13, v1));
      v9 = i32x4.add(v9, v13); v5 = rotlv(v128.xor(v5, v9), 7);
      v2 = i32x4.add(v2, v6); v14 = rot16(v128.xor(v14, v2));
      v10 = i32x4.add(v10, v14); v6 = rotlv(v128.xor(v6, v10), 12);
      v2 = i32x4.add(v2, v6); v14 = rot8(v128.xor(v14, v2));
      v10 = i32x4.add(v10, v14); v6 = rotlv(v128.xor(v6, v10), 7);
      v3 = i32x4.add(v3, v7); v15 = rot16(v128.xor(v15, v3));
      v11 = i32x4.add(v11, v15); v7 = rotlv(v128.xor(v7, v11), 12);
      v3 = i32x4.add(v3, v7); v15 = rot8(v128.xor(v15, v3));
      v11 = i32x4.add(v11, v15); v7 = rotlv(v128.xor(v7, v11), 7);
      v0 = i32x4.add(v0, v5); v15 = rot16(v128.xor(v15, v0));
      v10 = i32x4.add(v10, v15); v5 = rotlv(v128.xor(v5, v10), 12);
      v0 = i32x4.add(v0, v5); v15 = rot8(v128.xor(v15, v0));
      v10 = i32x4.add(v10, v15); v5 = rotlv(v128.xor(v5, v10), 7);
      v1 = i32x4.add(v1, v6); v12 = rot16(v128.xor(v12, v1));
      v11 = i32x4.add(v11, v12); v6 = rotlv(v128.xor(v6, v11), 12);
      v1 = i32x4.add(v1, v6); v12 = rot8(v128.xor(v12, v1));
      v11 = i32x4.add(v11, v12); v6 = rotlv(v128.xor(v6, v11), 7);
      v2 = i32x4.add(v2, v7); v13 = rot16(v128.xor(v13, v2));
      v8 = i32x4.add(v8, v13); v7 = rotlv(v128.xor(v7, v8), 12);
      v2 = i32x4.add(v2, v7); v13 = rot8(v128.xor(v13, v2));
      v8 = i32x4.add(v8, v13); v7 = rotlv(v128.xor(v7, v8), 7);
      v3 = i32x4.add(v3, v4); v14 = rot16(v128.xor(v14, v3));
      v9 = i32x4.add(v9, v14); v4 = rotlv(v128.xor(v4, v9), 12);
      v3 = i32x4.add(v3, v4); v14 = rot8(v128.xor(v14, v3));
      v9 = i32x4.add(v9, v14); v4 = rotlv(v128.xor(v4, v9), 7);
    }
    const s = src + done;
    const d = dst + done;
    xorTransposed(i32x4.add(v0, s0), i32x4.add(v1, s1), i32x4.add(v2, s2), i32x4.add(v3, s3), s, d);
    xorTransposed(i32x4.add(v4, k0), i32x4.add(v5, k1), i32x4.add(v6, k2), i32x4.add(v7, k3), s + 16, d + 16);
    xorTransposed(i32x4.add(v8, k4), i32x4.add(v9, k5), i32x4.add(v10, k6), i32x4.add(v11, k7), s + 32, d + 32);
    xorTransposed(i32x4.add(v12, w12), i32x4.add(v13, w13), i32x4.add(v14, w14), i32x4.add(v15, w15), s + 48, d + 48);
    done += 256;
    const next = c0 + 4;
    if (wide && next < c0) c1++;
    c0 = next;
  }
  if (done < len) chachaXorScalar(key, c0, c1, n0, n1, wide, src + done, dst + done, len - done);
}
