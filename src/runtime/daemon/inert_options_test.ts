import { describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readConfigDir } from "./config_files.ts";
import type { ConfigEntry } from "../../core/config/parse.ts";

function read(tincConf: string, commandLine: ConfigEntry[] = []) {
  const dir = mkdtempSync(join(tmpdir(), "tinct-inert-"));
  try {
    mkdirSync(join(dir, "hosts"));
    writeFileSync(join(dir, "tinc.conf"), tincConf);
    writeFileSync(join(dir, "hosts", "alpha"), "Subnet = 10.1.0.0/16\n");
    return {
      dir,
      r: readConfigDir({ confbase: dir, netname: null, commandLine, debugLevel: 0, bypassSecurity: true }),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe("variables tinct accepts but does not act on", () => {
  test("each one set is named with its file and line and what happens instead", () => {
    const { dir, r } = read(
      "Name = alpha\nHostnames = yes\nUDPRcvBuf = 1000000\nFWMark = 7\nLocalDiscovery = no\nMinTimeout = 0\n",
    );
    if (!r.ok) throw new Error(r.errors.join("\n"));
    const conf = join(dir, "tinc.conf");
    expect(r.config.warnings).toEqual([
      `${conf} line 4: FWMark: 7 is not supported by tinct: packets and connections are not marked`,
      `${conf} line 2: Hostnames: yes is not supported by tinct: addresses are logged as numbers`,
    ]);
  });

  test("settings that ask for nothing tinct lacks, and a plain configuration, say nothing", () => {
    const { r } = read("Name = alpha\nHostnames = no\nAutoConnect = no\nDeviceStandby = no\n");
    if (!r.ok) throw new Error(r.errors.join("\n"));
    expect(r.config.warnings).toEqual([]);
  });

  test("-o options are named as command line options", () => {
    const { r } = read("Name = alpha\n", [{
      variable: "GraphDumpFile",
      value: "/tmp/g.dot",
      file: null,
      line: 1,
    }]);
    if (!r.ok) throw new Error(r.errors.join("\n"));
    expect(r.config.warnings).toEqual([
      "command line option 1: GraphDumpFile: /tmp/g.dot is not supported by tinct: no graph file is written",
    ]);
  });

  test("a proxy stops start-up rather than being bypassed; Proxy = none does not", () => {
    const { dir, r } = read("Name = alpha\nProxy = socks5 192.0.2.9 1080\n");
    expect(r).toEqual({
      ok: false,
      errors: [
        `${
          join(dir, "tinc.conf")
        } line 2: Proxy: socks5 192.0.2.9 1080: proxies are not supported by tinct; ` +
        "not starting rather than connecting without the proxy",
      ],
    });
    expect(read("Name = alpha\nProxy = none\n").r.ok).toBe(true);
  });
});
