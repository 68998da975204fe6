/**
 * The lab itself against the reference implementation: two Debian tincd 1.0.36 nodes with default
 * (authenticated) settings reach each other over IPv4 and IPv6. If this fails, tinct's interop
 * tests cannot mean anything, so it runs first.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Lab } from "./lib/lab.ts";
import { exchangeHostFiles, overlay4, overlay6, writeTincNode } from "./lib/tincd.ts";
import { installPortCounters, readPortCounters } from "./lib/port_counters.ts";
import { transfer } from "./lib/transfer.ts";

describe("netns lab with two tincd 1.0.36 nodes", () => {
  let lab: Lab;
  const work = mkdtempSync(join(tmpdir(), "tinct-baseline-"));
  const t0 = Date.now();

  beforeAll(() => {
    lab = new Lab("baseline");
  });

  afterAll(async () => {
    await lab?.destroy();
    rmSync(work, { recursive: true, force: true });
    console.log(`netns baseline took ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  });

  test("tincd nodes ping each other over IPv4 and IPv6", async () => {
    const a = lab.addNode("a");
    const b = lab.addNode("b");
    const dirs = new Map([["a", join(work, "a")], ["b", join(work, "b")]]);
    writeTincNode(dirs.get("a")!, { name: "a", index: 1, underlayIp: a.ip4, connectTo: ["b"] });
    writeTincNode(dirs.get("b")!, { name: "b", index: 2, underlayIp: b.ip4 });
    exchangeHostFiles(dirs);
    const logs = new Map<string, string>([["a", ""], ["b", ""]]);
    for (const n of [b, a]) {
      lab.start(n.ns, [
        "tincd",
        "-c",
        dirs.get(n.name)!,
        "-D",
        "-d1",
        `--pidfile=${join(work, n.name + ".pid")}`,
      ], {
        logTo: (s) => logs.set(n.name, logs.get(n.name) + s),
      });
      await lab.waitFor(`${n.name} ready`, () => logs.get(n.name)!.includes("Ready"), 10_000, 100);
    }
    const ms = await lab.waitFor(
      "a reaches b over the tunnel",
      () => lab.ping(a.ns, overlay4(2), 1, 1),
      30_000,
      500,
    );
    console.log(`tincd pair converged in ${ms} ms`);
    expect(lab.ping(a.ns, overlay4(2), 3)).toBe(true);
    expect(lab.ping(b.ns, overlay4(1), 3)).toBe(true);
    expect(lab.ping(a.ns, overlay6(2), 3)).toBe(true);
    expect(lab.ping(b.ns, overlay6(1), 3)).toBe(true);
    for (const [name, log] of logs) expect(`${name}: ${log}`).not.toContain("Error");
  }, 90_000);

  test("20 MB cross the tunnel intact, mostly as UDP (checks the lab's transfer and counters)", async () => {
    const a = lab.node("a");
    const b = lab.node("b");
    // tincd sends frames larger than the discovered minimum MTU over TCP until probes settle it.
    await Bun.sleep(6000);
    installPortCounters(lab, a);
    const r = await transfer(lab, a, b, overlay4(2), 20_000_000);
    expect(r.received).toBe(r.sent);
    const c = readPortCounters(lab, a);
    const udpShare = c.udpBytes / (c.udpBytes + c.tcpBytes);
    console.log(`tincd a->b: ${r.mbit.toFixed(0)} Mbit/s, UDP share ${(udpShare * 100).toFixed(1)}%`);
    expect(c.udpBytes).toBeGreaterThan(20_000_000);
    expect(udpShare).toBeGreaterThan(0.9);
  }, 90_000);
});
