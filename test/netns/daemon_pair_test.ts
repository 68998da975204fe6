/**
 * tinct daemon against one Debian tincd 1.0.36 in a namespace pair, --bypass-security with
 * Cipher/Digest none: each side dials the other in turn, over an IPv4 and over an IPv6 underlay;
 * both ping over IPv4 and IPv6, and the tunnelled pings cross as UDP.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Lab } from "./lib/lab.ts";
import { exchangeHostFiles, overlay4, overlay6 } from "./lib/tincd.ts";
import { installPortCounters, readPortCounters } from "./lib/port_counters.ts";
import { type MeshNode, startNode, tail, writeNode } from "./daemon_support.ts";

describe("tinct daemon with one tincd 1.0.36", () => {
  let lab: Lab;
  const work = mkdtempSync(join(tmpdir(), "tinct-pair-"));
  const t0 = Date.now();
  const nodes: MeshNode[] = [];

  beforeAll(() => {
    lab = new Lab("pair");
  });

  afterAll(async () => {
    await lab?.destroy();
    rmSync(work, { recursive: true, force: true });
    console.log(`daemon pair test took ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  });

  const cases = [["tinct", "ipv4"], ["tincd", "ipv4"], ["tinct", "ipv6"], ["tincd", "ipv6"]] as const;
  for (const [dialer, underlay] of cases) {
    test(`${dialer} dials over an ${underlay} underlay; both ping over IPv4 and IPv6, as UDP`, async () => {
      for (const n of nodes) if (n.proc) await lab.stop(n.proc);
      nodes.length = 0;
      const tag = `${dialer === "tinct" ? "1" : "2"}${underlay === "ipv4" ? "" : "6"}`;
      const a = lab.addNode(`t${tag}`);
      const b = lab.addNode(`d${tag}`);
      const dirs = new Map([[a.name, join(work, a.name)], [b.name, join(work, b.name)]]);
      const ta: MeshNode = { lab: a, kind: "tinct", index: 1, dir: dirs.get(a.name)!, log: "" };
      const db: MeshNode = { lab: b, kind: "tincd", index: 2, dir: dirs.get(b.name)!, log: "" };
      const address = (n: typeof a) => (underlay === "ipv4" ? n.ip4 : n.ip6);
      writeNode(ta.dir, { name: a.name, index: 1, underlayIp: address(a) }, {
        connectTo: dialer === "tinct" ? [b.name] : [],
      });
      writeNode(db.dir, { name: b.name, index: 2, underlayIp: address(b) }, {
        connectTo: dialer === "tincd" ? [a.name] : [],
      });
      exchangeHostFiles(dirs);
      nodes.push(ta, db);
      const listener = dialer === "tinct" ? db : ta;
      const caller = dialer === "tinct" ? ta : db;
      await startNode(lab, listener, join(work, `${listener.lab.name}.pid`), 5);
      await startNode(lab, caller, join(work, `${caller.lab.name}.pid`), 5);
      try {
        const ms = await lab.waitFor(
          "tinct reaches tincd",
          () => lab.ping(a.ns, overlay4(2), 1, 1),
          30_000,
          300,
        );
        console.log(`${dialer} dialled over ${underlay}: tunnel up in ${ms} ms`);
        installPortCounters(lab, a);
        expect(lab.ping(a.ns, overlay4(2), 3)).toBe(true);
        expect(lab.ping(b.ns, overlay4(1), 3)).toBe(true);
        expect(lab.ping(a.ns, overlay6(2), 3)).toBe(true);
        expect(lab.ping(b.ns, overlay6(1), 3)).toBe(true);
        const c = readPortCounters(lab, a);
        console.log(`underlay from ${a.name}: UDP ${c.udpBytes} B, TCP ${c.tcpBytes} B`);
        // 12 tunnelled echo packets left a; had they gone over the meta connection, TCP would show them.
        expect(c.udpBytes).toBeGreaterThan(12 * 84);
        expect(c.tcpBytes).toBeLessThan(c.udpBytes / 10);
      } catch (e) {
        console.log(`--- tinct log\n${tail(ta.log, 60)}\n--- tincd log\n${tail(db.log, 60)}`);
        throw e;
      }
    }, 120_000);
  }
});
