/**
 * Every configuration variable tinc 1.0.36 and tinc 1.1 know (1.0 spec §8, 1.1 spec §3.4), with
 * where it belongs. Unknown names are reported as warnings, never refused, as tincd does.
 * @module
 */
import { foldCase } from "./parse.ts";

/** Where a variable is read from; `multiple` marks repeatable variables. */
export interface VariableInfo {
  /** Canonical spelling. */
  name: string;
  server: boolean;
  host: boolean;
  multiple: boolean;
  /** Accepted but without effect in tinct (obsolete, or a platform feature we do not have). */
  ignored?: string;
}

const S = { server: true, host: false, multiple: false };
const SM = { server: true, host: false, multiple: true };
const H = { server: false, host: true, multiple: false };
const HM = { server: false, host: true, multiple: true };

const TABLE: VariableInfo[] = [
  // Server variables.
  { name: "AddressFamily", ...S },
  { name: "AutoConnect", ...S },
  { name: "BindToAddress", ...SM },
  { name: "BindToInterface", ...S },
  { name: "Broadcast", ...S },
  { name: "BroadcastSubnet", ...SM },
  { name: "ConnectTo", ...SM },
  { name: "DecrementTTL", ...S },
  { name: "Device", ...S },
  { name: "DeviceStandby", ...S },
  { name: "DeviceType", ...S },
  { name: "DirectOnly", ...S },
  { name: "Ed25519PrivateKeyFile", ...S },
  { name: "ExperimentalProtocol", ...S },
  { name: "Forwarding", ...S },
  { name: "FWMark", ...S },
  { name: "GraphDumpFile", ...S },
  { name: "Hostnames", ...S },
  { name: "IffOneQueue", ...S },
  { name: "Interface", ...S },
  { name: "InvitationExpire", ...S },
  { name: "KeyExpire", ...S },
  { name: "ListenAddress", ...SM },
  { name: "LocalDiscovery", ...S },
  { name: "LogLevel", ...S },
  { name: "MACExpire", ...S },
  { name: "MaxConnectionBurst", ...S },
  { name: "MaxOutputBufferSize", ...S },
  { name: "MaxTimeout", ...S },
  { name: "MinTimeout", ...S },
  { name: "Mode", ...S },
  { name: "MTUInfoInterval", ...S },
  { name: "Name", ...S },
  { name: "PingInterval", ...S },
  { name: "PingTimeout", ...S },
  { name: "PriorityInheritance", ...S },
  { name: "PrivateKey", ...S },
  { name: "PrivateKeyFile", ...S },
  { name: "ProcessPriority", ...S },
  { name: "Proxy", ...S },
  { name: "ReplayWindow", ...S },
  { name: "Sandbox", ...S, ignored: "OpenBSD pledge/unveil only" },
  { name: "ScriptsExtension", ...S },
  { name: "ScriptsInterpreter", ...S },
  { name: "StrictSubnets", ...S },
  { name: "TunnelServer", ...S },
  { name: "UDPDiscovery", ...S },
  { name: "UDPDiscoveryKeepaliveInterval", ...S },
  { name: "UDPDiscoveryInterval", ...S },
  { name: "UDPDiscoveryTimeout", ...S },
  { name: "UDPInfoInterval", ...S },
  { name: "UDPRcvBuf", ...S },
  { name: "UDPSndBuf", ...S },
  { name: "UPnP", ...S, ignored: "UPnP is not implemented" },
  { name: "UPnPDiscoverWait", ...S, ignored: "UPnP is not implemented" },
  { name: "UPnPRefreshPeriod", ...S, ignored: "UPnP is not implemented" },
  { name: "VDEGroup", ...S, ignored: "VDE is not implemented" },
  { name: "VDEPort", ...S, ignored: "VDE is not implemented" },
  // Host variables (ours may also sit in tinc.conf; peers' in hosts/PEER).
  { name: "Address", ...HM },
  { name: "Cipher", ...H },
  { name: "ClampMSS", ...H },
  { name: "Compression", ...H },
  { name: "Digest", ...H },
  { name: "Ed25519PublicKey", ...H },
  { name: "Ed25519PublicKeyFile", ...H },
  { name: "IndirectData", ...H },
  { name: "MACLength", ...H },
  { name: "PMTU", ...H },
  { name: "PMTUDiscovery", ...H },
  { name: "Port", ...H },
  { name: "PublicKey", ...H },
  { name: "PublicKeyFile", ...H },
  { name: "Subnet", ...HM },
  { name: "TCPOnly", ...H },
  { name: "Weight", ...H },
];

const BY_NAME: ReadonlyMap<string, VariableInfo> = new Map(TABLE.map((v) => [foldCase(v.name), v]));

/** Information about a variable, looked up case-insensitively. */
export function variableInfo(name: string): VariableInfo | undefined {
  return BY_NAME.get(foldCase(name));
}

/** All known variables. */
export function knownVariables(): readonly VariableInfo[] {
  return TABLE;
}
