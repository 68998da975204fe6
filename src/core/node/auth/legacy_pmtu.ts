/**
 * tinc 1.0's path MTU discovery toward one node (net_packet.c send_mtu_probe / mtu_probe_h,
 * spec 1.0 §4.4). A probe is a frame of length L with 14 zero bytes (ethertype 0) and random
 * bytes after them, sent on the normal UDP path under the node's packet key. Byte 0 = 0 asks
 * the receiver to echo it with byte 0 = 1; an echo of length L raises minmtu to min(L, maxmtu).
 *
 * ```
 *  probes ──▶  1..9: burst of 3 random sizes in (minmtu, maxmtu] every 1 s
 *              ≥10 with no reply yet: give up for now (31)
 *              30, or minmtu ≥ maxmtu: mtu = minmtu, settled (31)
 *         31:  wait PingInterval
 *         32:  one burst plus a probe of maxmtu+8 (if < MTU), wait PingTimeout
 *         33:  nothing came back: start again from minmtu = 0 (or, if nothing ever did, 31)
 *  replies while settled: the maxmtu+8 probe came back → maxmtu = MTU, resume at 10;
 *                         any other → back to 30 (settle again)
 * ```
 * Discovery starts when the node's ANS_KEY arrives and the link carries PMTU_DISCOVERY. Timers
 * are pulled by the engine: {@link pmtuNextDeadline} and {@link pmtuTick}.
 * @module
 */
import { OPTION_PMTU_DISCOVERY } from "../../meta/requests.ts";
import type { NodeCore } from "../core.ts";
import { LogLevel, type UdpRefusal } from "../effects.ts";
import type { NodeRec } from "../world.ts";
import { sealFor } from "./legacy_packet.ts";

/** tinc's MTU: the largest frame, Ethernet header and a VLAN tag included. */
export const PMTU_MAX = 1518;
/** The smallest probe tinc sends. */
const MIN_PROBE = 64;
const PROBES_PER_BURST = 3;

/** Per-node discovery state. */
export interface PmtuState {
  /** tinc's mtuprobes: where discovery stands (see the diagram). */
  probes: number;
  maxmtu: number;
  /** The settled MTU (PMTU_MAX, or the configured PMTU, until discovery settles). */
  mtu: number;
  /** When the next step runs (ms); undefined when stopped. */
  at?: number;
}

interface Tracker {
  active: Set<NodeRec>;
  states: WeakMap<NodeRec, PmtuState>;
}

const trackers = new WeakMap<NodeCore, Tracker>();

function tracker(core: NodeCore): Tracker {
  let t = trackers.get(core);
  if (t === undefined) {
    t = { active: new Set(), states: new WeakMap() };
    trackers.set(core, t);
  }
  return t;
}

/** The discovery state of a node (created fresh: nothing known). */
export function pmtuState(core: NodeCore, n: NodeRec): PmtuState {
  const t = tracker(core);
  let s = t.states.get(n);
  if (s === undefined) {
    s = { probes: 0, maxmtu: PMTU_MAX, mtu: unsettledMtu(n) };
    t.states.set(n, s);
  }
  return s;
}

/** The discovery state of a node as the control dump shows it, without creating one: a node
 * never probed shows tinc's starting values. */
export function pmtuView(core: NodeCore, n: NodeRec): { mtu: number; maxmtu: number } {
  const s = trackers.get(core)?.states.get(n);
  return s ?? { mtu: unsettledMtu(n), maxmtu: PMTU_MAX };
}

/**
 * tincd's ack_h: a configured PMTU lowers `n->mtu` when the meta connection comes up, whatever
 * discovery is doing — here the cap kept on the node and, when discovery state exists already
 * (an earlier run through a relay), its MTU too.
 */
export function pmtuCap(core: NodeCore, n: NodeRec, cap: number): void {
  if (cap < (n.mtuCap ?? Infinity)) n.mtuCap = cap;
  const s = trackers.get(core)?.states.get(n);
  if (s !== undefined && cap < s.mtu) s.mtu = cap;
}

/**
 * The MTU the router checks frames via `n` against (tinc's `n->mtu`): PMTU_MAX, or the configured
 * PMTU, until discovery settles, then the settled minmtu. Reading it creates no state.
 */
export function pmtuRouteMtu(core: NodeCore, n: NodeRec): number {
  return trackers.get(core)?.states.get(n)?.mtu ?? unsettledMtu(n);
}

/** tinc's `n->mtu` before discovery: MTU, lowered by a `PMTU` setting (ack_h). */
function unsettledMtu(n: NodeRec): number {
  return n.mtuCap !== undefined && n.mtuCap < PMTU_MAX ? n.mtuCap : PMTU_MAX;
}

/** Whether probing is wanted toward `n`: the link's options carry PMTU_DISCOVERY. */
export function pmtuWanted(n: NodeRec): boolean {
  return (n.options & OPTION_PMTU_DISCOVERY) !== 0;
}

/** How probes leave: the engine's UDP path (tests substitute a recorder); "too-big" if refused locally. */
export type ProbeSender = (n: NodeRec, probe: Uint8Array) => void | UdpRefusal;

/** Sends a probe request straight to the node's UDP address under its key (never over TCP). */
export function sendProbeUdp(core: NodeCore): ProbeSender {
  return (n, probe) => {
    if (n.udp === undefined) return;
    const datagram = sealFor(n, probe, core.config.compressor);
    return datagram === undefined ? undefined : core.fx.sendUdp(n.udp, datagram);
  };
}

/**
 * The local stack refused a frame of `length` bytes toward `n` as too big (EMSGSIZE): as tinc
 * does, neither maxmtu nor the node MTU the router uses may stay at or above it, so discovery
 * narrows at once and oversized frames are refused with ICMP before discovery settles.
 */
export function pmtuTooBig(core: NodeCore, n: NodeRec, length: number): void {
  const s = pmtuState(core, n);
  if (s.maxmtu >= length) s.maxmtu = length - 1;
  if (s.mtu >= length) s.mtu = length - 1;
  core.log(LogLevel.traffic, "Packet too big for the local interface, lowering PMTU", {
    node: n.name,
    length,
    maxmtu: s.maxmtu,
  });
}

/**
 * A key from `n` arrived: start probing unless it already runs. A stopped discovery (the node
 * was unreachable or keyless meanwhile) starts over from nothing, as tinc resets it then.
 */
export function pmtuStart(core: NodeCore, n: NodeRec, send: ProbeSender): void {
  if (!pmtuWanted(n)) return;
  const s = pmtuState(core, n);
  if (s.at !== undefined) return;
  if (s.probes === 0) {
    n.minmtu = 0;
    s.maxmtu = PMTU_MAX;
    s.mtu = unsettledMtu(n);
  }
  step(core, n, s, send);
}

/** The earliest time a probe step is due, or Infinity. */
export function pmtuNextDeadline(core: NodeCore): number {
  let t = Infinity;
  const tr = trackers.get(core);
  if (tr === undefined) return t;
  for (const n of tr.active) {
    const at = tr.states.get(n)?.at;
    if (at !== undefined && at < t) t = at;
  }
  return t;
}

/** Runs every probe step that is due. */
export function pmtuTick(core: NodeCore, send: ProbeSender): void {
  const tr = trackers.get(core);
  if (tr === undefined) return;
  for (const n of [...tr.active]) {
    const s = tr.states.get(n);
    if (s?.at !== undefined && s.at <= core.now) step(core, n, s, send);
  }
}

/** An echoed probe of `length` bytes came back from `n`. */
export function pmtuReply(core: NodeCore, n: NodeRec, length: number): void {
  const s = pmtuState(core, n);
  if (s.probes > 30) {
    if (length === s.maxmtu + 8) {
      core.log(LogLevel.traffic, "Larger probe echoed, restarting PMTU discovery", { node: n.name, length });
      s.maxmtu = PMTU_MAX;
      s.probes = 10;
      return;
    }
    s.probes = n.minmtu > 0 ? 30 : 1;
  }
  n.minmtu = Math.max(n.minmtu, Math.min(length, s.maxmtu));
}

/** Forgets everything about `n`'s path (it became unreachable or lost its key). */
export function pmtuReset(core: NodeCore, n: NodeRec): void {
  const tr = tracker(core);
  tr.active.delete(n);
  tr.states.delete(n);
  n.minmtu = 0;
}

function step(core: NodeCore, n: NodeRec, s: PmtuState, send: ProbeSender): void {
  const tr = tracker(core);
  s.probes++;
  if (!n.reachable || !n.validKey || !pmtuWanted(n)) {
    delete s.at;
    s.probes = 0;
    tr.active.delete(n);
    return;
  }
  let wait = 1000;
  if (s.probes > 32) {
    if (n.minmtu === 0) {
      s.probes = 31;
      schedule(tr, n, s, core.now + core.config.pingInterval * 1000);
      return;
    }
    s.probes = 1;
    n.minmtu = 0;
    s.maxmtu = PMTU_MAX;
  }
  if (s.probes >= 10 && s.probes < 32 && n.minmtu === 0) s.probes = 31;
  if (s.probes === 30 || (s.probes < 30 && n.minmtu >= s.maxmtu)) {
    if (n.minmtu > s.maxmtu) n.minmtu = s.maxmtu;
    else s.maxmtu = n.minmtu;
    s.mtu = n.minmtu;
    core.log(LogLevel.traffic, "Fixing path MTU", { node: n.name, mtu: s.mtu });
    s.probes = 31;
  }
  if (s.probes === 31) {
    schedule(tr, n, s, core.now + core.config.pingInterval * 1000);
    return;
  }
  if (s.probes === 32) wait = core.config.pingTimeout * 1000;
  if (s.probes >= 30 && s.maxmtu + 8 < PMTU_MAX) sendProbe(core, n, s.maxmtu + 8, send);
  for (let i = 0; i < PROBES_PER_BURST; i++) {
    const span = s.maxmtu - n.minmtu;
    const len = span <= 0 ? s.maxmtu : n.minmtu + 1 + (core.rng.nextU32() % span);
    sendProbe(core, n, Math.max(MIN_PROBE, len), send);
  }
  schedule(tr, n, s, core.now + wait);
}

function sendProbe(core: NodeCore, n: NodeRec, length: number, send: ProbeSender): void {
  if (send(n, probe(core, length)) === "too-big") pmtuTooBig(core, n, length);
}

function schedule(tr: Tracker, n: NodeRec, s: PmtuState, at: number): void {
  s.at = at;
  tr.active.add(n);
}

/** A probe request: 14 zero bytes, then random bytes (byte 0 = 0 asks for an echo). */
function probe(core: NodeCore, length: number): Uint8Array {
  const p = new Uint8Array(length);
  for (let i = 14; i < length; i += 4) {
    const r = core.rng.nextU32();
    for (let j = 0; j < 4 && i + j < length; j++) p[i + j] = (r >>> (8 * j)) & 0xff;
  }
  return p;
}
