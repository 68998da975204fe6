// Helpers shared by this folder's tests (a *_test.ts name keeps them out of the purity gate).
import { expect, test } from "bun:test";
import type { KeyDirection } from "../crypto/cipher_port.ts";
import { NobleSptpsCipher } from "../crypto/sptps_noble.ts";
import { keyPairFromSeed } from "./ed25519.ts";
import { sessionLabel } from "./prf.ts";
import { SptpsSession, type SptpsSink, type SptpsStartOptions } from "./session.ts";

export const hex = (b: Uint8Array): string => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");

export function fromHex(text: string): Uint8Array {
  const clean = text.replace(/\s+/g, "");
  const out = new Uint8Array(clean.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(clean.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** Bytes start, start+1, ... (mod 256). */
export const counting = (start: number, n: number): Uint8Array =>
  Uint8Array.from({ length: n }, (_, i) => (start + i) & 0xff);

/** A generator that yields 00, 01, 02, ... across calls (spec §1.9's RNG). */
export function countingRng(): (n: number) => Uint8Array {
  let next = 0;
  return (n) => {
    const out = counting(next, n);
    next += n;
    return out;
  };
}

/** A generator that hands out the given chunks in order, then fails loudly. */
export function scriptedRng(chunks: Uint8Array[]): (n: number) => Uint8Array {
  let i = 0;
  return (n) => {
    const c = chunks[i++];
    if (c === undefined || c.length !== n) {
      throw new Error(`scripted RNG exhausted or wrong size at draw ${i}`);
    }
    return c.slice();
  };
}

/** A seeded xorshift byte generator for property tests. */
export function seededRng(seed: number): (n: number) => Uint8Array {
  let x = (seed | 0) || 0x9e3779b9;
  return (n) => {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      out[i] = x & 0xff;
    }
    return out;
  };
}

/** A sink that records everything a session outputs. */
export class RecordingSink implements SptpsSink {
  sent: { bytes: Uint8Array; type: number }[] = [];
  records: { type: number; data: Uint8Array }[] = [];
  done = 0;
  sendData(bytes: Uint8Array, type: number): void {
    this.sent.push({ bytes: bytes.slice(), type });
  }
  receiveRecord(type: number, data: Uint8Array): void {
    this.records.push({ type, data: data.slice() });
  }
  handshakeDone(): void {
    this.done++;
  }
  /** Takes and clears the queued outgoing records. */
  drain(): Uint8Array[] {
    const out = this.sent.map((s) => s.bytes);
    this.sent = [];
    return out;
  }
}

/** Start options with a recording sink. */
export type StartWithSink = Omit<SptpsStartOptions, "sink">;

/** A session plus its recording sink. */
export interface Endpoint {
  session: SptpsSession;
  sink: RecordingSink;
}

export const keyA = keyPairFromSeed(new Uint8Array(32).fill(0xa1));
export const keyB = keyPairFromSeed(new Uint8Array(32).fill(0xb2));
export const pairLabel = sessionLabel("UDP", "alice", "bob");

/** A started initiator/responder pair with nothing delivered yet. */
export function startPair(
  datagram: boolean,
  seed = 1,
  replayWindow?: number,
  ciphers?: [NobleSptpsCipher, NobleSptpsCipher],
): { a: Endpoint; b: Endpoint } {
  const rng = seededRng(seed);
  const make = (initiator: boolean): Endpoint => {
    const cipher = ciphers?.[initiator ? 0 : 1];
    const sink = new RecordingSink();
    const session = SptpsSession.start({
      initiator,
      datagram,
      myKey: initiator ? keyA : keyB,
      hisKey: initiator ? keyB.publicKey : keyA.publicKey,
      label: pairLabel,
      rng,
      sink,
      ...(replayWindow === undefined ? {} : { replayWindow }),
      ...(cipher === undefined ? {} : { cipher }),
    });
    return { session, sink };
  };
  return { a: make(true), b: make(false) };
}

/** Delivers queued records both ways, in order and complete, until both are quiet. */
export function pump(a: Endpoint, b: Endpoint): void {
  for (let round = 0; round < 100; round++) {
    const ab = a.sink.drain(), ba = b.sink.drain();
    if (ab.length === 0 && ba.length === 0) return;
    for (const r of ab) expect(b.session.receive(r)).toEqual({ ok: true, used: r.length });
    for (const r of ba) expect(a.session.receive(r)).toEqual({ ok: true, used: r.length });
  }
  throw new Error("pump did not settle");
}

/** An established pair. */
export function establishedPair(
  datagram: boolean,
  seed = 1,
  replayWindow?: number,
): { a: Endpoint; b: Endpoint } {
  const p = startPair(datagram, seed, replayWindow);
  pump(p.a, p.b);
  return p;
}

/** A cipher port that logs every key installed. */
export class KeyLoggingCipher extends NobleSptpsCipher {
  log: string[] = [];
  constructor() {
    super({ slots: 1, arenaSize: 0, maxBatch: 0 });
  }
  override setKey(slot: number, dir: KeyDirection, key64: Uint8Array): void {
    this.log.push(`${dir}:${hex(key64.subarray(0, 32))}`);
    super.setKey(slot, dir, key64);
  }
}

test("test helpers: counting RNG yields 00, 01, 02, ... across draws", () => {
  const rng = countingRng();
  rng(3);
  if (hex(rng(2)) !== "0304") throw new Error("counting RNG broken");
});
