/**
 * The request codes tinc 1.1 added to the meta protocol (spec tinc-1.1-sptps.md §2.2):
 * SPTPS_PACKET (`21 LEN`, LEN raw bytes outside the meta SPTPS stream), UDP_INFO and MTU_INFO.
 * A node without SPTPS closes the connection on them, as tinc 1.0 does on unknown codes.
 *
 * ```
 *  21 LEN                 LEN raw bytes follow: | dst ID | src ID | datagram record |
 *  22 FROM TO ADDR PORT   FROM's UDP address as seen on the way; forwarded to hops of minor ≥ 5
 *  23 FROM TO MTU         path MTU toward FROM; forwarded to hops of minor ≥ 6; MTU < 512 is bogus
 * ```
 * @module
 */
import type { Request, RequestCode } from "../meta/requests.ts";
import type { NodeCore } from "./core.ts";
import { type Handler, ignored, OK, type Outcome, refused } from "./handler.ts";
import type { Connection } from "./world.ts";
import { sptpsEnabled } from "./auth/sptps_keys.ts";
import { sptpsPacketAnnounced, sptpsUdpInfo } from "./sptps_requests.ts";

/** tinc refuses path MTUs below this in MTU_INFO. */
const MIN_MTU_INFO = 512;

export const handleSptpsPacket: Handler<Extract<Request, { code: RequestCode.SPTPS_PACKET }>> = (
  core,
  c,
  req,
) => sptpsPacketAnnounced(core, c, req.length);

/** Passes an info line on toward TO when the next hop speaks at least `minMinor`. */
function forwardInfo(core: NodeCore, toName: string, minMinor: number, line: string, name: string): Outcome {
  const to = core.nodes.get(toName);
  if (to === undefined || !to.reachable) return ignored(`${name} for an unreachable node`);
  const next: Connection | undefined = to.nexthop?.conn;
  if (next === undefined) return ignored(`${name} without a connection toward ${toName}`);
  if (next.options >>> 24 < minMinor) return ignored(`next hop toward ${toName} does not take ${name}`);
  core.sendLine(next, line);
  return OK;
}

export const handleUdpInfo: Handler<Extract<Request, { code: RequestCode.UDP_INFO }>> = (
  core,
  _c,
  req,
  line,
) => {
  if (!sptpsEnabled(core.config)) return refused("UDP_INFO without SPTPS");
  const from = core.nodes.get(req.from);
  if (from === undefined || from === core.myself) return ignored("UDP_INFO from an unknown node");
  if (req.to !== core.myself.name) return forwardInfo(core, req.to, 5, line, "UDP_INFO");
  return sptpsUdpInfo(core, from, req.address, req.port);
};

export const handleMtuInfo: Handler<Extract<Request, { code: RequestCode.MTU_INFO }>> = (
  core,
  _c,
  req,
  line,
) => {
  if (!sptpsEnabled(core.config)) return refused("MTU_INFO without SPTPS");
  if (req.mtu < MIN_MTU_INFO) return ignored(`bogus MTU ${req.mtu} in MTU_INFO`);
  if (core.nodes.get(req.from) === undefined) return ignored("MTU_INFO from an unknown node");
  if (req.to !== core.myself.name) return forwardInfo(core, req.to, 6, line, "MTU_INFO");
  // Path MTU discovery for SPTPS sessions is not implemented: the hint is noted and dropped.
  return ignored("MTU_INFO is not acted upon");
};
