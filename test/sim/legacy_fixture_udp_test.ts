// The engine as bob against everything tincd 1.0.36's alice sent in the capture: the handshake,
// her graph and key lines, three frames over TCP, every UDP datagram under bob's first packet
// key, then bob's KeyExpire (KeyExpire = 15 as in the fixture) and every datagram under his
// second key. Its random source hands out what the real bob drew (METAKEY S, challenge, packet
// keys, the KEY_CHANGED nonce), so alice's recorded datagrams are valid for it. It must deliver
// her data frames to the TUN byte for byte, echo her probe requests in tinc's format under the
// key she gave last, and send the very key lines the real bob sent.
import { beforeAll, describe, expect, test } from "bun:test";
import { createLegacyPacketContext, metaStreamFromSecret } from "../../src/core/crypto/legacy/mod.ts";
import { hexBytes } from "./legacy_net.ts";
import { Engine } from "../../src/core/node/engine.ts";
import { withDefaults } from "../../src/core/node/config.ts";
import { inertEffects, type SockAddr } from "../../src/core/node/effects.ts";
import {
  capturedDatagrams,
  decryptedDatagrams,
  fixtureText,
  hostEntry,
  itemOffset,
  recordedChallenge,
  recordedSecret,
  ReplayRandom,
  stream,
  streamItems,
} from "./legacy_fixture.ts";

interface Run {
  engine: Engine;
  tun: Uint8Array[];
  udp: Array<{ to: SockAddr; bytes: Uint8Array }>;
  meta: Uint8Array[];
  logs: string[];
  /** Counts of TUN writes and UDP sends when bob's keys expired. */
  atExpiry: { tun: number; udp: number };
}

/** The key line one side sent: `16 FROM TO KEYHEX ...`, the n-th of them. */
function ansKeyHex(from: "alice" | "bob", n: number): string {
  const lines = streamItems(from).filter((i) => i.kind === "line" && i.text.startsWith("16 "));
  const item = lines[n];
  if (item?.kind !== "line") throw new Error("no such ANS_KEY");
  return item.text.split(" ")[3]!;
}

function run(): Run {
  const out: Run = {
    engine: undefined as unknown as Engine,
    tun: [],
    udp: [],
    meta: [],
    logs: [],
    atExpiry: { tun: 0, udp: 0 },
  };
  const effects = inertEffects({
    sendMeta: (_c, bytes) => void out.meta.push(bytes.slice()),
    connect: () => 1,
    sendUdp: (to, bytes) => void out.udp.push({ to, bytes: bytes.slice() }),
    writeTun: (frame) => void out.tun.push(frame.slice()),
    log: (level, message, fields) => void out.logs.push(`${level} ${message} ${JSON.stringify(fields)}`),
  });
  const first = new Uint8Array(512);
  first.set(recordedSecret("bob"), 0);
  first.set(recordedChallenge("bob"), 256);
  const random = new ReplayRandom(first);
  const config = withDefaults({
    name: "bob",
    hosts: new Map([["bob", hostEntry("bob", "bob")], ["alice", hostEntry("bob", "alice")]]),
    bypassSecurity: false,
    privateKeyPem: fixtureText("config", "bob", "rsa_key.priv"),
    debugLevel: 3,
    pingInterval: 10,
    keyExpire: 15,
  });
  const engine = new Engine(config, effects, random);
  out.engine = engine;
  engine.start(0);
  engine.onMetaConnected(1, 1, { outgoing: false, peerAddress: { host: "10.60.0.1", port: 41000 } });
  // alice's stream: ID … ACK, ADD_SUBNET ×2, then ADD_EDGE (which makes her reachable, so bob
  // issues his key at once: hand out the key the real bob drew), then her keys and three PACKETs.
  const items = streamItems("alice");
  const bytes = stream("alice");
  const edge = items.findIndex((i) => i.kind === "line" && i.text.startsWith("12 "));
  const afterPackets = items.findIndex((i, k) => k > edge && i.kind === "line" && i.text === "8");
  engine.onMetaData(2, 1, bytes.subarray(0, itemOffset(items, edge)));
  random.load(hexBytes(ansKeyHex("bob", 0)));
  engine.onMetaData(3, 1, bytes.subarray(itemOffset(items, edge), itemOffset(items, edge + 1)));
  engine.onMetaData(4, 1, bytes.subarray(itemOffset(items, edge + 1), itemOffset(items, afterPackets)));
  // Every datagram alice sent under bob's first key (before the key expiry at ~15 s).
  const decrypted = decryptedDatagrams();
  const captured = capturedDatagrams();
  expect(captured.length).toBe(decrypted.length);
  const replayUdp = (key: number): void => {
    captured.forEach((d, i) => {
      const info = decrypted[i]!;
      if (info.from !== "alice" || info.key !== key) return;
      engine.onUdp(5 + Math.round(d.time * 1000), { host: d.src, port: d.srcPort }, d.payload);
    });
  };
  replayUdp(0);
  // KeyExpire: bob's KEY_CHANGED nonce, then his second key.
  out.atExpiry = { tun: out.tun.length, udp: out.udp.length };
  const keyChanged = streamItems("bob").find((i) => i.kind === "line" && i.text.startsWith("14 "));
  const nonce = keyChanged?.kind === "line" ? keyChanged.text.split(" ")[1]! : "0";
  random.load(hexBytes(nonce.padStart(8, "0") + ansKeyHex("bob", 1)));
  engine.onTimer(15_005);
  // The rest of alice's stream (PING/PONG, her KEY_CHANGED and third key), then her datagrams.
  engine.onMetaData(15_006, 1, bytes.subarray(itemOffset(items, afterPackets)));
  replayUdp(1);
  return out;
}

describe("the engine as bob against the capture of tincd's alice", () => {
  let r: Run;
  const mine = decryptedDatagrams().filter((d) => d.from === "alice" && d.key === 0);
  const later = decryptedDatagrams().filter((d) => d.from === "alice" && d.key === 1);
  beforeAll(() => {
    r = run();
  });

  test("bob's keys and KEY_CHANGED go out as the real bob sent them", () => {
    const clear = streamItems("bob").slice(0, 2).reduce((n, i) => n + (i.kind === "line" ? i.bytes : 0), 0);
    const all = new Uint8Array(r.meta.reduce((n, c) => n + c.length, 0));
    let off = 0;
    for (const c of r.meta) {
      all.set(c, off);
      off += c.length;
    }
    const s = metaStreamFromSecret(recordedSecret("bob"), 429, "decrypt");
    if (!s.ok) throw new Error(s.reason);
    const lines = new TextDecoder("latin1").decode(s.value.update(all.subarray(clear))).split("\n");
    const keyLines = (list: string[]) => list.filter((l) => /^(14|16) /.test(l));
    const recorded = streamItems("bob").flatMap((i) => (i.kind === "line" ? [i.text] : []));
    expect(keyLines(lines)).toEqual(keyLines(recorded));
    expect(keyLines(lines).length).toBe(3);
  });

  test("the three frames that came over TCP reach the TUN", () => {
    const payloads = streamItems("alice").flatMap((i) => (i.kind === "payload" ? [i.data] : [])).slice(0, 3);
    expect(r.tun.slice(0, 3).map((f) => Buffer.from(f).toString("hex"))).toEqual(
      payloads.map((p) => Buffer.from(p).toString("hex")),
    );
  });

  test("every data frame alice sent over UDP reaches the TUN byte for byte", () => {
    const want = mine.filter((d) => d.kind === "data").map((d) => Buffer.from(d.frame!).toString("hex"));
    expect(want.length).toBeGreaterThan(3);
    expect(r.tun.slice(3, r.atExpiry.tun).map((f) => Buffer.from(f).toString("hex"))).toEqual(want);
    expect(r.engine.dropCounts()).toEqual({});
  });

  test("every probe request is echoed to alice's address, sealed with the key she gave", () => {
    const requests = mine.filter((d) => d.kind === "probe request");
    expect(requests.length).toBeGreaterThan(5);
    expect(r.atExpiry.udp).toBe(requests.length);
    // alice's second ANS_KEY replaced her first: bob seals with it.
    const codec = createLegacyPacketContext({
      cipherNid: 427,
      digestNid: 672,
      macLength: 4,
      keyMaterial: hexBytes(ansKeyHex("alice", 1)),
    });
    if (!codec.ok) throw new Error(codec.reason);
    r.udp.slice(0, r.atExpiry.udp).forEach((u, i) => {
      expect(u.to).toEqual({ host: "10.60.0.1", port: 655 });
      const opened = codec.value.open(u.bytes);
      if (!opened.ok) throw new Error(`echo ${i}: ${opened.reason}`);
      expect(opened.seqno).toBe(i + 1);
      expect(opened.frame.length).toBe(requests[i]!.frameLength);
      expect([opened.frame[0], opened.frame[12], opened.frame[13]]).toEqual([1, 0, 0]);
    });
  });

  test("after bob's KeyExpire: alice's datagrams under his second key are accepted and echoed", () => {
    const want = later.filter((d) => d.kind === "data").map((d) => Buffer.from(d.frame!).toString("hex"));
    expect(want.length).toBe(2);
    expect(r.tun.slice(r.atExpiry.tun).map((f) => Buffer.from(f).toString("hex"))).toEqual(want);
    const requests = later.filter((d) => d.kind === "probe request");
    const echoes = r.udp.slice(r.atExpiry.udp);
    expect(echoes.length).toBe(requests.length);
    // alice's third ANS_KEY (after her own KEY_CHANGED) is the one bob seals with now.
    const codec = createLegacyPacketContext({
      cipherNid: 427,
      digestNid: 672,
      macLength: 4,
      keyMaterial: hexBytes(ansKeyHex("alice", 2)),
    });
    if (!codec.ok) throw new Error(codec.reason);
    echoes.forEach((u, i) => {
      const opened = codec.value.open(u.bytes);
      if (!opened.ok) throw new Error(`echo ${i}: ${opened.reason}`);
      expect([opened.seqno, opened.frame.length, opened.frame[0]]).toEqual([
        i + 1,
        requests[i]!.frameLength,
        1,
      ]);
    });
    expect(r.engine.dropCounts()).toEqual({});
  });
});
