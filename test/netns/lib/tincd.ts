/**
 * Configuration directories for tinc nodes in the lab: tinc.conf, hosts/, keys and a tinc-up
 * that gives the VPN interface its overlay addresses (10.251.0.N/24, fd00:251::N/64).
 */
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { spawnSync } from "node:child_process";

export interface TincNodeSpec {
  name: string;
  index: number;
  underlayIp: string;
  mode?: "router" | "switch";
  connectTo?: string[];
  /** Extra tinc.conf lines. */
  conf?: string[];
  /** Extra lines for this node's own host file. */
  host?: string[];
  port?: number;
}

export function overlay4(index: number): string {
  return `10.251.0.${index}`;
}
export function overlay6(index: number): string {
  return `fd00:251::${index}`;
}

/** Writes DIR/tinc.conf, DIR/tinc-up and a fresh RSA key pair (tincd -K) with the host file. */
export function writeTincNode(dir: string, spec: TincNodeSpec, keyBits = 1024): void {
  mkdirSync(join(dir, "hosts"), { recursive: true });
  const mode = spec.mode ?? "router";
  const conf = [
    `Name = ${spec.name}`,
    `Mode = ${mode}`,
    `Interface = tinc${spec.index}`,
    ...(mode === "switch" ? ["DeviceType = tap"] : []),
    ...(spec.connectTo ?? []).map((c) => `ConnectTo = ${c}`),
    ...(spec.conf ?? []),
  ];
  writeFileSync(join(dir, "tinc.conf"), conf.join("\n") + "\n");
  const host = [
    `Address = ${spec.underlayIp}`,
    ...(spec.port ? [`Port = ${spec.port}`] : []),
    ...(mode === "router"
      ? [`Subnet = ${overlay4(spec.index)}/32`, `Subnet = ${overlay6(spec.index)}/128`]
      : []),
    ...(spec.host ?? []),
  ];
  writeFileSync(join(dir, "hosts", spec.name), host.join("\n") + "\n");
  const r = spawnSync("tincd", ["-c", dir, `-K${keyBits}`], { input: "", encoding: "utf8", timeout: 60_000 });
  if (r.status !== 0) throw new Error(`tincd -K failed: ${r.stderr}`);
  const up = [
    "#!/bin/sh",
    `ip addr add ${overlay4(spec.index)}/24 dev $INTERFACE`,
    `ip -6 addr add ${overlay6(spec.index)}/64 dev $INTERFACE nodad`,
    "ip link set $INTERFACE up",
  ];
  writeFileSync(join(dir, "tinc-up"), up.join("\n") + "\n");
  chmodSync(join(dir, "tinc-up"), 0o755);
}

/** Copies every node's host file into every other node's hosts/ (what `tinc export/import` does). */
export function exchangeHostFiles(dirs: Map<string, string>): void {
  const hostTexts = new Map(
    [...dirs].map(([name, dir]) => [name, readFileSync(join(dir, "hosts", name), "utf8")]),
  );
  for (const [, dir] of dirs) {
    for (const [name, text] of hostTexts) writeFileSync(join(dir, "hosts", name), text);
  }
}
