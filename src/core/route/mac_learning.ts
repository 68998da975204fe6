/**
 * Switch mode's learned MAC addresses: source MACs of frames read from our device become our
 * subnets (weight 10) until MACExpire seconds pass without traffic from them (spec §7). This table
 * only remembers when each learned address was last seen; announcing (ADD_SUBNET) and withdrawing
 * (DEL_SUBNET) are the engine's job, driven by {@link LearnedMacs.touch} and {@link LearnedMacs.expire}.
 * @module
 */
import { macFromKey, macKey } from "./frame.ts";

/** Last-seen times of learned MAC addresses, keyed without allocating per frame. */
export class LearnedMacs {
  private readonly lastSeen = new Map<number, number>();

  /** Number of learned addresses. */
  get size(): number {
    return this.lastSeen.size;
  }

  /** True when the address at `bytes[offset..offset+6)` was learned and not yet expired. */
  has(bytes: Uint8Array, offset: number): boolean {
    return this.lastSeen.has(macKey(bytes, offset));
  }

  /**
   * Records traffic from the address at `now` (ms). Returns true when it is new, i.e. it must be
   * announced; a known address only has its time refreshed.
   */
  touch(bytes: Uint8Array, offset: number, now: number): boolean {
    const key = macKey(bytes, offset);
    const isNew = !this.lastSeen.has(key);
    this.lastSeen.set(key, now);
    return isNew;
  }

  /** Forgets an address (e.g. when the engine withdrew it for another reason). */
  forget(mac: Uint8Array): boolean {
    return this.lastSeen.delete(macKey(mac, 0));
  }

  /**
   * Removes and returns the addresses last seen more than `macExpireSeconds` before `now`
   * (tinc: `expires < now` with `expires = lastseen + MACExpire`).
   */
  expire(now: number, macExpireSeconds: number): Uint8Array[] {
    const expired: Uint8Array[] = [];
    const limit = macExpireSeconds * 1000;
    for (const [key, seen] of this.lastSeen) {
      if (seen + limit < now) expired.push(macFromKey(key));
    }
    for (const mac of expired) this.lastSeen.delete(macKey(mac, 0));
    return expired;
  }

  /** The earliest time (ms) at which {@link expire} would remove something, or undefined. */
  nextExpiry(macExpireSeconds: number): number | undefined {
    let earliest: number | undefined;
    for (const seen of this.lastSeen.values()) {
      if (earliest === undefined || seen < earliest) earliest = seen;
    }
    // expire() removes strictly after lastSeen + limit.
    return earliest === undefined ? undefined : earliest + macExpireSeconds * 1000 + 1;
  }
}
