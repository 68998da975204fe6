/**
 * tinc 1.0's replay window (spec 1.0 §4.3), split into a check and a commit so that only a packet
 * that passed the MAC and decrypted can move it (order: MAC, decrypt, check, commit).
 *
 * ```
 *   r = highest accepted seqno, W = 8*R, late = R-byte bitmap (bit of s: byte (s/8)%R, bit s%8)
 *
 *   ... r-W | ------- window: accepted only if its late bit is set ------- | r | r+1 ... r+W-1 | r+W ...
 *       too old                                                          in order   gap: marks   far future:
 *                                                                                   r+1..s-1     dropped R/4 times,
 *                                                                                   late         then accepted
 * ```
 * Seqnos are plain numbers here; tinc's u32 arithmetic would only differ within W of 2^32, long
 * after the 2^30 rekey.
 * @module
 */

/** Why a packet failed the replay check. */
export type ReplayDrop = "too-old" | "duplicate" | "far-future";

/** Outcome of {@link LegacyReplayWindow.check}. */
export type ReplayVerdict = { accept: true } | { accept: false; reason: ReplayDrop };

const ACCEPT: ReplayVerdict = { accept: true };

/** Per-peer replay state for one receive key. */
export class LegacyReplayWindow {
  /** R, the `ReplayWindow` setting in bytes (default 16). */
  readonly bytes: number;
  readonly #late: Uint8Array;
  #received = 0;
  #farFuture = 0;

  /** @param bytes ReplayWindow in bytes; 0 disables the check. */
  constructor(bytes = 16) {
    this.bytes = Math.max(0, Math.floor(bytes));
    this.#late = new Uint8Array(this.bytes);
  }

  /** The highest accepted seqno (0 before any). */
  get highest(): number {
    return this.#received;
  }

  /** Consecutive far-future drops since the last accept. */
  get farFutureDrops(): number {
    return this.#farFuture;
  }

  /** Forgets everything, as tinc does when it issues a new receive key. */
  reset(): void {
    this.#late.fill(0);
    this.#received = 0;
    this.#farFuture = 0;
  }

  #lateBit(s: number): boolean {
    return (this.#late[Math.floor(s / 8) % this.bytes]! & (1 << (s % 8))) !== 0;
  }

  /**
   * Decides whether an authenticated packet is fresh. The only state it changes is the
   * far-future drop counter, exactly as tinc counts those drops before accepting.
   */
  check(seqno: number): ReplayVerdict {
    const w = this.bytes * 8;
    const r = this.#received;
    if (w === 0 || seqno === r + 1) return ACCEPT;
    if (seqno >= r + w) {
      if (this.#farFuture++ < this.bytes >> 2) return { accept: false, reason: "far-future" };
      return ACCEPT;
    }
    if (seqno <= r) {
      if (r >= w && seqno <= r - w) return { accept: false, reason: "too-old" };
      if (!this.#lateBit(seqno)) return { accept: false, reason: "duplicate" };
    }
    return ACCEPT;
  }

  /** Records an accepted seqno (call only after {@link check} accepted it). */
  commit(seqno: number): void {
    const w = this.bytes * 8;
    const r = this.#received;
    if (w === 0) {
      if (seqno > r) this.#received = seqno;
      return;
    }
    if (seqno !== r + 1) {
      if (seqno >= r + w) this.#late.fill(0);
      else if (seqno > r) {
        for (let i = r + 1; i < seqno; i++) this.#late[Math.floor(i / 8) % this.bytes]! |= 1 << (i % 8);
      }
    }
    this.#farFuture = 0;
    this.#late[Math.floor(seqno / 8) % this.bytes]! &= ~(1 << (seqno % 8));
    if (seqno > r) this.#received = seqno;
  }
}
