// Seal+open throughput of tinc's SPTPS record cipher (ChaCha20 from block 1, Poly1305 over the
// ciphertext, key from block 0) at several packet sizes, on one core. Not a test: it prints a
// table, each line with MB/s and its ratio to libsodium measured in the same run.
//   node_modules/.bin/bun scripts/build_wasm.ts && node_modules/.bin/bun scripts/bench_crypto.ts [--quick]
// libsodium-wrappers exposes Poly1305 only as crypto_onetimeauth (its one primitive).
// MB/s counts payload bytes that went through one seal AND one open (10^6 bytes per MB) per
// second of this process's CPU time (one core; the machine is shared, so wall time would measure
// the neighbours); each figure is the best of several interleaved slices.
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import sodium from "libsodium-wrappers-sumo";
import { NobleSptpsCipher } from "../src/core/crypto/sptps_noble.ts";
import { SINGLE_REGION, WasmSptpsCipher } from "../src/crypto/sptps_wasm.ts";
import { NativeSptpsCipher } from "../src/crypto/sptps_native.ts";
import type { SptpsBatchPort, SptpsCipherPort } from "../src/core/crypto/cipher_port.ts";

const SIZES = [64, 512, 1400, 8192];
const quick = process.argv.includes("--quick");
/** Interleaved slices per candidate and size; each figure is the best slice. */
const ROUNDS = quick ? 3 : 10;
const SLICE_MS = quick ? 20 : 40;
const MAX_CALLS = 1_000_000;
const BATCH = 64;

/** One round seals and opens `per` packets of the given size. */
interface Candidate {
  name: string;
  setup(size: number): { per: number; round(): void };
}

/** CPU time of this process in ms since `since` (slices are timed in CPU time: the box is shared). */
function cpuMs(since: NodeJS.CpuUsage): number {
  const u = process.cpuUsage(since);
  return (u.user + u.system) / 1000;
}

/** Runs one slice; returns MB/s (per CPU second) of payload that was sealed and opened. */
function slice(run: { per: number; round(): void }, size: number): number {
  const start = process.cpuUsage();
  let rounds = 0;
  let elapsed = 0;
  while (elapsed < SLICE_MS && rounds < MAX_CALLS) {
    run.round();
    rounds++;
    elapsed = cpuMs(start);
  }
  return (rounds * run.per * size) / (elapsed / 1000) / 1e6;
}

function measureAll(cands: Candidate[], size: number): number[] {
  const runs = cands.map((c) => c.setup(size));
  runs.forEach((r) => slice(r, size)); // warm-up: lets the engines tier up
  const best = runs.map(() => 0);
  for (let round = 0; round < ROUNDS; round++) {
    runs.forEach((r, i) => (best[i] = Math.max(best[i]!, slice(r, size))));
  }
  return best;
}

const key64 = new Uint8Array(randomBytes(64));
const key32 = key64.subarray(0, 32);
const wasmBytes = new Uint8Array(readFileSync(join(import.meta.dir, "..", "wasm", "build", "core.wasm")));

/** A fresh port for one candidate and size. */
type PortFactory = () => SptpsCipherPort & SptpsBatchPort;

function wasmPort(simd: boolean): PortFactory {
  return () => {
    const c = WasmSptpsCipher.fromBytes(wasmBytes);
    c.setSimd(simd);
    return c;
  };
}

/** libcrypto 3 through bun:ffi, when the host has it (see src/crypto/sptps_native.ts). */
const nativeProbe = NativeSptpsCipher.tryCreate({ slots: 2, arenaSize: 1 << 20 });
const nativePort: PortFactory | undefined = nativeProbe.ok
  ? () => {
    const r = NativeSptpsCipher.tryCreate({ slots: 2, arenaSize: 1 << 20 });
    if (!r.ok) throw new Error(r.reason);
    return r.port;
  }
  : undefined;

function wasmBatched(simd: boolean): Candidate {
  return portBatched(`core batched x${BATCH} (${simd ? "SIMD" : "scalar"})`, wasmPort(simd));
}

function portBatched(name: string, make: PortFactory): Candidate {
  return {
    name,
    setup(size) {
      const c = make();
      c.setKey(1, "send", key64);
      c.setKey(1, "recv", key64);
      c.replayReset(1, 16, "sptps");
      const stride = (size + 21 + 63) & ~63;
      for (let i = 0; i < BATCH; i++) c.arena.set(randomBytes(size), SINGLE_REGION + i * stride + 5);
      let seqno = 0;
      return {
        per: BATCH,
        round() {
          for (let i = 0; i < BATCH; i++) {
            c.writeDescriptor(i, SINGLE_REGION + i * stride, size, seqno + i, 1, 0);
          }
          if (c.sealBatch(0, BATCH) !== BATCH) throw new Error("seal batch failed");
          for (let i = 0; i < BATCH; i++) {
            c.writeDescriptor(i, SINGLE_REGION + i * stride, size + 21, 0, 1, 0);
          }
          if (c.openBatch(0, BATCH) !== BATCH) throw new Error("open batch failed");
          seqno += BATCH;
        },
      };
    },
  };
}

function wasmSingle(simd: boolean): Candidate {
  return portSingle(`core single (${simd ? "SIMD" : "scalar"})`, wasmPort(simd));
}

function portSingle(name: string, make: PortFactory): Candidate {
  return {
    name,
    setup(size) {
      const c = make();
      c.setKey(1, "send", key64);
      c.setKey(1, "recv", key64);
      const data = new Uint8Array(randomBytes(size));
      let seqno = 0;
      return {
        per: 1,
        round() {
          const r = c.open(1, c.seal(1, seqno++, 0, data));
          if (!r.ok) throw new Error(`open failed: ${r.reason}`);
        },
      };
    },
  };
}

const noble: Candidate = {
  name: "@noble/ciphers",
  setup(size) {
    const c = new NobleSptpsCipher({ slots: 2, arenaSize: 16 });
    c.setKey(1, "send", key64);
    c.setKey(1, "recv", key64);
    const data = new Uint8Array(randomBytes(size));
    let seqno = 0;
    return {
      per: 1,
      round() {
        if (!c.open(1, c.seal(1, seqno++, 0, data)).ok) throw new Error("open failed");
      },
    };
  },
};

const libsodium: Candidate = {
  name: "libsodium-wrappers-sumo",
  setup(size) {
    const data = new Uint8Array(randomBytes(size + 1));
    const nonce = new Uint8Array(8);
    const zero32 = new Uint8Array(32);
    let seqno = 0;
    return {
      per: 1,
      round() {
        new DataView(nonce.buffer).setUint32(4, seqno++, false);
        const polyKey = sodium.crypto_stream_chacha20_xor_ic(zero32, nonce, 0, key32);
        const ct = sodium.crypto_stream_chacha20_xor_ic(data, nonce, 1, key32);
        const tag = sodium.crypto_onetimeauth(ct, polyKey);
        const polyKey2 = sodium.crypto_stream_chacha20_xor_ic(zero32, nonce, 0, key32);
        if (!sodium.crypto_onetimeauth_verify(tag, ct, polyKey2)) throw new Error("verify failed");
        sodium.crypto_stream_chacha20_xor_ic(ct, nonce, 1, key32);
      },
    };
  },
};

const aesGcm: Candidate = {
  name: "node:crypto AES-256-GCM (ceiling)",
  setup(size) {
    const data = randomBytes(size);
    const iv = Buffer.alloc(12);
    let seqno = 0;
    return {
      per: 1,
      round() {
        iv.writeUInt32BE(seqno++, 8);
        const c = createCipheriv("aes-256-gcm", key32, iv);
        const ct = Buffer.concat([c.update(data), c.final()]);
        const tag = c.getAuthTag();
        const d = createDecipheriv("aes-256-gcm", key32, iv);
        d.setAuthTag(tag);
        d.update(ct);
        d.final();
      },
    };
  },
};

await sodium.ready;
if (!nativeProbe.ok) console.log(`libcrypto port not measured: ${nativeProbe.reason}`);
const candidates = [
  ...(nativePort
    ? [portBatched(`libcrypto batched x${BATCH}`, nativePort), portSingle("libcrypto single", nativePort)]
    : []),
  wasmBatched(true),
  wasmBatched(false),
  wasmSingle(true),
  wasmSingle(false),
  noble,
  libsodium,
  aesGcm,
];
const rows: string[][] = [["size", "implementation", "MB/s", "x libsodium"]];
for (const size of SIZES) {
  const rates = measureAll(candidates, size);
  const results = candidates.map((c, i) => ({ name: c.name, mbs: rates[i]! }));
  const base = results.find((r) => r.name === libsodium.name)!.mbs;
  for (const r of results) rows.push([String(size), r.name, r.mbs.toFixed(0), (r.mbs / base).toFixed(2)]);
}
const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
for (const r of rows) {
  console.log(r.map((cell, i) => (i === 1 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join("  "));
}
