/**
 * Per-frame routing decisions for the three modes of tinc (route.c; spec §7): router (by IP
 * subnet, answering ARP and Neighbor Solicitation locally and generating ICMP errors), switch (by
 * learned MAC subnets) and hub (everything broadcast).
 *
 * The router is sans-I/O: the engine hands it a frame and the source node's name and gets back
 * one {@link RouteDecision}, the same object every call, describing what to do. The common case
 * (a unicast IP frame) allocates nothing: the frame is edited in place (ClampMSS, TTL, MAC
 * rewrite) and returned as is. Generated ICMP errors live in a buffer owned by the router, so a
 * decision is valid only until the next call.
 * @module
 */
import type { BroadcastMode } from "./broadcast.ts";
import {
  ETH_HEADER,
  ETHERTYPE_ARP,
  ETHERTYPE_IPV4,
  ETHERTYPE_IPV6,
  innerEthertype,
  IP4_DST,
  IP4_FLAGS_OFFSET,
  IP4_TOS,
  IP6_DST,
  IP6_NEXT_HEADER,
  IP_MSS,
  IPV4_HEADER,
  IPV6_HEADER,
  isGroupMac,
  networkOffset,
  outerEthertype,
  PROTO_ICMPV6,
  VLAN_TAG,
} from "./frame.ts";
import { fragmentIpv4, type FragmentProblem } from "./fragment.ts";
import {
  ICMP6_DST_UNREACH,
  ICMP6_DST_UNREACH_ADDR,
  ICMP6_DST_UNREACH_ADMIN,
  ICMP6_DST_UNREACH_NOROUTE,
  ICMP6_PACKET_TOO_BIG,
  ICMP6_TIME_EXCEED_TRANSIT,
  ICMP6_TIME_EXCEEDED,
  ICMP_DEST_UNREACH,
  ICMP_EXC_TTL,
  ICMP_FRAG_NEEDED,
  ICMP_NET_ANO,
  ICMP_NET_UNKNOWN,
  ICMP_NET_UNREACH,
  ICMP_TIME_EXCEEDED,
  IcmpRateLimiter,
  writeIcmpv4Error,
  writeIcmpv6Error,
} from "./icmp.ts";
import { LearnedMacs } from "./mac_learning.ts";
import { clampMss } from "./mss.ts";
import {
  ARP_TARGET_IP,
  arpRequestProblem,
  checkNeighborSolicitation,
  ICMP6_START,
  ND_NEIGHBOR_SOLICIT,
  NS_TARGET,
  turnArpRequestIntoReply,
  turnSolicitationIntoAdvertisement,
} from "./neighbor.ts";
import { decrementTtl } from "./ttl.ts";

/** Mode=… */
export type RouteMode = "router" | "switch" | "hub";
/** Forwarding=… */
export type ForwardingMode = "off" | "internal" | "kernel";

/** The server settings routing depends on; the engine may replace the object on reload. */
export interface RouteOptions {
  mode: RouteMode;
  forwarding: ForwardingMode;
  directOnly: boolean;
  decrementTtl: boolean;
  broadcast: BroadcastMode;
  priorityInheritance: boolean;
  /** DeviceType is tap: in router mode frames written to it get the interface's MAC as destination. */
  deviceIsTap: boolean;
}

/** Routing options with tinc's defaults. */
export function defaultRouteOptions(): RouteOptions {
  return {
    mode: "router",
    forwarding: "internal",
    directOnly: false,
    decrementTtl: false,
    broadcast: "mst",
    priorityInheritance: false,
    deviceIsTap: false,
  };
}

/** What routing needs to know about a node; the engine returns its live objects (no copies). */
export interface RouteNode {
  readonly reachable: boolean;
  /**
   * The node packets for this one are handed to: tinc's `(n.via == myself) ? n.nexthop : n.via`.
   * The node's own name when it is reached directly; myself for myself.
   */
  readonly via: string;
  /** Path MTU toward the node in frame bytes (Ethernet header included; 1518 until probed). */
  readonly mtu: number;
  /** The node's options carry OPTION_CLAMP_MSS (0x8). */
  readonly clampMss: boolean;
}

/**
 * The engine's side of routing: subnet lookups (tinc's rule: longest prefix, then lowest weight,
 * preferring a reachable owner) and node state. Addresses are read in place from the frame.
 */
export interface RoutePort {
  /** Owner of the best IPv4 subnet holding the 4 bytes at `bytes[offset]`, or undefined. */
  lookupIpv4(bytes: Uint8Array, offset: number): string | undefined;
  /** Owner of the best IPv6 subnet holding the 16 bytes at `bytes[offset]`, or undefined. */
  lookupIpv6(bytes: Uint8Array, offset: number): string | undefined;
  /** Owner of the MAC subnet equal to the 6 bytes at `bytes[offset]`, or undefined. */
  lookupMac(bytes: Uint8Array, offset: number): string | undefined;
  node(name: string): RouteNode | undefined;
}

/**
 * - `send`: hand `frame[0, length)` to node `to` (tinc's send_packet: the engine picks via/nexthop,
 *   UDP or TCP).
 * - `device`: write `frame[0, length)` to our TUN/TAP device.
 * - `broadcast`: copy to the device when `localCopy`, and to the nodes chosen by
 *   `broadcastTargets` for `from`.
 * - `fragments`: hand each frame of `fragments` to node `to`.
 * - `drop`: nothing to send; `reason` says why (a counted, debug-level event).
 */
export type RouteAction = "send" | "device" | "broadcast" | "fragments" | "drop";

/** Why the decision was taken; ICMP reasons also name the error that was (or, rate-limited, was not) sent. */
export type RouteReason =
  | "routed"
  | "kernel-forwarding"
  | "broadcast"
  | "arp-reply"
  | "neighbor-advert"
  | "fragmented"
  | "no-subnet"
  | "unreachable"
  | "prohibited"
  | "too-big"
  | "ttl-expired"
  | "too-short"
  | "unknown-ethertype"
  | "arp-from-peer"
  | "arp-unsupported"
  | "arp-unknown-target"
  | "arp-own-target"
  | "ns-from-peer"
  | "ns-unsupported"
  | "ns-bad-checksum"
  | "ns-unknown-target"
  | "ns-own-target"
  | "looping-back"
  | "routing-loop"
  | "forwarding-off"
  | "direct-only"
  | FragmentProblem;

const EMPTY = new Uint8Array(0);

/** The router's answer for one frame; one instance is reused for every call. */
export class RouteDecision {
  action: RouteAction = "drop";
  reason: RouteReason = "too-short";
  /** Destination node for `send` and `fragments`. */
  to = "";
  /** Frame to send or write: the input frame (maybe edited in place) or the router's ICMP buffer. */
  frame: Uint8Array = EMPTY;
  length = 0;
  /** Source node of a broadcast. */
  from = "";
  /** For `broadcast`: the device gets a copy (the frame came from another node). */
  localCopy = false;
  /** PriorityInheritance: the IPv4 TOS to send the frame with; -1 when not inherited. */
  priority = -1;
  /** `frame` is a generated ICMP/ICMPv6 error. */
  icmp = false;
  /** An ICMP error was due but the 3-per-second budget was spent. */
  rateLimited = false;
  /** For `fragments`: the fragment frames, each exactly as long as its array. */
  fragments: Uint8Array[] | null = null;
  /** Switch mode: a source MAC learned just now; announce it as our subnet (ADD_SUBNET). */
  learnedMac: Uint8Array | null = null;
  /** ClampMSS rewrote the segment's MSS to this value; 0 when untouched. */
  clampedMss = 0;
}

const DEFAULT_MTU = 1518;
const ROUTER_MIN_MTU_V4 = 590;
const ROUTER_MIN_MTU_V6 = 1294;
const SWITCH_MIN_IPV6 = 1280;

/** Routing state of one node: its device MAC (TAP), learned MACs and the ICMP rate limit. */
export class Router {
  /** The decision returned by {@link route}; overwritten by every call. */
  readonly decision = new RouteDecision();
  /** Switch mode's learned source MACs. */
  readonly learnedMacs = new LearnedMacs();
  /**
   * MAC of our TAP interface in router mode: learned from the sender of ARP and Neighbor
   * Solicitation frames read from the device (tinc's default FE:FD:00:00:00:00 until then).
   */
  readonly deviceMac = new Uint8Array([0xfe, 0xfd, 0, 0, 0, 0]);
  private readonly limiter = new IcmpRateLimiter(3);
  private readonly icmpBuffer = new Uint8Array(ETH_HEADER + VLAN_TAG + IP_MSS);

  constructor(
    /** Our node name. */
    readonly myself: string,
    private readonly port: RoutePort,
    /** Current options; assign a new object on reload. */
    public options: RouteOptions,
  ) {}

  /**
   * Decides what to do with `frame[0, length)` that arrived from `source` (myself for frames read
   * from the device). May edit the frame in place. Never throws on malformed frames.
   */
  route(now: number, source: string, frame: Uint8Array, length: number): RouteDecision {
    const d = this.decision;
    d.action = "drop";
    d.reason = "routed";
    d.to = "";
    d.frame = frame;
    // A length outside [0, frame.length] (or NaN) from a confused caller is clamped, never trusted.
    d.length = length >= 0 ? Math.min(length, frame.length) | 0 : 0;
    d.from = source;
    d.localCopy = false;
    d.priority = -1;
    d.icmp = false;
    d.rateLimited = false;
    d.fragments = null;
    d.learnedMac = null;
    d.clampedMss = 0;
    length = d.length;
    const o = this.options;
    const fromDevice = source === this.myself;

    if (o.forwarding === "kernel" && !fromDevice) return this.toDevice("kernel-forwarding");
    if (length < ETH_HEADER) return this.drop("too-short");

    if (o.decrementTtl && !fromDevice) {
      const outcome = decrementTtl(frame, length);
      if (outcome === "too-short") return this.drop("too-short");
      if (outcome === "expired-quietly") return this.drop("ttl-expired");
      if (outcome === "expired") {
        const link = networkOffset(frame, length);
        return innerEthertype(frame, length) === ETHERTYPE_IPV4
          ? this.icmpv4(now, source, length, link, ICMP_TIME_EXCEEDED, ICMP_EXC_TTL, "ttl-expired")
          : this.icmpv6(
            now,
            source,
            length,
            link,
            ICMP6_TIME_EXCEEDED,
            ICMP6_TIME_EXCEED_TRANSIT,
            "ttl-expired",
          );
      }
    }

    switch (o.mode) {
      case "router":
        return this.routeByIp(now, source, frame, length);
      case "switch":
        return this.routeByMac(now, source, frame, length);
      default:
        return this.broadcast(source);
    }
  }

  private routeByIp(now: number, source: string, frame: Uint8Array, length: number): RouteDecision {
    switch (outerEthertype(frame)) {
      case ETHERTYPE_ARP:
        return this.answerArp(source, frame, length);
      case ETHERTYPE_IPV4:
        return this.routeIpv4(now, source, frame, length);
      case ETHERTYPE_IPV6:
        return this.routeIpv6(now, source, frame, length);
      default:
        return this.drop("unknown-ethertype");
    }
  }

  private routeIpv4(now: number, source: string, frame: Uint8Array, length: number): RouteDecision {
    if (length < ETH_HEADER + IPV4_HEADER) return this.drop("too-short");
    const dst = ETH_HEADER + IP4_DST;
    const multicast = (frame[dst]! & 0xf0) === 0xe0;
    const limited = frame[dst] === 255 && frame[dst + 1] === 255 && frame[dst + 2] === 255 &&
      frame[dst + 3] === 255;
    if ((multicast || limited) && this.options.broadcast !== "no") return this.broadcast(source);

    const owner = this.port.lookupIpv4(frame, dst);
    if (owner === undefined) {
      return this.icmpv4(now, source, length, ETH_HEADER, ICMP_DEST_UNREACH, ICMP_NET_UNKNOWN, "no-subnet");
    }
    if (owner === source) return this.drop("looping-back");
    const ownerNode = this.port.node(owner);
    if (ownerNode === undefined || !ownerNode.reachable) {
      return this.icmpv4(now, source, length, ETH_HEADER, ICMP_DEST_UNREACH, ICMP_NET_UNREACH, "unreachable");
    }
    if (this.forwardingForbidden(source, owner)) {
      return this.icmpv4(now, source, length, ETH_HEADER, ICMP_DEST_UNREACH, ICMP_NET_ANO, "prohibited");
    }
    if (this.options.priorityInheritance) this.decision.priority = frame[ETH_HEADER + IP4_TOS]!;
    const via = ownerNode.via;
    if (via === source) return this.drop("routing-loop");
    if (this.options.directOnly && owner !== via) {
      return this.icmpv4(now, source, length, ETH_HEADER, ICMP_DEST_UNREACH, ICMP_NET_ANO, "prohibited");
    }
    const viaNode = via === owner ? ownerNode : this.port.node(via);
    if (viaNode === undefined) {
      return this.icmpv4(now, source, length, ETH_HEADER, ICMP_DEST_UNREACH, ICMP_NET_UNREACH, "unreachable");
    }
    if (via !== this.myself) {
      const limit = Math.max(viaNode.mtu, ROUTER_MIN_MTU_V4);
      if (length > limit) {
        if (frame[ETH_HEADER + IP4_FLAGS_OFFSET]! & 0x40) {
          return this.icmpv4(now, source, limit, ETH_HEADER, ICMP_DEST_UNREACH, ICMP_FRAG_NEEDED, "too-big");
        }
        return this.fragment(via, frame, length, ETH_HEADER, viaNode.mtu);
      }
    }
    this.clamp(source, via, viaNode, frame, length);
    return this.deliver(owner, "routed");
  }

  private routeIpv6(now: number, source: string, frame: Uint8Array, length: number): RouteDecision {
    if (length < ETH_HEADER + IPV6_HEADER) return this.drop("too-short");
    if (
      frame[ETH_HEADER + IP6_NEXT_HEADER] === PROTO_ICMPV6 && length >= ICMP6_START + 4 &&
      frame[ICMP6_START] === ND_NEIGHBOR_SOLICIT
    ) return this.answerSolicitation(source, frame, length);

    const dst = ETH_HEADER + IP6_DST;
    if (frame[dst] === 0xff && this.options.broadcast !== "no") return this.broadcast(source);

    const owner = this.port.lookupIpv6(frame, dst);
    if (owner === undefined) {
      return this.icmpv6(
        now,
        source,
        length,
        ETH_HEADER,
        ICMP6_DST_UNREACH,
        ICMP6_DST_UNREACH_ADDR,
        "no-subnet",
      );
    }
    if (owner === source) return this.drop("looping-back");
    const ownerNode = this.port.node(owner);
    if (ownerNode === undefined || !ownerNode.reachable) {
      return this.icmpv6(
        now,
        source,
        length,
        ETH_HEADER,
        ICMP6_DST_UNREACH,
        ICMP6_DST_UNREACH_NOROUTE,
        "unreachable",
      );
    }
    if (this.forwardingForbidden(source, owner)) {
      return this.icmpv6(
        now,
        source,
        length,
        ETH_HEADER,
        ICMP6_DST_UNREACH,
        ICMP6_DST_UNREACH_ADMIN,
        "prohibited",
      );
    }
    const via = ownerNode.via;
    if (via === source) return this.drop("routing-loop");
    if (this.options.directOnly && owner !== via) {
      return this.icmpv6(
        now,
        source,
        length,
        ETH_HEADER,
        ICMP6_DST_UNREACH,
        ICMP6_DST_UNREACH_ADMIN,
        "prohibited",
      );
    }
    const viaNode = via === owner ? ownerNode : this.port.node(via);
    if (viaNode === undefined) {
      return this.icmpv6(
        now,
        source,
        length,
        ETH_HEADER,
        ICMP6_DST_UNREACH,
        ICMP6_DST_UNREACH_NOROUTE,
        "unreachable",
      );
    }
    if (via !== this.myself) {
      const limit = Math.max(viaNode.mtu, ROUTER_MIN_MTU_V6);
      if (length > limit) {
        return this.icmpv6(now, source, limit, ETH_HEADER, ICMP6_PACKET_TOO_BIG, 0, "too-big");
      }
    }
    this.clamp(source, via, viaNode, frame, length);
    return this.deliver(owner, "routed");
  }

  private answerArp(source: string, frame: Uint8Array, length: number): RouteDecision {
    if (length < ARP_TARGET_IP + 4) return this.drop("too-short");
    if (source !== this.myself) return this.drop("arp-from-peer");
    this.learnDeviceMac(frame);
    if (arpRequestProblem(frame, length) !== "") return this.drop("arp-unsupported");
    const owner = this.port.lookupIpv4(frame, ARP_TARGET_IP);
    if (owner === undefined) return this.drop("arp-unknown-target");
    if (owner === this.myself) return this.drop("arp-own-target");
    turnArpRequestIntoReply(frame);
    return this.toDevice("arp-reply");
  }

  private answerSolicitation(source: string, frame: Uint8Array, length: number): RouteDecision {
    if (length < NS_TARGET + 16) return this.drop("too-short");
    if (source !== this.myself) return this.drop("ns-from-peer");
    this.learnDeviceMac(frame);
    const check = checkNeighborSolicitation(frame, length);
    if (check === "bad-checksum") return this.drop("ns-bad-checksum");
    if (check !== "with-lla" && check !== "without-lla") return this.drop("ns-unsupported");
    const owner = this.port.lookupIpv6(frame, NS_TARGET);
    if (owner === undefined) return this.drop("ns-unknown-target");
    if (owner === this.myself) return this.drop("ns-own-target");
    this.decision.length = turnSolicitationIntoAdvertisement(frame, check === "with-lla");
    return this.toDevice("neighbor-advert");
  }

  private routeByMac(now: number, source: string, frame: Uint8Array, length: number): RouteDecision {
    if (source === this.myself) this.learnSourceMac(now, frame);
    if (isGroupMac(frame, 0)) return this.broadcast(source);
    const owner = this.port.lookupMac(frame, 0);
    if (owner === undefined) return this.broadcast(source);
    if (owner === source) return this.drop("looping-back");
    if (this.forwardingForbidden(source, owner)) return this.drop("forwarding-off");
    const ownerNode = this.port.node(owner);
    if (ownerNode === undefined || !ownerNode.reachable) return this.drop("unreachable");
    const outer = outerEthertype(frame);
    if (this.options.priorityInheritance && outer === ETHERTYPE_IPV4 && length >= ETH_HEADER + IPV4_HEADER) {
      this.decision.priority = frame[ETH_HEADER + IP4_TOS]!;
    }
    const via = ownerNode.via;
    if (this.options.directOnly && owner !== via) return this.drop("direct-only");
    const viaNode = via === owner ? ownerNode : this.port.node(via);
    if (viaNode === undefined) return this.drop("unreachable");
    if (via !== this.myself && length > viaNode.mtu) {
      const link = networkOffset(frame, length);
      const type = innerEthertype(frame, length);
      if (type === ETHERTYPE_IPV4 && length > IP_MSS + link) {
        if (frame[link + IP4_FLAGS_OFFSET]! & 0x40) {
          const truncated = Math.max(viaNode.mtu, link + IPV4_HEADER);
          return this.icmpv4(now, source, truncated, link, ICMP_DEST_UNREACH, ICMP_FRAG_NEEDED, "too-big");
        }
        return this.fragment(via, frame, length, link, viaNode.mtu);
      }
      if (type === ETHERTYPE_IPV6 && length > SWITCH_MIN_IPV6 + link) {
        const truncated = Math.max(viaNode.mtu, link + IPV6_HEADER);
        return this.icmpv6(now, source, truncated, link, ICMP6_PACKET_TOO_BIG, 0, "too-big");
      }
    }
    this.clamp(source, via, viaNode, frame, length);
    return this.deliver(owner, "routed");
  }

  /** tinc's learn_mac: new source MACs of ours are announced; known ones refreshed; static ones left alone. */
  private learnSourceMac(now: number, frame: Uint8Array): void {
    // A group address as a source is bogus; announcing it would capture other nodes' broadcasts.
    if (isGroupMac(frame, 6)) return;
    if (this.learnedMacs.has(frame, 6)) {
      this.learnedMacs.touch(frame, 6, now);
      return;
    }
    if (this.port.lookupMac(frame, 6) === this.myself) return;
    this.learnedMacs.touch(frame, 6, now);
    this.decision.learnedMac = frame.slice(6, 12);
  }

  private learnDeviceMac(frame: Uint8Array): void {
    if (!this.options.deviceIsTap) return;
    for (let i = 0; i < 6; i++) this.deviceMac[i] = frame[6 + i]!;
  }

  private forwardingForbidden(source: string, owner: string): boolean {
    return this.options.forwarding === "off" && source !== this.myself && owner !== this.myself;
  }

  private clamp(source: string, via: string, viaNode: RouteNode, frame: Uint8Array, length: number): void {
    if (!viaNode.clampMss) return;
    const sourceNode = this.port.node(source);
    let mtu = sourceNode === undefined ? DEFAULT_MTU : sourceNode.mtu;
    if (via !== this.myself && viaNode.mtu < mtu) mtu = viaNode.mtu;
    this.decision.clampedMss = clampMss(frame, length, mtu);
  }

  private fragment(via: string, frame: Uint8Array, length: number, link: number, mtu: number): RouteDecision {
    const result = fragmentIpv4(frame, length, link, mtu);
    if (typeof result === "string") return this.drop(result);
    const d = this.decision;
    d.action = "fragments";
    d.reason = "fragmented";
    d.to = via;
    d.fragments = result;
    return d;
  }

  private icmpv4(
    now: number,
    source: string,
    length: number,
    link: number,
    type: number,
    code: number,
    reason: RouteReason,
  ): RouteDecision {
    const d = this.decision;
    if (!this.limiter.allow(now)) {
      d.rateLimited = true;
      return this.drop(reason);
    }
    d.length = writeIcmpv4Error(d.frame, length, link, type, code, this.icmpBuffer);
    d.frame = this.icmpBuffer;
    d.icmp = true;
    d.priority = -1;
    return this.deliver(source, reason);
  }

  private icmpv6(
    now: number,
    source: string,
    length: number,
    link: number,
    type: number,
    code: number,
    reason: RouteReason,
  ): RouteDecision {
    const d = this.decision;
    if (!this.limiter.allow(now)) {
      d.rateLimited = true;
      return this.drop(reason);
    }
    d.length = writeIcmpv6Error(d.frame, length, link, type, code, this.icmpBuffer);
    d.frame = this.icmpBuffer;
    d.icmp = true;
    d.priority = -1;
    return this.deliver(source, reason);
  }

  private broadcast(source: string): RouteDecision {
    const d = this.decision;
    d.action = "broadcast";
    d.reason = "broadcast";
    d.from = source;
    d.localCopy = source !== this.myself;
    // tinc writes the local copy first, in place, so the MAC rewrite also reaches the forwarded copies.
    if (d.localCopy) this.rewriteDestinationMac();
    return d;
  }

  private deliver(to: string, reason: RouteReason): RouteDecision {
    if (to === this.myself) return this.toDevice(reason);
    const d = this.decision;
    d.action = "send";
    d.reason = reason;
    d.to = to;
    return d;
  }

  private toDevice(reason: RouteReason): RouteDecision {
    const d = this.decision;
    d.action = "device";
    d.reason = reason;
    d.to = this.myself;
    this.rewriteDestinationMac();
    return d;
  }

  private rewriteDestinationMac(): void {
    const d = this.decision;
    if (this.options.mode !== "router" || !this.options.deviceIsTap || d.length < 6) return;
    for (let i = 0; i < 6; i++) d.frame[i] = this.deviceMac[i]!;
  }

  private drop(reason: RouteReason): RouteDecision {
    const d = this.decision;
    d.action = "drop";
    d.reason = reason;
    return d;
  }
}
