/**
 * Byte counters (nftables) for what a lab node sends on its underlay to or from the tinc port,
 * split into UDP and TCP. Each packet is counted once: tinc's datagrams go from port 655 to port
 * 655, so the first matching rule accepts and ends the chain instead of counting it under both
 * its sport and its dport rule.
 */
import type { Lab, LabNode } from "./lab.ts";

const TABLE = "tinctports";

/** Installs (or resets) the counters on `node`'s eth0 output. */
export function installPortCounters(lab: Lab, node: LabNode, port = 655): void {
  const rules = `
table inet ${TABLE} {
  counter udp_out {}
  counter tcp_out {}
  chain out {
    type filter hook output priority 0; policy accept;
    oifname "eth0" udp sport ${port} counter name udp_out accept
    oifname "eth0" udp dport ${port} counter name udp_out accept
    oifname "eth0" tcp sport ${port} counter name tcp_out accept
    oifname "eth0" tcp dport ${port} counter name tcp_out accept
  }
}
`;
  lab.exec(node.ns, ["nft", "delete", "table", "inet", TABLE]);
  const r = lab.exec(node.ns, ["nft", "-f", "-"], 10_000, rules);
  if (r.status !== 0) throw new Error(`nft failed: ${r.stderr}`);
}

/** Bytes (IP packets, headers included) sent since installPortCounters. */
export function readPortCounters(lab: Lab, node: LabNode): { udpBytes: number; tcpBytes: number } {
  const out = lab.exec(node.ns, ["nft", "-j", "list", "counters", "table", "inet", TABLE]).stdout;
  const j = JSON.parse(out) as { nftables: Array<{ counter?: { name: string; bytes: number } }> };
  let udpBytes = 0;
  let tcpBytes = 0;
  for (const item of j.nftables) {
    if (item.counter?.name === "udp_out") udpBytes = item.counter.bytes;
    if (item.counter?.name === "tcp_out") tcpBytes = item.counter.bytes;
  }
  return { udpBytes, tcpBytes };
}
