// Spec tinc-1.1-sptps.md §1.9: every listed byte reproduced through the session state machine.
import { describe, expect, test } from "bun:test";
import { decodeTincBase64, encodeTincBase64 } from "./base64.ts";
import { ephemeralSharedSecret, keyPairFromSeed } from "./ed25519.ts";
import { deriveSessionKeys, sessionLabel } from "./prf.ts";
import { SptpsSession } from "./session.ts";
import { counting, countingRng, fromHex, hex, RecordingSink } from "./test_support_test.ts";

const PUB_A = "d04ab232742bb4ab3a1368bd4615e4e6d0224ab71a016baf8520a332c9778737";
const PUB_B = "a09aa5f47a6759802ff955f8dc2d2a14a5c99d23be97f864127ff9383455a4f0";
const EPH_A = "29acbae141bccaf0b22e1a94d34d0bc7361e526d0bfe12c89794bc9322966dd7";
const EPH_B = "174553b456dddfc6908ecab1c101fe6ab21e2baa0617795b7d43a63482993fd5";
const SHARED = "7c26bba3e070976114322a55bb67fa78446a8eab94ce681e6255af5a22c07406";
const KEY0 = "d358477e0fc03245efb6c7683cf95f48e3fd4e85edd08fce85a6ed0a71e1e6f5";
const KEY1 = "c3c32edd28eb8d1e1398e8bbf93a2678f667d074629c8cb647fb9b5951458f6b";
const SIG_A = "57108c5d3ae28af0d8a27ac373d8cb8ac8e784b7c0afbe6052aabd2b0b71195f" +
  "f14f0a9d7c8f18d0595e44db09f3c27dc34562ef731a8226650ba7f0efad1509";
const HELLO_BODY = "f534041ba946f7fd67617d05937d47c684297a673177";
const WORLD_BODY = "fcb20f1346aa92fba643567e4deb85991fea3aa386ee70";

const label = sessionLabel("TCP", "alice", "bob");
const keyA = keyPairFromSeed(new Uint8Array(32).fill(0x11));
const keyB = keyPairFromSeed(new Uint8Array(32).fill(0x22));

describe("spec §1.9 primitives", () => {
  test("tinc base64 of 00..1f and back", () => {
    expect(encodeTincBase64(counting(0, 32))).toBe("AEgADQQBGcACJowCM0gDPARESMBFVYxFYkhGbwRHe8B");
    expect(hex(decodeTincBase64("AEgADQQBGcACJowCM0gDPARESMBFVYxFYkhGbwRHe8B")!)).toBe(hex(counting(0, 32)));
  });

  test("identity and ephemeral public keys, shared secret, both keys", () => {
    expect(hex(keyA.publicKey)).toBe(PUB_A);
    expect(hex(keyB.publicKey)).toBe(PUB_B);
    expect(hex(keyPairFromSeed(counting(0x20, 32)).publicKey)).toBe(EPH_A);
    expect(hex(keyPairFromSeed(counting(0x60, 32)).publicKey)).toBe(EPH_B);
    const shared = ephemeralSharedSecret(counting(0x20, 32), fromHex(EPH_B))!;
    expect(hex(shared)).toBe(SHARED);
    expect(hex(ephemeralSharedSecret(counting(0x60, 32), fromHex(EPH_A))!)).toBe(SHARED);
    const keys = deriveSessionKeys(shared, counting(0, 32), counting(0x40, 32), label);
    expect(hex(keys.responderSends.subarray(0, 32))).toBe(KEY0);
    expect(hex(keys.initiatorSends.subarray(0, 32))).toBe(KEY1);
  });

  test("the label has its trailing NUL (length 25 + len(a) + len(b))", () => {
    expect(label.length).toBe(25 + 5 + 3);
    expect(label[label.length - 1]).toBe(0);
  });
});

for (const datagram of [false, true]) {
  describe(`spec §1.9 handshake, ${datagram ? "datagram" : "stream"} mode`, () => {
    const header = (seq: number, len: number): string =>
      datagram ? seq.toString(16).padStart(8, "0") : len.toString(16).padStart(4, "0");

    test("KEX, SIG, hello and world! byte for byte", () => {
      const rng = countingRng();
      const sa = new RecordingSink(), sb = new RecordingSink();
      const a = SptpsSession.start({
        initiator: true,
        datagram,
        myKey: keyA,
        hisKey: keyB.publicKey,
        label,
        rng,
        sink: sa,
      });
      const b = SptpsSession.start({
        initiator: false,
        datagram,
        myKey: keyB,
        hisKey: keyA.publicKey,
        label,
        rng,
        sink: sb,
      });
      const [kexA] = sa.drain(), [kexB] = sb.drain();
      expect(hex(kexA!)).toBe(header(0, 65) + "8000" + hex(counting(0, 32)) + EPH_A);
      expect(hex(kexB!)).toBe(header(0, 65) + "8000" + hex(counting(0x40, 32)) + EPH_B);

      expect(b.receive(kexA!)).toEqual({ ok: true, used: kexA!.length });
      expect(sb.sent.length).toBe(0); // the responder waits for the initiator's SIG
      expect(a.receive(kexB!).ok).toBe(true);
      const [sigA] = sa.drain();
      expect(hex(sigA!)).toBe(header(1, 64) + "80" + SIG_A);

      expect(b.receive(sigA!).ok).toBe(true);
      expect(sb.done).toBe(1);
      const [sigB] = sb.drain();
      expect(sigB![datagram ? 4 : 2]).toBe(128); // still plaintext
      expect(a.receive(sigB!).ok).toBe(true);
      expect(sa.done).toBe(1);
      expect(a.established && b.established).toBe(true);

      expect(a.send(0, new TextEncoder().encode("hello")).ok).toBe(true);
      const [hello] = sa.drain();
      expect(hex(hello!)).toBe(header(2, 5) + HELLO_BODY);
      expect(b.send(5, new TextEncoder().encode("world!")).ok).toBe(true);
      const [world] = sb.drain();
      expect(hex(world!)).toBe(header(2, 6) + WORLD_BODY);

      expect(b.receive(hello!).ok).toBe(true);
      expect(a.receive(world!).ok).toBe(true);
      expect(sb.records).toEqual([{ type: 0, data: new TextEncoder().encode("hello") }]);
      expect(sa.records).toEqual([{ type: 5, data: new TextEncoder().encode("world!") }]);
    });
  });
}
