/**
 * The meta-protocol's request codes and the parsed form of every request line (tinc 1.0
 * protocol 17 and tinc 1.1 protocol 17.7). The codec (codec.ts) turns lines into these values
 * and back; handlers work only on these values.
 * @module
 */
import type { Subnet } from "../subnet/subnet.ts";

export const enum RequestCode {
  ID = 0,
  METAKEY = 1,
  CHALLENGE = 2,
  CHAL_REPLY = 3,
  ACK = 4,
  STATUS = 5,
  ERROR = 6,
  TERMREQ = 7,
  PING = 8,
  PONG = 9,
  ADD_SUBNET = 10,
  DEL_SUBNET = 11,
  ADD_EDGE = 12,
  DEL_EDGE = 13,
  KEY_CHANGED = 14,
  REQ_KEY = 15,
  ANS_KEY = 16,
  PACKET = 17,
  CONTROL = 18,
  REQ_PUBKEY = 19,
  ANS_PUBKEY = 20,
  SPTPS_PACKET = 21,
  UDP_INFO = 22,
  MTU_INFO = 23,
}

/** Option bits carried in ACK and ADD_EDGE; the top byte is the sender's protocol minor (1.1). */
export const OPTION_INDIRECT = 0x1;
export const OPTION_TCPONLY = 0x2;
export const OPTION_PMTU_DISCOVERY = 0x4;
export const OPTION_CLAMP_MSS = 0x8;

export type Request =
  /** `0 NAME 17[.MINOR]`; control: `0 ^COOKIE 0`; invitation: `0 ?KEY 17.1`. */
  | { code: RequestCode.ID; name: string; major: number; minor: number }
  | {
    code: RequestCode.METAKEY;
    cipher: number;
    digest: number;
    macLength: number;
    compression: number;
    keyHex: string;
  }
  | { code: RequestCode.CHALLENGE; hex: string }
  | { code: RequestCode.CHAL_REPLY; hex: string }
  /** `4 PORT WEIGHT OPTIONS`; the 1.1 upgrade form `4 PUBKEY` is `{ upgradeKey }`. */
  | { code: RequestCode.ACK; port: string; weight: number; options: number }
  | { code: RequestCode.ACK; upgradeKey: string }
  /** 5–7 were never sent by 1.0.36 or 1.1; `line` is the text after the code, for logging. */
  | { code: RequestCode.STATUS; line: string }
  | { code: RequestCode.ERROR; line: string }
  | { code: RequestCode.TERMREQ; line: string }
  /** No handler in 1.0 or 1.1 (REQ_KEY extension numbers only); `line` is the text after the code. */
  | { code: RequestCode.REQ_PUBKEY | RequestCode.ANS_PUBKEY; line: string }
  | { code: RequestCode.PING }
  | { code: RequestCode.PONG }
  | { code: RequestCode.ADD_SUBNET | RequestCode.DEL_SUBNET; nonce: number; owner: string; subnet: Subnet }
  | {
    code: RequestCode.ADD_EDGE;
    nonce: number;
    from: string;
    to: string;
    address: string;
    port: string;
    options: number;
    weight: number;
    /** 1.1 only: the local address the edge's owner sees. */
    localAddress?: string;
    localPort?: string;
  }
  | { code: RequestCode.DEL_EDGE; nonce: number; from: string; to: string }
  | { code: RequestCode.KEY_CHANGED; nonce: number; origin: string }
  /** `15 FROM TO [EXT PAYLOAD]`: EXT is a request code (19, 20, 21, 15 = REQ_SPTPS_START). */
  | { code: RequestCode.REQ_KEY; from: string; to: string; ext?: number; payload?: string }
  | {
    code: RequestCode.ANS_KEY;
    from: string;
    to: string;
    key: string;
    cipher: number;
    digest: number;
    macLength: number;
    compression: number;
    address?: string;
    port?: string;
  }
  /** `17 LEN` — LEN raw bytes follow in the stream. */
  | { code: RequestCode.PACKET; length: number }
  | { code: RequestCode.CONTROL; type: number; args: string[] }
  /** `21 LEN` — LEN raw bytes follow outside the SPTPS stream. */
  | { code: RequestCode.SPTPS_PACKET; length: number }
  | { code: RequestCode.UDP_INFO; from: string; to: string; address: string; port: string }
  | { code: RequestCode.MTU_INFO; from: string; to: string; mtu: number };

/** Parse outcome: a value, or a reason that handlers log before acting as tinc does. */
export type ParseResult<T> = { ok: true; value: T } | { ok: false; reason: string };
