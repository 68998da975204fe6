/**
 * ConnectTo: dialling, trying each address in turn, and the reconnect backoff (tinc's
 * net_socket.c setup_outgoing_connection, do_outgoing_connection, retry_outgoing). When every
 * address failed the wait grows by 5 s (to at least MinTimeout) up to MaxTimeout; a PONG on the
 * connection resets it.
 * @module
 */
import { MetaFramer } from "../meta/framing.ts";
import { BypassAuthenticator } from "./auth/bypass.ts";
import { legacyAuthContext, LegacyAuthenticator } from "./auth/legacy.ts";
import type { NodeCore } from "./core.ts";
import { LogLevel, type SockAddr } from "./effects.ts";
import type { Connection, Outgoing } from "./world.ts";

const NUMERIC_HOST = /^(?:[0-9]{1,3}(?:\.[0-9]{1,3}){3}|[0-9a-fA-F:]*:[0-9a-fA-F:.]*)$/;

/** A fresh connection record for a dialled or accepted socket. */
export function newConnection(
  core: NodeCore,
  id: number,
  address: SockAddr,
  outgoing?: Outgoing,
): Connection {
  const c: Connection = {
    id,
    address,
    phase: "connecting",
    allow: 0,
    created: core.now,
    lastPingTime: core.now,
    pinged: false,
    estimatedWeight: 0,
    options: 0,
    mst: false,
    framer: new MetaFramer(),
    auth: core.config.bypassSecurity
      ? new BypassAuthenticator()
      : new LegacyAuthenticator(legacyAuthContext(core.config, core.rng)),
    peerMinor: 0,
  };
  if (outgoing !== undefined) c.outgoing = outgoing;
  return c;
}

/** Starts (or restarts) a ConnectTo: attach to an existing connection, or resolve and dial. */
export function setupOutgoing(core: NodeCore, out: Outgoing): void {
  delete out.retryAt;
  const n = core.nodes.get(out.name);
  if (n?.conn !== undefined) {
    core.log(LogLevel.connections, "Already connected", { peer: out.name });
    n.conn.outgoing = out;
    out.conn = n.conn;
    return;
  }
  const host = core.config.hosts.get(out.name);
  if (host === undefined || host.addresses.length === 0) {
    core.log(LogLevel.basic, "No address known for ConnectTo", { peer: out.name });
    // tincd starts the wait at MaxTimeout, so later failures also wait that long.
    out.timeout = core.config.maxTimeout;
    retryOutgoing(core, out);
    return;
  }
  out.addresses = [];
  out.addressIndex = 0;
  out.resolving = new Set();
  for (const a of host.addresses) {
    if (NUMERIC_HOST.test(a.host)) out.addresses.push({ host: a.host, port: a.port });
    else out.resolving.add(a.host);
  }
  for (const name of out.resolving) core.fx.resolve(name);
  if (out.resolving.size === 0) dialNext(core, out);
}

/** An answer to Effects.resolve: add the addresses to every ConnectTo waiting for that host. */
export function resolved(core: NodeCore, hostName: string, addresses: string[]): void {
  for (const out of core.outgoings.values()) {
    if (!out.resolving.delete(hostName)) continue;
    const port = core.config.hosts.get(out.name)?.addresses.find((a) => a.host === hostName)?.port ?? 655;
    for (const h of addresses) out.addresses.push({ host: h, port });
    if (out.resolving.size === 0 && out.conn === undefined && out.retryAt === undefined) dialNext(core, out);
  }
}

/** Dials the next address, or schedules a retry when all were tried. */
export function dialNext(core: NodeCore, out: Outgoing): void {
  const addr = out.addresses[out.addressIndex++];
  if (addr === undefined) {
    retryOutgoing(core, out);
    return;
  }
  core.log(LogLevel.connections, "Trying to connect", { peer: out.name, host: addr.host, port: addr.port });
  const id = core.fx.connect(addr);
  const c = newConnection(core, id, addr, out);
  core.conns.set(id, c);
  out.conn = c;
}

/** tinc's retry_outgoing: wait 5 s longer each time, at least MinTimeout, at most MaxTimeout. */
export function retryOutgoing(core: NodeCore, out: Outgoing): void {
  out.timeout = Math.min(Math.max(out.timeout + 5, core.config.minTimeout), core.config.maxTimeout);
  out.retryAt = core.now + out.timeout * 1000;
  core.log(LogLevel.connections, "Trying to re-establish outgoing connection", {
    peer: out.name,
    in: out.timeout,
  });
}

/** What happens when an outgoing connection is gone: next address, or back off and retry. */
export function outgoingLost(core: NodeCore, out: Outgoing, established: boolean): void {
  if (!core.outgoings.has(out.name) || core.outgoings.get(out.name) !== out) return;
  if (established) retryOutgoing(core, out);
  else dialNext(core, out);
}

export function newOutgoing(name: string): Outgoing {
  return { name, timeout: 0, addressIndex: 0, addresses: [], resolving: new Set() };
}
