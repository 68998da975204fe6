import { describe, expect, test } from "bun:test";
import { createLegacyPacketContext, type LegacyPacketCodec } from "./packet.ts";
import { receiveLegacyPacket } from "./receive.ts";
import { LegacyReplayWindow } from "./replay_window.ts";

function codec(): LegacyPacketCodec {
  const r = createLegacyPacketContext({
    cipherNid: 427,
    digestNid: 672,
    macLength: 4,
    keyMaterial: Uint8Array.from({ length: 48 }, (_, i) => i * 3),
  });
  if (!r.ok) throw new Error(r.reason);
  return r.value;
}

describe("MAC, decrypt, check, commit", () => {
  test("in order, then a replay is a duplicate", () => {
    const c = codec();
    const w = new LegacyReplayWindow();
    const frame = new Uint8Array(60).fill(1);
    const d1 = c.seal(1, frame);
    expect(receiveLegacyPacket(c, w, d1)).toEqual({ ok: true, seqno: 1, frame });
    expect(receiveLegacyPacket(c, w, c.seal(2, frame)).ok).toBe(true);
    expect(receiveLegacyPacket(c, w, d1)).toEqual({ ok: false, reason: "duplicate", seqno: 1 });
  });

  test("a forged datagram never moves the window", () => {
    const c = codec();
    const w = new LegacyReplayWindow();
    receiveLegacyPacket(c, w, c.seal(1, new Uint8Array(10)));
    const far = c.seal(5000, new Uint8Array(10));
    far[far.length - 1]! ^= 1;
    for (let i = 0; i < 10; i++) {
      expect(receiveLegacyPacket(c, w, far)).toEqual({ ok: false, reason: "bad-mac" });
    }
    expect(w.highest).toBe(1);
    expect(w.farFutureDrops).toBe(0);
    expect(receiveLegacyPacket(c, w, c.seal(2, new Uint8Array(10))).ok).toBe(true);
  });

  test("a late packet inside the window is accepted once", () => {
    const c = codec();
    const w = new LegacyReplayWindow();
    const late = c.seal(2, new Uint8Array(3));
    expect(receiveLegacyPacket(c, w, c.seal(1, new Uint8Array(3))).ok).toBe(true);
    expect(receiveLegacyPacket(c, w, c.seal(3, new Uint8Array(3))).ok).toBe(true);
    expect(receiveLegacyPacket(c, w, late).ok).toBe(true);
    expect(receiveLegacyPacket(c, w, late)).toEqual({ ok: false, reason: "duplicate", seqno: 2 });
  });
});
