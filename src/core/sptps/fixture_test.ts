// Real tinc 1.1 captures (../shared/fixtures/sptps-pre18 and mixed-1.0-1.1/experimental-on/
// grace-frank-sptps): our session, given the captured private key and the logged KEX nonces and
// ephemeral seeds, re-creates each side's handshake byte for byte, verifies the peer's real SIG,
// opens every captured record (meta stream, UDP-session handshake records incl. rekeys, UDP
// datagrams) and re-encrypts the meta stream to the captured bytes.
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseRequest } from "../meta/codec.ts";
import { MetaFramer } from "../meta/framing.ts";
import { RequestCode } from "../meta/requests.ts";
import { decodeTincBase64, encodeTincBase64 } from "./base64.ts";
import { ephemeralSharedSecret, keyPairFromSeed, verifySignature } from "./ed25519.ts";
import { parsePrivateKeyFile, parsePublicKey } from "./key_files.ts";
import { recordOfAnsKey, recordOfReqKey } from "./key_requests.ts";
import { isDirectNodeId, nodeIdHex, nodeIdOf, parseUdpPacket } from "./node_id.ts";
import { deriveSessionKeys, sessionLabel } from "./prf.ts";
import { SptpsSession, SptpsState } from "./session.ts";
import { fromHex, hex, RecordingSink, scriptedRng } from "./test_support_test.ts";

const FIXTURES = join(import.meta.dir, "..", "..", "..", "..", "shared", "fixtures");
const read = (path: string): string => readFileSync(path, "utf8");

interface Scenario {
  title: string;
  dir: string;
  configDir: string;
  pcap: string;
  metaInitiator: string;
  metaResponder: string;
  udpInitiator: string;
  udpResponder: string;
  /** Expected counts of encrypted meta records per direction (checks.txt). */
  encryptedMeta: Record<string, number>;
  /** UDP-session rounds (1 initial + rekeys). */
  rounds: number;
}

const SCENARIOS: Scenario[] = [
  {
    title: "sptps-pre18 (carol, dave)",
    dir: join(FIXTURES, "sptps-pre18"),
    configDir: join(FIXTURES, "sptps-pre18", "config"),
    pcap: join(FIXTURES, "sptps-pre18", "capture.pcap"),
    metaInitiator: "carol",
    metaResponder: "dave",
    udpInitiator: "carol",
    udpResponder: "dave",
    encryptedMeta: { carol: 34, dave: 34 },
    rounds: 5,
  },
  {
    title: "grace-frank-sptps (grace, frank)",
    dir: join(FIXTURES, "mixed-1.0-1.1", "experimental-on", "grace-frank-sptps"),
    configDir: join(FIXTURES, "mixed-1.0-1.1", "experimental-on", "config"),
    pcap: join(FIXTURES, "mixed-1.0-1.1", "experimental-on", "capture.pcap"),
    metaInitiator: "grace",
    metaResponder: "frank",
    udpInitiator: "frank",
    udpResponder: "grace",
    encryptedMeta: { grace: 19, frank: 24 },
    rounds: 1,
  },
];

interface KexRound {
  nonce: Record<string, Uint8Array>;
  ecdhPub: Record<string, Uint8Array>;
  seed: Record<string, Uint8Array>;
  shared: Uint8Array;
  keyResp: Uint8Array;
  keyInit: Uint8Array;
}

/** ephemeral-keys.txt: the meta section first, then the UDP-session rounds. */
function parseEphemeralKeys(text: string): KexRound[] {
  const rounds: KexRound[] = [];
  let cur: KexRound | undefined;
  for (const line of text.split("\n")) {
    if (line.startsWith("== ")) {
      cur = {
        nonce: {},
        ecdhPub: {},
        seed: {},
        shared: new Uint8Array(),
        keyResp: new Uint8Array(),
        keyInit: new Uint8Array(),
      };
      rounds.push(cur);
      continue;
    }
    if (cur === undefined) continue;
    let m = /^\s+(\w+) KEX nonce=([0-9a-f]+) ecdh_pub=([0-9a-f]+)/.exec(line);
    if (m) {
      cur.nonce[m[1]!] = fromHex(m[2]!);
      cur.ecdhPub[m[1]!] = fromHex(m[3]!);
    }
    m = /^\s+(\w+) ephemeral seed=([0-9a-f]+)/.exec(line);
    if (m) cur.seed[m[1]!] = fromHex(m[2]!);
    m = /^\s+(shared|key_resp|key_init)=([0-9a-f]+)/.exec(line);
    if (m) {
      const v = fromHex(m[2]!);
      if (m[1] === "shared") cur.shared = v;
      else if (m[1] === "key_resp") cur.keyResp = v;
      else cur.keyInit = v;
    }
  }
  return rounds;
}

const hexFile = (path: string): Uint8Array => fromHex(read(path));

/** Splits one direction's TCP payload into the ID line and the SPTPS stream after it. */
function afterIdLine(stream: Uint8Array): Uint8Array {
  return stream.subarray(stream.indexOf(0x0a) + 1);
}

/** The plaintext records of decrypted-A-to-B.txt (ID line dropped; a line is a record with its "\n"). */
function decryptedRecords(text: string): Uint8Array[] {
  const lines = text.split("\n").filter((l) => l.length > 0);
  return lines.slice(1).map((l) => {
    const frame = /^#PACKET-FRAME (\d+) ([0-9a-f]*)$/.exec(l);
    return frame ? fromHex(frame[2]!) : new TextEncoder().encode(l + "\n");
  });
}

/** The UDP-session handshake records one node sent, from its decrypted meta lines. */
function handshakeRecords(text: string, from: string, to: string): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (const line of text.split("\n")) {
    if (line.startsWith("#") || line.length === 0) continue;
    const parsed = parseRequest(line);
    if (!parsed.ok) continue;
    const r = parsed.value;
    if (r.code === RequestCode.REQ_KEY && r.ext === 15 && r.from === from && r.to === to) {
      out.push(recordOfReqKey(r)!);
    }
    if (r.code === RequestCode.ANS_KEY && r.from === from && r.to === to) out.push(recordOfAnsKey(r)!);
  }
  return out;
}

/** Times of the handshake records per sender, from udp-session-handshake.txt. */
function handshakeTimes(text: string): { time: number; from: string; seq: number }[] {
  const out: { time: number; from: string; seq: number }[] = [];
  for (const line of text.split("\n")) {
    const m = /^([\d.]+) (\w+)->(\w+) (?:REQ_KEY|ANS_KEY) seq=(\d+)/.exec(line);
    if (m) out.push({ time: Number(m[1]), from: m[2]!, seq: Number(m[4]) });
  }
  return out;
}

/** UDP payloads of a classic pcap (Ethernet, IPv4), with times from the first packet. */
function pcapUdpPayloads(bytes: Uint8Array): { time: number; payload: Uint8Array }[] {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const le = dv.getUint32(0, true) === 0xa1b2c3d4 || dv.getUint32(0, true) === 0xa1b23c4d;
  const nanos = dv.getUint32(0, le) === 0xa1b23c4d;
  const out: { time: number; payload: Uint8Array }[] = [];
  let first: number | undefined;
  for (let off = 24; off + 16 <= bytes.length;) {
    const t = dv.getUint32(off, le) + dv.getUint32(off + 4, le) / (nanos ? 1e9 : 1e6);
    const len = dv.getUint32(off + 8, le);
    const frame = bytes.subarray(off + 16, off + 16 + len);
    off += 16 + len;
    first ??= t;
    if (frame.length < 14 + 20 + 8 || frame[12] !== 0x08 || frame[13] !== 0x00) continue;
    const ip = frame.subarray(14);
    const ihl = (ip[0]! & 15) * 4;
    if (ip[9] !== 17) continue;
    const udpLen = (ip[ihl + 4]! << 8) | ip[ihl + 5]!;
    out.push({ time: t - first, payload: ip.subarray(ihl + 8, ihl + udpLen) });
  }
  return out;
}

function loadKeys(s: Scenario, name: string) {
  const priv = parsePrivateKeyFile(read(join(s.configDir, name, "ed25519_key.priv")));
  if (!priv.ok) throw new Error(priv.reason);
  // Every node's host file copy of its own key.
  const hostLine = /^Ed25519PublicKey = (\S+)$/m.exec(read(join(s.configDir, name, "hosts", name)))![1]!;
  const pub = parsePublicKey(hostLine);
  if (!pub.ok) throw new Error(pub.reason);
  return { key: priv.value, hostPublic: pub.value, hostLine };
}

for (const s of SCENARIOS) {
  describe(s.title, () => {
    const rounds = parseEphemeralKeys(read(join(s.dir, "ephemeral-keys.txt")));
    const names = [s.metaInitiator, s.metaResponder];
    const keys = Object.fromEntries(names.map((n) => [n, loadKeys(s, n)]));
    const stream = (from: string, to: string) => hexFile(join(s.dir, `${from}-to-${to}.hex`));
    const decrypted = (from: string, to: string) => read(join(s.dir, `decrypted-${from}-to-${to}.txt`));

    test("host keys: tinc base64 round trip, private key file holds the same public key", () => {
      for (const n of names) {
        expect(keys[n]!.hostPublic.length).toBe(32);
        expect(encodeTincBase64(keys[n]!.hostPublic)).toBe(keys[n]!.hostLine);
        expect(hex(keys[n]!.key.publicKey)).toBe(hex(keys[n]!.hostPublic));
      }
    });

    test("node IDs are SHA-512(name)[0..6)", () => {
      const ids = read(join(s.dir, "node-ids.txt"));
      for (const n of names) expect(ids).toContain(`${n} ${nodeIdHex(nodeIdOf(n))}`);
    });

    test("ephemeral seeds reproduce the KEX keys, the shared secret and both keys", () => {
      expect(rounds.length).toBe(1 + s.rounds);
      rounds.forEach((r, i) => {
        const [ini, res] = i === 0 ? [s.metaInitiator, s.metaResponder] : [s.udpInitiator, s.udpResponder];
        for (const n of names) expect(hex(keyPairFromSeed(r.seed[n]!).publicKey)).toBe(hex(r.ecdhPub[n]!));
        expect(hex(ephemeralSharedSecret(r.seed[ini]!, r.ecdhPub[res]!)!)).toBe(hex(r.shared));
        expect(hex(ephemeralSharedSecret(r.seed[res]!, r.ecdhPub[ini]!)!)).toBe(hex(r.shared));
        const label = sessionLabel(i === 0 ? "TCP" : "UDP", ini, res);
        const k = deriveSessionKeys(r.shared, r.nonce[ini]!, r.nonce[res]!, label);
        expect(hex(k.responderSends)).toBe(hex(r.keyResp));
        expect(hex(k.initiatorSends)).toBe(hex(r.keyInit));
      });
    });

    test("captured meta SIGs verify under the host keys; negative controls fail", () => {
      const ini = s.metaInitiator, res = s.metaResponder;
      const label = sessionLabel("TCP", ini, res);
      const kexOf = (b: Uint8Array) => afterIdLine(b).subarray(3, 68);
      const sigOf = (b: Uint8Array) => afterIdLine(b).subarray(68 + 3, 68 + 3 + 64);
      const a = stream(ini, res), b = stream(res, ini);
      const msg = (flag: number, own: Uint8Array, other: Uint8Array, l: Uint8Array) =>
        Uint8Array.from([flag, ...own, ...other, ...l]);
      expect(verifySignature(keys[ini]!.hostPublic, msg(1, kexOf(a), kexOf(b), label), sigOf(a))).toBe(true);
      expect(verifySignature(keys[res]!.hostPublic, msg(0, kexOf(b), kexOf(a), label), sigOf(b))).toBe(true);
      expect(verifySignature(keys[ini]!.hostPublic, msg(0, kexOf(a), kexOf(b), label), sigOf(a))).toBe(false);
      expect(verifySignature(keys[ini]!.hostPublic, msg(1, kexOf(b), kexOf(a), label), sigOf(a))).toBe(false);
      expect(
        verifySignature(keys[ini]!.hostPublic, msg(1, kexOf(a), kexOf(b), label.subarray(0, -1)), sigOf(a)),
      )
        .toBe(false);
      expect(verifySignature(keys[res]!.hostPublic, msg(1, kexOf(a), kexOf(b), label), sigOf(a))).toBe(false);
    });

    for (const me of names) {
      const peer = me === s.metaInitiator ? s.metaResponder : s.metaInitiator;
      test(`meta stream as ${me}: handshake byte for byte, every ${peer} record opens, re-encryption matches`, () => {
        const sink = new RecordingSink();
        const session = SptpsSession.start({
          initiator: me === s.metaInitiator,
          datagram: false,
          myKey: keys[me]!.key,
          hisKey: keys[peer]!.hostPublic,
          label: sessionLabel("TCP", s.metaInitiator, s.metaResponder),
          rng: scriptedRng([rounds[0]!.nonce[me]!, rounds[0]!.seed[me]!]),
          sink,
        });
        // Feed the peer's whole stream in uneven chunks, one record per call.
        const input = afterIdLine(stream(peer, me));
        let off = 0, calls = 0;
        while (off < input.length && calls++ < 100_000) {
          const chunk = input.subarray(off, Math.min(input.length, off + 1 + (calls * 37) % 600));
          const r = session.receive(chunk);
          expect(r).toEqual({ ok: true, used: r.used });
          off += r.used;
        }
        expect(off).toBe(input.length);
        expect(sink.done).toBe(1);
        expect(sink.records.length).toBe(s.encryptedMeta[peer]!);
        expect(sink.records.every((r) => r.type === 0)).toBe(true);
        expect(sink.records.map((r) => hex(r.data))).toEqual(decryptedRecords(decrypted(peer, me)).map(hex));

        // Our own records, sealed again, are the captured bytes after the ID line.
        for (const rec of decryptedRecords(decrypted(me, peer))) expect(session.send(0, rec).ok).toBe(true);
        const out = Uint8Array.from(sink.sent.flatMap((x) => [...x.bytes]));
        expect(hex(out)).toBe(hex(afterIdLine(stream(me, peer))));
      });
    }

    test("meta hand-off: the ID line through MetaFramer, the bytes after it into SPTPS, lines parse", () => {
      const ini = s.metaInitiator, res = s.metaResponder;
      const wire = stream(ini, res);
      const sink = new RecordingSink();
      const session = SptpsSession.start({
        initiator: false,
        datagram: false,
        myKey: keys[res]!.key,
        hisKey: keys[ini]!.hostPublic,
        label: sessionLabel("TCP", ini, res),
        rng: scriptedRng([rounds[0]!.nonce[res]!, rounds[0]!.seed[res]!]),
        sink,
      });
      // The ID line and the start of the KEX arrive in one read.
      const framer = new MetaFramer();
      framer.push(wire.subarray(0, 40));
      expect(framer.next()).toEqual({ kind: "line", line: `0 ${ini} 17.7` });
      const feed = (bytes: Uint8Array) => {
        for (let off = 0, n = 0; off < bytes.length && n < 10_000; n++) {
          const r = session.receive(bytes.subarray(off));
          expect(r.ok).toBe(true);
          off += r.used;
        }
      };
      feed(framer.takeRemainder());
      feed(wire.subarray(40));
      expect(sink.done).toBe(1);
      let expectFrame = false;
      for (const rec of sink.records) {
        if (expectFrame) {
          expectFrame = false;
          continue;
        }
        const line = new TextDecoder().decode(rec.data);
        expect(line.endsWith("\n")).toBe(true);
        const parsed = parseRequest(line.slice(0, -1));
        expect(parsed.ok).toBe(true);
        if (parsed.ok && parsed.value.code === RequestCode.PACKET) expectFrame = true;
      }
    });

    for (const me of [s.udpInitiator, s.udpResponder]) {
      const peer = me === s.udpInitiator ? s.udpResponder : s.udpInitiator;
      test(`UDP session as ${me}: every handshake round byte for byte, every ${peer} datagram opens`, () => {
        const myRecords = handshakeRecords(decrypted(me, peer), me, peer);
        const peerRecords = handshakeRecords(decrypted(peer, me), peer, me);
        const times = handshakeTimes(read(join(s.dir, "udp-session-handshake.txt")));
        expect(times.filter((t) => t.from === me).length).toBe(myRecords.length);
        expect(times.filter((t) => t.from === peer).length).toBe(peerRecords.length);

        const peerId = nodeIdOf(peer);
        const datagrams = pcapUdpPayloads(readFileSync(s.pcap)).map((d) => ({
          ...d,
          parts: parseUdpPacket(d.payload),
        }))
          .filter((d) => d.parts !== undefined && hex(d.parts.srcId) === hex(peerId));
        const expectedTypes = read(join(s.dir, "udp-decrypted.txt")).split("\n")
          .filter((l) => l.includes(` ${peer}->${me} `)).map((l) => Number(/ type=(\d+)/.exec(l)![1]));
        expect(datagrams.length).toBe(expectedTypes.length);
        expect(datagrams.length).toBeGreaterThan(5);
        expect(peerRecords.length).toBeGreaterThanOrEqual(2);

        type Ev = { time: number; kind: "mine" | "peer-hs" | "peer-udp"; index: number };
        const events: Ev[] = [];
        let mi = 0, pi = 0;
        for (const t of times) {
          if (t.from === me) events.push({ time: t.time, kind: "mine", index: mi++ });
          else events.push({ time: t.time, kind: "peer-hs", index: pi++ });
        }
        datagrams.forEach((d, i) => events.push({ time: d.time, kind: "peer-udp", index: i }));
        events.sort((a, b) => a.time - b.time);

        const chunks = rounds.slice(1).flatMap((r) => [r.nonce[me]!, r.seed[me]!]);
        const sink = new RecordingSink();
        const session = SptpsSession.start({
          initiator: me === s.udpInitiator,
          datagram: true,
          myKey: keys[me]!.key,
          hisKey: keys[peer]!.hostPublic,
          label: sessionLabel("UDP", s.udpInitiator, s.udpResponder),
          rng: scriptedRng(chunks),
          sink,
        });
        // Our data datagrams in between used seqnos too: catch the counter up with filler records
        // before anything that makes us send the next captured handshake record.
        const mine = () => sink.sent.filter((x) => x.type === 128).length;
        const catchUp = () => {
          const next = myRecords[mine()];
          if (next === undefined) return;
          const seq = new DataView(next.buffer, next.byteOffset).getUint32(0);
          for (let i = 0; session.nextSendSeqno < seq && i < 1000; i++) session.send(4, new Uint8Array(18));
        };
        const opened: number[] = [];
        for (const ev of events) {
          if (ev.kind === "mine") {
            // A KEX of ours while idle is a rekey we started; everything else is a reaction.
            if (session.state === SptpsState.SecondaryKex && ev.index === mine()) {
              catchUp();
              expect(session.forceKex().ok).toBe(true);
            }
          } else if (ev.kind === "peer-hs") {
            catchUp();
            expect(session.receive(peerRecords[ev.index]!)).toMatchObject({ ok: true });
          } else {
            const d = datagrams[ev.index]!;
            expect(isDirectNodeId(d.parts!.dstId)).toBe(true);
            const before = sink.records.length;
            expect(session.receive(d.parts!.record)).toMatchObject({ ok: true });
            expect(sink.records.length).toBe(before + 1);
            opened.push(sink.records[before]!.type);
          }
        }
        expect(sink.done).toBe(s.rounds);
        expect(opened).toEqual(expectedTypes);
        const sentHandshake = sink.sent.filter((x) => x.type === 128).map((x) => hex(x.bytes));
        expect(sentHandshake).toEqual(myRecords.map(hex));
        // The captured REQ_KEY/ANS_KEY payloads are exactly our base64 of those records.
        expect(myRecords.map((r) => decodeTincBase64(encodeTincBase64(r))!).map(hex)).toEqual(
          myRecords.map(hex),
        );
      });
    }
  });
}
