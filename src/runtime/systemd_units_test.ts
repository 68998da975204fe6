import { describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";

const dist = join(import.meta.dir, "..", "..", "dist", "systemd");

function unit(name: string): Map<string, string[]> {
  const keys = new Map<string, string[]>();
  let section = "";
  for (const raw of readFileSync(join(dist, name), "utf8").split("\n")) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) continue;
    if (line.startsWith("[")) section = line;
    else {
      const i = line.indexOf("=");
      const k = `${section}${line.slice(0, i)}`;
      keys.set(k, [...(keys.get(k) ?? []), line.slice(i + 1)]);
    }
  }
  return keys;
}

describe("systemd units", () => {
  test("tinct@.service: notify, watchdog, reload by HUP, mixed kill, capabilities", () => {
    const u = unit("tinct@.service");
    const one = (k: string) => u.get(k)?.[0];
    expect(one("[Service]Type")).toBe("notify");
    expect(one("[Service]NotifyAccess")).toBe("main");
    expect(one("[Service]ExecStart")).toBe("/usr/local/sbin/tinct daemon -n %i -D");
    expect(one("[Service]ExecReload")).toBe("/bin/kill -HUP $MAINPID");
    expect(one("[Service]KillMode")).toBe("mixed");
    expect(one("[Service]Restart")).toBe("on-failure");
    expect(one("[Service]WatchdogSec")).toBe("10");
    expect(one("[Service]CapabilityBoundingSet")).toContain("CAP_NET_ADMIN");
    expect(one("[Unit]PartOf")).toBe("tinct.service");
    expect(one("[Unit]ReloadPropagatedFrom")).toBe("tinct.service");
  });

  test("tinct.service is a oneshot umbrella", () => {
    const u = unit("tinct.service");
    expect(u.get("[Service]Type")?.[0]).toBe("oneshot");
    expect(u.get("[Service]RemainAfterExit")?.[0]).toBe("yes");
  });

  test("systemd-analyze finds nothing but the missing executable", () => {
    if (!existsSync("/usr/bin/systemd-analyze")) return; // the parse checks above still ran
    for (const name of ["tinct@.service", "tinct.service"]) {
      const r = spawnSync("systemd-analyze", ["verify", join(dist, name)], {
        encoding: "utf8",
        timeout: 20_000,
      });
      const problems = (r.stderr ?? "").split("\n").filter((l) =>
        l.trim() !== "" && !l.includes("/usr/local/sbin/tinct")
      );
      expect(problems).toEqual([]);
    }
  });
});
