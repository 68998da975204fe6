/**
 * StrictSubnets (and TunnelServer, which implies it): the subnets of every node come from our own
 * hosts/ files, never from the network.
 *
 * At start every hosts/NAME's `Subnet` lines are loaded, creating the nodes they belong to (they
 * stay unreachable until edges reach them; their subnet-up runs when they become reachable). The
 * handlers then ignore ADD_SUBNET/DEL_SUBNET for anything else. On reload the loaded set is
 * compared with the new hosts/ files as tinc does: every subnet no longer listed (a learned MAC
 * of ours included) is announced gone (DEL_SUBNET to everyone, subnet-down if its owner is
 * reachable) and dropped; every newly listed one is added and announced (ADD_SUBNET,
 * subnet-up if reachable). Two differences from tincd, both deliberate: our own `Subnet` lines from
 * tinc.conf count as listed (tincd's sweep reads hosts/ only, so it withdraws them at every reload),
 * and the announcements go out per node in name order, all withdrawals first (tincd walks its
 * global subnet tree; the end state is the same).
 * @module
 */
import { RequestCode } from "../meta/requests.ts";
import type { EngineConfig } from "./config.ts";
import { type NodeCore, sortedSubnets } from "./core.ts";
import { byName, type SubnetRec } from "./world.ts";

/** Start: adds every subnet the hosts/ files list to its node (ours are already in). */
export function loadAllSubnets(core: NodeCore): void {
  for (const name of [...core.config.hosts.keys()].sort(byName)) {
    const owner = core.node(name);
    if (owner === undefined) continue;
    for (const subnet of core.config.hosts.get(name)!.subnets) {
      const s = core.newSubnet(owner, subnet);
      if (!owner.subnets.has(s.text)) owner.subnets.set(s.text, s);
    }
  }
  core.subnetsChanged();
}

/** Reload: makes the subnets of every node those of the new configuration's hosts/ files. */
export function reloadAllSubnets(core: NodeCore, config: EngineConfig): void {
  const wanted = new Map<string, Map<string, SubnetRec>>();
  for (const name of [...config.hosts.keys()].sort(byName)) {
    const owner = core.node(name);
    if (owner === undefined) continue;
    const texts = new Map<string, SubnetRec>();
    for (const subnet of config.hosts.get(name)!.subnets) {
      const s = core.newSubnet(owner, subnet);
      texts.set(s.text, s);
    }
    wanted.set(name, texts);
  }
  for (const n of core.sortedNodes()) {
    const keep = wanted.get(n.name);
    for (const s of sortedSubnets(n).slice()) {
      if (keep?.has(s.text) === true) continue;
      core.broadcastLine(core.subnetLine(RequestCode.DEL_SUBNET, s));
      if (n.reachable) core.subnetScript(s, false);
      n.subnets.delete(s.text);
    }
  }
  for (const [name, texts] of wanted) {
    const owner = core.nodes.get(name)!;
    for (const s of texts.values()) {
      if (owner.subnets.has(s.text)) continue;
      owner.subnets.set(s.text, s);
      core.broadcastLine(core.subnetLine(RequestCode.ADD_SUBNET, s));
      if (owner.reachable) core.subnetScript(s, true);
    }
  }
  core.subnetsChanged();
}
