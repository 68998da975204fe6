/**
 * tinct daemon against tincd 1.0.36 with tinc's own security, no --bypass-security: RSA
 * authentication (METAKEY, CHALLENGE, CHAL_REPLY) and the default packet crypto of both
 * (no Cipher/Digest lines). Each side dials once; both ping over IPv4 and IPv6, and 20 MB
 * cross each way intact, mostly as UDP.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Lab } from "./lib/lab.ts";
import { exchangeHostFiles, overlay4, overlay6 } from "./lib/tincd.ts";
import { installPortCounters, readPortCounters } from "./lib/port_counters.ts";
import { transfer } from "./lib/transfer.ts";
import { type MeshNode, startNode, tail, writeNode } from "./daemon_support.ts";

const BYTES = 20_000_000;

describe("tinct daemon with tincd 1.0.36, RSA authentication and default packet crypto", () => {
  let lab: Lab;
  const work = mkdtempSync(join(tmpdir(), "tinct-secure-"));
  const t0 = Date.now();
  const running: MeshNode[] = [];

  beforeAll(() => {
    lab = new Lab("secure");
  });

  afterAll(async () => {
    await lab?.destroy();
    rmSync(work, { recursive: true, force: true });
    console.log(`daemon security test took ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  });

  for (const dialer of ["tincd", "tinct"] as const) {
    test(`${dialer} dials: pings both ways, 20 MB each way intact and over UDP`, async () => {
      for (const n of running.splice(0)) if (n.proc) await lab.stop(n.proc);
      const tag = dialer === "tinct" ? "1" : "2";
      const a = lab.addNode(`t${tag}`);
      const b = lab.addNode(`d${tag}`);
      const ta: MeshNode = {
        lab: a,
        kind: "tinct",
        index: 1,
        dir: join(work, a.name),
        log: "",
        bypass: false,
      };
      const db: MeshNode = {
        lab: b,
        kind: "tincd",
        index: 2,
        dir: join(work, b.name),
        log: "",
        bypass: false,
      };
      writeNode(ta.dir, { name: a.name, index: 1, underlayIp: a.ip4 }, {
        crypto: [],
        connectTo: dialer === "tinct" ? [b.name] : [],
      });
      writeNode(db.dir, { name: b.name, index: 2, underlayIp: b.ip4 }, {
        crypto: [],
        connectTo: dialer === "tincd" ? [a.name] : [],
      });
      exchangeHostFiles(new Map([[a.name, ta.dir], [b.name, db.dir]]));
      running.push(ta, db);
      const [first, second] = dialer === "tinct" ? [db, ta] : [ta, db];
      await startNode(lab, first, join(work, `${first.lab.name}.pid`), 3);
      await startNode(lab, second, join(work, `${second.lab.name}.pid`), 3);
      try {
        const ms = await lab.waitFor("tunnel up", () => lab.ping(a.ns, overlay4(2), 1, 1), 30_000, 300);
        console.log(`${dialer} dialled (RSA): tunnel up in ${ms} ms`);
        expect(db.log).toContain("Got CHAL_REPLY from");
        expect(lab.ping(a.ns, overlay4(2), 3)).toBe(true);
        expect(lab.ping(b.ns, overlay4(1), 3)).toBe(true);
        expect(lab.ping(a.ns, overlay6(2), 3)).toBe(true);
        expect(lab.ping(b.ns, overlay6(1), 3)).toBe(true);
        await Bun.sleep(8000);
        for (const [from, to, index] of [[a, b, 2], [b, a, 1]] as const) {
          installPortCounters(lab, from);
          const r = await transfer(lab, from, to, overlay4(index), BYTES);
          const c = readPortCounters(lab, from);
          const share = c.udpBytes / Math.max(1, c.udpBytes + c.tcpBytes);
          console.log(
            `RSA/default crypto ${from.name} -> ${to.name}: ${r.mbit.toFixed(0)} Mbit/s, UDP share ${
              (share * 100).toFixed(1)
            }%`,
          );
          expect(r.received).toBe(r.sent);
          expect(share).toBeGreaterThanOrEqual(0.9);
        }
        expect(db.log).not.toContain("Error during initialisation of key");
      } catch (e) {
        console.log(`--- tinct log\n${tail(ta.log, 60)}\n--- tincd log\n${tail(db.log, 60)}`);
        throw e;
      }
    }, 180_000);
  }
});
