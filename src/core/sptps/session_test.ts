// Two sessions talking in-process: handshake, traffic both ways, rekeys started by either side
// or both at once, and datagram traffic with loss and reordering inside the replay window.
import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { SptpsState } from "./session.ts";
import {
  type Endpoint,
  establishedPair,
  hex,
  KeyLoggingCipher,
  pump,
  seededRng,
  startPair,
} from "./test_support_test.ts";

function payload(rng: (n: number) => Uint8Array, max: number): Uint8Array {
  const [hi, lo] = rng(2);
  return rng(((hi! << 8) | lo!) % (max + 1));
}

/** Sends `count` records each way and checks they arrive intact and in order. */
function exchange(a: Endpoint, b: Endpoint, count: number, seed: number, max = 2000): void {
  const rng = seededRng(seed);
  const fromA: Uint8Array[] = [], fromB: Uint8Array[] = [];
  for (let i = 0; i < count; i++) {
    const x = payload(rng, max), y = payload(rng, max);
    fromA.push(x);
    fromB.push(y);
    expect(a.session.send(i % 128, x).ok).toBe(true);
    expect(b.session.send((i * 7) % 128, y).ok).toBe(true);
  }
  const ra = a.sink.records.length, rb = b.sink.records.length;
  pump(a, b);
  expect(b.sink.records.slice(rb).map((r) => `${r.type}:${hex(r.data)}`)).toEqual(
    fromA.map((d, i) => `${i % 128}:${hex(d)}`),
  );
  expect(a.sink.records.slice(ra).map((r) => `${r.type}:${hex(r.data)}`)).toEqual(
    fromB.map((d, i) => `${(i * 7) % 128}:${hex(d)}`),
  );
}

for (const datagram of [false, true]) {
  describe(`session pair, ${datagram ? "datagram" : "stream"} mode`, () => {
    test("handshake completes once on each side; nothing can be sent before", () => {
      const { a, b } = startPair(datagram);
      expect(a.session.send(0, new Uint8Array(1))).toMatchObject({ ok: false, error: { code: "not-ready" } });
      expect(a.session.forceKex()).toMatchObject({ ok: false, error: { code: "bad-state" } });
      pump(a, b);
      expect(a.sink.done).toBe(1);
      expect(b.sink.done).toBe(1);
      expect(a.session.state).toBe(SptpsState.SecondaryKex);
      expect(b.session.state).toBe(SptpsState.SecondaryKex);
      expect(a.session.send(128, new Uint8Array(0))).toMatchObject({
        ok: false,
        error: { code: "invalid-type" },
      });
      expect(a.session.send(0, new Uint8Array(65536))).toMatchObject({
        ok: false,
        error: { code: "too-long" },
      });
    });

    test("many records both ways, empty and maximum-size ones included", () => {
      const { a, b } = establishedPair(datagram, 2);
      exchange(a, b, 200, 3);
      expect(a.session.send(1, new Uint8Array(0)).ok).toBe(true);
      expect(a.session.send(2, new Uint8Array(65535).fill(7)).ok).toBe(true);
      pump(a, b);
      expect(b.sink.records.slice(-2).map((r) => [r.type, r.data.length])).toEqual([[1, 0], [2, 65535]]);
    });

    test("rekey started by the initiator, by the responder, and by both at once", () => {
      const { a, b } = establishedPair(datagram, 4);
      for (const who of ["a", "b", "both"] as const) {
        const doneA = a.sink.done, doneB = b.sink.done;
        if (who !== "b") expect(a.session.forceKex().ok).toBe(true);
        if (who !== "a") expect(b.session.forceKex().ok).toBe(true);
        const busy = who === "b" ? b : a;
        expect(busy.session.forceKex()).toMatchObject({ ok: false, error: { code: "bad-state" } });
        pump(a, b);
        expect(a.sink.done).toBe(doneA + 1);
        expect(b.sink.done).toBe(doneB + 1);
        expect(a.session.state).toBe(SptpsState.SecondaryKex);
        expect(b.session.state).toBe(SptpsState.SecondaryKex);
        exchange(a, b, 30, 10 + who.length);
      }
    });

    test("records sent while a rekey is in flight still arrive", () => {
      const { a, b } = establishedPair(datagram, 5);
      expect(a.session.forceKex().ok).toBe(true);
      a.session.send(3, new Uint8Array([9]));
      const r0 = b.sink.records.length;
      // Deliver step by step, sending data between every handshake step.
      for (let i = 0; i < 10; i++) {
        const ab = a.sink.drain(), ba = b.sink.drain();
        if (ab.length === 0 && ba.length === 0) break;
        for (const r of ab) expect(b.session.receive(r).ok).toBe(true);
        for (const r of ba) expect(a.session.receive(r).ok).toBe(true);
        expect(a.session.send(3, new Uint8Array([i])).ok).toBe(true);
        expect(b.session.send(4, new Uint8Array([i])).ok).toBe(true);
      }
      pump(a, b);
      expect(b.sink.records.length - r0).toBeGreaterThanOrEqual(4);
      expect(b.sink.records.slice(r0).every((r) => r.type === 3)).toBe(true);
      expect(a.sink.records.every((r) => r.type === 4)).toBe(true);
      expect(a.sink.done).toBe(2);
    });
  });
}

describe("key switching", () => {
  test("rekey: own ACK switches outgoing, peer's ACK switches incoming, keys are new and match", () => {
    const ca = new KeyLoggingCipher(), cb = new KeyLoggingCipher();
    const { a, b } = startPair(true, 11, undefined, [ca, cb]);
    pump(a, b);
    expect(ca.log.length).toBe(2);
    const [aSend0, aRecv0] = [ca.log[0]!.slice(5), ca.log[1]!.slice(5)];
    expect(cb.log).toEqual([`send:${aRecv0}`, `recv:${aSend0}`]);
    expect(aSend0).not.toBe(aRecv0);

    expect(a.session.forceKex().ok).toBe(true);
    // KEX a->b; b answers KEX; a sends SIG; b verifies, sends SIG + ACK and switches outgoing.
    for (const r of a.sink.drain()) b.session.receive(r);
    for (const r of b.sink.drain()) a.session.receive(r);
    const [sigA] = a.sink.drain();
    expect(b.session.receive(sigA!).ok).toBe(true);
    expect(cb.log.length).toBe(3);
    expect(cb.log[2]!.startsWith("send:")).toBe(true);
    const [sigB, ackB] = b.sink.drain();
    expect(a.session.receive(sigB!).ok).toBe(true);
    expect(a.session.state).toBe(SptpsState.Ack);
    expect(ca.log.length).toBe(3); // a switched outgoing only
    expect(a.session.receive(ackB!).ok).toBe(true);
    expect(ca.log.length).toBe(4);
    expect(ca.log[3]).toBe(`recv:${cb.log[2]!.slice(5)}`);
    const [ackA] = a.sink.drain();
    expect(b.session.receive(ackA!).ok).toBe(true);
    expect(cb.log[3]).toBe(`recv:${ca.log[2]!.slice(5)}`);
    expect(new Set([aSend0, aRecv0, ca.log[2]!.slice(5), cb.log[2]!.slice(5)]).size).toBe(4);
    expect(a.sink.done).toBe(2);
    expect(b.sink.done).toBe(2);
  });
});

describe("stream mode byte handling", () => {
  test("one record per call: the caller gets used bytes and can keep a raw tail", () => {
    const { a, b } = establishedPair(false, 6);
    a.session.send(0, new TextEncoder().encode("21 5\n"));
    a.session.send(0, new TextEncoder().encode("next\n"));
    const [r1, r2] = a.sink.drain();
    const raw = new Uint8Array([0xde, 0xad, 0xbe, 0xef, 0x01]);
    const wire = Uint8Array.from([...r1!, ...raw, ...r2!]);
    const first = b.session.receive(wire);
    expect(first).toEqual({ ok: true, used: r1!.length });
    expect(b.sink.records.length).toBe(1);
    // The caller takes the raw bytes itself, then hands the rest back.
    const rest = wire.subarray(first.used + raw.length);
    expect(b.session.receive(rest)).toEqual({ ok: true, used: r2!.length });
    expect(new TextDecoder().decode(b.sink.records[1]!.data)).toBe("next\n");
  });

  test("any split of the byte stream gives the same records", () => {
    const { a, b } = establishedPair(false, 7);
    const sent: string[] = [];
    for (let i = 0; i < 20; i++) {
      const d = seededRng(100 + i)(i * 13);
      sent.push(hex(d));
      a.session.send(i, d);
    }
    const wire = Uint8Array.from(a.sink.drain().flatMap((r) => [...r]));
    const base = b.sink.records.length;
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 97 }), { minLength: 1, maxLength: 40 }), (cuts) => {
        // A fresh receiver per run would need a fresh handshake; re-derive instead by replaying
        // the same session's inputs into a clone built from the same seed.
        const p = establishedPair(false, 7);
        for (let i = 0; i < 20; i++) p.a.session.send(i, seededRng(100 + i)(i * 13));
        const w = Uint8Array.from(p.a.sink.drain().flatMap((r) => [...r]));
        expect(hex(w)).toBe(hex(wire));
        let off = 0, k = 0;
        while (off < w.length) {
          const end = Math.min(w.length, off + cuts[k++ % cuts.length]!);
          let chunkOff = off;
          while (chunkOff < end) {
            const r = p.b.session.receive(w.subarray(chunkOff, end));
            expect(r.ok).toBe(true);
            chunkOff += r.used;
          }
          off = end;
        }
        expect(p.b.sink.records.map((r) => hex(r.data))).toEqual(sent);
      }),
      { numRuns: 8 },
    );
    expect(base).toBe(0);
  });
});

describe("datagram mode with loss and reordering", () => {
  test("records lost or reordered within the window are accepted once each", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1000 }),
        fc.array(fc.boolean(), { minLength: 60, maxLength: 60 }),
        (seed, lost) => {
          const { a, b } = establishedPair(true, 8);
          for (let i = 0; i < 60; i++) a.session.send(0, Uint8Array.of(i));
          const wire = a.sink.drain();
          // Shuffle inside blocks of 16 (well within the 128-packet window) and drop some.
          const rng = seededRng(seed);
          const order = wire.map((r, i) => ({ r, i, key: Math.floor(i / 16) * 1000 + rng(1)[0]! }))
            .sort((x, y) => x.key - y.key).filter((x) => !lost[x.i]);
          for (const { r } of order) expect(b.session.receive(r).ok).toBe(true);
          const got = b.sink.records.map((x) => x.data[0]!).sort((x, y) => x - y);
          expect(got).toEqual(order.map((x) => x.i).sort((x, y) => x - y));
          // Every one of them again is a replay.
          for (const { r } of order) {
            expect(b.session.receive(r)).toMatchObject({ ok: false, error: { code: "replay" } });
          }
        },
      ),
      { numRuns: 10 },
    );
  });

  test("a record older than the window is dropped as a replay; verifyDatagram changes nothing", () => {
    const { a, b } = establishedPair(true, 9, 16);
    for (let i = 0; i < 300; i++) a.session.send(0, Uint8Array.of(i & 0xff));
    const wire = a.sink.drain();
    expect(b.session.receive(wire[0]!).ok).toBe(true);
    expect(b.session.verifyDatagram(wire[1]!)).toBe(true);
    expect(b.session.verifyDatagram(wire[1]!)).toBe(true);
    for (let i = 140; i < 300; i++) b.session.receive(wire[i]!);
    expect(b.session.verifyDatagram(wire[1]!)).toBe(false);
    expect(b.session.receive(wire[1]!)).toMatchObject({ ok: false, error: { code: "replay" } });
  });

  test("with ReplayWindow = 0 duplicates are accepted, as in tinc", () => {
    const { a, b } = establishedPair(true, 10, 0);
    a.session.send(0, Uint8Array.of(1));
    const [r] = a.sink.drain();
    expect(b.session.receive(r!).ok).toBe(true);
    expect(b.session.receive(r!).ok).toBe(true);
    expect(b.sink.records.length).toBe(2);
  });
});
