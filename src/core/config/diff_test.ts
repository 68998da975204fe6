import { expect, test } from "bun:test";
import { diffConfigs } from "./diff.ts";
import { type DaemonConfig, loadConfig } from "./load.ts";
import { formatSubnet } from "../subnet/subnet_text.ts";

function config(files: Record<string, string>): DaemonConfig {
  const r = loadConfig(Object.entries(files).map(([path, text]) => ({ path, text })));
  if (!r.ok) throw new Error(r.errors.map((e) => e.message).join("; "));
  return r.config;
}

const base = {
  "tinc.conf": "Name = a\nConnectTo = b\nConnectTo = c\nPingInterval = 30\n",
  "hosts/a": "Subnet = 10.1.0.0/16\nSubnet = 10.2.0.0/16\n",
  "hosts/b": "Address = 1.1.1.1\n",
  "hosts/c": "Address = 2.2.2.2\n",
};

test("identical configurations: empty diff", () => {
  expect(diffConfigs(config(base), config(base))).toEqual({
    nameChanged: false,
    connectToAdded: [],
    connectToRemoved: [],
    subnetsAdded: [],
    subnetsRemoved: [],
    hostsChanged: [],
    variablesChanged: [],
  });
});

test("ConnectTo, own subnets, host files and variables", () => {
  const after = config({
    "tinc.conf": "Name = a\nConnectTo = c\nConnectTo = d\nPingInterval = 20\n",
    "hosts/a": "Subnet = 10.2.0.0/16\nSubnet = 10.3.0.0/16#5\n",
    "hosts/c": "Address = 2.2.2.3\n",
    "hosts/d": "Address = 3.3.3.3\n",
  });
  const d = diffConfigs(config(base), after);
  expect(d.nameChanged).toBe(false);
  expect(d.connectToAdded).toEqual(["d"]);
  expect(d.connectToRemoved).toEqual(["b"]);
  expect(d.subnetsAdded.map((s) => formatSubnet(s))).toEqual(["10.3.0.0/16#5"]);
  expect(d.subnetsRemoved.map((s) => formatSubnet(s))).toEqual(["10.1.0.0/16#10"]);
  expect(d.hostsChanged).toEqual(["a", "b", "c", "d"]);
  expect(d.variablesChanged).toEqual(["pinginterval"]);
});

test("a subnet whose weight changes is removed and added", () => {
  const after = config({ ...base, "hosts/a": "Subnet = 10.1.0.0/16#20\nSubnet = 10.2.0.0/16\n" });
  const d = diffConfigs(config(base), after);
  expect(d.subnetsAdded.map((s) => formatSubnet(s))).toEqual(["10.1.0.0/16#20"]);
  expect(d.subnetsRemoved.map((s) => formatSubnet(s))).toEqual(["10.1.0.0/16#10"]);
  expect(d.hostsChanged).toEqual(["a"]);
});

test("a renamed node is flagged", () => {
  const after = config({ ...base, "tinc.conf": "Name = b\n" });
  expect(diffConfigs(config(base), after).nameChanged).toBe(true);
});
