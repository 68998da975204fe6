/**
 * tinc variables that tinct reads and validates but does not act on (yet). Each one set in the
 * configuration is named at start-up and on reload with what it would have done, so an operator
 * moving a tinc node over is not left guessing. `Proxy` is the exception: connecting directly
 * when the configuration asks for a proxy could expose what the proxy was there to hide, so it
 * stops start-up (and keeps the old configuration on reload) instead.
 * @module
 */
import type { DaemonConfig } from "../../core/config/load.ts";
import { entryError } from "../../core/config/parse.ts";

interface InertVariable {
  variable: string;
  /** Whether the value asks for something tinct does not do (e.g. `Hostnames = no` does not). */
  asks(d: DaemonConfig): boolean;
  /** What happens instead. */
  instead: string;
}

const INERT: readonly InertVariable[] = [
  { variable: "AutoConnect", asks: (d) => d.autoConnect, instead: "only ConnectTo connections are made" },
  { variable: "BindToInterface", asks: () => true, instead: "sockets are not bound to an interface" },
  { variable: "BroadcastSubnet", asks: () => true, instead: "only the standard broadcast addresses count" },
  { variable: "DeviceStandby", asks: (d) => d.deviceStandby, instead: "the device is up from the start" },
  { variable: "FWMark", asks: (d) => d.fwmark !== 0, instead: "packets and connections are not marked" },
  { variable: "GraphDumpFile", asks: () => true, instead: "no graph file is written" },
  { variable: "Hostnames", asks: (d) => d.hostnames, instead: "addresses are logged as numbers" },
  { variable: "InvitationExpire", asks: () => true, instead: "tinct has no invitation server" },
  { variable: "LogLevel", asks: () => true, instead: "the debug level comes from -d only" },
  {
    variable: "LocalDiscovery",
    asks: (d) => d.localDiscovery,
    instead: "peers are not looked for on the LAN",
  },
  {
    variable: "MaxOutputBufferSize",
    asks: () => true,
    instead: "a connection may queue up to 32 MiB and packets over TCP are not dropped early",
  },
  { variable: "MTUInfoInterval", asks: () => true, instead: "tinct sends no MTU_INFO" },
  {
    variable: "PriorityInheritance",
    asks: (d) => d.priorityInheritance,
    instead: "tunnel packets keep the default TOS",
  },
  { variable: "UDPInfoInterval", asks: () => true, instead: "tinct sends no UDP_INFO" },
];

/** Warnings for variables set in `d` that tinct does not act on, one per setting. */
export function inertOptionWarnings(d: DaemonConfig): string[] {
  const out: string[] = [];
  for (const v of INERT) {
    const entry = d.tree.lookup(v.variable);
    if (entry === undefined || !v.asks(d)) continue;
    out.push(entryError(entry, `${entry.value} is not supported by tinct: ${v.instead}`).message);
  }
  return out;
}

/** Errors for settings tinct must not start with. */
export function refusedOptionErrors(d: DaemonConfig): string[] {
  const entry = d.tree.lookup("Proxy");
  if (entry === undefined || d.proxy.type === "none") return [];
  return [
    entryError(
      entry,
      `${entry.value}: proxies are not supported by tinct; not starting rather than connecting without the proxy`,
    ).message,
  ];
}
