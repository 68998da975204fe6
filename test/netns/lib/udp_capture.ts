/**
 * tcpdump on a lab node's eth0 for the tinc port's UDP datagrams, written to a pcap file with a
 * short snap length (only headers are read back, see pcap_udp.ts). Ended by pid through the lab.
 */
import type { ChildProcess } from "node:child_process";
import { existsSync, statSync } from "node:fs";
import type { Lab, LabNode } from "./lab.ts";
import { readUdpRecords, type UdpRecord } from "./pcap_udp.ts";

/** A running capture. */
export interface UdpCapture {
  proc: ChildProcess;
  file: string;
  log: string;
}

/** Starts tcpdump and waits (bounded) until it says it is listening. */
export async function startUdpCapture(
  lab: Lab,
  node: LabNode,
  file: string,
  port = 655,
  snapLength = 96,
): Promise<UdpCapture> {
  const cap: UdpCapture = { proc: undefined as unknown as ChildProcess, file, log: "" };
  cap.proc = lab.start(node.ns, [
    "tcpdump",
    "-i",
    "eth0",
    "-n",
    "-s",
    String(snapLength),
    "-B",
    "8192",
    "-U",
    "-w",
    file,
    "udp",
    "port",
    String(port),
  ], { logTo: (s) => (cap.log += s) });
  await lab.waitFor("tcpdump listening", () => cap.log.includes("listening on"), 10_000, 50);
  return cap;
}

/** Stops the capture (TERM, so tcpdump flushes) and returns its datagrams and drop count. */
export async function stopUdpCapture(
  lab: Lab,
  cap: UdpCapture,
): Promise<{ records: UdpRecord[]; dropped: number }> {
  await lab.stop(cap.proc, 5000);
  const m = /(\d+) packets dropped by kernel/.exec(cap.log);
  if (!existsSync(cap.file) || statSync(cap.file).size < 24) {
    return { records: [], dropped: Number(m?.[1] ?? 0) };
  }
  return { records: readUdpRecords(cap.file), dropped: Number(m?.[1] ?? 0) };
}
