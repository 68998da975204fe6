/**
 * The port through which the engine gets its legacy packet and stream ciphers, so the runtime
 * can substitute a faster native implementation (src/crypto/legacy_native.ts) that produces
 * identical bytes.
 * @module
 */
import { createLegacyStreamCipher, type LegacyStreamCipher, type StreamDirection } from "./meta_stream.ts";
import { createLegacyPacketContext, type LegacyPacketCodec, type LegacyPacketParams } from "./packet.ts";
import type { Result } from "./result.ts";

/** Factory for the per-key packet codecs and per-connection stream ciphers. */
export interface LegacyCryptoProvider {
  /** Short label for logs ("pure", "native"). */
  readonly name: string;
  /** A codec for one direction's ANS_KEY parameters; refuses what tinc's ans_key_h refuses. */
  createPacketCodec(params: LegacyPacketParams): Result<LegacyPacketCodec>;
  /** A meta-connection stream for a cipher NID with its key and IV. */
  createStreamCipher(
    cipherNid: number,
    key: Uint8Array,
    iv: Uint8Array,
    direction: StreamDirection,
  ): Result<LegacyStreamCipher>;
}

/** The pure TypeScript provider (@noble primitives), always available. */
export const pureLegacyCrypto: LegacyCryptoProvider = {
  name: "pure",
  createPacketCodec: createLegacyPacketContext,
  createStreamCipher: createLegacyStreamCipher,
};
