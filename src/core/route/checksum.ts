/**
 * The Internet checksum (RFC 1071) and its incremental update (RFC 1624), as used by the IPv4
 * header, ICMP, ICMPv6 and TCP. Sums are kept unfolded between calls so that a pseudo-header and a
 * payload can be summed in pieces; only the last piece may have an odd length.
 * @module
 */

/** Folds a running sum into 16 bits with end-around carry. */
export function foldSum(sum: number): number {
  // Two folds suffice for any sum below 2^32; the loop bound keeps it obviously finite.
  for (let i = 0; i < 4 && sum > 0xffff; i++) sum = (sum & 0xffff) + Math.floor(sum / 0x10000);
  return sum;
}

/**
 * Adds the big-endian 16-bit words of `bytes[offset, offset+length)` to `sum` (an odd last byte
 * is padded with a zero byte). The result is folded, so it stays small when chained.
 */
export function sumWords(bytes: Uint8Array, offset: number, length: number, sum = 0): number {
  const end = offset + length;
  let i = offset;
  for (; i + 1 < end; i += 2) {
    sum += (bytes[i]! << 8) | bytes[i + 1]!;
    // Folding every 32 K words keeps the sum far below 2^53 for any length.
    if (sum > 0x7fffffff) sum = foldSum(sum);
  }
  if (i < end) sum += bytes[i]! << 8;
  return foldSum(sum);
}

/** The checksum field value for data whose words sum to `sum`: the complement of the folded sum. */
export function finishChecksum(sum: number): number {
  return ~foldSum(sum) & 0xffff;
}

/** The checksum of a byte range, ready to store. */
export function internetChecksum(bytes: Uint8Array, offset: number, length: number, sum = 0): number {
  return finishChecksum(sumWords(bytes, offset, length, sum));
}

/** True when the range, checksum field included, sums to 0xFFFF (RFC 1071's verification). */
export function checksumValid(bytes: Uint8Array, offset: number, length: number, sum = 0): boolean {
  return sumWords(bytes, offset, length, sum) === 0xffff;
}

/**
 * RFC 1624 eqn. 3: the new checksum after one 16-bit word of the covered data changed from
 * `oldWord` to `newWord`, without re-reading the data: HC' = ~(~HC + ~m + m').
 */
export function updateChecksum(checksum: number, oldWord: number, newWord: number): number {
  return ~foldSum((~checksum & 0xffff) + (~oldWord & 0xffff) + (newWord & 0xffff)) & 0xffff;
}

/** Reads a big-endian 16-bit word. */
export function readU16(bytes: Uint8Array, offset: number): number {
  return (bytes[offset]! << 8) | bytes[offset + 1]!;
}

/** Writes a big-endian 16-bit word. */
export function writeU16(bytes: Uint8Array, offset: number, value: number): void {
  bytes[offset] = (value >>> 8) & 0xff;
  bytes[offset + 1] = value & 0xff;
}

/** Writes a big-endian 32-bit word. */
export function writeU32(bytes: Uint8Array, offset: number, value: number): void {
  bytes[offset] = (value >>> 24) & 0xff;
  bytes[offset + 1] = (value >>> 16) & 0xff;
  bytes[offset + 2] = (value >>> 8) & 0xff;
  bytes[offset + 3] = value & 0xff;
}

/**
 * Sum of the IPv6 pseudo-header (RFC 8200 §8.1) for an upper-layer packet of `length` bytes with
 * next header `nextHeader`; the addresses are read from an IPv6 header at `ipOffset`.
 *
 * ```
 *  +-----------------------------+
 *  | source address (16)         |
 *  | destination address (16)    |
 *  | upper-layer length (32 bit) |
 *  | zero (24 bit) | next header |
 *  +-----------------------------+
 * ```
 */
export function ipv6PseudoSum(
  bytes: Uint8Array,
  ipOffset: number,
  length: number,
  nextHeader: number,
): number {
  const sum = sumWords(bytes, ipOffset + 8, 32);
  return foldSum(sum + Math.floor(length / 0x10000) + (length & 0xffff) + nextHeader);
}

/** Sum of the IPv4 pseudo-header (RFC 793 §3.1) for TCP/UDP over the IPv4 header at `ipOffset`. */
export function ipv4PseudoSum(bytes: Uint8Array, ipOffset: number, length: number, protocol: number): number {
  const sum = sumWords(bytes, ipOffset + 12, 8);
  return foldSum(sum + (length & 0xffff) + protocol);
}
