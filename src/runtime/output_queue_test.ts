import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { OutputQueue } from "./output_queue.ts";

/** A socket that takes at most `room` bytes before a drain. */
function socket() {
  const wire: number[] = [];
  const s = {
    room: 0,
    closed: false,
    wire,
    write: (b: Uint8Array) => {
      if (s.closed) return -1;
      const n = Math.min(b.length, s.room);
      s.room -= n;
      for (let i = 0; i < n; i++) wire.push(b[i]!);
      return n;
    },
  };
  return s;
}

describe("OutputQueue", () => {
  test("partial write: the rest is queued and follows in order on flush", () => {
    const s = socket();
    const q = new OutputQueue(s.write, 100);
    s.room = 3;
    const buf = new Uint8Array([1, 2, 3, 4, 5]);
    expect(q.write(buf)).toBe("queued");
    buf.fill(0); // callers reuse their buffers: the queue must have copied
    expect(q.write(new Uint8Array([6]))).toBe("queued");
    expect(q.bufferedBytes).toBe(3);
    s.room = 2;
    expect(q.flush()).toBe(false);
    s.room = 10;
    expect(q.flush()).toBe(true);
    expect(s.wire).toEqual([1, 2, 3, 4, 5, 6]);
    expect(q.bufferedBytes).toBe(0);
  });

  test("overflow refuses a chunk whole and keeps what was queued", () => {
    const s = socket();
    const q = new OutputQueue(s.write, 10);
    expect(q.write(new Uint8Array(8))).toBe("queued");
    expect(q.write(new Uint8Array(3))).toBe("overflow");
    expect(q.write(new Uint8Array(2))).toBe("queued");
    expect(q.bufferedBytes).toBe(10);
    expect(q.write(new Uint8Array(11).fill(1))).toBe("overflow");
  });

  test("a chunk partly on the wire is always completed, even past the limit", () => {
    const s = socket();
    const q = new OutputQueue(s.write, 4);
    s.room = 1;
    expect(q.write(new Uint8Array(10))).toBe("queued");
    expect(q.bufferedBytes).toBe(9);
    expect(q.write(new Uint8Array(1))).toBe("overflow");
  });

  test("sent directly when the socket takes everything; closed reported", () => {
    const s = socket();
    const q = new OutputQueue(s.write, 4);
    s.room = 100;
    expect(q.write(new Uint8Array(50))).toBe("sent");
    s.closed = true;
    expect(q.write(new Uint8Array(1))).toBe("closed");
  });

  test("property: bytes accepted reach the wire exactly once, in order", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.uint8Array({ maxLength: 40 }), fc.nat(30)), { maxLength: 40 }),
        fc.integer({ min: 1, max: 200 }),
        (steps, limit) => {
          const s = socket();
          const q = new OutputQueue(s.write, limit);
          const accepted: number[] = [];
          for (const [chunk, room] of steps) {
            s.room = room;
            q.flush();
            const r = q.write(chunk);
            if (r !== "overflow") accepted.push(...chunk);
          }
          s.room = Infinity;
          expect(q.flush()).toBe(true);
          expect(s.wire).toEqual(accepted);
        },
      ),
      { numRuns: 300 },
    );
  });
});
