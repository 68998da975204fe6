/**
 * Framing tests against real captured TCP streams: the per-direction `.hex` bytes, chunked at the
 * real segment boundaries, at every single split point and at random, must give exactly the lines
 * (and PACKET payloads) of the matching `.txt` capture.
 */
import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ecb } from "@noble/ciphers/aes.js";
import { encodeLine, type FrameItem, MAXBUFSIZE, MetaFramer, type StreamTransform } from "./framing.ts";
import { parseRequest } from "./codec.ts";
import { RequestCode } from "./requests.ts";
import { hexToBytes } from "./fields.ts";

const FIXTURES = join(import.meta.dir, "..", "..", "..", "..", "shared", "fixtures");

type Item = { kind: "line"; line: string } | { kind: "raw"; bytes: Uint8Array } | {
  kind: "error";
  reason: string;
};

function readHexStream(path: string): Uint8Array {
  const hex = readFileSync(join(FIXTURES, path), "latin1").replace(/\s+/g, "");
  const bytes = hexToBytes(hex);
  if (!bytes) throw new Error(`bad hex in ${path}`);
  return bytes;
}

/** The expected items of a `.txt` capture: lines, and `#PACKET-PAYLOAD LEN HEX` as raw items. */
function readExpected(path: string): Item[] {
  const items: Item[] = [];
  for (const line of readFileSync(join(FIXTURES, path), "latin1").split("\n")) {
    if (line === "") continue;
    const payload = /^#PACKET-PAYLOAD (\d+) ([0-9a-f]+)$/.exec(line);
    if (payload) {
      expect(payload[2]!.length).toBe(2 * Number(payload[1]));
      items.push({ kind: "raw", bytes: hexToBytes(payload[2]!)! });
    } else if (!line.startsWith("#")) {
      items.push({ kind: "line", line });
    }
  }
  return items;
}

/** Segment boundaries of one direction from `tcp-segments.txt`. */
function readSegments(path: string, direction: string): { offset: number; length: number }[] {
  const out: { offset: number; length: number }[] = [];
  for (const line of readFileSync(join(FIXTURES, path), "latin1").split("\n")) {
    const f = line.trim().split(/\s+/);
    if (f[2] === direction) out.push({ offset: Number(f[3]), length: Number(f[4]) });
  }
  return out;
}

/** Cheap exact comparison for the many-run tests (toEqual is the reference elsewhere). */
function sameItems(a: Item[], b: Item[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x.kind !== y.kind) return false;
    if (x.kind === "line" && y.kind === "line" && x.line !== y.line) return false;
    if (x.kind === "raw" && y.kind === "raw") {
      if (x.bytes.length !== y.bytes.length || x.bytes.some((v, j) => v !== y.bytes[j])) return false;
    }
    if (x.kind === "error") return false;
  }
  return true;
}

/** What a connection does with the framer: PACKET lines announce raw bytes; METAKEY may switch. */
class Reader {
  readonly items: Item[] = [];
  constructor(readonly framer: MetaFramer, readonly afterMetakey?: () => StreamTransform) {}

  drain(): void {
    for (let guard = 0; guard < 10_000; guard++) {
      const item: FrameItem | null = this.framer.next();
      if (item === null) return;
      if (item.kind === "raw") {
        this.items.push(item);
        continue;
      }
      if (item.kind === "error") {
        this.items.push(item);
        return;
      }
      this.items.push(item);
      const r = parseRequest(item.line);
      if (r.ok && r.value.code === RequestCode.PACKET) this.framer.expectRaw(r.value.length);
      if (r.ok && r.value.code === RequestCode.METAKEY && this.afterMetakey) {
        this.framer.setTransform(this.afterMetakey());
      }
    }
    throw new Error("drain did not finish");
  }
}

function feed(stream: Uint8Array, cuts: number[], afterMetakey?: () => StreamTransform): Item[] {
  const reader = new Reader(new MetaFramer(), afterMetakey);
  let at = 0;
  for (const cut of [...cuts, stream.length]) {
    reader.framer.push(stream.subarray(at, cut));
    reader.drain();
    at = cut;
  }
  expect(reader.framer.buffered).toBe(0);
  return reader.items;
}

const PLAINTEXT_STREAMS = [
  { dir: "legacy-plaintext", name: "alice-to-bob", direction: "alice->bob" },
  { dir: "legacy-plaintext", name: "bob-to-alice", direction: "bob->alice" },
  { dir: "mixed-1.0-1.1", name: "eve-to-frank", direction: "eve->frank" },
  { dir: "mixed-1.0-1.1", name: "frank-to-eve", direction: "frank->eve" },
  { dir: "mixed-1.0-1.1", name: "grace-to-frank", direction: "grace->frank" },
  { dir: "mixed-1.0-1.1", name: "frank-to-grace", direction: "frank->grace" },
];

describe("real plaintext streams", () => {
  for (const s of PLAINTEXT_STREAMS) {
    const stream = readHexStream(`${s.dir}/${s.name}.hex`);
    const expected = readExpected(`${s.dir}/${s.name}.txt`);

    test(`${s.dir}/${s.name}: real TCP segment boundaries`, () => {
      const segments = readSegments(`${s.dir}/tcp-segments.txt`, s.direction);
      expect(segments.length).toBeGreaterThan(1);
      let covered = 0;
      for (const seg of segments) {
        expect(seg.offset).toBe(covered);
        covered += seg.length;
      }
      expect(covered).toBe(stream.length);
      const items = feed(stream, segments.slice(1).map((seg) => seg.offset));
      expect(items).toEqual(expected);
    });

    test(`${s.dir}/${s.name}: every split point`, () => {
      for (let cut = 0; cut <= stream.length; cut++) {
        const items = feed(stream, [cut]);
        if (!sameItems(items, expected)) expect({ cut, items }).toEqual({ cut, items: expected });
      }
      expect(feed(stream, [Math.floor(stream.length / 2)])).toEqual(expected);
    });
  }

  test("random chunkings, including single bytes", () => {
    const stream = readHexStream("legacy-plaintext/bob-to-alice.hex");
    const expected = readExpected("legacy-plaintext/bob-to-alice.txt");
    expect(feed(stream, Array.from({ length: stream.length - 1 }, (_, i) => i + 1))).toEqual(expected);
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: 1, max: stream.length - 1 }), { maxLength: 60 }),
        (cuts) => {
          expect(sameItems(feed(stream, cuts.sort((a, b) => a - b)), expected)).toBe(true);
        },
      ),
      { numRuns: 200 },
    );
  });
});

// ---------- switching to a transform after the METAKEY line (legacy-auth, AES-256-CFB) ----------

const META_KEYS = {
  "alice-to-bob": {
    iv: "9c3588cae92623c025caee29df38dcf1",
    key: "da381550f7410a667038f1daffc6d8be4507d4fece7fdada2f302b2580edc667",
  },
  "bob-to-alice": {
    iv: "7e8891bdb10e8f31ab1f62713fb99400",
    key: "cb44512dd38f81a6b11fefe111b6d02d9a3d477bbf73ceb49ad505ac6dd8d630",
  },
};

function aesBlock(key: Uint8Array, block: Uint8Array): Uint8Array {
  // noble refuses to reuse an ECB instance; one per block is fine for a test.
  return ecb(key, { disablePadding: true }).encrypt(block);
}

/** Stateful AES-CFB128 decryption, as tinc runs one continuous stream per direction. */
function cfbDecryptor(key: Uint8Array, iv: Uint8Array): StreamTransform {
  const register = iv.slice();
  let keystream = aesBlock(key, register);
  let pos = 0;
  return (data) => {
    const out = new Uint8Array(data.length);
    for (let i = 0; i < data.length; i++) {
      if (pos === 16) {
        keystream = aesBlock(key, register);
        pos = 0;
      }
      const c = data[i]!;
      out[i] = c ^ keystream[pos]!;
      register[pos] = c;
      pos++;
    }
    return out;
  };
}

describe("legacy-auth: decrypt from the byte after the METAKEY line", () => {
  for (const [name, k] of Object.entries(META_KEYS)) {
    const stream = readHexStream(`legacy-auth/${name}.hex`);
    const expected = readExpected(`legacy-auth/decrypted-${name}.txt`);
    const key = hexToBytes(k.key)!;
    const iv = hexToBytes(k.iv)!;
    const direction = name.replace("-to-", "->");

    test(`${name}: real segments (METAKEY and ciphertext share segments)`, () => {
      const segments = readSegments("legacy-auth/tcp-segments.txt", direction);
      const items = feed(stream, segments.slice(1).map((s) => s.offset), () => cfbDecryptor(key, iv));
      expect(items).toEqual(expected);
    });

    test(`${name}: every split point`, () => {
      // The keystream depends only on the ciphertext, so compute it once and replay it by
      // position; the framer must apply the transform from exactly the right byte on.
      const metakeyEnd = stream.indexOf(0x0a, stream.indexOf(0x0a) + 1) + 1;
      const plain = cfbDecryptor(key, iv)(stream.subarray(metakeyEnd));
      const keystream = plain.map((p, i) => p ^ stream[metakeyEnd + i]!);
      const positional = (): StreamTransform => {
        let pos = 0;
        return (data) => {
          const out = new Uint8Array(data.length);
          for (let i = 0; i < data.length; i++) out[i] = data[i]! ^ keystream[pos++]!;
          return out;
        };
      };
      for (let cut = 0; cut <= stream.length; cut++) {
        const items = feed(stream, [cut], positional);
        if (!sameItems(items, expected)) expect({ cut, items }).toEqual({ cut, items: expected });
      }
      expect(feed(stream, [metakeyEnd + 7], positional)).toEqual(expected);
      expect(feed(stream, [metakeyEnd - 1, metakeyEnd + 1], positional)).toEqual(expected);
      // Deterministic but CPU-bound (~4 s on a loaded machine): bun's default 5 s is too tight.
    }, 60_000);
  }
});

describe("takeRemainder for a 1.1 SPTPS switch after the ID line", () => {
  const stream = readHexStream("sptps-pre18/carol-to-dave.hex");
  const idEnd = stream.indexOf(0x0a) + 1;

  test("every split point yields the ID line and exactly the bytes after it", () => {
    for (let cut = 0; cut <= stream.length; cut += cut < 200 ? 1 : 97) {
      const framer = new MetaFramer();
      framer.push(stream.subarray(0, cut));
      let item = framer.next();
      if (item === null) {
        framer.push(stream.subarray(cut));
        item = framer.next();
        expect(item).toEqual({ kind: "line", line: "0 carol 17.7" });
        expect(framer.takeRemainder()).toEqual(stream.subarray(idEnd));
      } else {
        expect(item).toEqual({ kind: "line", line: "0 carol 17.7" });
        const rest = framer.takeRemainder();
        expect(rest).toEqual(stream.subarray(idEnd, Math.max(idEnd, cut)));
      }
      expect(framer.buffered).toBe(0);
    }
  });
});

describe("tinc's 2176-byte buffer limit", () => {
  test("a line of 2175 characters plus newline fits", () => {
    const framer = new MetaFramer();
    framer.push(encodeLine(`2 ${"A".repeat(MAXBUFSIZE - 3)}`));
    const item = framer.next();
    expect(item?.kind).toBe("line");
    expect(item?.kind === "line" && item.line.length).toBe(MAXBUFSIZE - 1);
  });

  test("2176 bytes without a newline drop the connection, and the error sticks", () => {
    const framer = new MetaFramer();
    framer.push(new Uint8Array(MAXBUFSIZE - 1).fill(0x41));
    expect(framer.next()).toBeNull();
    framer.push(Uint8Array.of(0x41));
    expect(framer.next()).toEqual({ kind: "error", reason: "2176 bytes buffered without a newline" });
    framer.push(encodeLine("8"));
    expect(framer.next()?.kind).toBe("error");
  });

  test("a 2176-character line is refused even if its newline arrives in the same chunk", () => {
    const framer = new MetaFramer();
    framer.push(encodeLine("A".repeat(MAXBUFSIZE)));
    expect(framer.next()?.kind).toBe("error");
  });

  test("many short lines in one large chunk are fine", () => {
    const framer = new MetaFramer();
    const lines = Array.from({ length: 1000 }, (_, i) => `14 ${i.toString(16)} alice`);
    const chunk = new Uint8Array(lines.reduce((n, l) => n + l.length + 1, 0));
    let at = 0;
    for (const l of lines) {
      chunk.set(encodeLine(l), at);
      at += l.length + 1;
    }
    framer.push(chunk);
    const got: string[] = [];
    for (let item = framer.next(); item !== null; item = framer.next()) {
      if (item.kind !== "line") throw new Error(item.kind);
      got.push(item.line);
    }
    expect(got).toEqual(lines);
  });

  test("raw frames: 2176 bytes fit, longer ones fail once the buffer is full", () => {
    const ok = new MetaFramer();
    ok.expectRaw(MAXBUFSIZE);
    ok.push(new Uint8Array(MAXBUFSIZE).fill(0x0a));
    expect(ok.next()).toEqual({ kind: "raw", bytes: new Uint8Array(MAXBUFSIZE).fill(0x0a) });
    expect(ok.next()).toBeNull();

    const tooBig = new MetaFramer();
    tooBig.expectRaw(MAXBUFSIZE + 1);
    tooBig.push(new Uint8Array(MAXBUFSIZE - 1));
    expect(tooBig.next()).toBeNull();
    tooBig.push(new Uint8Array(1));
    expect(tooBig.next()?.kind).toBe("error");
  });

  test("raw bytes may contain newlines and a zero-length raw frame is empty", () => {
    const framer = new MetaFramer();
    framer.push(encodeLine("17 3"));
    expect(framer.next()).toEqual({ kind: "line", line: "17 3" });
    expect(framer.awaitingRaw).toBe(false);
    framer.expectRaw(3);
    expect(framer.awaitingRaw).toBe(true);
    framer.push(Uint8Array.of(0x0a, 0x0a, 0x0a, 0x38, 0x0a));
    expect(framer.next()).toEqual({ kind: "raw", bytes: Uint8Array.of(10, 10, 10) });
    expect(framer.next()).toEqual({ kind: "line", line: "8" });
    framer.expectRaw(0);
    expect(framer.next()).toEqual({ kind: "raw", bytes: new Uint8Array(0) });
  });

  test("a bad raw length is an error", () => {
    const framer = new MetaFramer();
    framer.expectRaw(-1);
    expect(framer.next()?.kind).toBe("error");
  });
});

describe("line bytes", () => {
  test("non-ASCII bytes and NULs survive one character per byte", () => {
    const framer = new MetaFramer();
    framer.push(Uint8Array.of(0x38, 0x00, 0xff, 0x80, 0x0d, 0x0a));
    expect(framer.next()).toEqual({ kind: "line", line: "8\u0000\u00ff\u0080\r" });
    expect(encodeLine("8\u0000\u00ff\u0080\r")).toEqual(Uint8Array.of(0x38, 0x00, 0xff, 0x80, 0x0d, 0x0a));
  });

  test("a transform that changes the length (a record layer) refills the buffer from there", () => {
    const framer = new MetaFramer();
    const enc = (t: string) => new TextEncoder().encode(t);
    // Records are "<len byte><payload>"; the transform returns the payloads of complete records.
    let pending = new Uint8Array(0);
    const records = (bytes: Uint8Array): Uint8Array => {
      const all = new Uint8Array(pending.length + bytes.length);
      all.set(pending);
      all.set(bytes, pending.length);
      const out: number[] = [];
      let i = 0;
      while (i < all.length && i + 1 + all[i]! <= all.length) {
        out.push(...all.subarray(i + 1, i + 1 + all[i]!));
        i += 1 + all[i]!;
      }
      pending = all.slice(i);
      return Uint8Array.from(out);
    };
    framer.push(Uint8Array.of(...enc("0 a 17.7\n"), 6, ...enc("4 1 2\n"), 3, ...enc("8 ")));
    expect(framer.next()).toEqual({ kind: "line", line: "0 a 17.7" });
    framer.setTransform(records);
    expect(framer.next()).toEqual({ kind: "line", line: "4 1 2" });
    expect(framer.next()).toBeNull();
    framer.push(enc("x"));
    expect(framer.next()).toBeNull();
    framer.push(Uint8Array.of(1, 0x0a));
    expect(framer.next()).toEqual({ kind: "line", line: "8 x" });
  });
});

describe("latin-1 both ways", () => {
  test("every byte value survives encodeLine and the framer, whatever the chunking", () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 255 }).filter((b) => b !== 0x0a), { maxLength: 300 }),
        fc.integer({ min: 1, max: 64 }),
        (bytes, chunk) => {
          const line = String.fromCharCode(...bytes);
          const wire = encodeLine(line);
          expect([...wire]).toEqual([...bytes, 0x0a]);
          const framer = new MetaFramer();
          const items: FrameItem[] = [];
          for (let i = 0; i < wire.length; i += chunk) {
            framer.push(wire.subarray(i, i + chunk));
            for (let item = framer.next(); item !== null; item = framer.next()) items.push(item);
          }
          expect(items).toEqual([{ kind: "line", line }]);
        },
      ),
      { numRuns: 500 },
    );
  });

  test("windows-1252's special bytes 0x80-0x9f decode one character per byte", () => {
    const bytes = Array.from({ length: 32 }, (_, i) => 0x80 + i);
    const framer = new MetaFramer();
    framer.push(Uint8Array.of(...bytes, 0x0a, 0x41, 0x0a));
    expect(framer.next()).toEqual({ kind: "line", line: String.fromCharCode(...bytes) });
    expect(framer.next()).toEqual({ kind: "line", line: "A" });
  });

  test("a chunk of high bytes sized near the ASCII check's scratch buffer still decodes byte for byte", () => {
    for (const size of [8189, 8190, 8191, 8192, 16381, 16382]) {
      const bytes = new Uint8Array(size).fill(0x80);
      for (let i = 99; i < size; i += 100) bytes[i] = 0x0a;
      const framer = new MetaFramer();
      framer.push(bytes);
      const first = framer.next();
      expect({ size, first }).toEqual({ size, first: { kind: "line", line: "\u0080".repeat(99) } });
    }
  });
});

describe("buffer memory", () => {
  test("a drained framer gives back the room a burst made it take, and a partial line keeps it", () => {
    const framer = new MetaFramer();
    const lines = Array.from({ length: 5000 }, (_, i) => `12 ${i.toString(16)} a b 192.0.2.1 655 c ${i}`);
    const burst = new TextEncoder().encode(lines.join("\n") + "\n");
    framer.push(burst.subarray(0, burst.length - 10));
    expect(framer.capacity).toBeGreaterThanOrEqual(burst.length - 10);
    let got = 0;
    while (framer.next() !== null) got++;
    expect(got).toBe(4999);
    // The last line is still partial: its bytes stay where they are.
    expect(framer.buffered).toBeGreaterThan(0);
    expect(framer.capacity).toBeGreaterThan(65536);
    framer.push(burst.subarray(burst.length - 10));
    expect(framer.next()).toEqual({ kind: "line", line: lines[4999]! });
    expect(framer.next()).toBeNull();
    expect(framer.capacity).toBeLessThanOrEqual(65536);
    framer.push(encodeLine("8"));
    expect(framer.next()).toEqual({ kind: "line", line: "8" });
  });

  test("a burst that ends in a raw frame gives the room back too", () => {
    const framer = new MetaFramer();
    const packet = new Uint8Array(200_000).fill(0x0a);
    const head = encodeLine(`17 ${packet.length}`);
    const burst = new Uint8Array(head.length + packet.length);
    burst.set(head);
    burst.set(packet, head.length);
    framer.push(burst);
    expect(framer.next()).toEqual({ kind: "line", line: `17 ${packet.length}` });
    framer.expectRaw(packet.length);
    const item = framer.next();
    expect(item?.kind === "raw" && item.bytes.length).toBe(packet.length);
    expect(framer.buffered).toBe(0);
    expect(framer.capacity).toBeLessThanOrEqual(65536);
  });
});
