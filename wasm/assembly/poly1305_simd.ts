// Poly1305 with v128: the blocks are split into two interleaved Horner chains, one per 64-bit
// lane, each stepping by r^2; the last pair steps lane a by r^2 and lane b by r, and the lanes are
// added at the end:
//   a = (a + m[2j]) r^2,  b = (b + m[2j+1]) r^2,  ...,  last: a r^2, b r;   h = a + b (mod p)
// An odd block count gets a zero block in front of block 0 (it adds nothing). Limbs are 26 bits,
// held as u64 lanes; i64x2.extmul_low_i32x4_u gives the two u32 x u32 products of a step at once.
// Same tag as poly1305.ts (the scalar form), which the tests compare it with.

import { polyFinish } from "./poly1305";
import { SCRATCH } from "./layout";

/** The zero block in front of an odd count, and the padded last partial block. */
const ZERO_BLOCK: usize = SCRATCH + 0x380;
const PAD_BLOCK: usize = SCRATCH + 0x390;

// @ts-ignore: decorator
function mul(x: v128, r: v128): v128 {
  return i64x2.extmul_low_i32x4_u(x, r);
}

// @ts-ignore: decorator
function add5(a: v128, b: v128, c: v128, d: v128, e: v128): v128 {
  return i64x2.add(i64x2.add(i64x2.add(a, b), i64x2.add(c, d)), e);
}

/** Writes the 16-byte tag of `len` bytes at `msg` under the 32-byte one-time key at `key`. */
export function poly1305MacSimd(key: usize, msg: usize, len: u32, out: usize): void {
  const r0: u64 = load<u32>(key, 0) & 0x3ffffff;
  const r1: u64 = (load<u32>(key, 3) >> 2) & 0x3ffff03;
  const r2: u64 = (load<u32>(key, 6) >> 4) & 0x3ffc0ff;
  const r3: u64 = (load<u32>(key, 9) >> 6) & 0x3f03fff;
  const r4: u64 = (load<u32>(key, 12) >> 8) & 0x00fffff;
  // r^2 (scalar, once), partially reduced.
  const e0 = r0 * r0 + (r1 * r4 + r2 * r3) * 10;
  let e1 = r0 * r1 * 2 + (r2 * r4 * 2 + r3 * r3) * 5;
  let e2 = r0 * r2 * 2 + r1 * r1 + r3 * r4 * 10;
  let e3 = (r0 * r3 + r1 * r2) * 2 + r4 * r4 * 5;
  let e4 = (r0 * r4 + r1 * r3) * 2 + r2 * r2;
  e1 += e0 >> 26;
  e2 += e1 >> 26;
  e3 += e2 >> 26;
  e4 += e3 >> 26;
  let q0 = (e0 & 0x3ffffff) + (e4 >> 26) * 5;
  const q1 = (e1 & 0x3ffffff) + (q0 >> 26);
  q0 &= 0x3ffffff;
  const q2 = e2 & 0x3ffffff, q3 = e3 & 0x3ffffff, q4 = e4 & 0x3ffffff;
  // Multipliers: lanes 0 and 1 of an i32x4 (extmul reads those two).
  const rr0 = i32x4.splat(<i32> q0), rr1 = i32x4.splat(<i32> q1), rr2 = i32x4.splat(<i32> q2);
  const rr3 = i32x4.splat(<i32> q3), rr4 = i32x4.splat(<i32> q4);
  const ss1 = i32x4.splat(<i32> (q1 * 5)), ss2 = i32x4.splat(<i32> (q2 * 5));
  const ss3 = i32x4.splat(<i32> (q3 * 5)), ss4 = i32x4.splat(<i32> (q4 * 5));
  const m26 = i64x2.splat(0x3ffffff);
  const hibit = i64x2.splat(1 << 24);

  const full = len >> 4;
  const part = len & 15;
  if (part != 0) {
    // The last partial block gets a 0x01 byte after the message and no 2^128 bit.
    memory.fill(PAD_BLOCK, 0, 16);
    memory.copy(PAD_BLOCK, msg + (<usize> full << 4), part);
    store<u8>(PAD_BLOCK + part, 1);
  }
  const blocks = full + (part != 0 ? 1 : 0);
  let g0 = i64x2.splat(0), g1 = i64x2.splat(0), g2 = i64x2.splat(0), g3 = i64x2.splat(0), g4 = i64x2.splat(0);
  if (blocks == 0) {
    polyFinish(0, 0, 0, 0, 0, key, out);
    return;
  }
  // Pair k holds blocks (2k - odd, 2k + 1 - odd); block -1 is the zero block.
  const odd: u32 = blocks & 1;
  const pairs = (blocks + odd) >> 1;
  let i: u32 = 0;
  if (odd != 0 && pairs > 1) {
    memory.fill(ZERO_BLOCK, 0, 16);
    {
      const ma = v128.load(ZERO_BLOCK);
      const mb = v128.load(msg);
      const lo = i64x2.shuffle(ma, mb, 0, 2);
      const hi = i64x2.shuffle(ma, mb, 1, 3);
      g0 = i64x2.add(g0, v128.and(lo, m26));
      g1 = i64x2.add(g1, v128.and(i64x2.shr_u(lo, 26), m26));
      g2 = i64x2.add(g2, v128.and(v128.or(i64x2.shr_u(lo, 52), i64x2.shl(hi, 12)), m26));
      g3 = i64x2.add(g3, v128.and(i64x2.shr_u(hi, 14), m26));
      g4 = i64x2.add(g4, v128.or(i64x2.shr_u(hi, 40), i64x2(0, 1 << 24)));
    }
    // (lanes a, b) times (rr): 25 u32 x u32 -> u64 products per lane, then the carry chain.
    {
      const x0 = i32x4.shuffle(g0, g0, 0, 2, 0, 2);
      const x1 = i32x4.shuffle(g1, g1, 0, 2, 0, 2);
      const x2 = i32x4.shuffle(g2, g2, 0, 2, 0, 2);
      const x3 = i32x4.shuffle(g3, g3, 0, 2, 0, 2);
      const x4 = i32x4.shuffle(g4, g4, 0, 2, 0, 2);
      const d0 = add5(mul(x0, rr0), mul(x1, ss4), mul(x2, ss3), mul(x3, ss2), mul(x4, ss1));
      let d1 = add5(mul(x0, rr1), mul(x1, rr0), mul(x2, ss4), mul(x3, ss3), mul(x4, ss2));
      let d2 = add5(mul(x0, rr2), mul(x1, rr1), mul(x2, rr0), mul(x3, ss4), mul(x4, ss3));
      let d3 = add5(mul(x0, rr3), mul(x1, rr2), mul(x2, rr1), mul(x3, rr0), mul(x4, ss4));
      let d4 = add5(mul(x0, rr4), mul(x1, rr3), mul(x2, rr2), mul(x3, rr1), mul(x4, rr0));
      d1 = i64x2.add(d1, i64x2.shr_u(d0, 26));
      g0 = v128.and(d0, m26);
      d2 = i64x2.add(d2, i64x2.shr_u(d1, 26));
      g1 = v128.and(d1, m26);
      d3 = i64x2.add(d3, i64x2.shr_u(d2, 26));
      g2 = v128.and(d2, m26);
      d4 = i64x2.add(d4, i64x2.shr_u(d3, 26));
      g3 = v128.and(d3, m26);
      g4 = v128.and(d4, m26);
      const c = i64x2.shr_u(d4, 26);
      g0 = i64x2.add(g0, i64x2.add(c, i64x2.shl(c, 2)));
      g1 = i64x2.add(g1, i64x2.shr_u(g0, 26));
      g0 = v128.and(g0, m26);
    }
    i = 1;
  }
  // Pairs before the last hold full blocks only.
  const lastPair = pairs - 1;
  let p = msg + (<usize> (i * 2 - odd) << 4);
  for (let k: u32 = i; k < lastPair; k++) {
    {
      const ma = v128.load(p);
      const mb = v128.load(p + 16);
      const lo = i64x2.shuffle(ma, mb, 0, 2);
      const hi = i64x2.shuffle(ma, mb, 1, 3);
      g0 = i64x2.add(g0, v128.and(lo, m26));
      g1 = i64x2.add(g1, v128.and(i64x2.shr_u(lo, 26), m26));
      g2 = i64x2.add(g2, v128.and(v128.or(i64x2.shr_u(lo, 52), i64x2.shl(hi, 12)), m26));
      g3 = i64x2.add(g3, v128.and(i64x2.shr_u(hi, 14), m26));
      g4 = i64x2.add(g4, v128.or(i64x2.shr_u(hi, 40), hibit));
    }
    // (lanes a, b) times (rr): 25 u32 x u32 -> u64 products per lane, then the carry chain.
    {
      const x0 = i32x4.shuffle(g0, g0, 0, 2, 0, 2);
      const x1 = i32x4.shuffle(g1, g1, 0, 2, 0, 2);
      const x2 = i32x4.shuffle(g2, g2, 0, 2, 0, 2);
      const x3 = i32x4.shuffle(g3, g3, 0, 2, 0, 2);
      const x4 = i32x4.shuffle(g4, g4, 0, 2, 0, 2);
      const d0 = add5(mul(x0, rr0), mul(x1, ss4), mul(x2, ss3), mul(x3, ss2), mul(x4, ss1));
      let d1 = add5(mul(x0, rr1), mul(x1, rr0), mul(x2, ss4), mul(x3, ss3), mul(x4, ss2));
      let d2 = add5(mul(x0, rr2), mul(x1, rr1), mul(x2, rr0), mul(x3, ss4), mul(x4, ss3));
      let d3 = add5(mul(x0, rr3), mul(x1, rr2), mul(x2, rr1), mul(x3, rr0), mul(x4, ss4));
      let d4 = add5(mul(x0, rr4), mul(x1, rr3), mul(x2, rr2), mul(x3, rr1), mul(x4, rr0));
      d1 = i64x2.add(d1, i64x2.shr_u(d0, 26));
      g0 = v128.and(d0, m26);
      d2 = i64x2.add(d2, i64x2.shr_u(d1, 26));
      g1 = v128.and(d1, m26);
      d3 = i64x2.add(d3, i64x2.shr_u(d2, 26));
      g2 = v128.and(d2, m26);
      d4 = i64x2.add(d4, i64x2.shr_u(d3, 26));
      g3 = v128.and(d3, m26);
      g4 = v128.and(d4, m26);
      const c = i64x2.shr_u(d4, 26);
      g0 = i64x2.add(g0, i64x2.add(c, i64x2.shl(c, 2)));
      g1 = i64x2.add(g1, i64x2.shr_u(g0, 26));
      g0 = v128.and(g0, m26);
    }
    p += 32;
  }
  // The last pair: lane b steps by r, and its block may be the padded one (no 2^128 bit).
  {
    const ia = <i32> (lastPair * 2) - <i32> odd;
    const ib = <u32> (ia + 1);
    const pa = ia < 0 ? ZERO_BLOCK : msg + (<usize> ia << 4);
    const pb = ib < full ? msg + (<usize> ib << 4) : PAD_BLOCK;
    if (ia < 0) memory.fill(ZERO_BLOCK, 0, 16);
    const hib = i64x2(ia < 0 ? 0 : 1 << 24, ib < full ? 1 << 24 : 0);
    {
      const ma = v128.load(pa);
      const mb = v128.load(pb);
      const lo = i64x2.shuffle(ma, mb, 0, 2);
      const hi = i64x2.shuffle(ma, mb, 1, 3);
      g0 = i64x2.add(g0, v128.and(lo, m26));
      g1 = i64x2.add(g1, v128.and(i64x2.shr_u(lo, 26), m26));
      g2 = i64x2.add(g2, v128.and(v128.or(i64x2.shr_u(lo, 52), i64x2.shl(hi, 12)), m26));
      g3 = i64x2.add(g3, v128.and(i64x2.shr_u(hi, 14), m26));
      g4 = i64x2.add(g4, v128.or(i64x2.shr_u(hi, 40), hib));
    }
    const rl0 = i32x4(<i32> q0, <i32> r0, 0, 0), rl1 = i32x4(<i32> q1, <i32> r1, 0, 0);
    const rl2 = i32x4(<i32> q2, <i32> r2, 0, 0), rl3 = i32x4(<i32> q3, <i32> r3, 0, 0);
    const rl4 = i32x4(<i32> q4, <i32> r4, 0, 0);
    const sl1 = i32x4(<i32> (q1 * 5), <i32> (r1 * 5), 0, 0),
      sl2 = i32x4(<i32> (q2 * 5), <i32> (r2 * 5), 0, 0);
    const sl3 = i32x4(<i32> (q3 * 5), <i32> (r3 * 5), 0, 0),
      sl4 = i32x4(<i32> (q4 * 5), <i32> (r4 * 5), 0, 0);
    // (lanes a, b) times (rl): 25 u32 x u32 -> u64 products per lane, then the carry chain.
    {
      const x0 = i32x4.shuffle(g0, g0, 0, 2, 0, 2);
      const x1 = i32x4.shuffle(g1, g1, 0, 2, 0, 2);
      const x2 = i32x4.shuffle(g2, g2, 0, 2, 0, 2);
      const x3 = i32x4.shuffle(g3, g3, 0, 2, 0, 2);
      const x4 = i32x4.shuffle(g4, g4, 0, 2, 0, 2);
      const d0 = add5(mul(x0, rl0), mul(x1, sl4), mul(x2, sl3), mul(x3, sl2), mul(x4, sl1));
      let d1 = add5(mul(x0, rl1), mul(x1, rl0), mul(x2, sl4), mul(x3, sl3), mul(x4, sl2));
      let d2 = add5(mul(x0, rl2), mul(x1, rl1), mul(x2, rl0), mul(x3, sl4), mul(x4, sl3));
      let d3 = add5(mul(x0, rl3), mul(x1, rl2), mul(x2, rl1), mul(x3, rl0), mul(x4, sl4));
      let d4 = add5(mul(x0, rl4), mul(x1, rl3), mul(x2, rl2), mul(x3, rl1), mul(x4, rl0));
      d1 = i64x2.add(d1, i64x2.shr_u(d0, 26));
      g0 = v128.and(d0, m26);
      d2 = i64x2.add(d2, i64x2.shr_u(d1, 26));
      g1 = v128.and(d1, m26);
      d3 = i64x2.add(d3, i64x2.shr_u(d2, 26));
      g2 = v128.and(d2, m26);
      d4 = i64x2.add(d4, i64x2.shr_u(d3, 26));
      g3 = v128.and(d3, m26);
      g4 = v128.and(d4, m26);
      const c = i64x2.shr_u(d4, 26);
      g0 = i64x2.add(g0, i64x2.add(c, i64x2.shl(c, 2)));
      g1 = i64x2.add(g1, i64x2.shr_u(g0, 26));
      g0 = v128.and(g0, m26);
    }
  }
  // Add the lanes and carry once, so polyFinish gets limbs as its scalar caller leaves them.
  let h0 = <u32> (i64x2.extract_lane(g0, 0) + i64x2.extract_lane(g0, 1));
  let h1 = <u32> (i64x2.extract_lane(g1, 0) + i64x2.extract_lane(g1, 1));
  let h2 = <u32> (i64x2.extract_lane(g2, 0) + i64x2.extract_lane(g2, 1));
  let h3 = <u32> (i64x2.extract_lane(g3, 0) + i64x2.extract_lane(g3, 1));
  let h4 = <u32> (i64x2.extract_lane(g4, 0) + i64x2.extract_lane(g4, 1));
  h1 += h0 >> 26;
  h0 &= 0x3ffffff;
  h2 += h1 >> 26;
  h1 &= 0x3ffffff;
  h3 += h2 >> 26;
  h2 &= 0x3ffffff;
  h4 += h3 >> 26;
  h3 &= 0x3ffffff;
  h0 += (h4 >> 26) * 5;
  h4 &= 0x3ffffff;
  h1 += h0 >> 26;
  h0 &= 0x3ffffff;
  polyFinish(h0, h1, h2, h3, h4, key, out);
}
