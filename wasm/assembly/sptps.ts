// tinc's SPTPS record cipher (spec tinc-1.1-sptps.md §1.4), in place on a record body:
//
//   body:  +-------+----------------+---------+
//          | type  | data (len)     | tag(16) |
//          +-------+----------------+---------+
//          <- encrypted: ChaCha20 from block 1 -> <- Poly1305 over the encrypted bytes
//
// ChaCha20 is DJB's original: words 12-13 = 64-bit block counter, words 14-15 = seqno as a
// big-endian 64-bit IV (so word 14 = 0 and word 15 = bswap(seqno)). Block 0's first 32 bytes
// are the Poly1305 key. A datagram record is `seqno:u32be || body`; a stream record is
// `len:u16be || body` with an implicit seqno.

import { chachaXorScalar, chachaXorSimd } from "./chacha20";
import { poly1305Mac } from "./poly1305";
import { poly1305MacSimd } from "./poly1305_simd";
import { E_BAD_TAG, OK, SCRATCH, TAG_SIZE } from "./layout";

/** Keystream block 0 (its first 32 bytes are the Poly1305 key) and the computed tag. */
const POLY_KEY: usize = SCRATCH + 64;
const TAG: usize = SCRATCH + 192;
/** Keystream block 0 and the body's first 128 bytes, for the v128 path's first step. */
const HEAD: usize = SCRATCH + 0x200;

let simdOn: bool = true;

/** Chooses the v128 keystream (default) or the scalar one; both give the same bytes. */
export function setSimdPath(on: bool): void {
  simdOn = on;
}

/** True while the v128 keystream is in use. */
export function simdPath(): bool {
  return simdOn;
}

/** Below this many bytes the two-lane Poly1305 costs more to set up (r^2, vectors) than it saves. */
const POLY_SIMD_MIN: u32 = 128;

/** Poly1305 with the active implementation. */
export function polyMac(key: usize, msg: usize, len: u32, out: usize): void {
  if (simdOn && len >= POLY_SIMD_MIN) poly1305MacSimd(key, msg, len, out);
  else poly1305Mac(key, msg, len, out);
}

/** ChaCha20 (64-bit counter, 8-byte nonce) with the active implementation. */
export function chachaOrig(
  key: usize,
  counter: u64,
  nonceLo: u32,
  nonceHi: u32,
  src: usize,
  dst: usize,
  len: u32,
): void {
  if (simdOn) chachaXorSimd(key, <u32> counter, <u32> (counter >> 32), nonceLo, nonceHi, true, src, dst, len);
  else chachaXorScalar(key, <u32> counter, <u32> (counter >> 32), nonceLo, nonceHi, true, src, dst, len);
}

// @ts-ignore: decorator
function derivePolyKey(key: usize, ivWord: u32): void {
  memory.fill(POLY_KEY, 0, 64);
  chachaXorScalar(key, 0, 0, 0, ivWord, true, POLY_KEY, POLY_KEY, 64);
}

/**
 * v128 path: keystream blocks 0, 1 and 2 in one three-block step. Block 0 becomes the Poly1305
 * key at POLY_KEY; the first min(n, 128) body bytes, XORed with blocks 1 and 2, are left at
 * HEAD + 64 (the body itself is not touched yet, so open can MAC the ciphertext first).
 */
function headStep(key: usize, ivWord: u32, body: usize, n: u32): u32 {
  const head = n < 128 ? n : 128;
  memory.fill(HEAD, 0, 192);
  memory.copy(HEAD + 64, body, head);
  chachaXorSimd(key, 0, 0, 0, ivWord, true, HEAD, HEAD, 192);
  memory.copy(POLY_KEY, HEAD, 32);
  return head;
}

/** v128 path: writes the head back and runs the keystream from block 3 over the rest. */
function finishSimd(key: usize, ivWord: u32, body: usize, n: u32, head: u32): void {
  memory.copy(body, HEAD + 64, head);
  if (n > 128) chachaXorSimd(key, 3, 0, 0, ivWord, true, body + 128, body + 128, n - 128);
}

/** Encrypts `type || data` (1 + dataLen bytes at `body`, type already in place) and appends the tag. */
export function sealBodyAt(key: usize, seqno: u32, body: usize, dataLen: u32): void {
  const ivWord = bswap<u32>(seqno);
  const n = dataLen + 1;
  if (simdOn) {
    finishSimd(key, ivWord, body, n, headStep(key, ivWord, body, n));
  } else {
    derivePolyKey(key, ivWord);
    chachaXorScalar(key, 1, 0, 0, ivWord, true, body, body, n);
  }
  polyMac(POLY_KEY, body, n, body + n);
}

/** Verifies the tag of a body whose encrypted part is 1 + dataLen bytes; decrypts it only if valid. */
export function openBodyAt(key: usize, seqno: u32, body: usize, dataLen: u32): i32 {
  const ivWord = bswap<u32>(seqno);
  const n = dataLen + 1;
  let head: u32 = 0;
  if (simdOn) head = headStep(key, ivWord, body, n);
  else derivePolyKey(key, ivWord);
  polyMac(POLY_KEY, body, n, TAG);
  // Constant time: fold all differences before looking at them.
  const diff = (load<u64>(TAG, 0) ^ load<u64>(body + n, 0)) | (load<u64>(TAG, 8) ^ load<u64>(body + n, 8));
  if (diff != 0) return E_BAD_TAG;
  if (simdOn) finishSimd(key, ivWord, body, n, head);
  else chachaXorScalar(key, 1, 0, 0, ivWord, true, body, body, n);
  return OK;
}

export { TAG_SIZE };
