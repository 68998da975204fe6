/**
 * The data path decisions (tinc's route.c and net_packet.c, router/switch/hub modes). Datagrams
 * use tinc 1.0's packet format under the key the receiver issued (auth/legacy_packet.ts):
 *
 * ```
 *  +--------------------------------------------------+--------------------+
 *  | E(key, IV, seqno (u32, BE) ‖ Ethernet frame)     | HMAC(...)[0,MACLEN) |
 *  +--------------------------------------------------+--------------------+
 *     Cipher = none: E is the identity; Digest = none: no MAC
 * ```
 *
 * Frames from the TUN and from peers are routed by the route layer's Router; unicast goes to
 * the owner's `via` over UDP when its key is valid, else as `17 LEN` over the meta connection
 * to the nexthop (also when the frame itself came over TCP). Broadcasts follow the MST.
 * Datagrams from unknown addresses are matched by MAC (try_harder). PMTU probes are echoed;
 * with PMTU_DISCOVERY on a link, frames above the node's minmtu go over TCP.
 * Discovery itself is auth/legacy_pmtu.ts.
 * @module
 */
import { OPTION_PMTU_DISCOVERY, OPTION_TCPONLY } from "../meta/requests.ts";
import type { NodeCore } from "./core.ts";
import { addrKey, LogLevel, type SockAddr } from "./effects.ts";
import { sendReqKey } from "./proto_key.ts";
import { MAX_FRAME, sendTcpPacket } from "./proto_misc.ts";
import type { NodeRec } from "./world.ts";
import { openFrom, sealFor, tryHarder } from "./auth/legacy_packet.ts";
import { pmtuReply, pmtuTooBig } from "./auth/legacy_pmtu.ts";
import { nodeUsesSptps, sptpsReceiveUdp, sptpsSendFrame } from "./sptps_data.ts";

const ETH_HEADER = 14;
/** REQ_KEY is sent at most this often per node while we lack its key (ms). */
const REQ_KEY_INTERVAL = 10_000;

/**
 * Routes a frame that came from `source` (myself for the TUN) with the route layer's Router
 * (src/core/route: router/switch/hub, ARP and NDP answers, ICMP errors, fragmentation,
 * ClampMSS, DecrementTTL) and carries out its decision. `viaTcp` marks frames that arrived as
 * PACKET: they keep travelling over TCP (tinc's priority −1).
 */
export function routeFrame(core: NodeCore, source: NodeRec, frame: Uint8Array, viaTcp: boolean): void {
  // tinc's receive_packet (handle_device_data for myself) counts before routing.
  source.inPackets++;
  source.inBytes += frame.length;
  if (frame.length < ETH_HEADER) {
    return core.drop("frame shorter than an Ethernet header", { from: source.name });
  }
  core.flushGraph();
  if (core.config.mode === "switch" && source === core.myself) learnMac(core, frame.subarray(6, 12));
  const d = core.router.route(core.now, source.name, frame, frame.length);
  // ICMP errors live in the router's reused buffer: copy them before they leave.
  const out = d.icmp ? d.frame.slice(0, d.length) : d.frame.subarray(0, d.length);
  switch (d.action) {
    case "send": {
      const to = core.nodes.get(d.to);
      if (to === undefined) return core.drop("route to an unknown node", { to: d.to });
      return sendFrame(core, to, out, viaTcp && !d.icmp);
    }
    case "device":
      return sendFrame(core, core.myself, out, false);
    case "broadcast":
      return broadcastFrame(core, source, out, viaTcp);
    case "fragments": {
      const to = core.nodes.get(d.to);
      if (to === undefined) return core.drop("route to an unknown node", { to: d.to });
      for (const f of d.fragments ?? []) sendFrame(core, to, f, viaTcp);
      return;
    }
    case "drop":
      return core.drop(d.reason, { from: source.name });
  }
}

/** Switch mode: a source MAC seen on our device becomes our subnet until MACExpire. */
function learnMac(core: NodeCore, mac: Uint8Array): void {
  const subnet = { kind: "mac" as const, address: mac.slice(), weight: 10 };
  const probe = core.newSubnet(core.myself, subnet);
  const known = core.myself.subnets.get(probe.text);
  if (known !== undefined) {
    if (known.expires !== undefined) known.expires = core.now + core.config.macExpire * 1000;
    return;
  }
  probe.expires = core.now + core.config.macExpire * 1000;
  core.log(LogLevel.traffic, "Learned new MAC address", { subnet: probe.text });
  core.myself.subnets.set(probe.text, probe);
  core.subnetsChanged();
  core.broadcastLine(core.subnetLine(10, probe));
  core.subnetScript(probe, true);
}

/** tinc's send_packet: to the device for myself, else toward `n` over UDP or TCP. */
export function sendFrame(core: NodeCore, n: NodeRec, frame: Uint8Array, viaTcp: boolean): void {
  if (n === core.myself) {
    n.outPackets++;
    n.outBytes += frame.length;
    core.fx.writeTun(frame);
    return;
  }
  if (n.reachable) {
    n.outPackets++;
    n.outBytes += frame.length;
  }
  if (nodeUsesSptps(core, n)) return sptpsSendFrame(core, n, frame);
  const via = viaTcp || n.via === core.myself ? n.nexthop : n.via;
  if (via === undefined) return core.drop("no route", { to: n.name });
  if (viaTcp || ((core.myself.options | via.options) & OPTION_TCPONLY) !== 0) {
    const c = via.conn;
    if (c === undefined) return core.drop("no meta connection to relay over", { to: via.name });
    sendTcpPacket(core, c, frame);
    return;
  }
  sendUdp(core, via, frame);
}

/**
 * tinc's send_udppacket: needs a valid key (else REQ_KEY and TCP via the nexthop). With
 * PMTU_DISCOVERY, frames longer than the node's minmtu go over TCP (before the first probe
 * reply minmtu is 0, so all of them do); probes themselves are exempt.
 */
function sendUdp(core: NodeCore, n: NodeRec, frame: Uint8Array, probe = false): void {
  const tcpFallback = (): void => {
    const c = n.nexthop?.conn;
    if (c === undefined) return core.drop("no meta connection toward destination", { to: n.name });
    sendTcpPacket(core, c, frame);
  };
  if (!n.validKey || n.outCodec === undefined) {
    if (n.lastReqKey + REQ_KEY_INTERVAL <= core.now) {
      sendReqKey(core, n);
      n.lastReqKey = core.now;
      n.waitingForKey = true;
    }
    return tcpFallback();
  }
  if (!probe && (n.options & OPTION_PMTU_DISCOVERY) !== 0 && frame.length > n.minmtu) return tcpFallback();
  if (n.udp === undefined) return tcpFallback();
  const datagram = sealFor(n, frame, core.config.compressor);
  if (datagram === undefined) return tcpFallback();
  if (core.fx.sendUdp(n.udp, datagram) === "too-big") pmtuTooBig(core, n, frame.length);
}

/**
 * tinc's broadcast_packet: a copy to our device unless it came from us, then (mst) to every
 * active tree connection except the one toward the source, or (direct) from us only to the
 * nodes we reach in one hop.
 */
export function broadcastFrame(core: NodeCore, source: NodeRec, frame: Uint8Array, viaTcp: boolean): void {
  if (source !== core.myself) sendFrame(core, core.myself, frame, false);
  if (core.config.tunnelServer || core.config.broadcast === "no") return;
  if (core.config.broadcast === "direct") {
    if (source !== core.myself) return;
    // Every node we reach in one hop, as tincd picks them from the nodes whose UDP address it
    // knows: a direct neighbour even with IndirectData (via myself, nexthop itself), and any node
    // we send to over UDP directly (via itself) whether or not we have a meta connection to it.
    for (const n of core.nodeByUdp.values()) {
      if (!n.reachable || n === core.myself) continue;
      if ((n.via === core.myself && n.nexthop === n) || n.via === n) sendFrame(core, n, frame, viaTcp);
    }
    return;
  }
  const back = source.nexthop?.conn;
  for (const c of core.mstConnections()) {
    if (c.phase === "active" && c !== back && c.node !== undefined) sendFrame(core, c.node, frame, viaTcp);
  }
}

/**
 * A datagram from `from`: find the sender (by address, else by MAC), open it under the key we
 * issued, then route it or handle it as a PMTU probe (ethertype 0: byte 0 = 0 asks for an echo
 * of the same length with byte 0 = 1; a non-zero byte 0 is a reply and raises minmtu).
 */
export function receiveUdp(core: NodeCore, from: SockAddr, datagram: Uint8Array): void {
  if (sptpsReceiveUdp(core, from, datagram)) return;
  if (datagram.length > MAX_FRAME) return core.drop("UDP packet too long", { from: addrKey(from) });
  let n = core.nodeByUdp.get(addrKey(from));
  if (n === undefined) {
    n = tryHarder(core, from, datagram);
    if (n === undefined) return core.drop("UDP packet from unknown source", { from: addrKey(from) });
    core.setUdp(n, { host: from.host, port: from.port });
  }
  const opened = openFrom(n, datagram, core.config.compressor);
  if ("drop" in opened) return core.drop(opened.drop, { from: n.name });
  const frame = opened.frame.slice();
  if (frame.length >= ETH_HEADER && frame[12] === 0 && frame[13] === 0) {
    if (frame[0] === 0) {
      frame[0] = 1;
      sendUdp(core, n, frame, true);
    } else {
      pmtuReply(core, n, opened.probeLength);
    }
    return;
  }
  routeFrame(core, n, frame, false);
}
