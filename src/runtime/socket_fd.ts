/**
 * Finds the file descriptor behind a socket that Bun opened (Bun.udpSocket and Bun.listen do not
 * expose it), so options Bun has no method for (IP_MTU_DISCOVER, IPV6_MTU_DISCOVER) can be set
 * through libc. Linux only: the socket's inode is looked up by local port in /proc/net/{udp,udp6,
 * tcp,tcp6}, then matched against /proc/self/fd links. Elsewhere it returns -1.
 * @module
 */
import { readdirSync, readFileSync, readlinkSync } from "node:fs";

/** Which /proc/net table to look in. */
export type SocketTable = "udp" | "udp6" | "tcp" | "tcp6";

/** Inodes of sockets bound to `port` in a /proc/net table's text. */
export function inodesForPort(table: string, port: number): string[] {
  const hex = port.toString(16).toUpperCase().padStart(4, "0");
  const out: string[] = [];
  for (const line of table.split("\n").slice(1)) {
    const cols = line.trim().split(/\s+/);
    if (cols[1]?.endsWith(`:${hex}`) && cols[9] && cols[9] !== "0") out.push(cols[9]);
  }
  return out;
}

/**
 * The fd of this process's socket bound to `port` in `table`, or -1 when it cannot be found.
 * @param table which protocol table
 * @param port the local port
 */
export function findSocketFd(table: SocketTable, port: number): number {
  if (process.platform !== "linux") return -1;
  let inodes: string[];
  try {
    inodes = inodesForPort(readFileSync(`/proc/net/${table}`, "utf8"), port);
  } catch {
    return -1;
  }
  if (inodes.length === 0) return -1;
  const wanted = new Set(inodes.map((i) => `socket:[${i}]`));
  for (const name of readdirSync("/proc/self/fd")) {
    try {
      if (wanted.has(readlinkSync(`/proc/self/fd/${name}`))) return Number(name);
    } catch {
      // The fd closed while we looked.
    }
  }
  return -1;
}
