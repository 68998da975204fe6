/**
 * Subnets that come from configuration rather than the network: ours (hosts/MYNAME and tinc.conf)
 * and, with StrictSubnets (and TunnelServer, which implies it), everyone's, from our own hosts/
 * files.
 *
 * At start a strict node loads every hosts/NAME's `Subnet` lines, creating the nodes they belong
 * to (they stay unreachable until edges reach them; their subnet-up runs when they become
 * reachable). The handlers then ignore ADD_SUBNET/DEL_SUBNET for anything else. On reload the held
 * set is compared with the new files as tinc does: every subnet no longer listed is announced gone
 * (DEL_SUBNET to everyone, subnet-down if its owner is reachable) and dropped; every newly listed
 * one is added and announced (ADD_SUBNET, subnet-up if reachable). Without StrictSubnets only our
 * own subnets are swept, and MACs we learned stay; with it, a learned MAC of ours goes too.
 *
 * Two differences from tincd's strict sweep, both deliberate: our own `Subnet` lines from
 * tinc.conf count as listed (tincd's sweep reads hosts/ only, so it withdraws them at every
 * reload), and the announcements go out per node in name order, all withdrawals first (tincd walks
 * its global subnet tree; the end state is the same).
 * @module
 */
import { RequestCode } from "../meta/requests.ts";
import type { EngineConfig } from "./config.ts";
import { type NodeCore, sortedSubnets } from "./core.ts";
import { byName, type NodeRec, type SubnetRec } from "./world.ts";

/** Start with StrictSubnets: adds every subnet the hosts/ files list to its node (ours are in). */
export function loadAllSubnets(core: NodeCore): void {
  for (const [name, listed] of listedSubnets(core, core.config, [...core.config.hosts.keys()])) {
    const owner = core.nodes.get(name)!;
    for (const s of listed.values()) if (!owner.subnets.has(s.text)) owner.subnets.set(s.text, s);
  }
  core.subnetsChanged();
}

/** Reload with StrictSubnets: makes every node's subnets those of the new hosts/ files. */
export function reloadAllSubnets(core: NodeCore, config: EngineConfig): void {
  const listed = listedSubnets(core, config, [...config.hosts.keys()]);
  for (const n of core.sortedNodes()) {
    const keep = listed.get(n.name);
    withdrawUnlisted(core, n, (s) => keep?.has(s.text) === true);
  }
  for (const [name, subnets] of listed) announceListed(core, core.nodes.get(name)!, subnets);
  core.subnetsChanged();
}

/** Reload without StrictSubnets: our own subnets follow hosts/MYNAME (learned MACs stay). */
export function reloadOwnSubnets(core: NodeCore, config: EngineConfig): void {
  const listed = listedSubnets(core, config, [config.name]).get(config.name) ?? new Map<string, SubnetRec>();
  withdrawUnlisted(core, core.myself, (s) => s.expires !== undefined || listed.has(s.text));
  announceListed(core, core.myself, listed);
  core.subnetsChanged();
}

/** The subnets `config` lists for each of `names` (sorted), by 1.0 text; creates their nodes. */
function listedSubnets(
  core: NodeCore,
  config: EngineConfig,
  names: string[],
): Map<string, Map<string, SubnetRec>> {
  const out = new Map<string, Map<string, SubnetRec>>();
  for (const name of names.sort(byName)) {
    const owner = core.node(name);
    if (owner === undefined) continue;
    const texts = new Map<string, SubnetRec>();
    for (const subnet of config.hosts.get(name)?.subnets ?? []) {
      const s = core.newSubnet(owner, subnet);
      texts.set(s.text, s);
    }
    out.set(name, texts);
  }
  return out;
}

/** Announces and drops every subnet of `n` that `keep` rejects. */
function withdrawUnlisted(core: NodeCore, n: NodeRec, keep: (s: SubnetRec) => boolean): void {
  for (const s of sortedSubnets(n).slice()) {
    if (keep(s)) continue;
    core.broadcastLine(core.subnetLine(RequestCode.DEL_SUBNET, s));
    if (n.reachable) core.subnetScript(s, false);
    n.subnets.delete(s.text);
  }
}

/** Adds and announces every listed subnet `owner` does not hold yet. */
function announceListed(core: NodeCore, owner: NodeRec, listed: ReadonlyMap<string, SubnetRec>): void {
  for (const s of listed.values()) {
    if (owner.subnets.has(s.text)) continue;
    owner.subnets.set(s.text, s);
    core.broadcastLine(core.subnetLine(RequestCode.ADD_SUBNET, s));
    if (owner.reachable) core.subnetScript(s, true);
  }
}
