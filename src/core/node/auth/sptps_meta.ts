/**
 * tinc 1.1's meta connection (spec tinc-1.1-sptps.md §2.1): the ID line carries `17.MINOR`;
 * with an agreed minor ≥ 2 both sides start a stream SPTPS session right after the ID lines
 * (initiator = the side that dialled) and every later request line is one type-0 record.
 *
 * ```
 *   connector                                   acceptor
 *   "0 carol 17.7\n"            ───────────▶    (plaintext)
 *                               ◀───────────    "0 dave 17.7\n"  KEX
 *   KEX                         ───────────▶
 *   SIG (after dave's KEX)      ───────────▶
 *                               ◀───────────    SIG (after verifying carol's)
 *   [ "4 655 1 700000c\n" ]     ◀──────────▶    one encrypted record per line
 *   [ "17 1442\n" ] [ frame ]                   PACKET: the frame is the next record
 *   [ "21 LEN\n" ] LEN raw bytes                SPTPS_PACKET: the bytes are OUTSIDE the stream
 * ```
 *
 * Minor negotiation (tinc's send_id / id_h): we send 7 when SPTPS is on (1 as connector when we
 * lack the peer's key), nothing (plain `17`) when off, `17.0` when ExperimentalProtocol = no.
 * The receiver treats the peer's minor as 0 when SPTPS is off, as 1 when it lacks the peer's
 * key, and refuses a peer that sends 0 while we know its key (a roll-back attempt).
 * @module
 */
import { RequestCode } from "../../meta/requests.ts";
import type { SptpsCipherPort } from "../../crypto/cipher_port.ts";
import { sessionLabel } from "../../sptps/prf.ts";
import { SptpsSession } from "../../sptps/session.ts";
import type { Ed25519KeyPair } from "../../sptps/ed25519.ts";
import type { RandomBytes } from "../../sptps/key_files.ts";
import type { EngineConfig } from "../config.ts";
import type { NodeCore } from "../core.ts";
import type { Authenticator, AuthStep } from "./authenticator.ts";
import { learnEd25519Key, ownEd25519Key, peerEd25519Key, PROT_MINOR, sptpsEnabled } from "./sptps_keys.ts";
import { formatPublicKey, parsePublicKey } from "../../sptps/key_files.ts";

/** The `17[.MINOR]` version text of our ID line toward `peerName` (undefined: unknown yet). */
export function idVersion(core: NodeCore, _outgoing: boolean, peerName: string | undefined): string {
  if (!sptpsEnabled(core.config)) return core.config.experimentalProtocol === false ? "17.0" : "17";
  // Without the peer's key only the legacy upgrade (minor 1) can follow. Deliberately unlike tinc
  // (spec §2.1 item 2 gives 1 only to a connector; tinc's acceptor says 7): a connector that knows
  // our key would take 7 as SPTPS and send KEX while we wait for METAKEY, and that connection (tinc
  // to tinc too) fails on every redial. On 1 it runs the legacy auth and both ACKs carry the
  // upgrade key: we learn its key, the redial uses SPTPS (test/sim/sptps_id_minor_test.ts).
  if (peerName === undefined || peerEd25519Key(core, peerName) === undefined) return "17.1";
  return `17.${PROT_MINOR}`;
}

/** The minor both sides use, or why the peer is refused. */
export type MinorChoice = { ok: true; minor: number } | { ok: false; reason: string };

/** tinc's id_h rules for the peer's announced minor. */
export function negotiateMinor(core: NodeCore, peerName: string, announced: number): MinorChoice {
  if (!sptpsEnabled(core.config)) return { ok: true, minor: 0 };
  const known = peerEd25519Key(core, peerName) !== undefined;
  if (announced >= 1 && !known) return { ok: true, minor: 1 };
  if (announced < 1 && known) {
    return { ok: false, reason: `${peerName} tries to roll back protocol version to ${announced}` };
  }
  return { ok: true, minor: announced };
}

/** ACK options' top byte: our minor, only while SPTPS is on (1.1 sends a plain `c` otherwise). */
export function ackMinorBits(config: EngineConfig): number {
  return sptpsEnabled(config) ? (PROT_MINOR << 24) >>> 0 : 0;
}

/** What the SPTPS authenticator needs from the connection it serves. */
export interface SptpsMetaHooks {
  /** Put handshake records on the wire (they bypass `seal`). */
  sendWire(bytes: Uint8Array): void;
  /** The handshake finished: the engine sends ACK and allows it. */
  established(): void;
  /** A bad record: the connection must close with this reason. */
  fail(reason: string): void;
}

/** Inputs of an SPTPS meta authenticator. */
export interface SptpsMetaContext {
  myName: string;
  myKey: Ed25519KeyPair;
  hisKey: Uint8Array;
  random: RandomBytes;
  cipher?: SptpsCipherPort;
  hooks: SptpsMetaHooks;
}

const SPTPS_PACKET_LINE = /^21 ([0-9]{1,9})\n$/;
const PACKET_LINE = /^17 [0-9]{1,9}\n$/;
const MAX_PASSTHROUGH = 65535;

/** The stream SPTPS session of one meta connection. */
export class SptpsMetaAuthenticator implements Authenticator {
  readonly kind = "sptps";
  private session: SptpsSession | undefined;
  private capture: Uint8Array[] | undefined;
  private plain: Uint8Array[] = [];
  /** Raw bytes (after `21 LEN`) that bypass the session. */
  private passthrough = 0;
  private failed = false;
  /** The record after `17 LEN` is a frame, never a line. */
  private frameNext = false;

  constructor(private readonly ctx: SptpsMetaContext) {}

  afterId(peerName: string, outgoing: boolean): AuthStep {
    const label = outgoing
      ? sessionLabel("TCP", this.ctx.myName, peerName)
      : sessionLabel("TCP", peerName, this.ctx.myName);
    this.session = SptpsSession.start({
      initiator: outgoing,
      datagram: false,
      myKey: this.ctx.myKey,
      hisKey: this.ctx.hisKey,
      label,
      rng: this.ctx.random,
      ...(this.ctx.cipher !== undefined ? { cipher: this.ctx.cipher } : {}),
      sink: {
        sendData: (bytes) => {
          if (this.capture !== undefined) this.capture.push(bytes.slice());
          else this.ctx.hooks.sendWire(bytes.slice());
        },
        receiveRecord: (type, data) => this.onRecord(type, data),
        handshakeDone: () => this.ctx.hooks.established(),
      },
    });
    // Nothing but SPTPS records may come until the handshake is done; the hooks open the gate.
    // Received bytes come through `open` (the caller also passes the ones already buffered).
    return { send: [], expect: RequestCode.METAKEY };
  }

  handle(request: { code: RequestCode }): AuthStep {
    return { send: [], expect: RequestCode.ID, refuse: `request ${request.code} inside an SPTPS connection` };
  }

  private onRecord(type: number, data: Uint8Array): void {
    if (type !== 0) {
      this.fail(`unexpected SPTPS record type ${type} on a meta connection`);
      return;
    }
    this.plain.push(data.slice());
    if (this.frameNext) {
      this.frameNext = false;
      return;
    }
    if (data.length >= 16) return;
    const text = String.fromCharCode(...data);
    const m = SPTPS_PACKET_LINE.exec(text);
    if (m !== null) this.passthrough = Math.min(Number(m[1]), MAX_PASSTHROUGH);
    else if (PACKET_LINE.test(text)) this.frameNext = true;
  }

  private fail(reason: string): void {
    if (this.failed) return;
    this.failed = true;
    this.ctx.hooks.fail(reason);
  }

  private feed(bytes: Uint8Array): Uint8Array {
    const session = this.session;
    if (session === undefined || this.failed) return new Uint8Array(0);
    let off = 0;
    // Each call consumes at most one record (or part of one); bounded by the input length.
    while (off < bytes.length && !this.failed) {
      if (this.passthrough > 0) {
        const n = Math.min(this.passthrough, bytes.length - off);
        this.plain.push(bytes.slice(off, off + n));
        this.passthrough -= n;
        off += n;
        continue;
      }
      const r = session.receive(bytes.subarray(off));
      if (!r.ok) {
        this.fail(`SPTPS: ${r.error.message}`);
        break;
      }
      if (r.used === 0) break;
      off += r.used;
    }
    const out = concat(this.plain);
    this.plain = [];
    return out;
  }

  /** A line (or PACKET frame) to send: one type-0 record once the session runs, else as is (the ID). */
  seal(bytes: Uint8Array): Uint8Array {
    const session = this.session;
    if (session === undefined) return bytes;
    if (this.failed) return new Uint8Array(0);
    this.capture = [];
    const r = session.send(0, bytes);
    const out = concat(this.capture);
    this.capture = undefined;
    return r.ok ? out : new Uint8Array(0);
  }

  /** Received bytes → the plaintext of their records (and raw SPTPS_PACKET bytes unchanged). */
  open(bytes: Uint8Array): Uint8Array {
    return this.feed(bytes);
  }
}

/**
 * Minor 1 ends the legacy authentication with `4 PUBKEY` instead of the normal ACK (tinc's
 * send_upgrade); undefined when we have no key to give.
 */
export function upgradeLine(core: NodeCore, c: { peerMinor: number }): string | undefined {
  const mine = ownEd25519Key(core.config);
  return c.peerMinor === 1 && mine !== undefined
    ? `${RequestCode.ACK} ${formatPublicKey(mine.publicKey)}`
    : undefined;
}

/**
 * The peer's `4 PUBKEY`: remember the key (appended to hosts/NAME) and close, so that the next
 * connection uses SPTPS. A key we already have is not replaced. Returns the reason to close.
 */
export function acceptUpgrade(core: NodeCore, peerName: string, peerMinor: number, keyText: string): string {
  if (peerMinor !== 1) return "ACK with a public key outside a protocol upgrade";
  if (peerEd25519Key(core, peerName) !== undefined) {
    return `already have the Ed25519 public key of ${peerName}, not upgrading`;
  }
  const key = parsePublicKey(keyText);
  if (!key.ok) return `bad Ed25519 public key in upgrade: ${key.reason}`;
  learnEd25519Key(core, peerName, key.value);
  return `got the Ed25519 public key of ${peerName}, upgrading`;
}

/** The authenticator for a connection whose agreed minor is ≥ 2, or why there is none. */
export function sptpsMetaAuthenticator(
  core: NodeCore,
  peerName: string,
  hooks: SptpsMetaHooks,
  random: RandomBytes,
): SptpsMetaAuthenticator | string {
  const myKey = ownEd25519Key(core.config);
  if (myKey === undefined) return "no Ed25519 private key";
  const hisKey = peerEd25519Key(core, peerName);
  if (hisKey === undefined) return `no Ed25519 public key for ${peerName}`;
  return new SptpsMetaAuthenticator({ myName: core.myself.name, myKey, hisKey, random, hooks });
}

function concat(parts: Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0]!;
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
