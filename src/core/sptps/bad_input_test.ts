// Bad input is refused with a reason and never throws: mutated records, replays, wrong
// signatures, bad KEX versions, records out of place, truncated and oversize records, and
// random bytes (fast-check).
import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { NobleSptpsCipher } from "../crypto/sptps_noble.ts";
import { keyPairFromSeed } from "./ed25519.ts";
import { SptpsSession, type SptpsStartOptions } from "./session.ts";
import {
  type Endpoint,
  establishedPair,
  fromHex,
  hex,
  keyA,
  keyB,
  KeyLoggingCipher,
  pairLabel,
  pump,
  RecordingSink,
  seededRng,
  startPair,
} from "./test_support_test.ts";

const mallory = keyPairFromSeed(new Uint8Array(32).fill(0x66));

function endpoint(options: Omit<SptpsStartOptions, "sink">): Endpoint {
  const sink = new RecordingSink();
  return { session: SptpsSession.start({ ...options, sink }), sink };
}

describe("mutated records", () => {
  test("datagram: every single-bit flip of a short record is refused and moves nothing", () => {
    const { a, b } = establishedPair(true, 21);
    a.session.send(0, new TextEncoder().encode("hello"));
    const [good] = a.sink.drain();
    let refused = 0;
    for (let bit = 0; bit < good!.length * 8; bit++) {
      const bad = good!.slice();
      bad[bit >> 3]! ^= 1 << (bit & 7);
      const r = b.session.receive(bad);
      expect(r.ok).toBe(false);
      if (!r.ok) expect(["decrypt-failed", "replay"]).toContain(r.error.code);
      refused++;
    }
    expect(refused).toBe(26 * 8);
    expect(b.sink.records.length).toBe(0);
    expect(b.session.receive(good!).ok).toBe(true); // the window did not move
    expect(new TextDecoder().decode(b.sink.records[0]!.data)).toBe("hello");
  });

  test("stream: sampled single-bit flips never deliver a record; body flips fail the tag", () => {
    const base = establishedPair(false, 22);
    base.a.session.send(0, new TextEncoder().encode("hello"));
    const [good] = base.a.sink.drain();
    expect(good!.length).toBe(2 + 1 + 5 + 16);
    for (const bit of [0, 7, 8, 14, 15, 16, 23, 40, 77, 100, 150, 180, 191]) {
      const { a, b } = establishedPair(false, 22);
      a.session.send(0, new TextEncoder().encode("hello"));
      const [rec] = a.sink.drain();
      const bad = rec!.slice();
      bad[bit >> 3]! ^= 1 << (bit & 7);
      const r = b.session.receive(bad);
      if (bit >= 16) expect(r).toMatchObject({ ok: false, error: { code: "decrypt-failed" } });
      else if (r.ok) expect(r.used).toBe(bad.length); // a longer length waits for more bytes
      else expect(r.error.code).toBe("decrypt-failed"); // a shorter one ends early and fails
      expect(b.sink.records.length).toBe(0);
    }
  });

  test("stream: after a refused record the session stays failed", () => {
    const { a, b } = establishedPair(false, 23);
    a.session.send(0, Uint8Array.of(1));
    a.session.send(0, Uint8Array.of(2));
    const [r1, r2] = a.sink.drain();
    const bad = r1!.slice();
    bad[5]! ^= 1;
    expect(b.session.receive(bad).ok).toBe(false);
    expect(b.session.receive(r2!)).toMatchObject({ ok: false, used: 0, error: { code: "failed" } });
  });
});

describe("replays", () => {
  test("datagram: the same record twice is a replay", () => {
    const { a, b } = establishedPair(true, 24);
    a.session.send(0, Uint8Array.of(1));
    const [r] = a.sink.drain();
    expect(b.session.receive(r!).ok).toBe(true);
    expect(b.session.receive(r!)).toMatchObject({ ok: false, error: { code: "replay" } });
  });

  test("stream: a record played again does not open under the next seqno", () => {
    const { a, b } = establishedPair(false, 25);
    a.session.send(0, Uint8Array.of(1));
    const [r] = a.sink.drain();
    expect(b.session.receive(r!).ok).toBe(true);
    expect(b.session.receive(r!)).toMatchObject({ ok: false, error: { code: "decrypt-failed" } });
  });

  test("datagram handshake records must carry exactly the expected seqno", () => {
    const { a, b } = startPair(true, 26);
    const [kex] = a.sink.drain();
    const shifted = kex!.slice();
    shifted[3] = 1;
    expect(b.session.receive(shifted)).toMatchObject({ ok: false, error: { code: "bad-seqno" } });
    expect(b.session.receive(kex!).ok).toBe(true);
    expect(b.session.receive(kex!)).toMatchObject({ ok: false, error: { code: "bad-seqno" } });
  });
});

describe("wrong signatures and bad KEX", () => {
  for (const datagram of [false, true]) {
    const mode = datagram ? "datagram" : "stream";
    test(`${mode}: a peer signing with another key is refused (responder and initiator side)`, () => {
      const rng = seededRng(27);
      // mallory pretends to be alice towards bob.
      const fakeA = endpoint({
        initiator: true,
        datagram,
        myKey: mallory,
        hisKey: keyB.publicKey,
        label: pairLabel,
        rng,
      });
      const b = endpoint({
        initiator: false,
        datagram,
        myKey: keyB,
        hisKey: keyA.publicKey,
        label: pairLabel,
        rng,
      });
      for (const r of fakeA.sink.drain()) expect(b.session.receive(r).ok).toBe(true);
      for (const r of b.sink.drain()) expect(fakeA.session.receive(r).ok).toBe(true);
      const [sig] = fakeA.sink.drain();
      expect(b.session.receive(sig!)).toMatchObject({ ok: false, error: { code: "bad-signature" } });
      expect(b.sink.done).toBe(0);
      expect(b.sink.sent.length).toBe(0); // no SIG of ours goes out

      // mallory pretends to be bob towards alice.
      const a = endpoint({
        initiator: true,
        datagram,
        myKey: keyA,
        hisKey: keyB.publicKey,
        label: pairLabel,
        rng,
      });
      const fakeB = endpoint({
        initiator: false,
        datagram,
        myKey: mallory,
        hisKey: keyA.publicKey,
        label: pairLabel,
        rng,
      });
      pumpLoose(a, fakeB);
      expect(a.sink.done).toBe(0);
      expect(a.session.established).toBe(false);
    });

    test(`${mode}: KEX version != 0 is refused like 1.1 HEAD, accepted when asked to (1.1pre18)`, () => {
      for (const lenient of [false, true]) {
        const { a, b } = startPair(datagram, 28);
        const strictB = endpoint({
          initiator: false,
          datagram,
          myKey: keyB,
          hisKey: keyA.publicKey,
          label: pairLabel,
          rng: seededRng(29),
          acceptAnyKexVersion: lenient,
        });
        const [kex] = a.sink.drain();
        const bad = kex!.slice();
        bad[datagram ? 5 : 3] = 1;
        const r = strictB.session.receive(bad);
        if (lenient) expect(r.ok).toBe(true);
        else expect(r).toMatchObject({ ok: false, error: { code: "bad-kex-version" } });
        void b;
      }
    });

    test(`${mode}: wrong KEX length, application record before the handshake, type > 128`, () => {
      const { b } = startPair(datagram, 30);
      const rec = (type: number, data: Uint8Array) =>
        datagram
          ? Uint8Array.of(0, 0, 0, 0, type, ...data)
          : Uint8Array.of(data.length >> 8, data.length & 255, type, ...data);
      const fresh = () => startPair(datagram, 30).b;
      expect(b.session.receive(rec(128, new Uint8Array(64)))).toMatchObject({
        ok: false,
        error: { code: "bad-kex-length" },
      });
      expect(fresh().session.receive(rec(0, new Uint8Array(3)))).toMatchObject({
        ok: false,
        error: { code: "unexpected-record" },
      });
      expect(fresh().session.receive(rec(129, new Uint8Array(3)))).toMatchObject({
        ok: false,
        error: { code: datagram ? "unexpected-record" : "invalid-type" },
      });
    });
  }

  test("a non-empty ACK is refused", () => {
    const ca = new KeyLoggingCipher(), cb = new KeyLoggingCipher();
    const { a, b } = startPair(true, 31, undefined, [ca, cb]);
    pump(a, b);
    const bOldSend = fromHex(cb.log[0]!.slice(5));
    expect(a.session.forceKex().ok).toBe(true);
    for (const r of a.sink.drain()) b.session.receive(r);
    for (const r of b.sink.drain()) a.session.receive(r);
    for (const r of a.sink.drain()) b.session.receive(r); // a's SIG: b answers SIG + ACK
    const [sigB, ackB] = b.sink.drain();
    expect(a.session.receive(sigB!).ok).toBe(true);
    // b's ACK re-sealed under b's old key with one byte of data.
    const forger = new NobleSptpsCipher({ slots: 1, arenaSize: 0, maxBatch: 0 });
    forger.setKey(0, "send", Uint8Array.from([...bOldSend, ...new Uint8Array(32)]));
    const seqno = new DataView(ackB!.buffer, ackB!.byteOffset).getUint32(0);
    expect(a.session.receive(forger.seal(0, seqno, 128, Uint8Array.of(0)))).toMatchObject({
      ok: false,
      error: { code: "bad-ack" },
    });
    // The forged record was authentic under the old key, so its seqno is now used up.
    expect(a.session.receive(ackB!)).toMatchObject({ ok: false, error: { code: "replay" } });
    expect(a.sink.done).toBe(1);
  });
});

/** Like pump, but stops at the first refusal instead of failing the test. */
function pumpLoose(a: Endpoint, b: Endpoint): void {
  for (let round = 0; round < 20; round++) {
    const ab = a.sink.drain(), ba = b.sink.drain();
    if (ab.length === 0 && ba.length === 0) return;
    for (const r of ab) if (!b.session.receive(r).ok) return;
    for (const r of ba) if (!a.session.receive(r).ok) return;
  }
}

describe("truncated and oversize records", () => {
  test("datagram: short and oversize records are refused", () => {
    const { a, b } = establishedPair(true, 32);
    a.session.send(0, Uint8Array.of(1, 2, 3));
    const [r] = a.sink.drain();
    for (let n = 0; n < r!.length; n++) {
      const res = b.session.receive(r!.subarray(0, n));
      expect(res.ok).toBe(false);
      if (!res.ok) expect(["too-short", "decrypt-failed"]).toContain(res.error.code);
    }
    expect(b.session.receive(new Uint8Array(65535 + 22))).toMatchObject({
      ok: false,
      error: { code: "too-long" },
    });
    expect(b.session.receive(r!).ok).toBe(true);
  });

  test("stream: a truncated record is kept until the rest arrives", () => {
    const { a, b } = establishedPair(false, 33);
    a.session.send(0, Uint8Array.of(1, 2, 3));
    const [r] = a.sink.drain();
    expect(b.session.receive(r!.subarray(0, 1))).toEqual({ ok: true, used: 1 });
    expect(b.session.receive(r!.subarray(1, 10))).toEqual({ ok: true, used: 9 });
    expect(b.sink.records.length).toBe(0);
    expect(b.session.receive(r!.subarray(10))).toEqual({ ok: true, used: r!.length - 10 });
    expect(b.sink.records.length).toBe(1);
  });
});

describe("random bytes never throw", () => {
  const check = (e: Endpoint, bytes: Uint8Array) => {
    const r = e.session.receive(bytes);
    expect(r.used).toBeGreaterThanOrEqual(0);
    expect(r.used).toBeLessThanOrEqual(bytes.length);
    if (!r.ok) expect(typeof r.error.message).toBe("string");
  };

  for (const datagram of [false, true]) {
    const mode = datagram ? "datagram" : "stream";
    test(`${mode}: fresh session`, () => {
      fc.assert(
        fc.property(fc.array(fc.uint8Array({ maxLength: 200 }), { maxLength: 8 }), (inputs) => {
          const { b } = startPair(datagram, 34);
          for (const bytes of inputs) check(b, bytes);
          expect(b.sink.records.length).toBe(0);
          expect(b.sink.done).toBe(0);
        }),
        { numRuns: 60 },
      );
    });

    test(`${mode}: established session, random bytes and mutated real records`, () => {
      const plain = (i: number) => seededRng(i)(i * 10);
      fc.assert(
        fc.property(
          fc.nat(4),
          fc.nat(400),
          fc.uint8Array({ minLength: 1, maxLength: 4 }),
          fc.uint8Array({ maxLength: 300 }),
          (i, at, junk, noise) => {
            const { a, b } = establishedPair(datagram, 35);
            for (let k = 0; k < 5; k++) a.session.send(k, plain(k));
            const real = a.sink.drain();
            const mutated = real[i]!.slice();
            mutated.set(
              junk.subarray(0, Math.max(0, mutated.length - (at % mutated.length))),
              at % mutated.length,
            );
            if (!datagram) { for (const r of real.slice(0, i)) expect(b.session.receive(r).ok).toBe(true); }
            check(b, mutated);
            check(b, noise);
            // Only genuine records can come out: a "mutation" that left the bytes equal opens.
            for (const rec of b.sink.records) expect(hex(rec.data)).toBe(hex(plain(rec.type)));
          },
        ),
        { numRuns: 40 },
      );
    });
  }
});
