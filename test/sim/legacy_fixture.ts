/**
 * The legacy-auth fixture (two tincd 1.0.36 nodes, alice and bob, with their keys) as test
 * inputs: the recorded meta streams and their decrypted lines, the secrets each side drew, host
 * entries, and the UDP datagrams of the capture.
 * @module
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { HostConfig } from "../../src/core/node/config.ts";
import type { RandomSource } from "../../src/core/node/effects.ts";
import { parseSubnet } from "../../src/core/subnet/subnet_text.ts";
import type { Subnet } from "../../src/core/subnet/subnet.ts";
import { hexBytes, LEGACY_FIXTURE } from "./legacy_net.ts";
import { SeededRandom } from "./rng.ts";

/** The two sides of the capture. */
export type Name = "alice" | "bob";

export function fixtureText(...path: string[]): string {
  return readFileSync(join(LEGACY_FIXTURE, ...path), "utf8");
}

/** The recorded stream one side sent, as bytes. */
export function stream(from: Name): Uint8Array {
  return hexBytes(fixtureText(from === "alice" ? "alice-to-bob.hex" : "bob-to-alice.hex"));
}

/** The decrypted request lines one side sent (annotation lines dropped). */
export function plainLines(from: Name): string[] {
  const file = from === "alice" ? "decrypted-alice-to-bob.txt" : "decrypted-bob-to-alice.txt";
  return fixtureText(file).split("\n").filter((l) => !l.startsWith("#"));
}

/** Bytes of the first `count` lines of a side's stream (CFB keeps lengths). */
export function prefixLength(from: Name, count: number): number {
  return plainLines(from).slice(0, count).reduce((n, l) => n + l.length + 1, 0);
}

/** The METAKEY plaintext S that `from` drew, from meta-keys.txt. */
export function recordedSecret(from: Name): Uint8Array {
  const text = fixtureText("meta-keys.txt");
  const section = text.slice(text.indexOf(`${from} -> `));
  const m = /S \(256 bytes, raw RSA output\) = ([0-9a-f]+)/.exec(section);
  if (!m) throw new Error("no S in meta-keys.txt");
  return hexBytes(m[1]!);
}

/** The challenge `from` sent (its `2 HEX` line). */
export function recordedChallenge(from: Name): Uint8Array {
  const line = plainLines(from).find((l) => l.startsWith("2 "))!;
  return hexBytes(line.slice(2));
}

/** Hands out recorded bytes first (big-endian per 32-bit draw), then seeded noise. */
export class ReplayRandom implements RandomSource {
  private pos = 0;
  private readonly rest = new SeededRandom(99);
  constructor(private bytes: Uint8Array) {}
  /** Queues more recorded bytes, handed out before any further noise. */
  load(bytes: Uint8Array): void {
    this.bytes = bytes;
    this.pos = 0;
  }
  nextU32(): number {
    if (this.pos + 4 > this.bytes.length) return this.rest.nextU32();
    const b = this.bytes;
    const p = this.pos;
    this.pos += 4;
    return ((b[p]! << 24) | (b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!) >>> 0;
  }
}

export function hostEntry(me: Name, host: Name): HostConfig {
  const text = fixtureText("config", me, "hosts", host);
  const subnets: Subnet[] = [];
  for (const m of text.matchAll(/^Subnet = (\S+)$/gm)) {
    const s = parseSubnet(m[1]!);
    if (s.ok) subnets.push(s.value);
  }
  const address = /^Address = (\S+)$/m.exec(text)![1]!;
  return { addresses: [{ host: address, port: 655 }], subnets, publicKeyPem: text };
}

/** One stream item in order: a request line, or the raw payload that followed a `17 LEN`. */
export type StreamItem = { kind: "line"; text: string; bytes: number } | {
  kind: "payload";
  data: Uint8Array;
};

/** The decrypted items of a side's stream, with their byte lengths (CFB keeps lengths). */
export function streamItems(from: Name): StreamItem[] {
  const file = from === "alice" ? "decrypted-alice-to-bob.txt" : "decrypted-bob-to-alice.txt";
  const out: StreamItem[] = [];
  for (const line of fixtureText(file).split("\n")) {
    const m = /^#PACKET-PAYLOAD ([0-9]+) ([0-9a-f]+)$/.exec(line);
    if (m) out.push({ kind: "payload", data: hexBytes(m[2]!) });
    else if (line.length > 0 && !line.startsWith("#")) {
      out.push({ kind: "line", text: line, bytes: line.length + 1 });
    }
  }
  return out;
}

/** Stream offset where item `index` starts. */
export function itemOffset(items: StreamItem[], index: number): number {
  let off = 0;
  for (const item of items.slice(0, index)) off += item.kind === "line" ? item.bytes : item.data.length;
  return off;
}

/** One UDP datagram of capture.pcap. */
export interface CapturedDatagram {
  time: number;
  src: string;
  srcPort: number;
  dst: string;
  dstPort: number;
  payload: Uint8Array;
}

/** Every IPv4/UDP datagram of capture.pcap (Ethernet link type), times relative to the first. */
export function capturedDatagrams(): CapturedDatagram[] {
  const pcap = new Uint8Array(readFileSync(join(LEGACY_FIXTURE, "capture.pcap")));
  const view = new DataView(pcap.buffer, pcap.byteOffset, pcap.byteLength);
  const little = view.getUint32(0, true) === 0xa1b2c3d4;
  const out: CapturedDatagram[] = [];
  let first: number | undefined;
  for (let off = 24; off + 16 <= pcap.length;) {
    const sec = view.getUint32(off, little);
    const usec = view.getUint32(off + 4, little);
    const caplen = view.getUint32(off + 8, little);
    const frame = pcap.subarray(off + 16, off + 16 + caplen);
    off += 16 + caplen;
    const t = sec + usec / 1e6;
    first ??= t;
    if (frame.length < 14 + 20 + 8 || frame[12] !== 0x08 || frame[13] !== 0x00) continue;
    const ip = frame.subarray(14);
    const ihl = (ip[0]! & 0x0f) * 4;
    if (ip[9] !== 17) continue;
    const total = (ip[2]! << 8) | ip[3]!;
    const udp = ip.subarray(ihl, total);
    const addr = (b: Uint8Array) => Array.from(b).join(".");
    out.push({
      time: t - first,
      src: addr(ip.subarray(12, 16)),
      dst: addr(ip.subarray(16, 20)),
      srcPort: (udp[0]! << 8) | udp[1]!,
      dstPort: (udp[2]! << 8) | udp[3]!,
      payload: udp.slice(8),
    });
  }
  return out;
}

/** What udp-decrypted.txt says about one datagram. */
export interface DecryptedDatagram {
  from: Name;
  key: number;
  seqno: number;
  frameLength: number;
  kind: "probe request" | "probe reply" | "data";
  /** Data frames only. */
  frame?: Uint8Array;
}

/** The entries of udp-decrypted.txt in capture order. */
export function decryptedDatagrams(): DecryptedDatagram[] {
  const out: DecryptedDatagram[] = [];
  let current: DecryptedDatagram | undefined;
  let hex = "";
  const flush = (): void => {
    if (current?.kind === "data") current.frame = hexBytes(hex);
    hex = "";
  };
  for (const line of fixtureText("udp-decrypted.txt").split("\n")) {
    const m = /^(alice|bob) -> \S+ .* key#([0-9]+) mac=ok seqno=([0-9]+) frame_len=([0-9]+) (.*)$/.exec(line);
    if (m) {
      flush();
      const what = m[5]!;
      current = {
        from: m[1] as Name,
        key: Number(m[2]),
        seqno: Number(m[3]),
        frameLength: Number(m[4]),
        kind: what.startsWith("MTU probe request")
          ? "probe request"
          : what.startsWith("MTU probe reply")
          ? "probe reply"
          : "data",
      };
      out.push(current);
      continue;
    }
    const h = /^ {2}[0-9a-f]{4} {2}((?:[0-9a-f]{2} ?)+)/.exec(line);
    if (h && current?.kind === "data") hex += h[1]!.replace(/ /g, "");
  }
  flush();
  return out;
}
