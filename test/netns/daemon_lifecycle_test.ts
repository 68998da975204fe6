/**
 * The daemon's life cycle, next to Debian's tincd 1.0.36:
 * - scripts: the same scenario (start, a peer comes and goes, stop) is run once with tincd and
 *   once with tinct as the node under test; both record every script with its environment, and
 *   the two records must be equal;
 * - HUP with a broken file keeps the old configuration; HUP adds a ConnectTo and a Subnet,
 *   then removes them, while a ping to another peer runs;
 * - TERM leaves no interface, pid file or process;
 * - SIGKILL and restart (of tinct, then of its tincd peer): the mesh reconverges (time printed;
 *   fails beyond 60 s);
 * - a bad configuration makes start-up fail with file and line, with and without -D;
 * - without -D the command returns once the daemon is up.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Lab, type LabNode } from "./lib/lab.ts";
import { exchangeHostFiles, overlay4, overlay6 } from "./lib/tincd.ts";
import { type Kind, type MeshNode, startNode, tinctCommand, writeNode } from "./daemon_support.ts";

const SCRIPT_VARS = [
  "NAME",
  "NODE",
  "SUBNET",
  "WEIGHT",
  "INTERFACE",
  "DEVICE",
  "NETNAME",
  "REMOTEADDRESS",
  "REMOTEPORT",
];

/** Adds recording scripts (tinc-up keeps configuring the interface) that append to DIR/scripts.log. */
function addRecordingScripts(dir: string, peers: string[]): void {
  const record = (name: string) =>
    `echo "${name}${SCRIPT_VARS.map((v) => ` ${v}=$${v}`).join("")}" >> ${join(dir, "scripts.log")}`;
  const names = ["tinc-up", "tinc-down", "host-up", "host-down", "subnet-up", "subnet-down"];
  for (const p of peers) names.push(`hosts/${p}-up`, `hosts/${p}-down`);
  for (const name of names) {
    const path = join(dir, name);
    const before = name === "tinc-up" ? readFileSync(path, "utf8") : "#!/bin/sh\n";
    writeFileSync(path, `${before.trimEnd()}\n${record(name)}\n`);
    chmodSync(path, 0o755);
  }
}

function scriptLog(dir: string): string[] {
  const path = join(dir, "scripts.log");
  return existsSync(path) ? readFileSync(path, "utf8").trim().split("\n") : [];
}

describe("tinct daemon life cycle", () => {
  let lab: Lab;
  const work = mkdtempSync(join(tmpdir(), "tinct-life-"));
  const t0 = Date.now();
  let x: LabNode;
  let p: LabNode;
  let q: LabNode;

  beforeAll(() => {
    lab = new Lab("life");
    x = lab.addNode("x");
    p = lab.addNode("p");
    q = lab.addNode("q");
  });

  afterAll(async () => {
    await lab?.destroy();
    rmSync(work, { recursive: true, force: true });
    console.log(`daemon life cycle test took ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  });

  /** Node x (the kind under test) with peer p (tincd) and q (tincd, not connected at first). */
  function mesh(
    round: string,
    kind: Kind,
    xConf: string[] = [],
  ): { nx: MeshNode; np: MeshNode; nq: MeshNode } {
    const base = join(work, round);
    const nx: MeshNode = { lab: x, kind, index: 1, dir: join(base, "x"), log: "" };
    const np: MeshNode = { lab: p, kind: "tincd", index: 2, dir: join(base, "p"), log: "" };
    const nq: MeshNode = { lab: q, kind: "tincd", index: 3, dir: join(base, "q"), log: "" };
    writeNode(nx.dir, { name: "x", index: 1, underlayIp: x.ip4 }, { connectTo: ["p"], conf: xConf });
    writeNode(np.dir, { name: "p", index: 2, underlayIp: p.ip4 });
    writeNode(nq.dir, { name: "q", index: 3, underlayIp: q.ip4 });
    exchangeHostFiles(new Map([["x", nx.dir], ["p", np.dir], ["q", nq.dir]]));
    return { nx, np, nq };
  }

  async function runScriptScenario(kind: Kind): Promise<string[]> {
    const { nx, np } = mesh(`scripts-${kind}`, kind);
    addRecordingScripts(nx.dir, ["p", "q"]);
    await startNode(lab, nx, join(nx.dir, "pid"), 2);
    await startNode(lab, np, join(np.dir, "pid"), 2);
    await lab.waitFor(`${kind}: x reaches p`, () => lab.ping(x.ns, overlay4(2), 1, 1), 30_000, 300);
    await lab.stop(np.proc!);
    await lab.waitFor(
      `${kind}: x runs host-down for p`,
      () => scriptLog(nx.dir).some((l) => l.startsWith("subnet-down NAME=x NODE=p")),
      30_000,
      200,
    );
    await Bun.sleep(500);
    await lab.stop(nx.proc!, 10_000);
    expect(nx.proc!.exitCode).toBe(0);
    return scriptLog(nx.dir);
  }

  test("scripts run in tincd's order with tincd's environment", async () => {
    const reference = await runScriptScenario("tincd");
    const ours = await runScriptScenario("tinct");
    console.log(`script sequence (tincd):\n  ${reference.join("\n  ")}`);
    expect(reference.length).toBeGreaterThan(8);
    expect(ours).toEqual(reference);
  }, 120_000);

  test("HUP adds and removes a ConnectTo and a Subnet without disturbing the other tunnel", async () => {
    const { nx, np, nq } = mesh("hup", "tinct");
    const pidfile = join(nx.dir, "pid");
    await startNode(lab, np, join(np.dir, "pid"), 2);
    await startNode(lab, nq, join(nq.dir, "pid"), 2);
    await startNode(lab, nx, pidfile, 2);
    await lab.waitFor("x reaches p", () => lab.ping(x.ns, overlay4(2), 1, 1), 30_000, 300);
    expect(lab.ping(x.ns, overlay4(3), 1, 1)).toBe(false);
    const pid = Number.parseInt(readFileSync(pidfile, "utf8"), 10);
    // A ping to p runs through both reloads; not one reply may be lost.
    let pingOut = "";
    const pinger = lab.start(x.ns, ["ping", "-c", "60", "-i", "0.2", "-W", "1", overlay4(2)], {
      logTo: (s) => (pingOut += s),
    });
    const conf = join(nx.dir, "tinc.conf");
    const host = join(nx.dir, "hosts", "x");
    const confBefore = readFileSync(conf, "utf8");
    const hostBefore = readFileSync(host, "utf8");
    lab.nsExec(x.ns, ["ip", "addr", "add", "10.251.0.101/32", "dev", "tinc1"]);

    // A broken file first: the daemon logs why and keeps running on the old configuration.
    writeFileSync(conf, confBefore.replace(/^Mode = .*$/m, "Mode = sideways"));
    process.kill(pid, "SIGHUP");
    await lab.waitFor(
      "the bad reload is logged",
      () => nx.log.includes("Unable to reread configuration"),
      5_000,
      100,
    );
    expect(nx.log).toContain("Mode: Invalid routing mode!");

    writeFileSync(conf, confBefore + "ConnectTo = q\n");
    writeFileSync(host, hostBefore + "Subnet = 10.251.0.101/32\n");
    process.kill(pid, "SIGHUP");
    const added = await lab.waitFor(
      "x reaches q after HUP",
      () => lab.ping(x.ns, overlay4(3), 1, 1),
      20_000,
      300,
    );
    await lab.waitFor("p reaches the new subnet", () => lab.ping(p.ns, "10.251.0.101", 1, 1), 10_000, 300);
    console.log(`HUP added ConnectTo q: q reachable after ${added} ms`);

    writeFileSync(conf, confBefore);
    writeFileSync(host, hostBefore);
    process.kill(pid, "SIGHUP");
    await lab.waitFor("p loses the removed subnet", () => !lab.ping(p.ns, "10.251.0.101", 1, 1), 10_000, 300);
    // tinc 1.0 keeps a live connection whose ConnectTo was removed but no longer redials it:
    // restart q and see that x does not come back to it.
    await lab.stop(nq.proc!);
    await startNode(lab, nq, join(nq.dir, "pid"), 2);
    await Bun.sleep(8000);
    expect(lab.ping(x.ns, overlay4(3), 1, 1)).toBe(false);

    await lab.waitFor("pinger done", () => pinger.exitCode !== null, 30_000, 200);
    const m = /(\d+) packets transmitted, (\d+) received/.exec(pingOut);
    console.log(`ping to p during both reloads: ${m?.[0]}`);
    expect(m?.[1]).toBe("60");
    expect(m?.[2]).toBe("60");
    expect(nx.log).not.toContain("Closing connection (peer=p");
    expect(nx.log).toContain("Got SIGHUP");
    for (const n of [np, nq]) await lab.stop(n.proc!);
    await lab.stop(nx.proc!);
  }, 120_000);

  test("TERM leaves no interface, pid file or process behind", async () => {
    const { nx } = mesh("term", "tinct");
    const pidfile = join(nx.dir, "pid");
    await startNode(lab, nx, pidfile, 1);
    expect(existsSync(pidfile)).toBe(true);
    expect(lab.exec(x.ns, ["ip", "link", "show", "tinc1"]).status).toBe(0);
    const t = Date.now();
    await lab.stop(nx.proc!, 10_000);
    console.log(`TERM to exit: ${Date.now() - t} ms`);
    expect(nx.proc!.exitCode).toBe(0);
    expect(existsSync(pidfile)).toBe(false);
    expect(lab.exec(x.ns, ["ip", "link", "show", "tinc1"]).status).not.toBe(0);
    expect(lab.exec(x.ns, ["ss", "-ltnu", "sport", "= :655"]).stdout).not.toContain(":655");
  }, 60_000);

  test("SIGKILL and restart: the mesh reconverges", async () => {
    const { nx, np } = mesh("kill", "tinct");
    await startNode(lab, np, join(np.dir, "pid"), 1);
    await startNode(lab, nx, join(nx.dir, "pid"), 1);
    await lab.waitFor("x reaches p", () => lab.ping(x.ns, overlay4(2), 1, 1), 30_000, 300);
    for (const victim of [nx, np]) {
      victim.proc!.kill("SIGKILL");
      await lab.waitFor("killed", () => victim.proc!.signalCode !== null, 5_000, 50);
      const t = Date.now();
      await startNode(lab, victim, join(victim.dir, "pid"), 1);
      await lab.waitFor(
        `reconvergence after SIGKILL of ${victim.kind}`,
        () => lab.ping(x.ns, overlay4(2), 1, 1) && lab.ping(p.ns, overlay6(1), 1, 1),
        60_000,
        250,
      );
      console.log(
        `SIGKILL of ${victim.kind} ${victim.lab.name}, restart: reconverged in ${Date.now() - t} ms`,
      );
    }
    await lab.stop(nx.proc!);
    await lab.stop(np.proc!);
  }, 180_000);

  test("a bad configuration fails start-up with file and line, with and without -D", () => {
    const { nx } = mesh("bad", "tinct");
    const conf = join(nx.dir, "tinc.conf");
    const lines = readFileSync(conf, "utf8").split("\n");
    const line = lines.findIndex((l) => l.startsWith("Mode")) + 1;
    lines[line - 1] = "Mode = sideways";
    writeFileSync(conf, lines.join("\n"));
    for (const fg of [["-D"], []]) {
      const r = lab.exec(x.ns, [
        ...tinctCommand(),
        "daemon",
        "-c",
        nx.dir,
        ...fg,
        "--bypass-security",
        `--pidfile=${join(nx.dir, "pid")}`,
      ], 15_000);
      expect(r.status).toBe(1);
      expect(r.stderr).toContain(`${conf} line ${line}: Mode: Invalid routing mode!`);
      expect(existsSync(join(nx.dir, "pid"))).toBe(false);
    }
  }, 60_000);

  test("without -D the command returns once the daemon is up; -k stops it", async () => {
    const { nx, np } = mesh("detach", "tinct");
    await startNode(lab, np, join(np.dir, "pid"), 1);
    const pidfile = join(nx.dir, "pid");
    const t = Date.now();
    const r = lab.exec(x.ns, [
      ...tinctCommand(),
      "daemon",
      "-c",
      nx.dir,
      "--bypass-security",
      `--pidfile=${pidfile}`,
    ]);
    console.log(`detached start returned after ${Date.now() - t} ms`);
    expect(r.status).toBe(0);
    // Up means: pid file written, device configured by tinc-up, port bound, process alive.
    expect(existsSync(pidfile)).toBe(true);
    const pid = Number.parseInt(readFileSync(pidfile, "utf8"), 10);
    expect(() => process.kill(pid, 0)).not.toThrow();
    expect(lab.exec(x.ns, ["ip", "addr", "show", "tinc1"]).stdout).toContain(overlay4(1));
    expect(lab.exec(x.ns, ["ss", "-ltn", "sport", "= :655"]).stdout).toContain(":655");
    await lab.waitFor("x reaches p", () => lab.ping(x.ns, overlay4(2), 1, 1), 30_000, 300);
    const k = lab.exec(x.ns, [...tinctCommand(), "daemon", "-c", nx.dir, "-k", `--pidfile=${pidfile}`]);
    expect(k.status).toBe(0);
    await lab.waitFor(
      "daemon gone",
      () => {
        try {
          process.kill(pid, 0);
          return false;
        } catch {
          return true;
        }
      },
      10_000,
      100,
    );
    expect(existsSync(pidfile)).toBe(false);
    expect(lab.exec(x.ns, ["ip", "link", "show", "tinc1"]).status).not.toBe(0);
    await lab.stop(np.proc!);
  }, 90_000);
});
