/**
 * A TCP source and sink for transfer checks, run inside a namespace:
 *   bun stream_check.ts sink PORT            prints "bytes sha256" once the sender closes
 *   bun stream_check.ts source HOST PORT N   sends N deterministic pseudo-random bytes, prints "bytes sha256"
 * Both ends hash what crossed the wire, so equal lines mean the bytes arrived intact.
 */
import { createHash } from "node:crypto";
import { connect, createServer } from "node:net";

function block(seed: number, size: number): Buffer {
  // xorshift32: cheap, deterministic, incompressible enough for a transfer check.
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

const [mode, a1, a2, a3] = process.argv.slice(2);
if (mode === "sink") {
  const server = createServer((sock) => {
    const h = createHash("sha256");
    let n = 0;
    sock.on("data", (d: Buffer) => {
      h.update(d);
      n += d.length;
    });
    sock.on("end", () => {
      console.log(`${n} ${h.digest("hex")}`);
      server.close();
      sock.end();
    });
  });
  server.listen(Number(a1), "::");
  setTimeout(() => process.exit(3), 600_000).unref();
} else if (mode === "source") {
  const total = Number(a3);
  const chunk = 64 * 1024;
  const sock = connect({ host: a1!, port: Number(a2) });
  const h = createHash("sha256");
  let sent = 0;
  let seed = 12345;
  const pump = () => {
    while (sent < total) {
      const n = Math.min(chunk, total - sent);
      const b = block(seed++, chunk).subarray(0, n);
      h.update(b);
      sent += n;
      if (!sock.write(b)) return void sock.once("drain", pump);
    }
    sock.end(() => console.log(`${sent} ${h.digest("hex")}`));
  };
  sock.on("connect", pump);
  sock.on("error", (e) => {
    console.error(`source: ${e.message}`);
    process.exit(2);
  });
} else {
  console.error("usage: stream_check.ts sink PORT | source HOST PORT BYTES");
  process.exit(1);
}
