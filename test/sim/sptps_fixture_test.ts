// The engine as dave against tinc 1.1's real capture (../shared/fixtures/sptps-pre18): with
// dave's key and dave's logged KEX nonces and ephemeral seeds fed through the engine's random
// source, it answers carol's meta connection byte for byte up to and including its ACK, accepts
// carol's whole meta stream up to the first UDP-session rekey (ACK 700000c, subnets, edges with
// local addresses, PACKET frames, REQ_KEY ext 15, ANS_KEY handshake records), answers the UDP
// session's start with the very ANS_KEY lines dave sent, and opens carol's UDP datagrams.
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parsePrivateKeyFile } from "../../src/core/sptps/key_files.ts";
import { nodeIdOf } from "../../src/core/sptps/node_id.ts";
import { Engine } from "../../src/core/node/engine.ts";
import { type HostConfig, withDefaults } from "../../src/core/node/config.ts";
import type { Effects, RandomSource, SockAddr } from "../../src/core/node/effects.ts";
import { parseSubnet } from "../../src/core/subnet/subnet_text.ts";
import type { Subnet } from "../../src/core/subnet/subnet.ts";
import { hexBytes } from "./legacy_net.ts";

const DIR = join(import.meta.dir, "..", "..", "..", "shared", "fixtures", "sptps-pre18");
const read = (name: string): string => readFileSync(join(DIR, name), "utf8");
const hex = (b: Uint8Array): string => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");

/** Hands out queued bytes first (as tinc's getentropy() results), then a counter. */
class ScriptedRandom implements RandomSource {
  private queue: number[] = [];
  private counter = 0x1234567;
  /** Queues bytes so that sptpsRandom's little-endian packing returns them unchanged. */
  pushBytes(bytes: Uint8Array): void {
    for (let i = 0; i < bytes.length; i += 4) {
      this.queue.push(
        (bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24)) >>> 0,
      );
    }
  }
  nextU32(): number {
    return this.queue.shift() ?? (this.counter = (Math.imul(this.counter, 1103515245) + 12345) >>> 0);
  }
  get pending(): number {
    return this.queue.length;
  }
}

function subnets(text: string): Subnet[] {
  return [...text.matchAll(/^Subnet = (.+)$/gm)].map((m) => {
    const s = parseSubnet(m[1]!);
    if (!s.ok) throw new Error(s.reason);
    return s.value;
  });
}

/** dave's KEX nonce and ephemeral seed of a section of ephemeral-keys.txt. */
function daveKex(section: string): Uint8Array {
  const text = read("ephemeral-keys.txt");
  const start = text.indexOf(section);
  const part = text.slice(start, text.indexOf("\n==", start + 1) >>> 0);
  const nonce = /dave KEX nonce=([0-9a-f]{64})/.exec(part)![1]!;
  const seed = /dave ephemeral seed=([0-9a-f]{64})/.exec(part)![1]!;
  return hexBytes(nonce + seed);
}

function carolDatagrams(): Uint8Array[] {
  const text = read("udp.txt");
  const section = text.slice(text.indexOf("## carol"), text.indexOf("## dave"));
  return section.split(/\n\[\d+\] /).slice(1).map((block) =>
    hexBytes(
      block.split("\n").filter((l) => /^ {2}[0-9a-f]{4} {2}/.test(l)).map((l) => l.slice(8, 56)).join(" "),
    )
  );
}

describe("the engine as dave against tinc 1.1's capture", () => {
  test("meta handshake byte for byte, carol's stream accepted, UDP session as dave answered it", () => {
    const daveKey = parsePrivateKeyFile(read("config/dave/ed25519_key.priv"));
    if (!daveKey.ok) throw new Error(daveKey.reason);
    const carolHost = read("config/dave/hosts/carol");
    const daveHost = read("config/dave/hosts/dave");
    const hosts = new Map<string, HostConfig>([
      ["carol", {
        addresses: [{ host: "10.60.0.3", port: 655 }],
        subnets: subnets(carolHost),
        ed25519PublicKey: /^Ed25519PublicKey = (\S+)$/m.exec(carolHost)![1]!,
      }],
      ["dave", { addresses: [], subnets: subnets(daveHost) }],
    ]);
    const config = withDefaults({
      name: "dave",
      hosts,
      mode: "router",
      pmtuDiscovery: true,
      ed25519Key: daveKey.value,
      debugLevel: 4,
    });
    const meta: Uint8Array[] = [];
    const udp: Array<{ to: SockAddr; bytes: Uint8Array }> = [];
    const tun: Uint8Array[] = [];
    const sent: string[] = [];
    const logs: string[] = [];
    const fx: Effects = {
      sendMeta: (_c, bytes) => meta.push(bytes.slice()),
      connect: () => 99,
      close: () => {},
      sendUdp: (to, bytes) => void udp.push({ to, bytes: bytes.slice() }),
      writeTun: (f) => tun.push(f.slice()),
      runScript: () => {},
      readFile: () => {},
      writeFile: () => {},
      resolve: () => {},
      log: (_l, message, fields) => {
        if (message === "Sending request") sent.push(String(fields.line));
        else logs.push(`${message} ${JSON.stringify(fields)}`);
      },
    };
    const rng = new ScriptedRandom();
    rng.pushBytes(daveKex("== meta connection"));
    const engine = new Engine(config, fx, rng);
    let now = 1000;
    engine.start(now);
    engine.onMetaConnected(now, 1, { outgoing: false, peerAddress: { host: "10.60.0.3", port: 45000 } });
    const carol = hexBytes(read("carol-to-dave.hex"));
    // Up to the UDP session's start (offset 1846 in meta-records.txt).
    engine.onMetaData(now, 1, carol.subarray(0, 1846));
    expect(rng.pending).toBe(0);
    const dave = hexBytes(read("dave-to-carol.hex"));
    const ours = new Uint8Array(meta.reduce((n, b) => n + b.length, 0));
    meta.reduce((o, b) => (ours.set(b, o), o + b.length), 0);
    // ID, KEX, SIG and the encrypted `4 655 0 700000c` record: identical to what tincd sent.
    expect(hex(ours.subarray(0, 182))).toBe(hex(dave.subarray(0, 182)));
    expect(engine.view().connections[0]).toMatchObject({ name: "carol", phase: "active" });
    expect(engine.view().edges.some((e) => e.from === "carol" && e.to === "dave" && e.options === 0x700000c))
      .toBe(true);
    // The 1442-byte ping carried as `17 1442` reached the TUN as it was sent.
    const frame = /^#PACKET-FRAME 1442 ([0-9a-f]+)$/m.exec(read("decrypted-carol-to-dave.txt"))![1]!;
    expect(tun.map(hex)).toContain(frame);

    // carol's REQ_SPTPS_START and her SIG in ANS_KEY, up to her first rekey (offset 5356).
    rng.pushBytes(daveKex("== UDP session round 0"));
    now += 100;
    engine.onMetaData(now, 1, carol.subarray(1846, 5356));
    expect(rng.pending).toBe(0);
    const daveLines = read("decrypted-dave-to-carol.txt").split("\n").filter((l) =>
      l.startsWith("16 dave carol ")
    );
    expect(sent.filter((l) => l.startsWith("16 dave carol "))).toEqual(daveLines.slice(0, 2));
    // carol's two 18-byte MTU probes sent as `17 18` before the key: data with ethertype 0, dropped
    // (fixtures/README.md, item 5).
    expect(engine.dropCounts()).toEqual({ "unknown-ethertype": 2 });
    expect(engine.view().connections[0]).toMatchObject({ name: "carol", phase: "active" });

    // carol's first UDP datagrams (probe replies, a 1439-byte probe request, pings) all open.
    const before = tun.length;
    for (const d of carolDatagrams().slice(0, 8)) {
      now += 10;
      engine.onUdp(now, { host: "10.60.0.3", port: 655 }, d);
    }
    expect(engine.dropCounts()).toEqual({ "unknown-ethertype": 2 });
    // An IPv6 packet (version nibble 6: ethertype 86dd rebuilt) and two 84-byte pings (0800).
    const packets = tun.slice(before);
    expect(packets.map((p) => hex(p.subarray(12, 14)))).toEqual(["86dd", "0800", "0800"]);
    for (const p of packets.slice(1)) {
      expect(p.length).toBe(14 + 84);
      expect([...p.subarray(14 + 16, 14 + 20)]).toEqual([10, 61, 0, 4]);
    }
    // The probe request got a compact reply: direct, from dave's ID, 12 + 4 + 1 + 18 + 16 bytes.
    const replies = udp.filter((d) => d.bytes.length === 51);
    expect(replies.length).toBeGreaterThanOrEqual(1);
    expect(hex(replies[0]!.bytes.subarray(0, 12))).toBe("000000000000" + hex(nodeIdOf("dave")));
    expect(replies[0]!.to).toEqual({ host: "10.60.0.3", port: 655 });
  });
});
