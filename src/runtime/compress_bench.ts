/**
 * Benchmark (a script, not a test): compression ratio and throughput per level on 1400-byte
 * frames, ours beside the C libraries tincd links, measured in the same run.
 *
 *   node_modules/.bin/bun src/runtime/compress_bench.ts [msPerCase]
 *
 * Ratio = compressed bytes / input bytes (lower is better). MB/s counts input bytes (compress)
 * and output bytes (decompress). Each case runs for a bounded time; figures never fail anything.
 * @module
 */
import { createCompressor } from "../core/compress/mod.ts";
import { createRuntimeCompressor } from "./compress.ts";
import { loadNativeLz4, loadNativeLzo, loadNativeZlib } from "./compress_native.ts";

const FRAME = 1400;
const msPerCase = Number(process.argv[2] ?? 150);

/** Deterministic frames: Ethernet+IPv4+TCP headers over HTML-like text, or over random bytes. */
function frames(kind: "text" | "random", count: number): Uint8Array[] {
  let x = 12345;
  const rnd = () => (x = (Math.imul(x, 1103515245) + 12345) >>> 0) >>> 24;
  const words = [
    "<div class=",
    '"item"',
    ">",
    "</div>",
    "the",
    "tinc",
    "mesh",
    "VPN",
    "packet",
    "\n",
    "  ",
    "href",
  ];
  return Array.from({ length: count }, (_, n) => {
    const f = new Uint8Array(FRAME);
    f.set([2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2, 8, 0, 0x45, 0, 0x05, 0x6a, n >> 8, n & 255, 0x40, 0, 64, 6]);
    let o = 54;
    if (kind === "random") { for (; o < FRAME; o++) f[o] = rnd(); }
    else {
      const enc = new TextEncoder();
      while (o < FRAME) {
        const w = enc.encode(words[rnd() % words.length]! + " ");
        f.set(w.subarray(0, FRAME - o), o);
        o += w.length;
      }
    }
    return f;
  });
}

interface Codec {
  compress(data: Uint8Array): Uint8Array;
  decompress(data: Uint8Array): Uint8Array;
}

function measure(fn: () => void, bytesPerCall: number): number {
  let calls = 0;
  const start = performance.now();
  let elapsed = 0;
  // Bounded in time and in count.
  while (calls < 1_000_000 && (elapsed = performance.now() - start) < msPerCase) {
    for (let k = 0; k < 16; k++) fn();
    calls += 16;
  }
  return (calls * bytesPerCall) / (elapsed / 1000) / 1e6;
}

function run(label: string, codec: Codec, inputs: Uint8Array[]): string {
  const packed = inputs.map((d) => codec.compress(d));
  const ratio = packed.reduce((s, p) => s + p.length, 0) / inputs.reduce((s, d) => s + d.length, 0);
  let i = 0;
  const c = measure(() => codec.compress(inputs[i++ % inputs.length]!), FRAME);
  i = 0;
  const d = measure(() => codec.decompress(packed[i++ % packed.length]!), FRAME);
  return `${label.padEnd(26)} ${ratio.toFixed(3).padStart(6)} ${c.toFixed(1).padStart(9)} ${
    d.toFixed(1).padStart(9)
  }`;
}

const ours = createRuntimeCompressor();
const pure = createCompressor();
const out = new Uint8Array(4096);
const back = new Uint8Array(4096);
const viaPort = (port: typeof ours, level: number): Codec => ({
  compress(data) {
    const r = port.compress(level, data, out);
    if (!r.ok) throw new Error(r.detail);
    return out.slice(0, r.length);
  },
  decompress(data) {
    const r = port.decompress(level, data, 1661, back);
    if (!r.ok) throw new Error(r.detail);
    return back;
  },
});

const lzo = loadNativeLzo();
const lz4 = loadNativeLz4();
const z = loadNativeZlib();

for (const kind of ["text", "random"] as const) {
  const inputs = frames(kind, 64);
  console.log(`\n${kind} frames, ${FRAME} bytes            ratio  comp MB/s  dec MB/s`);
  console.log(run("level 0 (copy)", viaPort(pure, 0), inputs));
  for (const level of [1, 6, 9]) {
    console.log(run(`level ${level} node:zlib`, viaPort(ours, level), inputs));
    console.log(run(`level ${level} libz (ffi)`, {
      compress: (d) => z.compress2(d, level).data,
      decompress: (d) => z.uncompress(d, 1661).data,
    }, inputs));
  }
  console.log(run("level 10 ours (LZO1X)", viaPort(pure, 10), inputs));
  console.log(run("level 10 liblzo2 1x_1", {
    compress: (d) => lzo.compress1(d).data,
    decompress: (d) => lzo.decompressSafe(d, 1661).data,
  }, inputs));
  console.log(run("level 11 ours (LZO1X)", viaPort(pure, 11), inputs));
  console.log(run("level 11 liblzo2 1x_999", {
    compress: (d) => lzo.compress999(d).data,
    decompress: (d) => lzo.decompressSafe(d, 1661).data,
  }, inputs));
  console.log(run("level 12 ours (LZ4)", viaPort(pure, 12), inputs));
  console.log(run("level 12 liblz4 default", {
    compress: (d) => lz4.compressDefault(d).data,
    decompress: (d) => lz4.decompressSafe(d, 1661).data,
  }, inputs));
}
