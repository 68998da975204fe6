/**
 * tinc 1.1's SPTPS in the real daemon against Debian's tincd 1.0.36, in network namespaces: the
 * chain t1 – t2 – d3 – t4 (t2 ConnectTo t1, d3 ConnectTo t2, t4 ConnectTo d3; router mode). The
 * tinct nodes have RSA and Ed25519 keys from `tinct generate-keys`, tincd d3 RSA from `tincd -K`,
 * so t4 meets t1 and t2 only through a tinc 1.0 node. Shown here:
 *  - every ordered pair pings over IPv4 and IPv6; t4, not given t1's Ed25519 key, learns it
 *    through the mesh (REQ_PUBKEY/ANS_PUBKEY across d3) and appends it to its hosts/t1;
 *  - on t2's wire, the tinct meta connection opens with `0 t2 17.7` / `0 t1 17.7` and a stream
 *    KEX record (00 41 80 00 …), while d3's connection carries tinc 1.0 lines (ID `0 d3 17`,
 *    METAKEY `1 …`); UDP datagrams between tinct nodes carry the sender's node ID in bytes 6–11
 *    (SHA-512(name)[0..6]) and those exchanged with d3 do not;
 *  - 100 MB from t1 to t4 (keys through d3) with equal SHA-256 and at least 90% UDP;
 *  - with UDP between t1 and t4 dropped in t1's namespace, traffic still flows over UDP relayed by
 *    t2; without the drop, t1 and t4 go direct again.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Lab } from "./lib/lab.ts";
import { exchangeHostFiles, overlay4, overlay6, writeTincNode } from "./lib/tincd.ts";
import { installPortCounters, readPortCounters } from "./lib/port_counters.ts";
import { streamTransfer } from "./lib/stream_transfer.ts";
import { type IpPacket, readIpPackets, tcpStreams } from "./lib/pcap_packets.ts";
import { type Kind, type MeshNode, startNode, tail, tinctCommand } from "./daemon_support.ts";
import { nodeIdOf } from "../../src/core/sptps/node_id.ts";

const BYTES = 100_000_000;
const RELAY_BYTES = 20_000_000;
const NAMES = ["t1", "t2", "d3", "t4"];
const KINDS: Kind[] = ["tinct", "tinct", "tincd", "tinct"];
const CONNECT_TO: Record<string, string> = { t2: "t1", d3: "t2", t4: "d3" };

/** A tinct node: tinc.conf, host file, tinc-up, then RSA and Ed25519 keys from tinct itself. */
function writeTinctNode(dir: string, name: string, index: number, underlayIp: string): void {
  mkdirSync(join(dir, "hosts"), { recursive: true });
  const conf = [`Name = ${name}`, "Mode = router", `Interface = tinc${index}`];
  if (CONNECT_TO[name] !== undefined) conf.push(`ConnectTo = ${CONNECT_TO[name]}`);
  writeFileSync(join(dir, "tinc.conf"), conf.join("\n") + "\n");
  const host = [
    `Address = ${underlayIp}`,
    `Subnet = ${overlay4(index)}/32`,
    `Subnet = ${overlay6(index)}/128`,
  ];
  writeFileSync(join(dir, "hosts", name), host.join("\n") + "\n");
  const cmd = [...tinctCommand(), "-c", dir, "generate-keys", "1024"];
  const r = spawnSync(cmd[0]!, cmd.slice(1), { input: "", encoding: "utf8", timeout: 60_000 });
  if (r.status !== 0) throw new Error(`tinct generate-keys failed (${r.status}): ${r.stderr}`);
  const up = [
    "#!/bin/sh",
    `ip addr add ${overlay4(index)}/24 dev $INTERFACE`,
    `ip -6 addr add ${overlay6(index)}/64 dev $INTERFACE nodad`,
    "ip link set $INTERFACE up",
  ];
  writeFileSync(join(dir, "tinc-up"), up.join("\n") + "\n");
  chmodSync(join(dir, "tinc-up"), 0o755);
}

function hex(b: Uint8Array): string {
  return [...b].map((x) => x.toString(16).padStart(2, "0")).join("");
}

function ascii(b: Uint8Array): string {
  return String.fromCharCode(...b);
}

describe("SPTPS: t1 – t2 – d3 – t4 with tincd 1.0.36 as d3", () => {
  let lab: Lab;
  const work = mkdtempSync(join(tmpdir(), "tinct-sptps-chain-"));
  const t0 = Date.now();
  let nodes: MeshNode[] = [];
  let capture: { proc: ReturnType<Lab["start"]>; log: string; file: string } | undefined;

  const byName = (name: string): MeshNode => nodes.find((n) => n.lab.name === name)!;

  beforeAll(() => {
    lab = new Lab("sptps-chain");
    for (const name of NAMES) lab.addNode(name);
  });

  afterAll(async () => {
    await lab?.destroy();
    rmSync(work, { recursive: true, force: true });
    console.log(`SPTPS chain test took ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  });

  function logs(): string {
    return nodes.map((n) => `--- ${n.lab.name} (${n.kind})\n${tail(n.log, 40)}`).join("\n");
  }

  async function startNamed(n: MeshNode): Promise<void> {
    await startNode(lab, n, join(work, `${n.lab.name}.pid`), Number(process.env.SPTPS_DEBUG ?? 2));
  }

  test("every ordered pair pings over IPv4 and IPv6", async () => {
    const t = Date.now();
    nodes = NAMES.map((name, i) => ({
      lab: lab.node(name),
      kind: KINDS[i]!,
      index: i + 1,
      dir: join(work, name),
      log: "",
      bypass: false,
    }));
    for (const n of nodes) {
      if (n.kind === "tinct") writeTinctNode(n.dir, n.lab.name, n.index, n.lab.ip4);
      else {
        writeTincNode(n.dir, {
          name: n.lab.name,
          index: n.index,
          underlayIp: n.lab.ip4,
          connectTo: [CONNECT_TO[n.lab.name]!],
        }, 1024);
      }
    }
    exchangeHostFiles(new Map(nodes.map((n) => [n.lab.name, n.dir])));
    // t4 is not told t1's Ed25519 key: it must ask for it (REQ_PUBKEY through d3) and keep the
    // answer in hosts/t1, as tinc 1.1 does.
    const t4Hosts = join(byName("t4").dir, "hosts", "t1");
    const t1Key = /^Ed25519PublicKey = .*$/m.exec(readFileSync(t4Hosts, "latin1"))![0];
    writeFileSync(t4Hosts, readFileSync(t4Hosts, "latin1").replace(`${t1Key}\n`, ""));
    expect(readFileSync(t4Hosts, "latin1")).not.toContain("Ed25519PublicKey");
    // Everything t2 sends and receives on its underlay, from before the first connection.
    const file = join(work, "t2.pcap");
    const cap = { proc: undefined as unknown as ReturnType<Lab["start"]>, log: "", file };
    cap.proc = lab.start(byName("t2").lab.ns, [
      "tcpdump",
      "-i",
      "eth0",
      "-n",
      "-s",
      "200",
      "-B",
      "8192",
      "-U",
      "-w",
      file,
      "port",
      "655",
    ], { logTo: (s) => (cap.log += s) });
    capture = cap;
    await lab.waitFor("tcpdump listening", () => cap.log.includes("listening on"), 10_000, 50);
    for (const n of nodes) await startNamed(n);
    const t1 = byName("t1");
    const t4 = byName("t4");
    const ms = await lab.waitFor(
      "t1 reaches t4",
      () => lab.ping(t1.lab.ns, overlay4(t4.index), 1, 1),
      40_000,
      300,
    );
    console.log(`t1 reaches t4 ${ms} ms after the last start`);
    const failed: string[] = [];
    for (const from of nodes) {
      for (const to of nodes) {
        if (from === to) continue;
        for (const target of [overlay4(to.index), overlay6(to.index)]) {
          let ok = false;
          for (let attempt = 0; attempt < 5 && !ok; attempt++) ok = lab.ping(from.lab.ns, target, 1, 1);
          if (!ok) failed.push(`${from.lab.name} -> ${to.lab.name} ${target}`);
        }
      }
    }
    if (failed.length > 0) console.log(logs());
    expect(failed).toEqual([]);
    await lab.waitFor(
      "t4 stores t1's Ed25519 key",
      () => readFileSync(t4Hosts, "latin1").includes(t1Key),
      20_000,
    );
    console.log(`start and pings took ${((Date.now() - t) / 1000).toFixed(1)} s`);
  }, 180_000);

  test("the wire: SPTPS meta and node IDs between tinct nodes, tinc 1.0 with d3", async () => {
    const cap = capture!;
    // UDP is used once probes confirm it (every 2 s until then): keep t2 talking to t1 and t4 a while.
    const t2 = byName("t2");
    for (const peer of ["t1", "t4"]) {
      const target = overlay4(byName(peer).index);
      const r = lab.exec(t2.lab.ns, ["ping", "-c", "10", "-i", "0.5", "-W", "2", target], 20_000);
      expect(`${peer}: ${r.status}`).toBe(`${peer}: 0`);
    }
    await lab.stop(cap.proc, 5000);
    const packets = readIpPackets(cap.file);
    const ip = new Map(nodes.map((n) => [n.lab.ip4, n.lab.name]));
    const streams = tcpStreams(packets).map((s) => ({
      from: ip.get(s.src) ?? s.src,
      to: ip.get(s.dst) ?? s.dst,
      bytes: s.bytes,
    }));
    const stream = (from: string, to: string) => streams.find((s) => s.from === from && s.to === to);
    const t2t1 = stream("t2", "t1");
    const t1t2 = stream("t1", "t2");
    const d3t2 = stream("d3", "t2");
    const t2d3 = stream("t2", "d3");
    expect(t2t1 && t1t2 && d3t2 && t2d3).toBeDefined();
    // SPTPS: the ID line with minor 7, then at once a stream KEX record: len 65, type 128, version 0.
    const kexAfter = (b: Uint8Array, line: string) => {
      const rest = b.subarray(line.length);
      return `${ascii(b.subarray(0, line.length))}${hex(rest.subarray(0, 4))}`;
    };
    expect(kexAfter(t2t1!.bytes, "0 t2 17.7\n")).toBe("0 t2 17.7\n00418000");
    expect(kexAfter(t1t2!.bytes, "0 t1 17.7\n")).toBe("0 t1 17.7\n00418000");
    // With d3: tinc 1.0's ID (no minor) and a METAKEY line in clear text from both sides.
    const lines = (b: Uint8Array) => ascii(b.subarray(0, 600)).split("\n");
    expect(lines(d3t2!.bytes)[0]).toBe("0 d3 17");
    expect(lines(d3t2!.bytes)[1]).toMatch(/^1 \d+ \d+ \d+ \d+ [0-9A-F]+$/);
    // t2 accepted d3 without knowing an Ed25519 key for it: its ID may say 17.7 or 17.1; 1.0 reads 17.
    expect(lines(t2d3!.bytes)[0]).toMatch(/^0 t2 17\.[17]$/);
    expect(lines(t2d3!.bytes)[1]).toMatch(/^1 \d+ \d+ \d+ \d+ [0-9A-F]+$/);
    console.log(
      `meta: t2->t1 ${JSON.stringify(ascii(t2t1!.bytes.subarray(0, 10)))} + KEX; d3->t2 ${
        JSON.stringify(lines(d3t2!.bytes)[0])
      } + METAKEY`,
    );

    const udp = packets.filter((p) => p.proto === "udp" && p.sport === 655 && p.dport === 655);
    // Bytes 0–5 are zero on a datagram sent directly; then 6–11 are the IP sender's node ID. A
    // datagram that goes by way of a relay (UDP before the direct path is confirmed) names its final
    // destination in 0–5 and its originator in 6–11, on both legs: two different tinct nodes.
    const tinctIds = new Map(["t1", "t2", "t4"].map((n) => [hex(nodeIdOf(n)), n]));
    const carriesSenderId = (p: IpPacket) => {
      const name = ip.get(p.src);
      if (name === undefined || p.payload.length < 12) return false;
      const dst = hex(p.payload.subarray(0, 6));
      const src = hex(p.payload.subarray(6, 12));
      if (dst === "000000000000") return src === hex(nodeIdOf(name));
      return tinctIds.has(dst) && tinctIds.has(src) && src !== dst;
    };
    const between = (a: string, b: string) =>
      udp.filter((p) =>
        (ip.get(p.src) === a && ip.get(p.dst) === b) || (ip.get(p.src) === b && ip.get(p.dst) === a)
      );
    const report: string[] = [];
    const counts: Record<string, { all: number; off: number }> = {};
    for (const peer of ["t1", "t4", "d3"]) {
      const list = between("t2", peer);
      const off = list.filter((p) => !carriesSenderId(p));
      counts[peer] = { all: list.length, off: off.length };
      report.push(`t2<->${peer}: ${list.length} datagrams, ${off.length} without the sender's ID`);
    }
    console.log(`UDP on t2: ${report.join("; ")}`);
    for (const peer of ["t1", "t4"]) {
      expect(counts[peer]!.all).toBeGreaterThan(4);
      expect(`${peer}: ${counts[peer]!.off}`).toBe(`${peer}: 0`);
    }
    // Legacy datagrams start with a seqno: none of them may look like an SPTPS one.
    expect(counts.d3!.all).toBeGreaterThan(4);
    expect(counts.d3!.off).toBe(counts.d3!.all);
  }, 60_000);

  /**
   * Frames go over TCP until UDP probes confirm the direct path (or a relay's): waits, bounded,
   * until pings of 1000 bytes from `from` to `to` leave `from` as UDP only.
   */
  /**
   * Waits until pings of `size` bytes from `from` to `to` leave only as UDP. Full-size ones (1372:
   * a 1400-byte packet, the device MTU, sent without DF) show that bulk frames, not just small ones,
   * have a UDP path: until path MTU discovery settles, frames above the discovered minimum go by TCP.
   */
  async function untilPingsGoAsUdp(from: MeshNode, to: MeshNode, size = 1000): Promise<number> {
    return await lab.waitFor(
      `${from.lab.name} -> ${to.lab.name} over UDP (${size}-byte pings)`,
      () => {
        installPortCounters(lab, from.lab);
        const ping = ["ping", "-c", "3", "-i", "0.2", "-W", "1", "-M", "dont", "-s", String(size)];
        lab.exec(from.lab.ns, [...ping, overlay4(to.index)]);
        const c = readPortCounters(lab, from.lab);
        return c.udpBytes >= 3 * size && c.tcpBytes < 1000;
      },
      90_000,
      500,
    );
  }

  test("100 MB t1 -> t4 over SPTPS (keys through d3): same SHA-256, >= 90% UDP", async () => {
    const t = Date.now();
    const from = byName("t1");
    const to = byName("t4");
    try {
      const settled = await untilPingsGoAsUdp(from, to);
      console.log(`t1 -> t4 pings cross as UDP ${settled} ms after the previous test`);
      installPortCounters(lab, from.lab);
      const r = await streamTransfer(lab, from.lab, to.lab, overlay4(to.index), { bytes: BYTES });
      const c = readPortCounters(lab, from.lab);
      const share = c.udpBytes / Math.max(1, c.udpBytes + c.tcpBytes);
      console.log(
        `t1 -> t4: ${r.mbit.toFixed(0)} Mbit/s, UDP ${(c.udpBytes / 1e6).toFixed(1)} MB, TCP ${
          (c.tcpBytes / 1e6).toFixed(1)
        } MB, UDP share ${(share * 100).toFixed(1)}%`,
      );
      expect(r.received.bytes).toBe(BYTES);
      expect(r.received.sha256).toBe(r.sent.sha256);
      expect(c.udpBytes).toBeGreaterThan(BYTES * 0.9);
      expect(share).toBeGreaterThanOrEqual(0.9);
    } catch (e) {
      console.log(logs());
      throw e;
    }
    console.log(`transfer took ${((Date.now() - t) / 1000).toFixed(1)} s`);
  }, 240_000);

  /** UDP bytes t2 sends while `bytes` go from t1 to t4. */
  async function relayedThroughT2(bytes: number): Promise<{ relay: number; t1: number; mbit: number }> {
    const t1 = byName("t1");
    const t2 = byName("t2");
    const t4 = byName("t4");
    installPortCounters(lab, t1.lab);
    installPortCounters(lab, t2.lab);
    const r = await streamTransfer(lab, t1.lab, t4.lab, overlay4(t4.index), { bytes });
    expect(r.received.sha256).toBe(r.sent.sha256);
    return {
      relay: readPortCounters(lab, t2.lab).udpBytes,
      t1: readPortCounters(lab, t1.lab).udpBytes,
      mbit: r.mbit,
    };
  }

  test("UDP between t1 and t4 dropped: relayed by t2 over UDP; allowed again: direct", async () => {
    const t = Date.now();
    const t1 = byName("t1");
    const t4 = byName("t4");
    const block = `
table inet tinctblock {
  chain in { type filter hook input priority -10; policy accept; ip saddr ${t4.lab.ip4} udp dport 655 drop; ip6 saddr ${t4.lab.ip6} udp dport 655 drop; }
  chain out { type filter hook output priority -10; policy accept; ip daddr ${t4.lab.ip4} udp dport 655 drop; ip6 daddr ${t4.lab.ip6} udp dport 655 drop; }
}
`;
    const r = lab.exec(t1.lab.ns, ["nft", "-f", "-"], 10_000, block);
    expect(r.stderr).toBe("");
    try {
      // t1 starts afresh behind the block, so neither side remembers a working direct path.
      await lab.stop(t1.proc!, 5000);
      await startNamed(t1);
      await lab.waitFor(
        "t1 reaches t4 again",
        () => lab.ping(t1.lab.ns, overlay4(t4.index), 1, 1),
        60_000,
        300,
      );
      // Through the relay, t1's frames for t4 still leave as UDP (to t2), full-size ones included.
      const settled = await untilPingsGoAsUdp(t1, t4, 1372);
      console.log(`blocked: t1 -> t4 pings cross as UDP ${settled} ms after t1's restart`);
      const relayed = await relayedThroughT2(RELAY_BYTES);
      console.log(
        `blocked: t1 -> t4 ${relayed.mbit.toFixed(0)} Mbit/s, t2 sent ${
          (relayed.relay / 1e6).toFixed(1)
        } MB UDP`,
      );
      expect(relayed.relay).toBeGreaterThan(RELAY_BYTES);
      expect(relayed.t1).toBeGreaterThan(RELAY_BYTES);
      lab.exec(t1.lab.ns, ["nft", "delete", "table", "inet", "tinctblock"]);
      // UDP probes find the direct path again; then t2 carries (almost) nothing of the next transfer.
      let direct = relayed;
      for (let i = 0; i < 8; i++) {
        await Bun.sleep(5000);
        direct = await relayedThroughT2(RELAY_BYTES / 4);
        if (direct.relay < RELAY_BYTES / 40) break;
      }
      console.log(`unblocked: t2 sent ${(direct.relay / 1e6).toFixed(2)} MB UDP for ${RELAY_BYTES / 4e6} MB`);
      expect(direct.relay).toBeLessThan(RELAY_BYTES / 40);
      expect(direct.t1).toBeGreaterThan(RELAY_BYTES / 4);
    } catch (e) {
      console.log(logs());
      throw e;
    } finally {
      lab.exec(t1.lab.ns, ["nft", "delete", "table", "inet", "tinctblock"]);
    }
    console.log(`relay test took ${((Date.now() - t) / 1000).toFixed(1)} s`);
  }, 300_000);
});
