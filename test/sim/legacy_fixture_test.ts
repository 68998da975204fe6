// Replays the real tincd 1.0.36 handshake (../shared/fixtures/legacy-auth) into one engine
// holding the other side's private key. Its random source hands out the recorded secrets (the
// METAKEY plaintext S and the challenge of the side it plays), so it must produce the very bytes
// that tincd sent: ID, METAKEY, then the CFB-encrypted CHALLENGE and CHAL_REPLY. It must also
// accept the peer's real METAKEY, CHALLENGE, CHAL_REPLY and ACK and activate the connection.
import { beforeAll, describe, expect, test } from "bun:test";
import { metaStreamFromSecret } from "../../src/core/crypto/legacy/mod.ts";
import { Engine } from "../../src/core/node/engine.ts";
import { withDefaults } from "../../src/core/node/config.ts";
import { inertEffects } from "../../src/core/node/effects.ts";
import {
  fixtureText,
  hostEntry,
  type Name,
  plainLines,
  prefixLength,
  recordedChallenge,
  recordedSecret,
  ReplayRandom,
  stream,
} from "./legacy_fixture.ts";
import fc from "fast-check";

interface Replayed {
  sent: Uint8Array;
  engine: Engine;
  logs: string[];
}

/**
 * Runs `me` against the other side's bytes (by default its recorded ID, METAKEY, CHALLENGE,
 * CHAL_REPLY and ACK), delivered in reads cut at `cuts`.
 */
function replayAs(me: Name, theirs?: Uint8Array, cuts: number[] = [700]): Replayed {
  const peer: Name = me === "alice" ? "bob" : "alice";
  const chunks: Uint8Array[] = [];
  const logs: string[] = [];
  const effects = inertEffects({
    sendMeta: (_c, bytes) => void chunks.push(bytes.slice()),
    connect: () => 1,
    log: (level, message, fields) => void logs.push(`${level} ${message} ${JSON.stringify(fields)}`),
  });
  const random = new Uint8Array(512);
  random.set(recordedSecret(me), 0);
  random.set(recordedChallenge(me), 256);
  const config = withDefaults({
    name: me,
    hosts: new Map([[me, hostEntry(me, me)], [peer, hostEntry(me, peer)]]),
    connectTo: me === "alice" ? ["bob"] : [],
    bypassSecurity: false,
    privateKeyPem: fixtureText("config", me, "rsa_key.priv"),
    debugLevel: 5,
  });
  const engine = new Engine(config, effects, new ReplayRandom(random));
  engine.start(0);
  const conn = 1;
  if (me === "alice") {
    engine.onMetaConnected(1, conn, { outgoing: true, peerAddress: { host: "10.60.0.2", port: 655 } });
  } else {engine.onMetaConnected(1, conn, {
      outgoing: false,
      peerAddress: { host: "10.60.0.1", port: 41000 },
    });}
  const input = theirs ?? stream(peer).subarray(0, prefixLength(peer, 5));
  let at = 0;
  let now = 2;
  for (const cut of [...cuts.filter((c) => c > 0 && c < input.length).sort((a, b) => a - b), input.length]) {
    if (cut > at) engine.onMetaData(now++, conn, input.subarray(at, cut));
    at = Math.max(at, cut);
  }
  const total = chunks.reduce((n, c) => n + c.length, 0);
  const sent = new Uint8Array(total);
  let off = 0;
  for (const c of chunks) {
    sent.set(c, off);
    off += c.length;
  }
  return { sent, engine, logs };
}

for (const me of ["bob", "alice"] as const) {
  describe(`the engine as ${me} against tincd's recorded ${me === "bob" ? "alice" : "bob"}`, () => {
    let run: Replayed;
    beforeAll(() => {
      run = replayAs(me);
    });

    test("accepts the peer's METAKEY, CHALLENGE, CHAL_REPLY and ACK", () => {
      const stats = run.engine.requestStats();
      for (const name of ["ID", "METAKEY", "CHALLENGE", "CHAL_REPLY", "ACK"]) {
        expect({ name, accepted: stats[name]?.accepted }).toEqual({ name, accepted: 1 });
      }
      const view = run.engine.view();
      expect(view.connections.map(({ id, name, phase, outgoing }) => ({ id, name, phase, outgoing })))
        .toEqual([
          { id: 1, name: me === "bob" ? "alice" : "bob", phase: "active", outgoing: me === "alice" },
        ]);
    });

    test("sends byte for byte what tincd sent up to its CHAL_REPLY", () => {
      const n = prefixLength(me, 4);
      const recorded = stream(me).subarray(0, n);
      expect(run.sent.length).toBeGreaterThan(n);
      expect(Buffer.from(run.sent.subarray(0, n)).toString("hex")).toBe(
        Buffer.from(recorded).toString("hex"),
      );
    });

    test("then ACKs in the same stream (weight = ms since the connection began; no PMTU bit)", () => {
      const clear = prefixLength(me, 2);
      const stream = metaStreamFromSecret(recordedSecret(me), 429, "decrypt");
      if (!stream.ok) throw new Error(stream.reason);
      const text = new TextDecoder("latin1").decode(stream.value.update(run.sent.subarray(clear)));
      const lines = text.split("\n");
      expect(lines[0]).toBe(plainLines(me)[2]);
      expect(lines[1]).toBe(plainLines(me)[3]);
      expect(lines[2]).toBe(me === "bob" ? "4 655 2 8" : "4 655 3 8");
    });
  });
}

describe("mutated handshakes", () => {
  test("flipped, dropped or inserted bytes are refused with a reason, never an internal error", () => {
    const original = stream("alice").subarray(0, prefixLength("alice", 5));
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            at: fc.nat(original.length - 1),
            op: fc.integer({ min: 0, max: 2 }),
            byte: fc.nat(255),
          }),
          { minLength: 1, maxLength: 4 },
        ),
        fc.array(fc.nat(original.length), { maxLength: 3 }),
        (edits, cuts) => {
          const bytes = [...original];
          for (const e of edits) {
            const i = Math.min(e.at, bytes.length - 1);
            if (e.op === 0) bytes[i] = bytes[i]! ^ (e.byte | 1);
            else if (e.op === 1) bytes.splice(i, 1);
            else bytes.splice(i, 0, e.byte);
          }
          const run = replayAs("bob", Uint8Array.from(bytes), cuts);
          expect(run.logs.filter((l) => l.includes("Internal error"))).toEqual([]);
          // Either it still authenticates (garbage without a newline waits for the timeout), it
          // got through (a harmless edit), or it was refused with a logged reason.
          const phase = run.engine.view().connections[0]?.phase ?? "closed";
          const refused = run.logs.some((l) => l.includes("Refusing") || l.includes("Closing connection"));
          expect({ phase, refused }).toSatisfy(({ phase, refused }) =>
            phase === "closed" ? refused : !refused
          );
        },
      ),
      { numRuns: 60 },
    );
  });
});
