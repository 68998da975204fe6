/**
 * tinct refuses peers it cannot authenticate, as tincd 1.0.36 does, and logs why, while its
 * good tunnel keeps working: a tincd node whose key differs from the one in tinct's hosts file
 * (it dials tinct; tinct dials another such node), and a tincd node tinct has no hosts file for.
 * A wrong key shows as tincd's "Bogus data"; tincd 1.0.36 then leaves its socket open (ss shows it
 * ESTABLISHED with unread bytes), so tinct ends such a connection with "timeout during
 * authentication", as tincd would. LEGACY_DEBUG and LEGACY_LOG_DIR keep full logs for a look.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Lab } from "./lib/lab.ts";
import { exchangeHostFiles, overlay4, writeTincNode } from "./lib/tincd.ts";
import { type MeshNode, startNode, tail, writeNode } from "./daemon_support.ts";

describe("legacy protocol: wrong keys and unknown names are refused by tinct", () => {
  let lab: Lab;
  const work = mkdtempSync(join(tmpdir(), "tinct-legacy-refusal-"));
  const t0 = Date.now();

  beforeAll(() => {
    lab = new Lab("legacy-refusal");
  });

  afterAll(async () => {
    await lab?.destroy();
    rmSync(work, { recursive: true, force: true });
    console.log(`legacy refusal test took ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  });

  test(
    "wrong key (either side dialling) and unknown name: refused, logged; the good tunnel stays",
    async () => {
      const t1 = lab.addNode("t1");
      const d2 = lab.addNode("d2");
      const w3 = lab.addNode("w3");
      const w4 = lab.addNode("w4");
      const u5 = lab.addNode("u5");
      const node = (l: typeof t1, kind: "tinct" | "tincd", index: number): MeshNode => ({
        lab: l,
        kind,
        index,
        dir: join(work, l.name),
        log: "",
        bypass: false,
      });
      const tn = node(t1, "tinct", 1);
      const good = node(d2, "tincd", 2);
      const wrongDialsIn = node(w3, "tincd", 3);
      const wrongDialedOut = node(w4, "tincd", 4);
      const unknown = node(u5, "tincd", 5);
      writeNode(tn.dir, { name: "t1", index: 1, underlayIp: t1.ip4 }, {
        crypto: [],
        connectTo: ["d2", "w4"],
      });
      for (
        const [n, connectTo] of [[good, []], [wrongDialsIn, ["t1"]], [wrongDialedOut, []], [unknown, [
          "t1",
        ]]] as const
      ) {
        writeNode(n.dir, { name: n.lab.name, index: n.index, underlayIp: n.lab.ip4 }, {
          crypto: [],
          connectTo: [...connectTo],
        });
      }
      exchangeHostFiles(new Map([tn, good, wrongDialsIn, wrongDialedOut].map((n) => [n.lab.name, n.dir])));
      // u5 knows t1, but t1 has never heard of u5.
      copyFileSync(join(tn.dir, "hosts", "t1"), join(unknown.dir, "hosts", "t1"));
      // t1's copies of w3's and w4's host files carry keys of other key pairs with the same names.
      for (const n of [wrongDialsIn, wrongDialedOut]) {
        const decoy = join(work, `decoy-${n.lab.name}`);
        writeTincNode(decoy, { name: n.lab.name, index: n.index, underlayIp: n.lab.ip4 });
        copyFileSync(join(decoy, "hosts", n.lab.name), join(tn.dir, "hosts", n.lab.name));
      }
      const all = [good, wrongDialedOut, tn, wrongDialsIn, unknown];
      for (const n of all) {
        await startNode(lab, n, join(work, `${n.lab.name}.pid`), Number(process.env.LEGACY_DEBUG ?? 2));
      }
      const logs = () => all.map((n) => `--- ${n.lab.name} (${n.kind})\n${tail(n.log, 30)}`).join("\n");
      try {
        await lab.waitFor("t1 reaches d2", () => lab.ping(t1.ns, overlay4(2), 1, 1), 30_000, 300);
        // Several dial attempts by each bad peer (tincd retries after 5 s, then longer).
        await lab.waitFor(
          "refusals logged by t1",
          () => /w3/.test(refusals(tn.log)) && /w4/.test(refusals(tn.log)) && /u5/.test(refusals(tn.log)),
          30_000,
          500,
        );
        console.log(`t1's refusals:\n${refusals(tn.log)}`);
        const logDir = process.env.LEGACY_LOG_DIR;
        if (logDir !== undefined) {
          for (const n of all) writeFileSync(join(logDir, `refusal-${n.lab.name}.log`), n.log);
        }
        expect(tn.log).not.toMatch(/Connection activated \(peer=(w3|w4|u5)/);
        for (const bad of [wrongDialsIn, wrongDialedOut, unknown]) {
          expect(bad.log).not.toContain("Connection with t1");
          expect(lab.ping(bad.lab.ns, overlay4(1), 1, 1)).toBe(false);
          expect(lab.ping(t1.ns, overlay4(bad.index), 1, 1)).toBe(false);
        }
        expect(lab.ping(t1.ns, overlay4(2), 3)).toBe(true);
        expect(lab.ping(d2.ns, overlay4(1), 3)).toBe(true);
        expect(tn.proc?.exitCode).toBeNull();
      } catch (e) {
        console.log(logs());
        throw e;
      }
    },
    120_000,
  );
});

/**
 * Lines of a tinct log about connections it refused or closed before they were activated. A
 * peer with a wrong key cannot read our METAKEY (or we cannot read its), so such a connection
 * ends with tincd's "Bogus data" on the other side and closes here during authentication.
 */
function refusals(log: string): string {
  return log.split("\n").filter((l) => /Refusing|no hosts file|Closing connection \(peer=w[34]/.test(l))
    .join("\n");
}
