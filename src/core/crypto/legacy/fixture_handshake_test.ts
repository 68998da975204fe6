// Real tincd 1.0.36 (and tinc 1.1 in legacy mode) meta connections and UDP datagrams, decrypted
// with the keys in the fixtures: METAKEY, the CFB streams at every chunking, CHAL_REPLY, ANS_KEY
// keys and every captured legacy datagram.
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fromHex, toHexUpper } from "./bytes.ts";
import { challengeReplyHex, parseChallengeHex, verifyChallengeReply } from "./challenge.ts";
import { parsePacketKeyMaterial, splitPacketKeyMaterial } from "./key_material.ts";
import { createLegacyStreamCipher } from "./meta_stream.ts";
import { checkMetakeyNids, metaKeyAndIv, metaStreamFromSecret, openMetakey } from "./metakey.ts";
import { CIPHERS } from "./nid.ts";
import { createLegacyPacketContext } from "./packet.ts";
import { rsaPublicRaw } from "./rsa.ts";
import { parsePrivateKeyPem, parsePublicKeyPem } from "./rsa_pem.ts";

const FIXTURES = join(import.meta.dir, "..", "..", "..", "..", "..", "shared", "fixtures");

function must<T>(r: { ok: true; value: T } | { ok: false; reason: string }): T {
  if (!r.ok) throw new Error(r.reason);
  return r.value;
}

function hex(s: string): Uint8Array {
  return must(fromHex(s.replace(/\s+/g, "")));
}

const ascii = (b: Uint8Array) => new TextDecoder("latin1").decode(b);
const bytesOf = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));

interface Capture {
  dir: string;
  client: string;
  server: string;
}

const CAPTURES: Capture[] = [
  { dir: join(FIXTURES, "legacy-auth"), client: "alice", server: "bob" },
  { dir: join(FIXTURES, "mixed-1.0-1.1", "experimental-on"), client: "eve", server: "frank" },
];

/** The stream as the sender produced it: lines, with `#PACKET-PAYLOAD` annotations as raw bytes. */
function expectedPlaintext(text: string): Uint8Array {
  const parts: Uint8Array[] = [];
  const lines = text.split("\n");
  if (lines[lines.length - 1] === "") lines.pop();
  for (const line of lines) {
    const m = /^#PACKET-PAYLOAD (\d+) ([0-9a-f]*)$/.exec(line);
    if (m) {
      const payload = hex(m[2]!);
      expect(payload.length).toBe(Number(m[1]));
      parts.push(payload);
    } else parts.push(bytesOf(line + "\n"));
  }
  const total = parts.reduce((n, p) => n + p.length, 0);
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Offset just past the METAKEY line (the second line): everything after it is ciphertext. */
function metakeyLineEnd(stream: Uint8Array): number {
  const first = stream.indexOf(10);
  return stream.indexOf(10, first + 1) + 1;
}

/** Request lines of a decrypted stream, skipping the raw bytes of each PACKET. */
function requestLines(plain: Uint8Array): string[] {
  const out: string[] = [];
  let at = 0;
  while (at < plain.length) {
    const nl = plain.indexOf(10, at);
    if (nl < 0) break;
    const line = ascii(plain.subarray(at, nl));
    out.push(line);
    at = nl + 1;
    const m = /^17 (\d+)$/.exec(line);
    if (m) at += Number(m[1]);
  }
  return out;
}

interface Direction {
  sender: string;
  recipient: string;
  wire: Uint8Array;
  expected: Uint8Array;
  metakeyEnd: number;
  secret: Uint8Array;
  cipherNid: number;
  digestNid: number;
}

function loadDirection(cap: Capture, sender: string, recipient: string): Direction {
  const wire = hex(readFileSync(join(cap.dir, `${sender}-to-${recipient}.hex`), "utf8"));
  const expected = expectedPlaintext(
    readFileSync(join(cap.dir, `decrypted-${sender}-to-${recipient}.txt`), "latin1"),
  );
  const metakeyEnd = metakeyLineEnd(wire);
  const metakeyLine = ascii(wire.subarray(wire.indexOf(10) + 1, metakeyEnd - 1));
  const [code, cipher, digest, maclen, comp, keyHex] = metakeyLine.split(" ");
  expect([code, maclen, comp]).toEqual(["1", "0", "0"]);
  const own = must(
    parsePrivateKeyPem(readFileSync(join(cap.dir, "config", recipient, "rsa_key.priv"), "utf8")),
  );
  const secret = must(openMetakey(own, keyHex!));
  return {
    sender,
    recipient,
    wire,
    expected,
    metakeyEnd,
    secret,
    cipherNid: Number(cipher),
    digestNid: Number(digest),
  };
}

/** Plays the receiver: plaintext until the METAKEY line ends, then one continuous decrypt stream. */
function receive(d: Direction, chunks: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(d.wire.length);
  let at = 0;
  let stream: ReturnType<typeof metaStreamFromSecret> | undefined;
  for (const chunk of chunks) {
    let rest = chunk;
    if (!stream) {
      const plainPart = Math.min(rest.length, d.metakeyEnd - at);
      out.set(rest.subarray(0, plainPart), at);
      at += plainPart;
      rest = rest.subarray(plainPart);
      if (at === d.metakeyEnd) stream = metaStreamFromSecret(d.secret, d.cipherNid, "decrypt");
    }
    if (stream && rest.length > 0) {
      out.set(must(stream).update(rest), at);
      at += rest.length;
    }
  }
  return out.subarray(0, at);
}

function tcpSegments(cap: Capture, sender: string, recipient: string, wire: Uint8Array): Uint8Array[] {
  const text = readFileSync(join(cap.dir, "tcp-segments.txt"), "utf8");
  const out: Uint8Array[] = [];
  let expectedOffset = 0;
  for (const line of text.split("\n")) {
    const f = line.trim().split(/\s+/);
    if (f.length !== 5 || line.startsWith("#") || f[2] !== `${sender}->${recipient}`) continue;
    const off = Number(f[3]);
    const len = Number(f[4]);
    expect(off).toBe(expectedOffset);
    out.push(wire.subarray(off, off + len));
    expectedOffset = off + len;
  }
  expect(expectedOffset).toBe(wire.length);
  return out;
}

for (const cap of CAPTURES) {
  const name = cap.dir.split("/").slice(-1)[0];
  describe(`${name}: ${cap.client} <-> ${cap.server}`, () => {
    const pairs: Array<[string, string]> = [[cap.client, cap.server], [cap.server, cap.client]];
    const dirs = new Map(pairs.map(([s, r]) => [`${s}>${r}`, loadDirection(cap, s, r)]));
    const plain = new Map<string, string[]>();
    for (const [k, d] of dirs) plain.set(k, requestLines(receive(d, [d.wire])));

    test("the fixture keys parse and each hosts file holds its node's public key", () => {
      for (const node of [cap.client, cap.server]) {
        const priv = must(
          parsePrivateKeyPem(readFileSync(join(cap.dir, "config", node, "rsa_key.priv"), "utf8")),
        );
        const other = node === cap.client ? cap.server : cap.client;
        const pub = must(
          parsePublicKeyPem(readFileSync(join(cap.dir, "config", other, "hosts", node), "utf8")),
        );
        expect(pub).toEqual({ n: priv.n, e: priv.e });
        expect(priv.e).toBe(65537n);
      }
    });

    for (const [s, r] of pairs) {
      const d = dirs.get(`${s}>${r}`)!;
      test(`${s} -> ${r}: METAKEY decrypts with ${r}'s key to S with the top bit clear, key/IV from the end`, () => {
        expect(d.secret.length).toBe(256);
        expect(d.secret[0]! < 0x80).toBe(true);
        const nids = must(checkMetakeyNids(d.cipherNid, d.digestNid));
        expect(nids.cipher.name).toBe("aes-256-cfb");
        expect(nids.digest.name).toBe("sha256");
        const keys = readFileSync(join(cap.dir, "meta-keys.txt"), "utf8");
        const block = keys.slice(keys.indexOf(`${s} -> ${r}`));
        const want =
          /S \(256 bytes, raw RSA output\) = ([0-9a-f]+)[\s\S]*?IV = \S+ = ([0-9a-f]+)[\s\S]*?key = \S+ = ([0-9a-f]+)/
            .exec(block)!;
        expect(toHexUpper(d.secret)).toBe(want[1]!.toUpperCase());
        const kv = must(metaKeyAndIv(d.secret, CIPHERS.get(429)!));
        expect(toHexUpper(kv.iv)).toBe(want[2]!.toUpperCase());
        expect(toHexUpper(kv.key)).toBe(want[3]!.toUpperCase());
        // Re-encrypting S with the recipient's public key gives the wire value back.
        const pub = must(parsePublicKeyPem(readFileSync(join(cap.dir, "config", s, "hosts", r), "utf8")));
        const line = ascii(d.wire.subarray(0, d.metakeyEnd)).split("\n")[1]!;
        expect(toHexUpper(must(rsaPublicRaw(pub, d.secret)))).toBe(line.split(" ")[5]!);
      });

      test(`${s} -> ${r}: the CFB stream decrypts to decrypted-${s}-to-${r}.txt byte for byte`, () => {
        expect(receive(d, [d.wire])).toEqual(d.expected);
      });

      test(`${s} -> ${r}: negative control, key/IV from the start of S give garbage`, () => {
        const fromStart = must(
          createLegacyStreamCipher(429, d.secret.slice(0, 32), d.secret.slice(32, 48), "decrypt"),
        );
        const body = fromStart.update(d.wire.subarray(d.metakeyEnd));
        expect(body).not.toEqual(d.expected.subarray(d.metakeyEnd));
        expect(requestLines(body).some((l) => /^\d+ /.test(l))).toBe(false);
      });

      test(`${s} -> ${r}: the real TCP segment boundaries give the same plaintext`, () => {
        const segs = tcpSegments(cap, s, r, d.wire);
        expect(receive(d, segs)).toEqual(d.expected);
      });

      test(`${s} -> ${r}: two chunks split at every ciphertext offset give the same plaintext`, () => {
        const head = d.wire.subarray(0, d.metakeyEnd);
        const body = d.wire.subarray(d.metakeyEnd);
        const want = d.expected.subarray(d.metakeyEnd);
        expect(head).toEqual(d.expected.subarray(0, d.metakeyEnd));
        for (let split = 0; split <= body.length; split++) {
          const stream = must(metaStreamFromSecret(d.secret, d.cipherNid, "decrypt"));
          const a = stream.update(body.subarray(0, split));
          const b = stream.update(body.subarray(split));
          if (split < 64 || split % 61 === 0) {
            expect(a).toEqual(want.subarray(0, split));
            expect(b).toEqual(want.subarray(split));
          } else if (!a.every((x, i) => x === want[i]) || !b.every((x, i) => x === want[split + i])) {
            throw new Error(`split at ${split} differs`);
          }
        }
        // Deterministic but CPU-bound (~3-4 s on a loaded machine): bun's default 5 s is too tight.
      }, 60_000);

      test(`${s} -> ${r}: re-encrypting the plaintext in odd-sized chunks gives the wire bytes`, () => {
        const enc = must(metaStreamFromSecret(d.secret, d.cipherNid, "encrypt"));
        const body = d.expected.subarray(d.metakeyEnd);
        const parts: Uint8Array[] = [];
        for (let at = 0, n = 1; at < body.length; at += n, n = (n * 7 + 3) % 50) {
          parts.push(enc.update(body.subarray(at, at + n)));
        }
        const joined = new Uint8Array(body.length);
        let at = 0;
        for (const p of parts) {
          joined.set(p, at);
          at += p.length;
        }
        expect(joined as Uint8Array).toEqual(d.wire.subarray(d.metakeyEnd));
      });
    }

    test("CHALLENGE is RSA_size bytes and each CHAL_REPLY is the challenger's digest of it", () => {
      for (const [s, r] of pairs) {
        const challengeLine = plain.get(`${r}>${s}`)!.find((l) => l.startsWith("2 "))!;
        const replyLine = plain.get(`${s}>${r}`)!.find((l) => l.startsWith("3 "))!;
        const own = must(
          parsePrivateKeyPem(readFileSync(join(cap.dir, "config", s, "rsa_key.priv"), "utf8")),
        );
        const challenge = must(parseChallengeHex(own, challengeLine.slice(2)));
        expect(challenge.length).toBe(256);
        const challengerDigest = dirs.get(`${r}>${s}`)!.digestNid;
        expect(must(verifyChallengeReply(challenge, challengerDigest, replyLine.slice(2)))).toBe(true);
        expect(must(verifyChallengeReply(challenge, challengerDigest, replyLine.slice(2).toLowerCase())))
          .toBe(true);
        expect(must(challengeReplyHex(challenge, challengerDigest))).toBe(replyLine.slice(2));
        const tampered = challenge.slice();
        tampered[0]! ^= 1;
        expect(verifyChallengeReply(tampered, challengerDigest, replyLine.slice(2)).ok).toBe(false);
      }
    });

    // ANS_KEY `16 FROM TO KEY CIPHER DIGEST MACLEN COMP`: FROM made the key, TO sends with it.
    const ansKeys = new Map<string, Uint8Array[]>();
    for (const lines of plain.values()) {
      for (const line of lines) {
        const f = line.split(" ");
        if (f[0] !== "16") continue;
        expect(f.slice(4, 8)).toEqual(["427", "672", "4", "0"]);
        const material = must(parsePacketKeyMaterial(f[3]!, 427));
        const k = `${f[2]}>${f[1]}`;
        ansKeys.set(k, [...(ansKeys.get(k) ?? []), material]);
      }
    }

    test("the ANS_KEY keys recovered from the streams are those of packet-keys.txt (key first, then IV)", () => {
      const text = readFileSync(join(cap.dir, "packet-keys.txt"), "utf8");
      let count = 0;
      for (const m of text.matchAll(/^16 (\w+) (\w+) .*key=([0-9a-f]+) iv=([0-9a-f]+)/gm)) {
        const list = ansKeys.get(`${m[2]}>${m[1]}`)!;
        const found = list.some((mat) => {
          const kv = splitPacketKeyMaterial(mat, CIPHERS.get(427)!);
          return toHexUpper(kv.key) === m[3]!.toUpperCase() && toHexUpper(kv.iv) === m[4]!.toUpperCase();
        });
        expect(found).toBe(true);
        count++;
      }
      expect(count).toBe([...ansKeys.values()].reduce((n, l) => n + l.length, 0));
    });

    test("every captured legacy UDP datagram opens with its ANS_KEY key, MAC verified, frames as recorded", () => {
      const datagrams = pcapUdpPayloads(readFileSync(join(cap.dir, "capture.pcap")));
      const records = udpRecords(readFileSync(join(cap.dir, "udp-decrypted.txt"), "utf8"));
      const declared = /UDP datagrams decrypted: (\d+) ok/.exec(
        readFileSync(join(cap.dir, "checks.txt"), "utf8"),
      )!;
      expect(records.length).toBe(Number(declared[1]));
      for (const rec of records) {
        const datagram = datagrams.get(rec.frame)!;
        expect(datagram.length).toBe(rec.size);
        const material = ansKeys.get(`${rec.from}>${rec.to}`)![rec.key]!;
        const ctx = must(
          createLegacyPacketContext({ cipherNid: 427, digestNid: 672, macLength: 4, keyMaterial: material }),
        );
        expect(ctx.verifyMac(datagram)).toBe(true);
        const r = ctx.open(datagram);
        if (!r.ok) throw new Error(`frame ${rec.frame}: ${r.reason}`);
        expect(r.seqno).toBe(rec.seqno);
        expect(r.frame.length).toBe(rec.frameLength);
        if (rec.dataHex !== undefined) expect(toHexUpper(r.frame)).toBe(rec.dataHex.toUpperCase());
        else {
          expect(r.frame[12]).toBe(0);
          expect(r.frame[13]).toBe(0);
          expect(r.frame[0] === 0).toBe(rec.probe === "request");
        }
        // The same key re-seals the frame to the captured bytes (fixed IV, deterministic).
        expect(ctx.seal(r.seqno, r.frame)).toEqual(datagram);
      }
    });
  });
}

describe("udp.txt agrees with the pcap (legacy-auth)", () => {
  test("the first datagrams listed in udp.txt are the pcap's bytes", () => {
    const dir = join(FIXTURES, "legacy-auth");
    const datagrams = pcapUdpPayloads(readFileSync(join(dir, "capture.pcap")));
    const text = readFileSync(join(dir, "udp.txt"), "utf8");
    let n = 0;
    for (const block of text.split(/\n(?=\[\d+\])/)) {
      const m = /pcap_frame=(\d+) size=(\d+)/.exec(block);
      if (!m) continue;
      const hexText = [...block.matchAll(/^ {2}[0-9a-f]{4} {2}((?:[0-9a-f]{2} ){1,16})/gm)].map((x) => x[1]!)
        .join("");
      const bytes = hex(hexText);
      expect(bytes.length).toBe(Number(m[2]));
      expect(datagrams.get(Number(m[1]))).toEqual(bytes);
      n++;
    }
    expect(n).toBe(20);
  });
});

interface UdpRecord {
  from: string;
  to: string;
  frame: number;
  size: number;
  key: number;
  seqno: number;
  frameLength: number;
  probe?: "request" | "reply";
  dataHex?: string;
}

function udpRecords(text: string): UdpRecord[] {
  const out: UdpRecord[] = [];
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const m =
      /^(\w+) -> (\w+) t=\S+ frame=(\d+) size=(\d+) key#(\d+) mac=ok seqno=(\d+) frame_len=(\d+) (.*)$/
        .exec(lines[i]!);
    if (!m) continue;
    const rec: UdpRecord = {
      from: m[1]!,
      to: m[2]!,
      frame: Number(m[3]),
      size: Number(m[4]),
      key: Number(m[5]),
      seqno: Number(m[6]),
      frameLength: Number(m[7]),
    };
    const kind = m[8]!;
    if (kind.startsWith("MTU probe ")) rec.probe = kind.endsWith("request") ? "request" : "reply";
    else {
      expect(kind.startsWith("data ")).toBe(true);
      let h = "";
      for (let j = i + 1; j < lines.length && lines[j]!.startsWith("  "); j++) {
        h += /^ {2}[0-9a-f]{4} {2}((?:[0-9a-f]{2} ){1,16})/.exec(lines[j]!)![1]!;
      }
      rec.dataHex = h.replace(/\s+/g, "");
    }
    out.push(rec);
  }
  return out;
}

/** UDP payloads of an Ethernet/IPv4 pcap by 1-based frame number. */
function pcapUdpPayloads(pcap: Uint8Array): Map<number, Uint8Array> {
  const v = new DataView(pcap.buffer, pcap.byteOffset, pcap.byteLength);
  expect(v.getUint32(0, true)).toBe(0xa1b2c3d4);
  expect(v.getUint32(20, true)).toBe(1);
  const out = new Map<number, Uint8Array>();
  let at = 24;
  for (let frame = 1; at + 16 <= pcap.length; frame++) {
    const caplen = v.getUint32(at + 8, true);
    const pkt = pcap.subarray(at + 16, at + 16 + caplen);
    at += 16 + caplen;
    if (pkt.length < 34 || pkt[12] !== 0x08 || pkt[13] !== 0x00) continue;
    const ihl = (pkt[14]! & 15) * 4;
    if (pkt[23] !== 17) continue;
    const udp = 14 + ihl;
    const udpLen = (pkt[udp + 4]! << 8) | pkt[udp + 5]!;
    out.set(frame, pkt.subarray(udp + 8, udp + udpLen));
  }
  return out;
}
