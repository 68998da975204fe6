import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ControlBackend } from "../core/control/session.ts";
import type { NodeDump } from "../core/control/dump_lines.ts";
import { type ControlSocket, controlSocketPath, startControlSocket } from "./control_socket.ts";
import { ControlClient } from "./control_client.ts";
import { runCtl } from "../cli/ctl/run.ts";

function nodeDump(name: string, over: Partial<NodeDump>): NodeDump {
  return {
    name,
    id: "a1b2c3d4e5f6",
    host: "10.0.0.2",
    port: "655",
    cipher: 0,
    digest: 0,
    maclength: 0,
    compression: 0,
    options: 0xc,
    status: 0x12,
    nexthop: name,
    via: name,
    distance: 1,
    pmtu: 1518,
    minmtu: 0,
    maxmtu: 1518,
    lastStateChange: 0,
    udpPingRtt: -1,
    inPackets: 0,
    inBytes: 0,
    outPackets: 0,
    outBytes: 0,
    ...over,
  };
}

/** A daemon stand-in that records what it was asked. */
function fakeDaemon() {
  const calls: string[] = [];
  let level = 0;
  let stopped = false;
  const backend: ControlBackend = {
    name: "alpha",
    pid: process.pid,
    protocolMajor: 17,
    protocolMinor: 7,
    dumpNodes: () => [
      nodeDump("alpha", { host: "MYSELF", distance: 0, status: 0x10 }),
      nodeDump("beta", { minmtu: 1400, pmtu: 1400 }),
      nodeDump("gamma", { status: 0, nexthop: "-", via: "-" }),
    ],
    dumpEdges: () => [
      {
        from: "alpha",
        to: "beta",
        host: "10.0.0.2",
        port: "655",
        localHost: "unspec",
        localPort: "unspec",
        options: 0xc,
        weight: 10,
      },
      {
        from: "beta",
        to: "alpha",
        host: "10.0.0.1",
        port: "655",
        localHost: "unspec",
        localPort: "unspec",
        options: 0xc,
        weight: 10,
      },
    ],
    dumpSubnets: () => [{ subnet: "10.1.0.0/16", owner: "alpha" }, { subnet: "10.2.0.0/16", owner: "beta" }],
    dumpConnections:
      () => [{ name: "beta", host: "10.0.0.2", port: "655", options: 0xc, socket: 3, status: 0x102 }],
    dumpTraffic: () => [],
    stop: () => {
      calls.push("stop");
      stopped = true;
    },
    reload: () => (calls.push("reload"), 0),
    purge: () => void calls.push("purge"),
    retry: () => void calls.push("retry"),
    debugLevel: () => level,
    setDebugLevel: (l) => void (level = l),
    disconnect: (n) => (calls.push(`disconnect ${n}`), n === "beta"),
  };
  return { backend, calls, stopped: () => stopped };
}

let dir: string;
let pidfile: string;
let sock: ControlSocket;
let daemon: ReturnType<typeof fakeDaemon>;

async function tinct(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  const code = await runCtl(["--pidfile", pidfile, ...argv], {
    stdout: (s) => void (stdout += s),
    stderr: (s) => void (stderr += s),
    env: () => undefined,
    cwd: dir,
    helpText: "help\n",
    versionText: "version\n",
  });
  return { code, stdout, stderr };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "tinct-ctl-"));
  pidfile = join(dir, "tinc.test.pid");
  writeFileSync(pidfile, `${process.pid}\n`);
  daemon = fakeDaemon();
  sock = await startControlSocket(daemon.backend, { pidfile, listenHost: "0.0.0.0", listenPort: 6655 });
});

afterAll(() => {
  sock.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("control socket with the real CLI code", () => {
  test("socket beside the pid file; pid file carries the cookie; modes 0600", () => {
    expect(sock.socketPath).toBe(join(dir, "tinc.test.socket"));
    expect(controlSocketPath("/x/y")).toBe("/x/y.socket");
    const text = readFileSync(pidfile, "utf8");
    expect(text).toMatch(new RegExp(`^${process.pid} [0-9a-f]{64} 127\\.0\\.0\\.1 port 6655\\n$`));
    expect(text.split(" ")[1]).toBe(sock.cookie);
    expect(statSync(pidfile).mode & 0o777).toBe(0o600);
    expect(statSync(sock.socketPath).mode & 0o077).toBe(0);
  });

  test("a second daemon refuses while the socket is live", async () => {
    await expect(
      startControlSocket(daemon.backend, { pidfile: join(dir, "other.pid"), socketPath: sock.socketPath }),
    )
      .rejects.toThrow("is still in use");
  });

  test("pid, reload, retry, purge, debug", async () => {
    expect(await tinct("pid")).toEqual({ code: 0, stdout: `${process.pid}\n`, stderr: "" });
    expect((await tinct("reload")).code).toBe(0);
    expect((await tinct("retry")).code).toBe(0);
    expect((await tinct("purge")).code).toBe(0);
    expect(await tinct("debug", "3")).toEqual({ code: 0, stdout: "", stderr: "Old level 0, new level 3.\n" });
    expect((await tinct("debug", "1")).stderr).toBe("Old level 3, new level 1.\n");
    expect(daemon.calls).toEqual(["reload", "retry", "purge"]);
    expect((await tinct("reload", "x")).stderr).toBe("Too many arguments!\n");
  });

  test("disconnect: found, unknown, invalid name", async () => {
    expect((await tinct("disconnect", "beta")).code).toBe(0);
    expect(await tinct("disconnect", "zeta")).toEqual({
      code: 1,
      stdout: "",
      stderr: "Could not disconnect zeta.\n",
    });
    expect((await tinct("disconnect", "a-b")).stderr).toBe("Invalid name for node.\n");
    // No daemon handles REQ_CONNECT (tinc's neither): the CLI reports failure.
    expect(await tinct("connect", "beta")).toEqual({
      code: 1,
      stdout: "",
      stderr: "Could not connect to beta.\n",
    });
  });

  test("dump nodes, reachable nodes, edges, subnets, connections", async () => {
    const nodes = await tinct("dump", "nodes");
    expect(nodes.code).toBe(0);
    expect(nodes.stdout.split("\n")).toEqual([
      "alpha id a1b2c3d4e5f6 at MYSELF port 655 cipher 0 digest 0 maclength 0 compression 0 options c status 0010 nexthop alpha via alpha distance 0 pmtu 1518 (min 0 max 1518) rx 0 0 tx 0 0",
      "beta id a1b2c3d4e5f6 at 10.0.0.2 port 655 cipher 0 digest 0 maclength 0 compression 0 options c status 0012 nexthop beta via beta distance 1 pmtu 1400 (min 1400 max 1518) rx 0 0 tx 0 0",
      "gamma id a1b2c3d4e5f6 at 10.0.0.2 port 655 cipher 0 digest 0 maclength 0 compression 0 options c status 0000 nexthop - via - distance 1 pmtu 1518 (min 0 max 1518) rx 0 0 tx 0 0",
      "",
    ]);
    expect((await tinct("dump", "reachable", "nodes")).stdout).not.toContain("gamma");
    expect((await tinct("DUMP", "edges")).stdout).toBe(
      "alpha to beta at 10.0.0.2 port 655 local unspec port unspec options c weight 10\n" +
        "beta to alpha at 10.0.0.1 port 655 local unspec port unspec options c weight 10\n",
    );
    expect((await tinct("list", "subnets")).stdout).toBe("10.1.0.0/16 owner alpha\n10.2.0.0/16 owner beta\n");
    const conns = (await tinct("dump", "connections")).stdout.split("\n");
    expect(conns[0]).toBe("beta at 10.0.0.2 port 655 options c socket 3 status 102");
    expect(conns[1]).toMatch(/^<control> at localhost port unix options 0 socket \d+ status 200$/);
    expect(await tinct("dump", "reachable", "edges")).toEqual({
      code: 1,
      stdout: "",
      stderr: "`reachable' only supported for nodes.\nTry `tinct --help' for more information.\n",
    });
    expect((await tinct("dump", "things")).stderr).toStartWith("Unknown dump type 'things'.\n");
    expect((await tinct("dump")).stderr).toStartWith("Invalid number of arguments.\n");
  });

  test("dump graph and digraph", async () => {
    expect((await tinct("dump", "graph")).stdout).toBe(
      [
        "graph {",
        ` "alpha" [label = "alpha", color = "green", style = "filled"];`,
        ` "beta" [label = "beta", color = "green"];`,
        ` "gamma" [label = "gamma", color = "red"];`,
        ` "beta" -- "alpha" [w = 6554.600098, weight = 6554.600098];`,
        "}",
        "",
      ].join("\n"),
    );
    const di = (await tinct("dump", "digraph")).stdout;
    expect(di).toStartWith("digraph {\n");
    expect(di).toContain(` "alpha" -> "beta" [w = 6554.600098, weight = 6554.600098];\n`);
    expect(di).toContain(` "beta" -> "alpha" [w = 6554.600098, weight = 6554.600098];\n`);
  });

  test("info node, subnet, address", async () => {
    const beta = await tinct("info", "beta");
    expect(beta.code).toBe(0);
    expect(beta.stdout).toContain("Node:         beta\n");
    expect(beta.stdout).toContain("Reachability: directly with UDP\nPMTU:         1400\n");
    expect(beta.stdout).toContain("Edges:        alpha\n");
    expect(beta.stdout).toContain("Subnets:      10.2.0.0/16\n");
    expect(await tinct("info", "10.2.3.4")).toEqual({
      code: 0,
      stdout: "Subnet: 10.2.0.0/16\nOwner:  beta\n",
      stderr: "",
    });
    expect((await tinct("info", "zeta")).stderr).toBe("Unknown node zeta.\n");
  });

  test("log streams lines at the requested level until interrupted", async () => {
    let stdout = "";
    let interrupt!: () => void;
    const interrupted = new Promise<void>((r) => (interrupt = r));
    const run = runCtl(["--pidfile", pidfile, "log", "2"], {
      stdout: (s) => void (stdout += s),
      stderr: () => {},
      env: () => undefined,
      cwd: dir,
      interrupted: () => interrupted,
      helpText: "",
      versionText: "",
    });
    // Wait until the daemon side has the log request.
    for (let i = 0; i < 1000 && !stdout.includes("two"); i++) {
      sock.log(2, "two");
      sock.log(3, "three");
      await Bun.sleep(10);
    }
    interrupt();
    expect(await run).toBe(0);
    expect(stdout).toContain("two\n");
    expect(stdout).not.toContain("three");
  });

  test("a wrong cookie gets no ACK: the daemon closes after its greeting", async () => {
    const fake = join(dir, "fake.pid");
    writeFileSync(fake, `${process.pid} ${"0".repeat(64)} 127.0.0.1 port 655\n`);
    const r = await ControlClient.connect(fake, sock.socketPath, 2000);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.message).toBe("Could not fully establish control socket connection");
  });

  test("no daemon: tinc's messages", async () => {
    const missing = join(dir, "missing.pid");
    const r = await runCtl(["--pidfile", missing, "pid"], {
      stdout: () => {},
      stderr: (s) => expect(s).toBe(`Could not open pid file ${missing}: No such file or directory\n`),
      env: () => undefined,
      cwd: dir,
      helpText: "",
      versionText: "",
    });
    expect(r).toBe(1);
    const dead = join(dir, "dead.pid");
    writeFileSync(dead, `2147483646 ${"0".repeat(64)} 127.0.0.1 port 655\n`);
    let err = "";
    await runCtl(["--pidfile", dead, "reload"], {
      stdout: () => {},
      stderr: (s) => void (err += s),
      env: () => undefined,
      cwd: dir,
      helpText: "",
      versionText: "",
    });
    expect(err).toBe("Could not find tincd running at pid 2147483646\n");
    expect(existsSync(dead)).toBe(false);
  });

  test("stop with a tinc 1.0 pid file sends TERM to the pid in it", async () => {
    const child = Bun.spawn(["sleep", "30"]);
    const old = join(dir, "old.pid");
    writeFileSync(old, `${child.pid}\n`);
    let err = "";
    const code = await runCtl(["--pidfile", old, "stop"], {
      stdout: () => {},
      stderr: (s) => void (err += s),
      env: () => undefined,
      cwd: dir,
      helpText: "",
      versionText: "",
    });
    expect(code).toBe(0);
    expect(err).toBe(`Could not parse pid file ${old}\nSent TERM signal to process with PID ${child.pid}.\n`);
    expect(await child.exited).toBe(143);
  });

  test("stop: reply, then the daemon closes", async () => {
    const done = tinct("stop");
    // The fake daemon stops when asked; closing the socket is what the CLI waits for.
    for (let i = 0; i < 2000 && !daemon.stopped(); i++) await Bun.sleep(5);
    expect(daemon.stopped()).toBe(true);
    sock.close();
    expect((await done).code).toBe(0);
    expect(existsSync(join(dir, "tinc.test.socket"))).toBe(false);
  });
});
