/**
 * The receive order for a legacy datagram: MAC, decrypt, replay check, commit. The sequence
 * number is inside the ciphertext, so the window can only be consulted after decryption, and it
 * moves only for packets that authenticated.
 * @module
 */
import type { LegacyOpenFailure, LegacyPacketCodec } from "./packet.ts";
import type { LegacyReplayWindow, ReplayDrop } from "./replay_window.ts";

/** A fresh, authentic frame, or the counted reason it was dropped. */
export type LegacyReceiveResult =
  | { ok: true; seqno: number; frame: Uint8Array }
  | { ok: false; reason: LegacyOpenFailure | ReplayDrop; seqno?: number };

/** Opens a datagram and runs it through the replay window; never throws. */
export function receiveLegacyPacket(
  codec: LegacyPacketCodec,
  window: LegacyReplayWindow,
  datagram: Uint8Array,
): LegacyReceiveResult {
  const opened = codec.open(datagram);
  if (!opened.ok) return opened;
  const verdict = window.check(opened.seqno);
  if (!verdict.accept) return { ok: false, reason: verdict.reason, seqno: opened.seqno };
  window.commit(opened.seqno);
  return opened;
}
