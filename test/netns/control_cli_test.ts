/**
 * tinc 1.1's control CLI against a running tinct daemon: node x (tinct) connects to p (Debian's
 * tincd 1.0.36); `tinct --pidfile F …` run inside x's namespace must find the daemon through the
 * cookie in the pid file and the socket beside it, dump what the daemon knows, reload, and stop it.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Lab, type LabNode } from "./lib/lab.ts";
import { exchangeHostFiles, overlay4 } from "./lib/tincd.ts";
import { type MeshNode, startNode, tail, tinctCommand, writeNode } from "./daemon_support.ts";

describe("tinct control CLI against tinct daemon", () => {
  let lab: Lab;
  let x: LabNode;
  let p: LabNode;
  const work = mkdtempSync(join(tmpdir(), "tinct-ctl-"));
  let nx: MeshNode;
  let np: MeshNode;
  const pidfile = join(work, "x", "tinc.x.pid");

  function tinct(...args: string[]) {
    return lab.exec(x.ns, [...tinctCommand(), "--pidfile", pidfile, ...args], 30_000);
  }

  beforeAll(async () => {
    lab = new Lab("ctl");
    x = lab.addNode("x");
    p = lab.addNode("p");
    nx = { lab: x, kind: "tinct", index: 1, dir: join(work, "x"), log: "" };
    np = { lab: p, kind: "tincd", index: 2, dir: join(work, "p"), log: "" };
    writeNode(nx.dir, { name: "x", index: 1, underlayIp: x.ip4 }, { connectTo: ["p"] });
    writeNode(np.dir, { name: "p", index: 2, underlayIp: p.ip4 });
    exchangeHostFiles(new Map([["x", nx.dir], ["p", np.dir]]));
    await startNode(lab, np, join(np.dir, "pid"), 1);
    await startNode(lab, nx, pidfile, 1);
    await lab.waitFor("x reaches p", () => lab.ping(x.ns, overlay4(2), 1, 1), 30_000, 300);
    // The control socket opens right after "Ready"; the pid file then carries the cookie.
    await lab.waitFor(
      "pid file with cookie",
      () => / [0-9a-f]{64} /.test(readFileSync(pidfile, "utf8")),
      10_000,
      100,
    );
  }, 90_000);

  afterAll(async () => {
    await lab?.destroy();
    rmSync(work, { recursive: true, force: true });
  });

  test("pid file and socket as tinc 1.1 has them", () => {
    const text = readFileSync(pidfile, "utf8");
    expect(text).toMatch(/^\d+ [0-9a-f]{64} 127\.0\.0\.1 port 655\n$/);
    expect(existsSync(join(work, "x", "tinc.x.socket"))).toBe(true);
    const r = tinct("pid");
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(`${Number.parseInt(text, 10)}\n`);
  });

  test("dump nodes, edges, subnets, connections; info; graph", () => {
    const nodes = tinct("dump", "nodes");
    expect(nodes.status).toBe(0);
    const lines = nodes.stdout.trim().split("\n");
    expect(lines.length).toBe(2);
    expect(lines[0]).toStartWith("p id ");
    expect(lines[0]).toContain(` at ${p.ip4} port 655 `);
    expect(lines[0]).toContain(" nexthop p via p distance 1 ");
    expect(lines[1]).toMatch(
      /^x id [0-9a-f]{12} at MYSELF port 655 .* status 0010 nexthop x via x distance 0 /,
    );
    // Status bit 4 (reachable) on p.
    const status = Number.parseInt(/ status ([0-9a-f]{4}) /.exec(lines[0]!)![1]!, 16);
    expect(status & 0x10).toBe(0x10);
    expect(tinct("dump", "reachable", "nodes").stdout.trim().split("\n").length).toBe(2);

    const edges = tinct("dump", "edges").stdout;
    expect(edges).toContain(`p to x at ${x.ip4} port `);
    expect(edges).toContain(`x to p at ${p.ip4} port 655 local unspec port unspec options `);
    const subnets = tinct("dump", "subnets").stdout;
    expect(subnets).toContain(`${overlay4(1)} owner x`);
    expect(subnets).toContain(`${overlay4(2)} owner p`);
    const conns = tinct("dump", "connections").stdout;
    expect(conns).toMatch(
      new RegExp(`^p at ${p.ip4.replaceAll(".", "\\.")} port 655 options [0-9a-f]+ socket \\d+`, "m"),
    );
    expect(conns).toContain("<control> at localhost port unix options 0 socket ");

    const info = tinct("info", "p");
    expect(info.status).toBe(0);
    expect(info.stdout).toContain("Node:         p\n");
    expect(info.stdout).toMatch(/Reachability: directly with (UDP|TCP)\n/);
    expect(tinct("info", overlay4(2)).stdout).toContain("Owner:  p\n");

    const graph = tinct("dump", "graph").stdout;
    expect(graph).toStartWith("graph {\n");
    expect(graph).toContain(` "x" [label = "x", color = "green", style = "filled"];\n`);
    expect(graph).toContain(` "x" -- "p" [w = `);
    expect(graph).toEndWith("}\n");
  }, 60_000);

  test("debug, retry, purge, reload", () => {
    const d = tinct("debug", "3");
    expect(d.status).toBe(0);
    expect(d.stderr).toBe("Old level 1, new level 3.\n");
    expect(tinct("debug", "1").stderr).toBe("Old level 3, new level 1.\n");
    expect(tinct("retry").status).toBe(0);
    expect(tinct("purge").status).toBe(0);
    const r = tinct("reload");
    expect(r.status).toBe(0);
    expect(r.stderr).toBe("");
    expect(tinct("disconnect", "nobody").stderr).toBe("Could not disconnect nobody.\n");
    // A configuration that cannot be read is refused and the old one kept.
    const conf = join(work, "x", "tinc.conf");
    const good = readFileSync(conf, "utf8");
    writeFileSync(
      conf,
      /^Mode = /m.test(good) ? good.replace(/^Mode = .*$/m, "Mode = sideways") : `Mode = sideways\n${good}`,
    );
    const bad = tinct("reload");
    writeFileSync(conf, good);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toBe("Could not reload configuration.\n");
    expect(lab.ping(x.ns, overlay4(2), 1, 2)).toBe(true);
    expect(tinct("reload").status).toBe(0);
  }, 60_000);

  test("log streams the daemon's log lines", async () => {
    let out = "";
    const follower = lab.start(x.ns, [...tinctCommand(), "--pidfile", pidfile, "log", "5"], {
      logTo: (s) => (out += s),
    });
    // The follower is registered once a dump shows a second control connection with the log bit.
    await lab.waitFor(
      "log client connected",
      () => /<control> .* status a00$/m.test(tinct("dump", "connections").stdout),
      20_000,
      200,
    );
    expect(tinct("reload").status).toBe(0);
    await lab.waitFor(
      "reload in the streamed log",
      () => out.includes("reloaded configuration"),
      10_000,
      100,
    );
    await lab.stop(follower);
  }, 60_000);

  test("stop ends the daemon and removes pid file and socket", async () => {
    const r = tinct("stop");
    expect(r.status).toBe(0);
    await lab.waitFor("x exits", () => nx.proc!.exitCode !== null, 10_000, 100);
    if (nx.proc!.exitCode !== 0) console.log(tail(nx.log));
    expect(nx.proc!.exitCode).toBe(0);
    expect(existsSync(pidfile)).toBe(false);
    expect(existsSync(join(work, "x", "tinc.x.socket"))).toBe(false);
    const after = tinct("pid");
    expect(after.status).toBe(1);
    expect(after.stderr).toBe(`Could not open pid file ${pidfile}: No such file or directory\n`);
  }, 30_000);
});
