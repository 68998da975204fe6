/**
 * tinc 1.0's RSA authentication of a meta connection (protocol_auth.c, spec 1.0 §2.2), between
 * the engine's ID and ACK:
 *
 * ```
 *   client (dialled)                         server (accepted)
 *   0 alice 17              ───────────▶
 *                           ◀───────────   0 bob 17
 *                           ◀───────────   1 429 672 0 0 <S_b^e_a>      ┐ bob encrypts every
 *   1 429 672 0 0 <S_a^e_b> ───────────▶                                │ byte after this line
 *   ┌ alice encrypts every byte after her METAKEY line                  ┘
 *   2 <challenge for bob>   ───────────▶   (each side challenges once it has the peer's METAKEY)
 *                           ◀───────────   2 <challenge for alice>
 *   3 <digest of bob's>     ───────────▶   (the client answers at once)
 *                           ◀───────────   3 <digest of alice's>  4 655 W c   (only after verifying)
 *   4 655 W c               ───────────▶   (after verifying)
 * ```
 *
 * METAKEY carries S, RSA_size(recipient) random bytes with the top bit cleared, raw-RSA
 * encrypted to the recipient. The stream cipher of the sender's direction takes its key and IV
 * from the END of S (metakey.ts). Each direction is one continuous CFB stream for the life of
 * the connection. A CHAL_REPLY is the hex digest of the challenge under the digest that the
 * challenger named in its METAKEY; the challenger checks it with its own digest.
 * @module
 */
import { type Request, RequestCode } from "../../meta/requests.ts";
import {
  challengeReplyHex,
  newChallenge,
  parseChallengeHex,
  verifyChallengeReply,
} from "../../crypto/legacy/challenge.ts";
import { type LegacyStreamCipher, metaStreamCipherSpec } from "../../crypto/legacy/meta_stream.ts";
import { buildMetakey, checkMetakeyNids, metaKeyAndIv, openMetakey } from "../../crypto/legacy/metakey.ts";
import { cipherByNid, metaCipherForPacketCipher, Nid } from "../../crypto/legacy/nid.ts";
import type { LegacyCryptoProvider } from "../../crypto/legacy/provider.ts";
import type { Result } from "../../crypto/legacy/result.ts";
import type { RsaPrivateKey, RsaPublicKey } from "../../crypto/legacy/rsa.ts";
import { type RandomBytes, randomBytesFrom } from "../../crypto/legacy/rsa_keygen.ts";
import type { EngineConfig } from "../config.ts";
import type { RandomSource } from "../effects.ts";
import type { Authenticator, AuthStep } from "./authenticator.ts";
import { keyringFor, type LegacyKeyring } from "./legacy_keys.ts";

/** What a legacy authenticator needs from its node. */
export interface LegacyAuthContext {
  keyring: LegacyKeyring;
  random: RandomBytes;
  provider: LegacyCryptoProvider;
  /** The stream cipher we announce for our direction (tinc: AES-CFB sized to the packet cipher). */
  metaCipherNid: number;
  /** The digest we announce and verify our challenge with (tinc: always sha256). */
  digestNid: number;
}

/** The context tinc 1.0.36 would use under this configuration. */
export function legacyAuthContext(config: EngineConfig, random: RandomSource): LegacyAuthContext {
  const packet = cipherByNid(config.packet.cipher);
  return {
    keyring: keyringFor(config),
    random: randomBytesFrom(random),
    provider: config.legacyCrypto,
    metaCipherNid: packet.ok ? metaCipherForPacketCipher(packet.value).nid : Nid.AES_256_CFB,
    digestNid: Nid.SHA256,
  };
}

type Stage = "id" | "metakey" | "challenge" | "chal_reply" | "done" | "failed";

function refuse(reason: string): AuthStep {
  return { send: [], expect: RequestCode.ID, refuse: reason };
}

/** One connection's RSA handshake and its two CFB streams. */
export class LegacyAuthenticator implements Authenticator {
  readonly kind = "legacy";
  readonly sealsStream = true;
  private stage: Stage = "id";
  private outgoing = false;
  private peerName = "";
  private peerKey: RsaPublicKey | undefined;
  private ownKey: RsaPrivateKey | undefined;
  /** Our stream, switched on right after our METAKEY line has been sealed. */
  private armed: LegacyStreamCipher | undefined;
  private encryptor: LegacyStreamCipher | undefined;
  private peerDigestNid = 0;
  private ourChallenge: Uint8Array | undefined;
  private peerChallenge: Uint8Array | undefined;

  constructor(private readonly ctx: LegacyAuthContext) {}

  /** The peer's ID passed the engine's checks: send our METAKEY (both roles do so now). */
  afterId(peerName: string, outgoing: boolean): AuthStep {
    if (this.stage !== "id") return this.fail("ID twice");
    this.peerName = peerName;
    this.outgoing = outgoing;
    const own = this.ctx.keyring.privateKey();
    if (!own.ok) return this.fail(own.reason);
    const peer = this.ctx.keyring.publicKey(peerName);
    if (!peer.ok) return this.fail(peer.reason);
    this.ownKey = own.value;
    this.peerKey = peer.value;
    const metakey = buildMetakey(peer.value, this.ctx.random);
    if (!metakey.ok) return this.fail(metakey.reason);
    const stream = this.streamFromSecret(metakey.value.secret, this.ctx.metaCipherNid, "encrypt");
    if (!stream.ok) return this.fail(stream.reason);
    this.armed = stream.value;
    this.stage = "metakey";
    const line =
      `${RequestCode.METAKEY} ${this.ctx.metaCipherNid} ${this.ctx.digestNid} 0 0 ${metakey.value.hex}`;
    return { send: [line], expect: RequestCode.METAKEY };
  }

  handle(request: Request): AuthStep {
    switch (request.code) {
      case RequestCode.METAKEY:
        return this.stage === "metakey" ? this.onMetakey(request) : this.fail("METAKEY out of order");
      case RequestCode.CHALLENGE:
        return this.stage === "challenge"
          ? this.onChallenge(request.hex)
          : this.fail("CHALLENGE out of order");
      case RequestCode.CHAL_REPLY:
        return this.stage === "chal_reply"
          ? this.onChalReply(request.hex)
          : this.fail("CHAL_REPLY out of order");
      default:
        return this.fail(`request ${request.code} during RSA authentication`);
    }
  }

  /** The peer's METAKEY: open S with our key, decrypt from the next byte on, challenge the peer. */
  private onMetakey(req: Extract<Request, { code: RequestCode.METAKEY }>): AuthStep {
    const nids = checkMetakeyNids(req.cipher, req.digest);
    if (!nids.ok) return this.fail(nids.reason);
    // tinc checks the (unused) MAC length against the digest, and ignores the compression field.
    if (!Number.isInteger(req.macLength) || req.macLength < 0 || req.macLength > nids.value.digest.size) {
      return this.fail(`METAKEY with bogus MAC length ${req.macLength}`);
    }
    const secret = openMetakey(this.ownKey!, req.keyHex);
    if (!secret.ok) return this.fail(secret.reason);
    const decryptor = this.streamFromSecret(secret.value, req.cipher, "decrypt");
    if (!decryptor.ok) return this.fail(decryptor.reason);
    this.peerDigestNid = req.digest;
    const challenge = newChallenge(this.peerKey!, this.ctx.random);
    this.ourChallenge = challenge.bytes;
    this.stage = "challenge";
    const stream = decryptor.value;
    return {
      send: [`${RequestCode.CHALLENGE} ${challenge.hex}`],
      expect: RequestCode.CHALLENGE,
      decryptFollowing: (bytes) => stream.update(bytes),
    };
  }

  /** The peer's CHALLENGE: the client answers at once, the server waits for the client's proof. */
  private onChallenge(hex: string): AuthStep {
    const challenge = parseChallengeHex(this.ownKey!, hex);
    if (!challenge.ok) return this.fail(challenge.reason);
    this.peerChallenge = challenge.value;
    this.stage = "chal_reply";
    if (!this.outgoing) return { send: [], expect: RequestCode.CHAL_REPLY };
    const reply = this.replyLine();
    if (!reply.ok) return this.fail(reply.reason);
    return { send: [reply.value], expect: RequestCode.CHAL_REPLY };
  }

  /** The peer's CHAL_REPLY: it proves the peer holds the key; the server now answers too; then ACK. */
  private onChalReply(hex: string): AuthStep {
    const verdict = verifyChallengeReply(this.ourChallenge!, this.ctx.digestNid, hex);
    if (!verdict.ok) {
      return this.fail(`${this.peerName} failed the challenge (wrong key?): ${verdict.reason}`);
    }
    this.stage = "done";
    if (this.outgoing) return { send: [], expect: RequestCode.ACK };
    const reply = this.replyLine();
    if (!reply.ok) return this.fail(reply.reason);
    return { send: [reply.value], expect: RequestCode.ACK };
  }

  private replyLine(): Result<string> {
    const hex = challengeReplyHex(this.peerChallenge!, this.peerDigestNid);
    return hex.ok ? { ok: true, value: `${RequestCode.CHAL_REPLY} ${hex.value}` } : hex;
  }

  private streamFromSecret(
    secret: Uint8Array,
    cipherNid: number,
    direction: "encrypt" | "decrypt",
  ): Result<LegacyStreamCipher> {
    const spec = metaStreamCipherSpec(cipherNid);
    if (!spec.ok) return spec;
    const kv = metaKeyAndIv(secret, spec.value);
    if (!kv.ok) return kv;
    return this.ctx.provider.createStreamCipher(cipherNid, kv.value.key, kv.value.iv, direction);
  }

  private fail(reason: string): AuthStep {
    this.stage = "failed";
    return refuse(reason);
  }

  /**
   * Encrypts what we send once our METAKEY is out. The METAKEY line is the first thing sealed
   * after afterId armed the stream, so it goes out in clear and everything after it does not.
   */
  seal(bytes: Uint8Array): Uint8Array {
    if (this.encryptor !== undefined) return this.encryptor.update(bytes);
    if (this.armed !== undefined) {
      this.encryptor = this.armed;
      this.armed = undefined;
    }
    return bytes;
  }

  /** Decryption happens in the framer (decryptFollowing), at the exact byte after METAKEY. */
  open(bytes: Uint8Array): Uint8Array {
    return bytes;
  }
}
