/**
 * The request codes tinc 1.1 added to the meta protocol (spec tinc-1.1-sptps.md §2.2):
 * SPTPS_PACKET (`21 LEN`, LEN raw bytes outside the meta SPTPS stream), UDP_INFO and MTU_INFO.
 * A node without SPTPS closes the connection on them, as tinc 1.0 does on unknown codes.
 * @module
 */
import type { Request, RequestCode } from "../meta/requests.ts";
import { type Handler, ignored, refused } from "./handler.ts";
import { sptpsEnabled } from "./auth/sptps_keys.ts";
import { sptpsPacketAnnounced } from "./sptps_data.ts";

export const handleSptpsPacket: Handler<Extract<Request, { code: RequestCode.SPTPS_PACKET }>> = (
  core,
  c,
  req,
) => sptpsPacketAnnounced(core, c, req.length);

/** UDP_INFO (`22 FROM TO ADDR PORT`): reflexive-address hints; not used yet, so only logged. */
export const handleUdpInfo: Handler<Extract<Request, { code: RequestCode.UDP_INFO }>> = (core) =>
  sptpsEnabled(core.config) ? ignored("UDP_INFO is not acted upon") : refused("UDP_INFO without SPTPS");

/** MTU_INFO (`23 FROM TO MTU`): path-MTU hints; not used yet, so only logged. */
export const handleMtuInfo: Handler<Extract<Request, { code: RequestCode.MTU_INFO }>> = (core) =>
  sptpsEnabled(core.config) ? ignored("MTU_INFO is not acted upon") : refused("MTU_INFO without SPTPS");
