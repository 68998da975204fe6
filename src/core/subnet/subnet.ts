/**
 * Subnet values as tinc knows them: IPv4 and IPv6 prefixes and MAC addresses, each with a
 * weight (lower wins among equal prefixes; default 10). Text forms live in subnet_text.ts.
 * @module
 */

export const DEFAULT_SUBNET_WEIGHT = 10;

export interface MacSubnet {
  kind: "mac";
  /** 6 bytes. */
  address: Uint8Array;
  weight: number;
}

export interface Ipv4Subnet {
  kind: "ipv4";
  /** 4 bytes, network order. */
  address: Uint8Array;
  /** 0..32 */
  prefix: number;
  weight: number;
}

export interface Ipv6Subnet {
  kind: "ipv6";
  /** 16 bytes, network order. */
  address: Uint8Array;
  /** 0..128 */
  prefix: number;
  weight: number;
}

export type Subnet = MacSubnet | Ipv4Subnet | Ipv6Subnet;
