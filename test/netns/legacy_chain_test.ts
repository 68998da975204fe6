/**
 * tinc 1.0's authenticated protocol end to end against Debian's tincd 1.0.36: the chain
 * t1 – d2 – t3 – d4 (tinct, tincd, tinct, tincd; each ConnectTo the previous) with default
 * settings — RSA keys from `tincd -K`, aes-256-cbc, sha256, MACLength 4 — in router and in
 * switch mode. Every ordered pair pings over IPv4 and IPv6; 100 MB cross between t1 and d2 each
 * way with equal SHA-256 at both ends and at least 90% of the sender's underlay bytes as UDP;
 * every UDP datagram captured on t1 (to and from tinct and tincd peers) has the size
 * 16·ceil((len+5)/16)+4, checked exactly for pings of known sizes.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Lab } from "./lib/lab.ts";
import { exchangeHostFiles, overlay4, overlay6 } from "./lib/tincd.ts";
import { installPortCounters, readPortCounters } from "./lib/port_counters.ts";
import { streamTransfer } from "./lib/stream_transfer.ts";
import { legacyDatagramSize } from "./lib/pcap_udp.ts";
import { startUdpCapture, stopUdpCapture } from "./lib/udp_capture.ts";
import { type Kind, type MeshNode, startNode, tail, writeNode } from "./daemon_support.ts";

const BYTES = 100_000_000;
const MAC_LENGTH = 4;
const KINDS: Kind[] = ["tinct", "tincd", "tinct", "tincd"];
const PING_SIZES = [0, 11, 100, 555, 1000];

describe("legacy protocol, authenticated: t1 – d2 – t3 – d4 chain against tincd 1.0.36", () => {
  let lab: Lab;
  const work = mkdtempSync(join(tmpdir(), "tinct-legacy-chain-"));
  const t0 = Date.now();
  let nodes: MeshNode[] = [];

  beforeAll(() => {
    lab = new Lab("legacy-chain");
    for (let i = 1; i <= 4; i++) lab.addNode(`${KINDS[i - 1] === "tinct" ? "t" : "d"}${i}`);
  });

  afterAll(async () => {
    await lab?.destroy();
    rmSync(work, { recursive: true, force: true });
    console.log(`legacy chain test took ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  });

  function logs(): string {
    return nodes.map((n) => `--- ${n.lab.name} (${n.kind})\n${tail(n.log, 40)}`).join("\n");
  }

  async function startChain(mode: "router" | "switch"): Promise<void> {
    for (const n of nodes) if (n.proc) await lab.stop(n.proc);
    nodes = [...lab.nodes.values()].map((l, i) => ({
      lab: l,
      kind: KINDS[i]!,
      index: i + 1,
      dir: join(work, mode, l.name),
      log: "",
      bypass: false,
    }));
    nodes.forEach((n, i) =>
      writeNode(n.dir, { name: n.lab.name, index: n.index, underlayIp: n.lab.ip4 }, {
        mode,
        crypto: [],
        connectTo: i > 0 ? [nodes[i - 1]!.lab.name] : [],
      })
    );
    exchangeHostFiles(new Map(nodes.map((n) => [n.lab.name, n.dir])));
    for (const n of nodes) await startNode(lab, n, join(work, mode, `${n.lab.name}.pid`), 2);
  }

  async function allPairsPing(mode: string): Promise<void> {
    const first = nodes[0]!;
    const last = nodes[3]!;
    const ms = await lab.waitFor(
      `${first.lab.name} reaches ${last.lab.name}`,
      () => lab.ping(first.lab.ns, overlay4(last.index), 1, 1),
      40_000,
      300,
    );
    console.log(`${mode}: t1 reaches d4 ${ms} ms after the last start`);
    const failed: string[] = [];
    for (const from of nodes) {
      for (const to of nodes) {
        if (from === to) continue;
        for (const target of [overlay4(to.index), overlay6(to.index)]) {
          // A first packet may wait for a key exchange or ARP/NDP: allow a short settle.
          let ok = false;
          for (let attempt = 0; attempt < 5 && !ok; attempt++) ok = lab.ping(from.lab.ns, target, 1, 1);
          if (!ok) failed.push(`${from.lab.name} -> ${to.lab.name} ${target}`);
        }
      }
    }
    if (failed.length > 0) console.log(logs());
    expect(failed).toEqual([]);
    for (const n of nodes) expect(`${n.lab.name}: ${n.log}`).not.toContain("failed the challenge");
  }

  /** Pings of known sizes from t1 to each peer; every datagram on t1's wire obeys the size rule. */
  async function datagramSizes(mode: string, fromIndex = 0): Promise<void> {
    const t1 = nodes[fromIndex]!;
    // A path MTU the kernels learned from tinc's ICMP "too big" while discovery was young would
    // make them fragment the pings, and no datagram would have the expected size: forget it;
    // -M do forbids fragmenting anyway.
    for (const n of nodes) {
      lab.exec(n.lab.ns, ["ip", "route", "flush", "cache"]);
      lab.exec(n.lab.ns, ["ip", "-6", "route", "flush", "cache"]);
    }
    const cap = await startUdpCapture(lab, t1.lab, join(work, `${mode}-pings.pcap`));
    const expected: Array<{ from: string; to: string; size: number; what: string }> = [];
    for (const peer of nodes.filter((p) => p !== t1)) {
      for (const [target, ipHeader] of [[overlay4(peer.index), 20], [overlay6(peer.index), 40]] as const) {
        for (const n of PING_SIZES) {
          const r = lab.exec(
            t1.lab.ns,
            [
              "ping",
              ...(ipHeader === 40 ? ["-6"] : []),
              "-c",
              "2",
              "-i",
              "0.2",
              "-W",
              "2",
              "-s",
              String(n),
              target,
            ],
            15_000,
          );
          expect(`${target} -s ${n}: ${r.status}`).toBe(`${target} -s ${n}: 0`);
          const size = legacyDatagramSize(14 + ipHeader + 8 + n, MAC_LENGTH);
          const what = `ping -s ${n} ${target}`;
          expected.push({ from: t1.lab.ip4, to: peer.lab.ip4, size, what: `${what} request` });
          expected.push({ from: peer.lab.ip4, to: t1.lab.ip4, size, what: `${what} reply` });
        }
      }
    }
    // tcpdump loses what it has not read from the kernel when it is stopped: let it catch up.
    await Bun.sleep(1000);
    const { records, dropped } = await stopUdpCapture(lab, cap);
    const bad = records.filter((r) => r.payload < 20 || (r.payload - MAC_LENGTH) % 16 !== 0);
    const missing = expected.filter((e) =>
      !records.some((r) => r.src === e.from && r.dst === e.to && r.payload === e.size)
    );
    console.log(
      `${mode}: ${records.length} datagrams captured on ${t1.lab.name} (${dropped} dropped by the kernel), ` +
        `${bad.length} off the size rule, ${
          expected.length - missing.length
        }/${expected.length} ping sizes exact`,
    );
    if (missing.length > 0) {
      console.log(`not seen as UDP from ${t1.lab.name}: ${missing.map((m) => m.what).join(", ")}`);
    }
    expect(records.length).toBeGreaterThan(expected.length);
    expect(bad.slice(0, 5)).toEqual([]);
    expect(missing.map((m) => `${m.what}: ${m.size}`)).toEqual([]);
  }

  async function bulk(from: MeshNode, to: MeshNode, mode: string): Promise<void> {
    installPortCounters(lab, from.lab);
    const cap = await startUdpCapture(lab, from.lab, join(work, `${mode}-${from.lab.name}.pcap`));
    const r = await streamTransfer(lab, from.lab, to.lab, overlay4(to.index), { bytes: BYTES });
    const { records, dropped } = await stopUdpCapture(lab, cap);
    const c = readPortCounters(lab, from.lab);
    const share = c.udpBytes / Math.max(1, c.udpBytes + c.tcpBytes);
    const bad = records.filter((d) => d.payload < 20 || (d.payload - MAC_LENGTH) % 16 !== 0);
    const outgoing = records.filter((d) => d.src === from.lab.ip4).length;
    console.log(
      `${mode} ${from.lab.name}(${from.kind}) -> ${to.lab.name}(${to.kind}): ${r.mbit.toFixed(0)} Mbit/s, ` +
        `UDP ${(c.udpBytes / 1e6).toFixed(1)} MB, TCP ${(c.tcpBytes / 1e6).toFixed(1)} MB, UDP share ${
          (share * 100).toFixed(1)
        }%; ${records.length} datagrams captured (${outgoing} outgoing, ${dropped} dropped), ${bad.length} off the size rule`,
    );
    expect(r.received.bytes).toBe(BYTES);
    expect(r.received.sha256).toBe(r.sent.sha256);
    expect(c.udpBytes).toBeGreaterThan(BYTES * 0.9);
    expect(share).toBeGreaterThanOrEqual(0.9);
    expect(records.length).toBeGreaterThan(1000);
    expect(bad.slice(0, 5)).toEqual([]);
  }

  for (const mode of ["router", "switch"] as const) {
    test(`${mode}: every ordered pair pings over IPv4 and IPv6`, async () => {
      const t = Date.now();
      await startChain(mode);
      await allPairsPing(mode);
      console.log(`${mode} pings took ${((Date.now() - t) / 1000).toFixed(1)} s`);
    }, 180_000);

    test(`${mode}: 100 MB each way between tinct t1 and tincd d2, same SHA-256, >= 90% UDP`, async () => {
      const t = Date.now();
      // PMTU probes settle before full-size frames go as UDP (tincd's baseline waits too).
      await Bun.sleep(8000);
      try {
        await bulk(nodes[0]!, nodes[1]!, mode);
        await bulk(nodes[1]!, nodes[0]!, mode);
      } catch (e) {
        console.log(logs());
        throw e;
      }
      console.log(`${mode} transfers took ${((Date.now() - t) / 1000).toFixed(1)} s`);
    }, 300_000);

    test(
      `${mode}: datagrams of pings with known sizes are 16*ceil((len+5)/16)+4 bytes both ways`,
      async () => {
        try {
          await datagramSizes(mode);
        } catch (e) {
          console.log(logs());
          throw e;
        }
      },
      120_000,
    );
  }
});
