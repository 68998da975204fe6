import { describe, expect, test } from "bun:test";
import { NodeCore } from "../core.ts";
import { type PacketSettings, TINC_PACKET_DEFAULTS, withDefaults } from "../config.ts";
import { inertEffects, type RandomSource } from "../effects.ts";
import { MetaFramer } from "../../meta/framing.ts";
import type { NodeRec } from "../world.ts";
import {
  acceptSendKey,
  issueReceiveKey,
  MAX_SEQNO,
  openFrom,
  packetSettingsFromNames,
  receiveSeqnoWornOut,
  sealFor,
  tryHarder,
} from "./legacy_packet.ts";

class Counter implements RandomSource {
  private x: number;
  constructor(seed: number) {
    this.x = seed >>> 0;
  }
  nextU32(): number {
    // xorshift32: enough spread for key material in tests.
    let x = this.x;
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    this.x = x >>> 0;
    return this.x;
  }
}

const quiet = inertEffects();

function core(name: string, packet: PacketSettings = TINC_PACKET_DEFAULTS, seed = 1): NodeCore {
  return new NodeCore(withDefaults({ name, hosts: new Map(), packet }), quiet, new Counter(seed));
}

/** `receiver` issues a key for `sender`'s traffic; `sender` accepts it. */
function exchange(receiver: NodeCore, sender: NodeCore): { atReceiver: NodeRec; atSender: NodeRec } {
  const atReceiver = receiver.node(sender.myself.name)!;
  const atSender = sender.node(receiver.myself.name)!;
  const issued = issueReceiveKey(receiver, atReceiver);
  if (!issued.ok) throw new Error(issued.reason);
  const v = issued.value;
  const accepted = acceptSendKey(sender, atSender, {
    key: v.keyHex,
    cipher: v.cipher,
    digest: v.digest,
    macLength: v.macLength,
    compression: v.compression,
  });
  if (!accepted.ok) throw new Error(accepted.reason);
  return { atReceiver, atSender };
}

describe("packet keys chosen by the receiver", () => {
  test("default key: 48 bytes (96 hex), aes-256-cbc, sha256, MAC 4, no compression", () => {
    const bob = core("bob");
    const issued = issueReceiveKey(bob, bob.node("alice")!);
    expect(issued.ok && issued.value.keyHex).toMatch(/^[0-9A-F]{96}$/);
    expect(
      issued.ok &&
        [issued.value.cipher, issued.value.digest, issued.value.macLength, issued.value.compression],
    )
      .toEqual([427, 672, 4, 0]);
  });

  test("seqnos start at 1, datagrams have tinc's size, and each opens once", () => {
    const alice = core("alice", TINC_PACKET_DEFAULTS, 3);
    const bob = core("bob", TINC_PACKET_DEFAULTS, 4);
    const { atReceiver, atSender } = exchange(bob, alice);
    for (const len of [14, 42, 100, 1500]) {
      const frame = new Uint8Array(len).map((_, i) => i);
      const d = sealFor(atSender, frame)!;
      expect(d.length).toBe(16 * Math.ceil((len + 5) / 16) + 4);
      const opened = openFrom(atReceiver, d);
      expect("frame" in opened && [...opened.frame]).toEqual([...frame]);
      expect(openFrom(atReceiver, d)).toEqual({ drop: "UDP packet rejected: duplicate" });
    }
    expect(atSender.sentSeqno).toBe(4);
    expect(atReceiver.receivedSeqno).toBe(4);
  });

  test("a new key resets the receiver's window and the sender's seqno", () => {
    const alice = core("alice", TINC_PACKET_DEFAULTS, 5);
    const bob = core("bob", TINC_PACKET_DEFAULTS, 6);
    let { atReceiver, atSender } = exchange(bob, alice);
    const old = sealFor(atSender, new Uint8Array(20))!;
    ({ atReceiver, atSender } = exchange(bob, alice));
    expect(atSender.sentSeqno).toBe(0);
    expect(openFrom(atReceiver, old)).toEqual({ drop: "UDP packet rejected: bad-mac" });
    const fresh = sealFor(atSender, new Uint8Array(20))!;
    expect("frame" in openFrom(atReceiver, fresh)).toBe(true);
    expect(atSender.sentSeqno).toBe(1);
  });

  test("the receiver's choice rules: cipher none with sha1 and a 20-byte MAC", () => {
    const settings = { cipher: 0, digest: 64, macLength: 20, compression: 0, replayWindow: 16 };
    const alice = core("alice", settings, 7);
    const bob = core("bob", settings, 8);
    const { atReceiver, atSender } = exchange(bob, alice);
    const d = sealFor(atSender, new Uint8Array(50).fill(9))!;
    expect(d.length).toBe(4 + 50 + 20);
    expect("frame" in openFrom(atReceiver, d)).toBe(true);
  });

  test("unusable offers are refused and leave no valid key", () => {
    const alice = core("alice");
    const bob = alice.node("bob")!;
    const good = "00".repeat(48);
    const cases: Array<
      [string, { key: string; cipher: number; digest: number; macLength: number; compression: number }]
    > = [
      ["short key", { key: "00".repeat(47), cipher: 427, digest: 672, macLength: 4, compression: 0 }],
      ["not hex", { key: "ZZ".repeat(48), cipher: 427, digest: 672, macLength: 4, compression: 0 }],
      ["unknown cipher", { key: good, cipher: 12345, digest: 672, macLength: 4, compression: 0 }],
      ["unknown digest", { key: good, cipher: 427, digest: 999, macLength: 4, compression: 0 }],
      ["MAC longer than digest", { key: good, cipher: 427, digest: 672, macLength: 33, compression: 0 }],
      ["compression out of range", { key: good, cipher: 427, digest: 672, macLength: 4, compression: 12 }],
    ];
    for (const [label, offer] of cases) {
      bob.validKey = true;
      const r = acceptSendKey(alice, bob, offer);
      expect({ label, ok: r.ok, valid: bob.validKey }).toEqual({ label, ok: false, valid: false });
    }
    expect(sealFor(bob, new Uint8Array(20))).toBeUndefined();
  });

  test("no receive key: dropped with a reason", () => {
    const bob = core("bob");
    expect(openFrom(bob.node("alice")!, new Uint8Array(60))).toEqual({
      drop: "UDP packet from a node that has not got our key",
    });
  });
});

describe("try_harder", () => {
  function mesh(): {
    bob: NodeCore;
    alice: NodeCore;
    carol: NodeCore;
    fromAlice: NodeRec;
    fromCarol: NodeRec;
  } {
    const bob = core("bob", TINC_PACKET_DEFAULTS, 11);
    const alice = core("alice", TINC_PACKET_DEFAULTS, 12);
    const carol = core("carol", TINC_PACKET_DEFAULTS, 13);
    const a = exchange(bob, alice);
    const c = exchange(bob, carol);
    // bob's graph: edges to and from both, with the addresses bob knows.
    const nb = bob.myself;
    const na = a.atReceiver;
    const nc = c.atReceiver;
    const edge = (from: NodeRec, to: NodeRec, address: string, weight: number) =>
      from.edges.set(to.name, {
        from,
        to,
        address,
        port: "655",
        options: 0,
        weight,
        conn: undefined,
        reverse: undefined,
        body: undefined,
      });
    edge(nb, na, "10.0.0.1", 5);
    edge(na, nb, "10.0.0.2", 5);
    edge(nb, nc, "10.0.0.3", 1);
    edge(nc, nb, "10.0.0.2", 1);
    return { bob, alice, carol, fromAlice: a.atSender, fromCarol: c.atSender };
  }

  test("finds the sender by MAC; a second unknown source in the same second only checks same-IP edges", () => {
    const { bob, fromAlice, fromCarol } = mesh();
    bob.now = 10_000;
    const d1 = sealFor(fromAlice, new Uint8Array(40))!;
    expect(tryHarder(bob, { host: "192.0.2.1", port: 1 }, d1)?.name).toBe("alice");
    const d2 = sealFor(fromCarol, new Uint8Array(40))!;
    bob.now = 10_500;
    expect(tryHarder(bob, { host: "192.0.2.2", port: 2 }, d2)).toBeUndefined();
    // Same second, but the source IP is carol's edge address: that edge is tested.
    expect(tryHarder(bob, { host: "10.0.0.3", port: 2 }, d2)?.name).toBe("carol");
    bob.now = 11_000;
    expect(tryHarder(bob, { host: "192.0.2.2", port: 2 }, d2)?.name).toBe("carol");
  });

  test("garbage and MAC-less keys match nobody", () => {
    const { bob } = mesh();
    bob.now = 50_000;
    expect(tryHarder(bob, { host: "192.0.2.1", port: 1 }, new Uint8Array(52))).toBeUndefined();
    const plain = core("dave", { ...TINC_PACKET_DEFAULTS, digest: 0, macLength: 0 });
    const x = core("x", { ...TINC_PACKET_DEFAULTS, digest: 0, macLength: 0 });
    const { atSender, atReceiver } = exchange(plain, x);
    plain.myself.edges.set("x", {
      from: plain.myself,
      to: atReceiver,
      address: "1.1.1.1",
      port: "655",
      options: 0,
      weight: 1,
      conn: undefined,
      reverse: undefined,
      body: undefined,
    });
    plain.now = 1000;
    expect(tryHarder(plain, { host: "192.0.2.1", port: 1 }, sealFor(atSender, new Uint8Array(40))!))
      .toBeUndefined();
  });
});

describe("MetaFramer.setTransform", () => {
  test("transforms bytes already buffered after the current line and every later push", () => {
    const f = new MetaFramer();
    const flip = (b: Uint8Array) => b.map((x) => x ^ 0x20);
    const enc = (s: string) => new TextEncoder().encode(s).map((x) => x ^ 0x20);
    const first = new TextEncoder().encode("1 abc\n");
    const rest = enc("2 def\n3 g");
    const buf = new Uint8Array(first.length + rest.length);
    buf.set(first);
    buf.set(rest, first.length);
    f.push(buf);
    expect(f.next()).toEqual({ kind: "line", line: "1 abc" });
    f.setTransform(flip);
    expect(f.next()).toEqual({ kind: "line", line: "2 def" });
    expect(f.next()).toBeNull();
    f.push(enc("hi\n"));
    expect(f.next()).toEqual({ kind: "line", line: "3 ghi" });
  });
});

describe("replay window size comes from the configuration", () => {
  test("ReplayWindow = 0 accepts duplicates", () => {
    const settings = { ...TINC_PACKET_DEFAULTS, replayWindow: 0 };
    const alice = core("alice", settings, 21);
    const bob = core("bob", settings, 22);
    const { atReceiver, atSender } = exchange(bob, alice);
    const d = sealFor(atSender, new Uint8Array(30))!;
    expect("frame" in openFrom(atReceiver, d)).toBe(true);
    expect("frame" in openFrom(atReceiver, d)).toBe(true);
  });
});

describe("packet settings from tinc.conf names", () => {
  test("names map to the NIDs ANS_KEY carries", () => {
    const base = { macLength: 4, compression: 0, replayWindow: 16 };
    expect(packetSettingsFromNames({ ...base, cipher: "aes-256-cbc", digest: "sha256" })).toEqual({
      ok: true,
      value: TINC_PACKET_DEFAULTS,
    });
    const none = packetSettingsFromNames({ ...base, cipher: "none", digest: "NONE" });
    expect(none.ok && [none.value.cipher, none.value.digest]).toEqual([0, 0]);
    const bf = packetSettingsFromNames({ ...base, cipher: "blowfish", digest: "sha1" });
    expect(bf.ok && [bf.value.cipher, bf.value.digest]).toEqual([91, 64]);
    expect(packetSettingsFromNames({ ...base, cipher: "rot13", digest: "sha256" }).ok).toBe(false);
  });
});

describe("MAX_SEQNO", () => {
  test("a receive key past 2^30 asks for early expiry; a fresh key clears it", () => {
    const alice = core("alice", TINC_PACKET_DEFAULTS, 31);
    const bob = core("bob", TINC_PACKET_DEFAULTS, 32);
    const { atReceiver, atSender } = exchange(bob, alice);
    expect(receiveSeqnoWornOut(bob)).toBe(false);
    atSender.sentSeqno = MAX_SEQNO;
    // Far ahead of the window: dropped 4 times (ReplayWindow 16 / 4), accepted the 5th time.
    const verdicts = [1, 2, 3, 4, 5].map(() =>
      "frame" in openFrom(atReceiver, sealFor(atSender, new Uint8Array(30))!)
    );
    expect(verdicts).toEqual([false, false, false, false, true]);
    expect(receiveSeqnoWornOut(bob)).toBe(true);
    exchange(bob, alice);
    expect(receiveSeqnoWornOut(bob)).toBe(false);
  });
});
