// ChaCha20 block function (RFC 8439 §2.3) over a state kept in linear memory.
// The caller lays out the 16-word input state at `state` and receives 64 bytes at `out`.

function rotl(x: u32, n: u32): u32 {
  return (x << n) | (x >>> (32 - n));
}

export function chacha20Block(state: usize, out: usize): void {
  let x0 = load<u32>(state, 0), x1 = load<u32>(state, 4), x2 = load<u32>(state, 8), x3 = load<u32>(state, 12);
  let x4 = load<u32>(state, 16),
    x5 = load<u32>(state, 20),
    x6 = load<u32>(state, 24),
    x7 = load<u32>(state, 28);
  let x8 = load<u32>(state, 32),
    x9 = load<u32>(state, 36),
    x10 = load<u32>(state, 40),
    x11 = load<u32>(state, 44);
  let x12 = load<u32>(state, 48),
    x13 = load<u32>(state, 52),
    x14 = load<u32>(state, 56),
    x15 = load<u32>(state, 60);
  for (let i = 0; i < 10; i++) {
    x0 += x4;
    x12 = rotl(x12 ^ x0, 16);
    x8 += x12;
    x4 = rotl(x4 ^ x8, 12);
    x0 += x4;
    x12 = rotl(x12 ^ x0, 8);
    x8 += x12;
    x4 = rotl(x4 ^ x8, 7);
    x1 += x5;
    x13 = rotl(x13 ^ x1, 16);
    x9 += x13;
    x5 = rotl(x5 ^ x9, 12);
    x1 += x5;
    x13 = rotl(x13 ^ x1, 8);
    x9 += x13;
    x5 = rotl(x5 ^ x9, 7);
    x2 += x6;
    x14 = rotl(x14 ^ x2, 16);
    x10 += x14;
    x6 = rotl(x6 ^ x10, 12);
    x2 += x6;
    x14 = rotl(x14 ^ x2, 8);
    x10 += x14;
    x6 = rotl(x6 ^ x10, 7);
    x3 += x7;
    x15 = rotl(x15 ^ x3, 16);
    x11 += x15;
    x7 = rotl(x7 ^ x11, 12);
    x3 += x7;
    x15 = rotl(x15 ^ x3, 8);
    x11 += x15;
    x7 = rotl(x7 ^ x11, 7);
    x0 += x5;
    x15 = rotl(x15 ^ x0, 16);
    x10 += x15;
    x5 = rotl(x5 ^ x10, 12);
    x0 += x5;
    x15 = rotl(x15 ^ x0, 8);
    x10 += x15;
    x5 = rotl(x5 ^ x10, 7);
    x1 += x6;
    x12 = rotl(x12 ^ x1, 16);
    x11 += x12;
    x6 = rotl(x6 ^ x11, 12);
    x1 += x6;
    x12 = rotl(x12 ^ x1, 8);
    x11 += x12;
    x6 = rotl(x6 ^ x11, 7);
    x2 += x7;
    x13 = rotl(x13 ^ x2, 16);
    x8 += x13;
    x7 = rotl(x7 ^ x8, 12);
    x2 += x7;
    x13 = rotl(x13 ^ x2, 8);
    x8 += x13;
    x7 = rotl(x7 ^ x8, 7);
    x3 += x4;
    x14 = rotl(x14 ^ x3, 16);
    x9 += x14;
    x4 = rotl(x4 ^ x9, 12);
    x3 += x4;
    x14 = rotl(x14 ^ x3, 8);
    x9 += x14;
    x4 = rotl(x4 ^ x9, 7);
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
