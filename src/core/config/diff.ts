/**
 * What changed between two loaded configurations, so that SIGHUP can be applied as tinc does:
 * redo ConnectTo (start the new, drop the removed), announce/withdraw our own subnets, drop
 * connections whose hosts file changed or vanished. The daemon loads the new configuration first
 * and, when that fails, keeps running on the old one.
 * @module
 */
import type { Subnet } from "../subnet/subnet.ts";
import { compareSubnets, formatSubnet } from "../subnet/subnet_text.ts";
import type { DaemonConfig } from "./load.ts";
import { foldCase } from "./parse.ts";

/** The changes a reload must apply. All lists are sorted and free of duplicates. */
export interface ConfigDiff {
  /** The node's own Name changed: tinc cannot apply that without a restart. */
  nameChanged: boolean;
  connectToAdded: string[];
  connectToRemoved: string[];
  subnetsAdded: Subnet[];
  subnetsRemoved: Subnet[];
  /** Nodes whose hosts/NAME file appeared, vanished or changed text. */
  hostsChanged: string[];
  /** Variables (case-folded) whose entries differ in value or order, excluding ConnectTo/Subnet. */
  variablesChanged: string[];
}

function names(config: DaemonConfig): Set<string> {
  return new Set(config.connectTo.map((c) => c.name));
}

function minus<T>(a: Iterable<T>, b: Set<T>): T[] {
  return [...a].filter((x) => !b.has(x));
}

function subnetKey(s: Subnet): string {
  return formatSubnet(s, "1.0");
}

function subnetsMinus(a: Subnet[], b: Subnet[]): Subnet[] {
  const keys = new Set(b.map(subnetKey));
  const seen = new Set<string>();
  const out: Subnet[] = [];
  for (const s of a) {
    const k = subnetKey(s);
    if (keys.has(k) || seen.has(k)) continue;
    seen.add(k);
    out.push(s);
  }
  return out.sort(compareSubnets);
}

function valuesByVariable(config: DaemonConfig): Map<string, string> {
  const out = new Map<string, string>();
  for (const e of config.tree.entries()) {
    const key = foldCase(e.variable);
    out.set(key, out.has(key) ? `${out.get(key)}\n${e.value}` : e.value);
  }
  return out;
}

/** Computes what a reload from `before` to `after` must change. */
export function diffConfigs(before: DaemonConfig, after: DaemonConfig): ConfigDiff {
  const oldTargets = names(before);
  const newTargets = names(after);

  const hosts = new Set([...before.hostTexts.keys(), ...after.hostTexts.keys()]);
  const hostsChanged = [...hosts].filter((h) => before.hostTexts.get(h) !== after.hostTexts.get(h)).sort();

  const oldVars = valuesByVariable(before);
  const newVars = valuesByVariable(after);
  const variablesChanged = [...new Set([...oldVars.keys(), ...newVars.keys()])]
    .filter((v) => v !== "connectto" && v !== "subnet" && oldVars.get(v) !== newVars.get(v))
    .sort();

  return {
    nameChanged: before.name !== after.name,
    connectToAdded: minus(newTargets, oldTargets).sort(),
    connectToRemoved: minus(oldTargets, newTargets).sort(),
    subnetsAdded: subnetsMinus(after.subnets, before.subnets),
    subnetsRemoved: subnetsMinus(before.subnets, after.subnets),
    hostsChanged,
    variablesChanged,
  };
}
