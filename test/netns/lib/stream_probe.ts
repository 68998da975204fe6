/**
 * A TCP source and sink with more knobs than stream_check.ts, run inside a namespace:
 *   bun stream_probe.ts sink PORT
 *       prints one JSON line {bytes, sha256, maxGapMs, ms} once the sender closes; maxGapMs is the
 *       longest time between two arrivals of data (the stall a key change would cause).
 *   bun stream_probe.ts source HOST PORT BYTES KIND [SECONDS]
 *       KIND "random" (xorshift, incompressible) or "text" (log-like lines, compressible);
 *       with SECONDS the bytes are paced evenly over that time. Prints the same JSON line.
 */
import { createHash } from "node:crypto";
import { connect, createServer } from "node:net";

function randomBlock(seed: number, size: number): Buffer {
  const b = Buffer.allocUnsafe(size);
  let x = seed | 1;
  for (let i = 0; i < size; i += 4) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    b.writeInt32LE(x | 0, i);
  }
  return b;
}

const WORDS = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel"];

/** Lines that zlib and LZO both shrink well, but not to nothing (numbers vary). */
function textBlock(seed: number, size: number): Buffer {
  const parts: string[] = [];
  let len = 0;
  for (let i = 0; len < size; i++) {
    const n = seed * 1000 + i;
    const line = `${n} node ${WORDS[n % WORDS.length]} sent packet ${n % 977} to ${
      WORDS[(n >> 3) % WORDS.length]
    } status ok\n`;
    parts.push(line);
    len += line.length;
  }
  return Buffer.from(parts.join("")).subarray(0, size);
}

const [mode, a1, a2, a3, a4, a5] = process.argv.slice(2);
if (mode === "sink") {
  const server = createServer((sock) => {
    const h = createHash("sha256");
    let n = 0;
    const t0 = Date.now();
    let last = t0;
    let maxGapMs = 0;
    sock.on("data", (d: Buffer) => {
      const now = Date.now();
      if (n > 0) maxGapMs = Math.max(maxGapMs, now - last);
      last = now;
      h.update(d);
      n += d.length;
    });
    sock.on("end", () => {
      console.log(JSON.stringify({ bytes: n, sha256: h.digest("hex"), maxGapMs, ms: Date.now() - t0 }));
      server.close();
      sock.end();
    });
  });
  server.listen(Number(a1), "::");
  setTimeout(() => process.exit(3), 600_000).unref();
} else if (mode === "source") {
  const total = Number(a3);
  const kind = a4 === "text" ? "text" : "random";
  const seconds = a5 === undefined ? 0 : Number(a5);
  const chunk = 64 * 1024;
  const sock = connect({ host: a1!, port: Number(a2) });
  const h = createHash("sha256");
  let sent = 0;
  let seed = 12345;
  const t0 = Date.now();
  const pump = () => {
    while (sent < total) {
      if (seconds > 0) {
        // Paced: never ahead of the straight line from 0 to `total` bytes over `seconds`.
        const allowed = (total * (Date.now() - t0)) / (seconds * 1000);
        if (sent >= allowed) return void setTimeout(pump, 20);
      }
      const n = Math.min(chunk, total - sent);
      const b = (kind === "text" ? textBlock(seed++, chunk) : randomBlock(seed++, chunk)).subarray(0, n);
      h.update(b);
      sent += n;
      if (!sock.write(b)) return void sock.once("drain", pump);
    }
    sock.end(() =>
      console.log(JSON.stringify({ bytes: sent, sha256: h.digest("hex"), maxGapMs: 0, ms: Date.now() - t0 }))
    );
  };
  sock.on("connect", pump);
  sock.on("error", (e) => {
    console.error(`source: ${e.message}`);
    process.exit(2);
  });
  setTimeout(() => {
    console.error("source: timed out");
    process.exit(4);
  }, 600_000).unref();
} else {
  console.error("usage: stream_probe.ts sink PORT | source HOST PORT BYTES random|text [SECONDS]");
  process.exit(1);
}
