import { describe, expect, test } from "bun:test";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import {
  type ConfigFile,
  DEFAULTS,
  loadConfig,
  type LoadOptions,
  parseProxy,
  serverFilePaths,
} from "./load.ts";
import { hostConfig } from "./host.ts";
import { formatSubnet } from "../subnet/subnet_text.ts";
import type { ConfigEntry } from "./parse.ts";

const FIXTURES = join(import.meta.dir, "..", "..", "..", "..", "shared", "fixtures");

function load(files: Record<string, string>, options: LoadOptions = {}) {
  return loadConfig(Object.entries(files).map(([path, text]) => ({ path, text })), options);
}

function ok(files: Record<string, string>, options: LoadOptions = {}) {
  const r = load(files, options);
  if (!r.ok) throw new Error(r.errors.map((e) => e.message).join("; "));
  return r;
}

function errors(files: Record<string, string>, options: LoadOptions = {}): string[] {
  const r = load(files, options);
  return r.ok ? [] : r.errors.map((e) => e.message);
}

function cmd(...options: string[]): ConfigEntry[] {
  return options.map((o, i) => {
    const eq = o.indexOf("=");
    return { variable: o.slice(0, eq), value: o.slice(eq + 1), file: null, line: i + 1 };
  });
}

describe("fixtures from real tincd nodes", () => {
  const dirs: string[] = [];
  if (existsSync(FIXTURES)) {
    for (const scenario of readdirSync(FIXTURES)) {
      const configDir = join(FIXTURES, scenario, "config");
      if (!existsSync(configDir)) continue;
      for (const node of readdirSync(configDir)) dirs.push(join(configDir, node));
    }
  }

  test("fixtures are present", () => expect(dirs.length).toBeGreaterThan(5));

  for (const dir of dirs) {
    test(dir.slice(FIXTURES.length + 1), () => {
      const files: ConfigFile[] = [{
        path: join(dir, "tinc.conf"),
        text: readFileSync(join(dir, "tinc.conf"), "utf8"),
      }];
      for (const h of readdirSync(join(dir, "hosts"))) {
        files.push({ path: join(dir, "hosts", h), text: readFileSync(join(dir, "hosts", h), "utf8") });
      }
      const r = loadConfig(files);
      if (!r.ok) throw new Error(r.errors.map((e) => e.message).join("; "));
      const node = dir.split("/").pop()!;
      expect(r.config.name).toBe(node);
      expect(r.config.mode).toBe("router");
      expect(r.config.interface).toBe("tinc0");
      expect(r.config.deviceType).toBe("tun");
      expect(r.warnings).toEqual([]);
      // Every node's own host file has an IPv4 /32 and an IPv6 /128 subnet.
      const subnets = r.config.subnets.map((s) => formatSubnet(s));
      expect(subnets.some((s) => s.endsWith("/32#10"))).toBe(true);
      expect(subnets.some((s) => s.endsWith("/128#10"))).toBe(true);
      expect(r.config.hostTexts.size).toBe(files.length - 1);
      // Peers' host files parse too, with their Address lines.
      for (const [peer, text] of r.config.hostTexts) {
        const h = hostConfig(peer, text);
        expect(h.ok).toBe(true);
        if (h.ok) expect(h.host.addresses.length).toBe(1);
      }
    });
  }

  test("legacy-plaintext alice: values from the files", () => {
    const dir = join(FIXTURES, "legacy-plaintext", "config", "alice");
    const r = ok({
      [join(dir, "tinc.conf")]: readFileSync(join(dir, "tinc.conf"), "utf8"),
      [join(dir, "hosts", "alice")]: readFileSync(join(dir, "hosts", "alice"), "utf8"),
    });
    expect(r.config.pingInterval).toBe(15);
    expect(r.config.pingTimeout).toBe(5);
    expect(r.config.keyExpire).toBe(10);
    expect(r.config.connectTo.map((c) => c.name)).toEqual(["bob"]);
    expect(r.config.cipher).toBe("none");
    expect(r.config.digest).toBe("none");
    expect(r.config.macLength).toBe(0);
    expect(r.config.myself.addresses.map((a) => a.host)).toEqual(["10.60.0.1"]);
  });
});

describe("defaults", () => {
  test("a minimal tinc.conf gets tinc's defaults", () => {
    const c = ok({ "tinc.conf": "Name = a\n" }).config;
    expect(c).toMatchObject({
      port: "655",
      portSpecified: false,
      cipher: "aes-256-cbc",
      digest: "sha256",
      macLength: 4,
      compression: 0,
      clampMSS: true,
      indirectData: false,
      tcpOnly: false,
      pmtuDiscovery: true,
      pmtu: undefined,
      addressFamily: "any",
      autoConnect: true,
      broadcast: "mst",
      decrementTTL: false,
      device: "/dev/net/tun",
      deviceType: "tun",
      directOnly: false,
      experimentalProtocol: undefined,
      forwarding: "internal",
      fwmark: 0,
      hostnames: false,
      interface: undefined,
      invitationExpire: 604800,
      keyExpire: 3600,
      localDiscovery: false,
      macExpire: 600,
      maxConnectionBurst: DEFAULTS.maxConnectionBurst,
      maxOutputBufferSize: 15180,
      maxTimeout: 900,
      minTimeout: 0,
      mode: "router",
      pingInterval: 60,
      pingTimeout: 5,
      proxy: { type: "none" },
      replayWindow: 16,
      scriptsExtension: "",
      strictSubnets: false,
      tunnelServer: false,
      udpDiscovery: true,
      udpRcvBuf: undefined,
      udpSndBuf: undefined,
    });
  });

  test("switch mode defaults to a tap device", () => {
    expect(ok({ "tinc.conf": "Name = a\nMode = switch\n" }).config.deviceType).toBe("tap");
    expect(ok({ "tinc.conf": "Name = a\nMode = Hub\n" }).config.deviceType).toBe("tap");
    expect(ok({ "tinc.conf": "Name = a\nMode = hub\nDeviceType = tun\n" }).config.deviceType).toBe("tun");
  });

  test("TCPOnly implies IndirectData and turns PMTUDiscovery off unless set", () => {
    const c = ok({ "tinc.conf": "Name = a\n", "hosts/a": "TCPOnly = yes\n" }).config;
    expect([c.tcpOnly, c.indirectData, c.pmtuDiscovery]).toEqual([true, true, false]);
    const d = ok({ "tinc.conf": "Name = a\nPMTUDiscovery = yes\n", "hosts/a": "TCPOnly = yes\n" }).config;
    expect(d.pmtuDiscovery).toBe(true);
  });

  test("TunnelServer implies StrictSubnets", () => {
    const c = ok({ "tinc.conf": "Name = a\nTunnelServer = yes\n" }).config;
    expect([c.tunnelServer, c.strictSubnets]).toEqual([true, true]);
  });
});

describe("PingInterval and PingTimeout", () => {
  const cases: Array<[string, number, number]> = [
    ["", 60, 5],
    ["PingInterval = 0\n", 86400, 5],
    ["PingInterval = -3\n", 86400, 5],
    ["PingInterval = 3\n", 3, 3],
    ["PingInterval = 10\nPingTimeout = 20\n", 10, 10],
    ["PingTimeout = 0\n", 60, 60],
    ["PingTimeout = 30\n", 60, 30],
  ];
  for (const [text, interval, timeout] of cases) {
    test(JSON.stringify(text), () => {
      const c = ok({ "tinc.conf": `Name = a\n${text}` }).config;
      expect([c.pingInterval, c.pingTimeout]).toEqual([interval, timeout]);
    });
  }
});

describe("merge order and precedence", () => {
  test("lowest line number wins across tinc.conf, conf.d and hosts/NAME", () => {
    const c = ok({
      "tinc.conf": "Name = a\n\n\nPort = 700\n",
      "conf.d/x.conf": "\nPingInterval = 30\n",
      "hosts/a": "\n\nPort = 656\n",
    }).config;
    expect(c.port).toBe("656");
    expect(c.portSpecified).toBe(true);
    expect(c.pingInterval).toBe(30);
    expect(c.serverFiles).toEqual(["tinc.conf", "conf.d/x.conf"]);
  });

  // Each case below was checked against tincd 1.0.36 (DeviceType = dummy, reading the port it
  // listened on): equal line numbers are decided by the full path, -o comes first, and among
  // -o options (with or without a HOST. prefix) the earlier option wins.
  test("ties between files and -o, as the real tincd resolves them", () => {
    const dir = "/tmp/cfgprobe";
    const files = {
      [`${dir}/tinc.conf`]: "Name = a\nDeviceType = dummy\nBindToAddress = 127.0.0.1\nPort = 47001\n",
      [`${dir}/hosts/a`]: "\n\n\nPort = 47002\n",
    };
    expect(ok(files).config.port).toBe("47002");
    expect(ok({ ...files, [`${dir}/conf.d/x.conf`]: "\n\n\nPort = 47003\n" }).config.port).toBe("47003");
    expect(ok(files, { commandLine: cmd("Port=47004") }).config.port).toBe("47004");
    expect(ok(files, { commandLine: cmd("a.Port=47005") }).config.port).toBe("47005");
    expect(ok(files, { commandLine: cmd("a.Port=47005", "Port=47004") }).config.port).toBe("47005");
    expect(ok(files, { commandLine: cmd("Port=47004", "a.Port=47005") }).config.port).toBe("47004");
  });

  test("Port must be a number up to 65535 or a service name", () => {
    expect(ok({ "tinc.conf": "Name = a\nPort = 700\n" }).config.portNumber).toBe(700);
    const named = ok({ "tinc.conf": "Name = a\nPort = tinc\n" }).config;
    expect([named.port, named.portNumber]).toEqual(["tinc", undefined]);
    for (const bad of ["655 # web", "70000", "-1"]) {
      expect(errors({ "tinc.conf": `Name = a\nPort = ${bad}\n` })).toEqual([
        "tinc.conf line 2: Port: Invalid port (a number up to 65535 or a service name expected)",
      ]);
    }
  });

  test("a confbase named hosts still has its tinc.conf", () => {
    const c = ok({ "/srv/hosts/tinc.conf": "Name = a\n", "/srv/hosts/hosts/a": "Port = 9\n" }).config;
    expect([c.name, c.port]).toEqual(["a", "9"]);
  });

  test("conf.d files need a name longer than .conf; other paths are ignored", () => {
    const c = ok({
      "tinc.conf": "Name = a\n",
      "conf.d/.conf": "PingInterval = 1\n",
      "conf.d/b.txt": "PingInterval = 2\n",
      "rsa_key.priv": "-----BEGIN RSA PRIVATE KEY-----\n",
    }).config;
    expect(c.pingInterval).toBe(60);
  });

  test("-o wins for single-valued variables and comes first for repeated ones", () => {
    const c = ok(
      { "tinc.conf": "Name = a\nPingInterval = 30\nConnectTo = b\n", "hosts/a": "Port = 1\n" },
      { commandLine: cmd("PingInterval=7", "ConnectTo=c", "a.Port=2", "b.Port=3") },
    ).config;
    expect(c.pingInterval).toBe(7);
    expect(c.connectTo.map((t) => t.name)).toEqual(["c", "b"]);
    expect(c.port).toBe("2");
  });

  test("-o Name decides which host file is ours", () => {
    const c = ok({ "tinc.conf": "Name = a\n", "hosts/a": "Port = 1\n", "hosts/b": "Port = 2\n" }, {
      commandLine: cmd("Name=b"),
    }).config;
    expect([c.name, c.port]).toEqual(["b", "2"]);
  });

  test("Name from the environment and the host name", () => {
    expect(ok({ "tinc.conf": "Name = $NODE\n" }, { env: { NODE: "web-1" } }).config.name).toBe("web_1");
    expect(ok({ "tinc.conf": "Name = $HOST\n" }, { hostname: "box.lan" }).config.name).toBe("box_lan");
  });
});

describe("errors (fatal) and warnings (tincd carries on)", () => {
  test("missing tinc.conf", () => {
    expect(errors({ "hosts/a": "Port = 1\n" })).toEqual(["tinc.conf: Cannot open config file"]);
  });

  test("missing or invalid Name", () => {
    expect(errors({ "tinc.conf": "Mode = router\n" })).toEqual(["tinc.conf: Name for tinc daemon required!"]);
    expect(errors({ "tinc.conf": "Name = a-b\n" })).toEqual([
      "tinc.conf line 1: Name: Invalid name for myself!",
    ]);
    expect(errors({ "tinc.conf": "Name = $X\n" })).toEqual([
      "tinc.conf line 1: Name: Invalid Name: environment variable X does not exist",
    ]);
  });

  test("empty value in a server file or our host file", () => {
    expect(errors({ "tinc.conf": "Name = a\nConnectTo\n" })).toEqual([
      "tinc.conf line 2: ConnectTo: no value for variable",
    ]);
    expect(errors({ "tinc.conf": "Name = a\n", "conf.d/z.conf": "\n\nPort =\n" })).toEqual([
      "conf.d/z.conf line 3: Port: no value for variable",
    ]);
    expect(errors({ "tinc.conf": "Name = a\n", "hosts/a": "Subnet\n" })).toEqual([
      "hosts/a line 1: Subnet: no value for variable",
    ]);
  });

  test("bad keywords are fatal", () => {
    const cases: Array<[string, string]> = [
      ["Mode = bridge", "tinc.conf line 2: Mode: Invalid routing mode!"],
      ["Forwarding = on", "tinc.conf line 2: Forwarding: Invalid forwarding mode!"],
      ["Broadcast = all", "tinc.conf line 2: Broadcast: Invalid broadcast mode!"],
      ["AddressFamily = inet", "tinc.conf line 2: AddressFamily: Invalid address family!"],
      ["ProcessPriority = max", "tinc.conf line 2: ProcessPriority: Invalid priority!"],
      ["DeviceType = wire", "tinc.conf line 2: DeviceType: Unknown device type!"],
      ["MaxTimeout = 0", "tinc.conf line 2: MaxTimeout: Bogus maximum timeout!"],
      ["MinTimeout = -1", "tinc.conf line 2: MinTimeout: Bogus minimum timeout!"],
      ["ReplayWindow = -1", "tinc.conf line 2: ReplayWindow: ReplayWindow cannot be negative!"],
      ["UDPRcvBuf = 0", "tinc.conf line 2: UDPRcvBuf: UDPRcvBuf cannot be negative!"],
      [
        "MaxConnectionBurst = 0",
        "tinc.conf line 2: MaxConnectionBurst: MaxConnectionBurst cannot be negative!",
      ],
      ["Compression = 12", "tinc.conf line 2: Compression: Bogus compression level!"],
      ["MACLength = 33", "tinc.conf line 2: MACLength: MAC length exceeds size of digest!"],
      ["MACLength = -1", "tinc.conf line 2: MACLength: Bogus MAC length!"],
      ["Proxy = ftp x 1", "tinc.conf line 2: Proxy: Unknown proxy type ftp!"],
      ["Subnet = 10.1.2.3/24", "tinc.conf line 2: Subnet: Network address and prefix length do not match"],
      ["Subnet = 10.1.2.300", "tinc.conf line 2: Subnet: Subnet expected"],
    ];
    for (const [line, message] of cases) {
      expect(errors({ "tinc.conf": `Name = a\n${line}\n` })).toEqual([message]);
    }
  });

  test("keywords are case-insensitive; Broadcast yes means mst", () => {
    const c = ok({
      "tinc.conf": "Name = a\nMode = SWITCH\nBroadcast = Yes\nForwarding = Kernel\nAddressFamily = IPv6\n",
    })
      .config;
    expect([c.mode, c.broadcast, c.forwarding, c.addressFamily]).toEqual(["switch", "mst", "kernel", "ipv6"]);
  });

  test("bad booleans and integers warn and keep the default", () => {
    const r = ok({ "tinc.conf": "Name = a\nDirectOnly = true\nKeyExpire = soon\nMACLength = 0\n" });
    expect(r.config.directOnly).toBe(false);
    expect(r.config.keyExpire).toBe(3600);
    expect(r.warnings.map((w) => w.message)).toEqual([
      `tinc.conf line 2: DirectOnly: "yes" or "no" expected`,
      "tinc.conf line 3: KeyExpire: Integer expected",
    ]);
  });

  test("MinTimeout above MaxTimeout is corrected with a warning", () => {
    const r = ok({ "tinc.conf": "Name = a\nMaxTimeout = 30\nMinTimeout = 60\n" });
    expect(r.config.minTimeout).toBe(30);
    expect(r.warnings.length).toBe(1);
  });

  test("unknown and ignored variables warn", () => {
    const r = ok({ "tinc.conf": "Name = a\nFoo = bar\nSandbox = high\n" }, { commandLine: cmd("Bar=1") });
    expect(r.warnings.map((w) => w.message)).toEqual([
      "command line option 1: Bar: unknown variable",
      "tinc.conf line 2: Foo: unknown variable",
      "tinc.conf line 3: Sandbox: ignored: OpenBSD pledge/unveil only",
    ]);
  });

  test("invalid ConnectTo names are skipped with a warning", () => {
    const r = ok({ "tinc.conf": "Name = a\nConnectTo = b-c\nConnectTo = d\n" });
    expect(r.config.connectTo.map((c) => c.name)).toEqual(["d"]);
    expect(r.warnings[0]?.message).toBe("tinc.conf line 2: ConnectTo: Invalid name for outgoing connection");
  });

  test("bad BroadcastSubnet lines are skipped with a warning", () => {
    const r = ok({ "tinc.conf": "Name = a\nBroadcastSubnet = 10.0.0.255\nBroadcastSubnet = nope\n" });
    expect(r.config.broadcastSubnets.map((s) => formatSubnet(s))).toEqual(["10.0.0.255/32#10"]);
    expect(r.warnings.length).toBe(1);
  });
});

describe("typed values", () => {
  test("BindToAddress and ListenAddress with * and ports", () => {
    const c = ok({
      "tinc.conf": "Name = a\nBindToAddress = * 700\nBindToAddress = 10.0.0.1\nListenAddress = ::1 800\n",
    })
      .config;
    expect(c.bindToAddress.map((b) => [b.host, b.port])).toEqual([[undefined, "700"], [
      "10.0.0.1",
      undefined,
    ]]);
    expect(c.listenAddress.map((b) => [b.host, b.port])).toEqual([["::1", "800"]]);
  });

  test("own subnets in order, with weights", () => {
    const c = ok({
      "tinc.conf": "Name = a\n",
      "hosts/a": "Subnet = 10.1.0.0/16#5\nSubnet = fd00::/64\nSubnet = 02:00:00:00:00:07\n",
    }).config;
    expect(c.subnets.map((s) => formatSubnet(s))).toEqual([
      "10.1.0.0/16#5",
      "fd00:0:0:0:0:0:0:0/64#10",
      "2:0:0:0:0:7#10",
    ]);
  });

  test("1.1 variables", () => {
    const c = ok({
      "tinc.conf":
        "Name = a\nExperimentalProtocol = no\nAutoConnect = no\nLogLevel = 3\nFWMark = 42\nScriptsExtension = .py\n" +
        "UDPDiscoveryTimeout = 60\nInvitationExpire = 10\nDeviceStandby = yes\nEd25519PrivateKeyFile = /k\n",
    }).config;
    expect(c).toMatchObject({
      experimentalProtocol: false,
      autoConnect: false,
      logLevel: 3,
      fwmark: 42,
      scriptsExtension: ".py",
      udpDiscoveryTimeout: 60,
      invitationExpire: 10,
      deviceStandby: true,
      ed25519PrivateKeyFile: "/k",
    });
  });

  test("Proxy forms", () => {
    expect(parseProxy("socks5 127.0.0.1 1080")).toEqual({
      ok: true,
      proxy: { type: "socks5", host: "127.0.0.1", port: "1080" },
    });
    expect(parseProxy("http h 8080 user pass word")).toEqual({
      ok: true,
      proxy: { type: "http", host: "h", port: "8080", user: "user", pass: "pass word" },
    });
    expect(parseProxy("exec ssh -W %h:%p gw")).toEqual({
      ok: true,
      proxy: { type: "exec", command: "ssh -W %h:%p gw" },
    });
    expect(parseProxy("exec")).toEqual({ ok: false, reason: "Argument expected for proxy type exec!" });
    expect(parseProxy("socks4 host")).toEqual({
      ok: false,
      reason: "Host and port argument expected for proxy!",
    });
    expect(parseProxy("None")).toEqual({ ok: true, proxy: { type: "none" } });
  });
});

describe("hostConfig (peers)", () => {
  test("values as written, -o NAME.VAR first, bad subnets skipped", () => {
    const r = hostConfig(
      "bob",
      "Address = 10.0.0.2 700\nAddress = bob.example\nSubnet = 10.2.0.0/16\nSubnet = 10.2.0.1/16\n" +
        "IndirectData = yes\nWeight = 7\n-----BEGIN RSA PUBLIC KEY-----\nAAAA\n-----END RSA PUBLIC KEY-----\n",
      { commandLine: cmd("bob.PMTU=1400", "alice.PMTU=1000", "bob.Address=1.2.3.4") },
    );
    if (!r.ok) throw new Error("expected ok");
    expect(r.host.addresses.map((a) => [a.host, a.port])).toEqual([
      ["1.2.3.4", undefined],
      ["10.0.0.2", "700"],
      ["bob.example", undefined],
    ]);
    expect(r.host.subnets.map((s) => formatSubnet(s.subnet))).toEqual(["10.2.0.0/16#10"]);
    expect(r.host).toMatchObject({
      indirectData: true,
      weight: 7,
      pmtu: 1400,
      clampMSS: undefined,
      tcpOnly: undefined,
    });
    expect(r.warnings.map((w) => w.message)).toEqual([
      "hosts/bob line 4: Subnet: Network address and prefix length do not match",
    ]);
  });

  test("a line without value makes the host file unusable", () => {
    const r = hostConfig("bob", "Address = x\nPort\n");
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.errors.map((e) => e.message)).toEqual(["hosts/bob line 2: Port: no value for variable"]);
    }
  });
});

test("serverFilePaths: tinc.conf, then sorted conf.d/*.conf", () => {
  expect(serverFilePaths("/etc/tinc/vpn/", ["b.conf", ".conf", "a.conf", "x.txt", "c.conf~"])).toEqual([
    "/etc/tinc/vpn/tinc.conf",
    "/etc/tinc/vpn/conf.d/a.conf",
    "/etc/tinc/vpn/conf.d/b.conf",
  ]);
});
