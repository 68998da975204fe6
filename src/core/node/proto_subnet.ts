/**
 * ADD_SUBNET and DEL_SUBNET (tinc's protocol_subnet.c).
 *
 * ```
 *  10 NONCE OWNER SUBNET     e.g. 10 327b23c6 alpha 10.1.0.0/16#10
 *  11 NONCE OWNER SUBNET
 * ```
 * A subnet's identity includes its weight (tinc's subnet_compare).
 * @module
 */
import { type Request, RequestCode } from "../meta/requests.ts";
import { formatSubnet } from "../subnet/subnet_text.ts";
import { LogLevel } from "./effects.ts";
import { type Handler, ignored, OK, refused } from "./handler.ts";
import { isValidName } from "./wire.ts";

type SubnetReq = Extract<Request, { code: RequestCode.ADD_SUBNET | RequestCode.DEL_SUBNET }>;

export const handleAddSubnet: Handler<SubnetReq> = (core, c, req, line) => {
  if (!isValidName(req.owner)) return refused("bad owner name");
  if (core.seenRequest(line)) return ignored("already seen");
  // A tunnel server takes subnets only from their owner, and creates no node for anyone else's.
  if (core.config.tunnelServer && req.owner !== core.myself.name && req.owner !== c.name) {
    return ignored("tunnel server: subnet of another node");
  }
  const owner = core.node(req.owner);
  if (owner === undefined) return ignored("node table full");
  const text = formatSubnet(req.subnet);
  if (owner.subnets.has(text)) return ignored("subnet already known");
  if (owner === core.myself) {
    core.log(LogLevel.requests, "Got ADD_SUBNET for myself", { from: c.name, subnet: text });
    core.sendLine(c, core.subnetLine(RequestCode.DEL_SUBNET, core.newSubnet(owner, req.subnet)));
    return OK;
  }
  // Only hosts/ files give subnets here (tinc logs these whatever the debug level); a tunnel
  // server forwards nothing, a strict node passes the claim on.
  if (core.config.strictSubnets || core.config.tunnelServer) {
    core.log(LogLevel.basic, "Ignoring unauthorized ADD_SUBNET", {
      from: c.name,
      owner: owner.name,
      subnet: text,
    });
    if (core.config.tunnelServer) return ignored("TunnelServer: subnet not in our hosts files");
    core.broadcastLine(line, c);
    return ignored("StrictSubnets: unauthorized ADD_SUBNET forwarded, not added");
  }
  if (owner.subnets.size >= core.config.maxSubnetsPerNode) {
    return ignored("subnet limit for this node reached");
  }
  const s = core.newSubnet(owner, req.subnet, text);
  owner.subnets.set(text, s);
  core.subnetsChanged();
  if (owner.reachable) core.subnetScript(s, true);
  if (!core.config.tunnelServer) core.broadcastLine(line, c);
  if (req.subnet.kind === "mac") {
    const mine = core.myself.subnets.get(text);
    if (mine?.expires !== undefined) mine.expires = 1;
  }
  return OK;
};

export const handleDelSubnet: Handler<SubnetReq> = (core, c, req, line) => {
  if (!isValidName(req.owner)) return refused("bad owner name");
  if (core.seenRequest(line)) return ignored("already seen");
  const owner = core.nodes.get(req.owner);
  if (owner === undefined) return ignored("DEL_SUBNET for an unknown node");
  if (core.config.tunnelServer && owner !== core.myself && owner !== c.node) {
    return ignored("tunnel server: subnet of another node");
  }
  const text = formatSubnet(req.subnet);
  const s = owner.subnets.get(text);
  if (s === undefined) {
    if (core.config.strictSubnets) core.broadcastLine(line, c);
    return ignored("DEL_SUBNET for a subnet that does not exist");
  }
  if (owner === core.myself) {
    core.log(LogLevel.requests, "Got DEL_SUBNET for myself", { from: c.name, subnet: text });
    core.sendLine(c, core.subnetLine(RequestCode.ADD_SUBNET, s));
    return OK;
  }
  if (core.config.tunnelServer) return ignored("tunnel server");
  core.broadcastLine(line, c);
  if (core.config.strictSubnets) return ignored("StrictSubnets: DEL_SUBNET forwarded, not applied");
  if (owner.reachable) core.subnetScript(s, false);
  owner.subnets.delete(text);
  core.subnetsChanged();
  return OK;
};
