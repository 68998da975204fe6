/**
 * An SPTPS session (spec tinc-1.1-sptps.md §1.2–§1.7) as a pure state machine, in the shape of
 * tinc's sptps.c: bytes in through `receive`, everything out through the sink's callbacks
 * (`sendData` wire bytes, `receiveRecord` application records, `handshakeDone`). No clock, no
 * I/O; randomness comes from the `rng` option.
 *
 * Records (all handshake records have type 128):
 *
 * ```
 *  stream, plaintext     | len u16be | type | data[len] |
 *  stream, encrypted     | len u16be | ChaCha20(type || data) | Poly1305 tag[16] |
 *  datagram, plaintext   | seqno u32be | type | data |
 *  datagram, encrypted   | seqno u32be | ChaCha20(type || data) | Poly1305 tag[16] |
 *
 *  KEX  | version (0) | nonce[32] | ephemeral Ed25519 public[32] |      65 bytes
 *  SIG  | Ed25519 signature over flag || own KEX || peer KEX || label |  64 bytes
 *  ACK  | (empty) |
 * ```
 *
 * Handshake order: both send KEX at start; the initiator sends SIG on the peer's KEX, the
 * responder sends SIG after verifying the initiator's. The first handshake switches both
 * directions on the verified SIG; a rekey (KEX, KEX, SIG, SIG under the old keys) ends with an
 * ACK each way: sending ours switches our outgoing key, receiving theirs the incoming one.
 * @module
 */
import {
  DEFAULT_REPLAY_WINDOW,
  MAX_RECORD_DATA,
  MAX_REPLAY_WINDOW,
  type SptpsCipherPort,
} from "../crypto/cipher_port.ts";
import { NobleSptpsCipher } from "../crypto/sptps_noble.ts";
import {
  type Ed25519KeyPair,
  ephemeralFromSeed,
  type EphemeralKey,
  ephemeralSharedSecret,
  signWithExpanded,
  verifySignature,
} from "./ed25519.ts";
import type { RandomBytes } from "./key_files.ts";
import { deriveSessionKeys } from "./prf.ts";

/** Record type of every handshake record (KEX, SIG, ACK). Types 0..127 are the application's. */
export const SPTPS_HANDSHAKE = 128;
/** KEX version byte we send; 1.1 HEAD refuses any other. */
export const SPTPS_VERSION = 0;
/** Length of a KEX body. */
export const KEX_LENGTH = 65;
/** Length of a SIG body. */
export const SIG_LENGTH = 64;
/** Overhead of an encrypted datagram record (seqno, type, tag). */
export const SPTPS_DATAGRAM_OVERHEAD = 21;

/** Where the handshake stands (tinc's names). */
export enum SptpsState {
  /** Our KEX is out; waiting for the peer's. */
  Kex = "kex",
  /** Established; a KEX from the peer starts a rekey. */
  SecondaryKex = "secondary-kex",
  /** Waiting for the peer's SIG. */
  Sig = "sig",
  /** Rekey: our ACK is out, waiting for the peer's. */
  Ack = "ack",
}

/** Why a record or call was refused. */
export type SptpsErrorCode =
  | "too-short"
  | "too-long"
  | "bad-seqno"
  | "decrypt-failed"
  | "replay"
  | "unexpected-record"
  | "invalid-type"
  | "bad-kex-length"
  | "bad-kex-version"
  | "bad-sig-length"
  | "bad-signature"
  | "ecdh-failed"
  | "bad-ack"
  | "not-ready"
  | "bad-state"
  | "failed";

/** A refusal with tinc-style wording for the log. */
export interface SptpsError {
  code: SptpsErrorCode;
  message: string;
}

/** Outcome of `receive`: how many input bytes were used, and whether the record was good. */
export type SptpsReceiveResult = { ok: true; used: number } | { ok: false; used: number; error: SptpsError };

/** Outcome of `send` and `forceKex`. */
export type SptpsResult = { ok: true } | { ok: false; error: SptpsError };

/** Outputs of a session, called synchronously from `start`, `receive`, `send` and `forceKex`. */
export interface SptpsSink {
  /** Bytes to put on the wire (one whole record); `type` is the record's type, 128 for handshake. */
  sendData(bytes: Uint8Array, type: number): void;
  /** An application record (type 0..127) arrived. */
  receiveRecord(type: number, data: Uint8Array): void;
  /** A handshake finished (the first one or a rekey): both directions now use the new keys. */
  handshakeDone(): void;
}

/** Parameters of `SptpsSession.start`. */
export interface SptpsStartOptions {
  /** The side that opened the connection (meta) or sent REQ_KEY (data session). */
  initiator: boolean;
  /** Datagram records (UDP sessions) instead of stream records (meta connections). */
  datagram: boolean;
  /** Our long-term key. */
  myKey: Ed25519KeyPair;
  /** The peer's 32-byte Ed25519 public key. */
  hisKey: Uint8Array;
  /** Session label (prf.ts `sessionLabel`, with its trailing NUL). */
  label: Uint8Array;
  /** Source of KEX nonces and ephemeral seeds (32 bytes each, nonce drawn first). */
  rng: RandomBytes;
  /** Datagram mode's replay window in bytes (tinc's ReplayWindow, default 16, 0 = off, at most 256). */
  replayWindow?: number;
  /** Record cipher; a private pure-TypeScript one when omitted. */
  cipher?: SptpsCipherPort;
  /** Key slot of `cipher` owned by this session (default 0). */
  slot?: number;
  /** Accept a KEX whose version byte is not 0, as 1.1pre18 did (default: refuse like 1.1 HEAD). */
  acceptAnyKexVersion?: boolean;
  sink: SptpsSink;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

const STREAM_HEADER = 2;
const TAG_LENGTH = 16;

/** One SPTPS session. Create with `SptpsSession.start`. Bad input never throws. */
export class SptpsSession {
  readonly initiator: boolean;
  readonly datagram: boolean;
  private readonly myKey: Ed25519KeyPair;
  private readonly hisKey: Uint8Array;
  private readonly label: Uint8Array;
  private readonly rng: RandomBytes;
  private readonly cipher: SptpsCipherPort;
  private readonly slot: number;
  private readonly acceptAnyKexVersion: boolean;
  private readonly sink: SptpsSink;

  private stateValue: SptpsState = SptpsState.Kex;
  /** Outgoing records are encrypted. */
  private outstate = false;
  /** Incoming records are encrypted. */
  private instate = false;
  private outseqno = 0;
  /** Stream mode's implicit receive counter (datagram mode keeps it in the replay window). */
  private inseqno = 0;
  private mykex: Uint8Array | undefined = undefined;
  private hiskex: Uint8Array | undefined = undefined;
  private ephemeral: EphemeralKey | undefined;
  /** Incoming key derived in a rekey, installed when the peer's ACK arrives. */
  private pendingInKey: Uint8Array | undefined;
  /** Stream mode: bytes of the record being assembled. */
  private streamBuffer: Uint8Array = new Uint8Array(0);
  /** Stream mode: a record was refused, the byte stream can no longer be trusted. */
  private streamFailed = false;

  private constructor(options: SptpsStartOptions) {
    this.initiator = options.initiator;
    this.datagram = options.datagram;
    this.myKey = options.myKey;
    this.hisKey = options.hisKey.slice();
    this.label = options.label.slice();
    this.rng = options.rng;
    this.cipher = options.cipher ?? new NobleSptpsCipher({ slots: 1, arenaSize: 0, maxBatch: 0 });
    this.slot = options.slot ?? 0;
    this.acceptAnyKexVersion = options.acceptAnyKexVersion ?? false;
    this.sink = options.sink;
  }

  /** Creates a session and sends our KEX at once (neither side waits for the other). */
  static start(options: SptpsStartOptions): SptpsSession {
    const session = new SptpsSession(options);
    const window = Math.min(
      Math.max(0, Math.floor(options.replayWindow ?? DEFAULT_REPLAY_WINDOW)),
      MAX_REPLAY_WINDOW,
    );
    session.cipher.clearKey(session.slot, "send");
    session.cipher.clearKey(session.slot, "recv");
    session.cipher.replayReset(session.slot, window, "sptps");
    session.sendKex();
    return session;
  }

  /** Current handshake state. */
  get state(): SptpsState {
    return this.stateValue;
  }

  /** Both directions are encrypted (the first handshake completed). */
  get established(): boolean {
    return this.instate && this.outstate;
  }

  /** Seqno the next outgoing record will use. */
  get nextSendSeqno(): number {
    return this.outseqno;
  }

  /** Seqno expected next from the peer. */
  get nextReceiveSeqno(): number {
    return this.datagram ? this.cipher.replayTop(this.slot) : this.inseqno;
  }

  /**
   * Stream mode: consumes bytes of at most one record (a partial record is kept) and returns how
   * many were used, so the caller can hand the rest to something else (a raw SPTPS_PACKET tail)
   * or call again. Datagram mode: `bytes` is one whole record.
   */
  receive(bytes: Uint8Array): SptpsReceiveResult {
    return this.datagram ? this.receiveDatagram(bytes) : this.receiveStream(bytes);
  }

  /** Sends an application record (type 0..127); refused before the first handshake finished. */
  send(type: number, data: Uint8Array): SptpsResult {
    if (!this.outstate) return this.fail("not-ready", "Handshake phase not finished yet");
    if (!Number.isInteger(type) || type < 0 || type >= SPTPS_HANDSHAKE) {
      return this.fail("invalid-type", `Invalid application record type ${type}`);
    }
    if (data.length > MAX_RECORD_DATA) {
      return this.fail("too-long", `Record of ${data.length} bytes is too long`);
    }
    this.sendRecord(type, data);
    return { ok: true };
  }

  /** Starts a rekey; only allowed while established and idle (tinc's SECONDARY_KEX state). */
  forceKex(): SptpsResult {
    if (!this.outstate || this.stateValue !== SptpsState.SecondaryKex) {
      return this.fail("bad-state", "Cannot force KEX in current state");
    }
    this.stateValue = SptpsState.Kex;
    this.sendKex();
    return { ok: true };
  }

  /**
   * Datagram mode: would `record` be accepted now (tag and replay window), without changing any
   * state? Used to find which session an unknown UDP source belongs to.
   */
  verifyDatagram(record: Uint8Array): boolean {
    if (!this.datagram || !this.instate) return false;
    if (
      record.length < SPTPS_DATAGRAM_OVERHEAD || record.length > MAX_RECORD_DATA + SPTPS_DATAGRAM_OVERHEAD
    ) {
      return false;
    }
    const seqno = new DataView(record.buffer, record.byteOffset, 4).getUint32(0, false);
    if (this.cipher.replayCheck(this.slot, seqno) !== "ok") return false;
    return this.cipher.openBody(this.slot, seqno, record.subarray(4)).ok;
  }

  private fail(code: SptpsErrorCode, message: string): { ok: false; error: SptpsError } {
    return { ok: false, error: { code, message } };
  }

  private refuse(used: number, code: SptpsErrorCode, message: string): SptpsReceiveResult {
    if (!this.datagram) this.streamFailed = true;
    return { ok: false, used, error: { code, message } };
  }

  // ---- record layer ----

  private sendRecord(type: number, data: Uint8Array): void {
    const seqno = this.outseqno;
    this.outseqno = (this.outseqno + 1) >>> 0;
    let bytes: Uint8Array;
    if (this.datagram) {
      if (this.outstate) bytes = this.cipher.seal(this.slot, seqno, type, data);
      else {
        bytes = new Uint8Array(5 + data.length);
        new DataView(bytes.buffer).setUint32(0, seqno, false);
        bytes[4] = type;
        bytes.set(data, 5);
      }
    } else {
      const header = new Uint8Array(STREAM_HEADER);
      new DataView(header.buffer).setUint16(0, data.length, false);
      bytes = this.outstate
        ? concat(header, this.cipher.sealBody(this.slot, seqno, type, data))
        : concat(header, Uint8Array.of(type), data);
    }
    this.sink.sendData(bytes, type);
  }

  private receiveStream(bytes: Uint8Array): SptpsReceiveResult {
    if (this.streamFailed) return this.refuse(0, "failed", "Session failed earlier; no more records");
    let used = 0;
    // The length header first, then exactly the rest of this one record.
    if (this.streamBuffer.length < STREAM_HEADER) {
      const take = Math.min(STREAM_HEADER - this.streamBuffer.length, bytes.length);
      this.streamBuffer = concat(this.streamBuffer, bytes.subarray(0, take));
      used += take;
      if (this.streamBuffer.length < STREAM_HEADER) return { ok: true, used };
    }
    const len = (this.streamBuffer[0]! << 8) | this.streamBuffer[1]!;
    const total = STREAM_HEADER + 1 + len + (this.instate ? TAG_LENGTH : 0);
    const take = Math.min(total - this.streamBuffer.length, bytes.length - used);
    this.streamBuffer = concat(this.streamBuffer, bytes.subarray(used, used + take));
    used += take;
    if (this.streamBuffer.length < total) return { ok: true, used };

    const record = this.streamBuffer;
    this.streamBuffer = new Uint8Array(0);
    const seqno = this.inseqno;
    this.inseqno = (this.inseqno + 1) >>> 0;
    let type: number;
    let data: Uint8Array;
    if (this.instate) {
      const opened = this.cipher.openBody(this.slot, seqno, record.subarray(STREAM_HEADER));
      if (!opened.ok) {
        return this.refuse(used, "decrypt-failed", `Failed to decrypt and verify record ${seqno}`);
      }
      type = opened.type;
      data = opened.data;
    } else {
      type = record[STREAM_HEADER]!;
      data = record.subarray(STREAM_HEADER + 1);
    }
    const error = this.dispatch(type, data);
    return error === undefined ? { ok: true, used } : this.refuse(used, error.code, error.message);
  }

  private receiveDatagram(record: Uint8Array): SptpsReceiveResult {
    const used = record.length;
    if (record.length < 5) {
      return this.refuse(used, "too-short", `Received short packet (${record.length} bytes)`);
    }
    if (record.length > MAX_RECORD_DATA + SPTPS_DATAGRAM_OVERHEAD) {
      return this.refuse(used, "too-long", `Received oversize packet (${record.length} bytes)`);
    }
    const seqno = new DataView(record.buffer, record.byteOffset, 4).getUint32(0, false);
    if (!this.instate) {
      const expected = this.cipher.replayTop(this.slot);
      if (seqno !== expected) {
        return this.refuse(used, "bad-seqno", `Invalid packet seqno: ${seqno} != ${expected}`);
      }
      this.cipher.replayCommit(this.slot, seqno);
      const type = record[4]!;
      if (type !== SPTPS_HANDSHAKE) {
        return this.refuse(
          used,
          "unexpected-record",
          "Application record received before handshake finished",
        );
      }
      const error = this.receiveHandshake(record.subarray(5));
      return error === undefined ? { ok: true, used } : this.refuse(used, error.code, error.message);
    }
    if (record.length < SPTPS_DATAGRAM_OVERHEAD) {
      return this.refuse(used, "too-short", `Received short packet (${record.length} bytes)`);
    }
    const opened = this.cipher.open(this.slot, record);
    if (!opened.ok) {
      if (opened.reason === "replay") {
        return this.refuse(used, "replay", `Replayed or out-of-window packet seqno ${seqno}, dropped`);
      }
      return this.refuse(used, "decrypt-failed", `Failed to decrypt and verify packet seqno ${seqno}`);
    }
    const error = this.dispatch(opened.type, opened.data);
    return error === undefined ? { ok: true, used } : this.refuse(used, error.code, error.message);
  }

  private dispatch(type: number, data: Uint8Array): SptpsError | undefined {
    if (type < SPTPS_HANDSHAKE) {
      if (!this.instate) {
        return {
          code: "unexpected-record",
          message: "Application record received before handshake finished",
        };
      }
      this.sink.receiveRecord(type, data);
      return undefined;
    }
    if (type === SPTPS_HANDSHAKE) return this.receiveHandshake(data);
    return { code: "invalid-type", message: `Invalid record type ${type}` };
  }

  // ---- handshake ----

  private receiveHandshake(data: Uint8Array): SptpsError | undefined {
    switch (this.stateValue) {
      case SptpsState.SecondaryKex:
      case SptpsState.Kex: {
        // A KEX while established is the peer's rekey: answer with our own KEX first.
        const wasIdle = this.stateValue === SptpsState.SecondaryKex;
        if (wasIdle && data.length !== KEX_LENGTH) {
          return {
            code: "unexpected-record",
            message: `Unexpected handshake record of ${data.length} bytes`,
          };
        }
        const check = this.checkKex(data);
        if (check !== undefined) return check;
        if (wasIdle) {
          this.stateValue = SptpsState.Kex;
          this.sendKex();
        }
        this.hiskex = data.slice();
        this.stateValue = SptpsState.Sig;
        if (this.initiator) this.sendSig();
        return undefined;
      }
      case SptpsState.Sig: {
        const error = this.receiveSig(data);
        if (error !== undefined) return error;
        if (this.outstate) {
          this.stateValue = SptpsState.Ack;
          return undefined;
        }
        this.outstate = true;
        this.installIncomingKey();
        this.stateValue = SptpsState.SecondaryKex;
        this.sink.handshakeDone();
        return undefined;
      }
      case SptpsState.Ack: {
        if (data.length !== 0) {
          return { code: "bad-ack", message: `Invalid ACK record length ${data.length}` };
        }
        this.installIncomingKey();
        this.stateValue = SptpsState.SecondaryKex;
        this.sink.handshakeDone();
        return undefined;
      }
    }
  }

  private checkKex(data: Uint8Array): SptpsError | undefined {
    if (data.length !== KEX_LENGTH) {
      return { code: "bad-kex-length", message: `Invalid KEX record length ${data.length}` };
    }
    if (data[0] !== SPTPS_VERSION && !this.acceptAnyKexVersion) {
      return { code: "bad-kex-version", message: `Received incorrect version ${data[0]}` };
    }
    return undefined;
  }

  private sendKex(): void {
    // tinc draws the nonce first, then the ephemeral seed.
    const nonce = this.rng(32);
    this.ephemeral = ephemeralFromSeed(this.rng(32));
    this.mykex = concat(Uint8Array.of(SPTPS_VERSION), nonce, this.ephemeral.publicKey);
    this.sendRecord(SPTPS_HANDSHAKE, this.mykex);
  }

  /** flag (1 iff the signer is the initiator) || signer's KEX || other KEX || label. */
  private signedMessage(signerIsInitiator: boolean, signerKex: Uint8Array, otherKex: Uint8Array): Uint8Array {
    return concat(Uint8Array.of(signerIsInitiator ? 1 : 0), signerKex, otherKex, this.label);
  }

  private sendSig(): void {
    const msg = this.signedMessage(this.initiator, this.mykex!, this.hiskex!);
    this.sendRecord(SPTPS_HANDSHAKE, signWithExpanded(this.myKey.expandedSecret, this.myKey.publicKey, msg));
  }

  private receiveSig(data: Uint8Array): SptpsError | undefined {
    if (data.length !== SIG_LENGTH) {
      return { code: "bad-sig-length", message: `Invalid SIG record length ${data.length}` };
    }
    const mykex = this.mykex!, hiskex = this.hiskex!;
    if (!verifySignature(this.hisKey, this.signedMessage(!this.initiator, hiskex, mykex), data)) {
      return { code: "bad-signature", message: "Failed to verify SIG record" };
    }
    const shared = ephemeralSharedSecret(this.ephemeral!.seed, hiskex.subarray(33, 65));
    if (shared === undefined) return { code: "ecdh-failed", message: "Failed to compute ECDH shared secret" };
    const keys = this.initiator
      ? deriveSessionKeys(shared, mykex.subarray(1, 33), hiskex.subarray(1, 33), this.label)
      : deriveSessionKeys(shared, hiskex.subarray(1, 33), mykex.subarray(1, 33), this.label);
    shared.fill(0);
    if (!this.initiator) this.sendSig();
    this.ephemeral!.seed.fill(0);
    this.ephemeral = undefined;
    this.mykex = undefined;
    this.hiskex = undefined;
    // In a rekey our ACK still goes under the old key; every record after it uses the new one.
    if (this.outstate) this.sendRecord(SPTPS_HANDSHAKE, new Uint8Array(0));
    this.cipher.setKey(this.slot, "send", this.initiator ? keys.initiatorSends : keys.responderSends);
    this.pendingInKey = this.initiator ? keys.responderSends : keys.initiatorSends;
    return undefined;
  }

  private installIncomingKey(): void {
    this.cipher.setKey(this.slot, "recv", this.pendingInKey!);
    this.pendingInKey!.fill(0);
    this.pendingInKey = undefined;
    this.instate = true;
  }
}
