/**
 * Node IDs and the UDP packet framing of SPTPS data sessions (spec tinc-1.1-sptps.md §2.5).
 *
 * ```
 *  0            6            12           16
 *  +------------+------------+------------+-----------------------------+---------+
 *  | dst ID[6]  | src ID[6]  | seqno u32be| ChaCha20(type || payload)   | tag[16] |
 *  +------------+------------+------------+-----------------------------+---------+
 *   all-zero dst = "sent directly to you"; bytes 12.. are one SPTPS datagram record
 *   node ID = SHA-512(name)[0..6)
 * ```
 * @module
 */
import { sha512 } from "@noble/hashes/sha2.js";
import { utf8ToBytes } from "@noble/hashes/utils.js";

/** Bytes in a node ID. */
export const NODE_ID_LENGTH = 6;
/** Bytes the two IDs add in front of a datagram record. */
export const NODE_ID_PREFIX_LENGTH = 12;

/** A node's ID: the first 6 bytes of SHA-512 of its name. */
export function nodeIdOf(name: string): Uint8Array {
  return sha512(utf8ToBytes(name)).slice(0, NODE_ID_LENGTH);
}

/** Two lower-case hex digits per byte value, made once. */
const HEX_BYTE: readonly string[] = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, "0"));

/**
 * Lower-case hex of a node ID, as `tinc dump nodes` prints it. The receive path keys its node
 * lookup by this string for every SPTPS datagram, so it builds no arrays or closures.
 */
export function nodeIdHex(id: Uint8Array): string {
  let hex = "";
  for (let i = 0; i < id.length; i++) hex += HEX_BYTE[id[i]!]!;
  return hex;
}

/** The all-zero destination ID of a packet sent straight to its receiver. */
export const DIRECT_NODE_ID: Uint8Array = new Uint8Array(NODE_ID_LENGTH);

/** Whether an ID is the all-zero "direct" ID. */
export function isDirectNodeId(id: Uint8Array): boolean {
  // Asked for every received SPTPS datagram: a plain loop, no callback.
  if (id.length !== NODE_ID_LENGTH) return false;
  let any = 0;
  for (let i = 0; i < NODE_ID_LENGTH; i++) any |= id[i]!;
  return any === 0;
}

/** Prepends destination and source IDs to a datagram record. */
export function frameUdpPacket(dstId: Uint8Array, srcId: Uint8Array, record: Uint8Array): Uint8Array {
  if (dstId.length !== NODE_ID_LENGTH || srcId.length !== NODE_ID_LENGTH) {
    throw new RangeError("Cannot frame a UDP packet: node IDs are 6 bytes");
  }
  const out = new Uint8Array(NODE_ID_PREFIX_LENGTH + record.length);
  out.set(dstId, 0);
  out.set(srcId, NODE_ID_LENGTH);
  out.set(record, NODE_ID_PREFIX_LENGTH);
  return out;
}

/** A received UDP packet split into its IDs and the datagram record (views into the input). */
export interface UdpPacketParts {
  dstId: Uint8Array;
  srcId: Uint8Array;
  /** seqno ‖ encrypted body ‖ tag. */
  record: Uint8Array;
  seqno: number;
}

/** Splits a UDP packet; undefined when it is too short to hold the IDs and a seqno. */
export function parseUdpPacket(packet: Uint8Array): UdpPacketParts | undefined {
  if (packet.length < NODE_ID_PREFIX_LENGTH + 4) return undefined;
  const record = packet.subarray(NODE_ID_PREFIX_LENGTH);
  return {
    dstId: packet.subarray(0, NODE_ID_LENGTH),
    srcId: packet.subarray(NODE_ID_LENGTH, NODE_ID_PREFIX_LENGTH),
    record,
    seqno: new DataView(record.buffer, record.byteOffset, 4).getUint32(0, false),
  };
}
