/**
 * The past-request cache (tinc's seen_request / age_past_requests): flooded requests
 * (ADD/DEL_SUBNET, ADD/DEL_EDGE, KEY_CHANGED) are handled and forwarded only the first time
 * their exact line is seen.
 *
 * ```
 *  key = line without "\n", up to the first NUL (tinc compares C strings)
 *  seen(line, now):  known -> true (ignore, don't forward)     unknown -> record now, false
 *  age(now):         drop entries with firstSeen + pingInterval <= now  (at each periodic check)
 * ```
 *
 * Entries are kept in insertion order; while `now` never went backwards that is also age order,
 * so aging stops at the first young entry (a full walk otherwise).
 *
 * Bound: at most `maxEntries` (default {@link DEFAULT_MAX_ENTRIES} = 100,000) lines are kept;
 * recording one more evicts the oldest. tinc has no bound; a peer flooding unique lines could
 * otherwise grow memory without limit within one PingInterval. At 100,000 entries of ~100 bytes
 * the cache stays around 10-20 MB, far above what a legitimate mesh floods in 60 s.
 * @module
 */

/** Default entry limit (see module doc). */
export const DEFAULT_MAX_ENTRIES = 100_000;

/** First-seen times of flooded request lines, aged by PingInterval. */
export class DedupCache {
  readonly #firstSeen = new Map<string, number>();
  #pingIntervalMs: number;
  #maxEntries: number;
  /** Latest `now` recorded, and whether every recording came at or after the previous one. */
  #latest = -Infinity;
  #inOrder = true;

  /**
   * @param pingIntervalMs lifetime of an entry (tinc: PingInterval, default 60 s)
   * @param maxEntries hard bound; the oldest entry is evicted beyond it
   */
  constructor(pingIntervalMs: number, maxEntries: number = DEFAULT_MAX_ENTRIES) {
    this.#pingIntervalMs = pingIntervalMs;
    this.#maxEntries = Math.max(1, Math.floor(maxEntries));
  }

  /** Changes lifetime and bound (a reloaded configuration); a smaller bound applies at the next record. */
  setLimits(pingIntervalMs: number, maxEntries: number): void {
    this.#pingIntervalMs = pingIntervalMs;
    this.#maxEntries = Math.max(1, Math.floor(maxEntries));
  }

  /** Whether `line` is remembered, without recording it. */
  has(line: string): boolean {
    return this.#firstSeen.has(keyOf(line));
  }

  /** Number of remembered lines. */
  get size(): number {
    return this.#firstSeen.size;
  }

  /**
   * Whether `line` was seen before; if not, remembers it as first seen at `now` (ms).
   * @returns true when the request must be ignored (not handled, not forwarded)
   */
  seen(line: string, now: number): boolean {
    if (this.#firstSeen.has(keyOf(line))) return true;
    this.record(line, now);
    return false;
  }

  /**
   * Remembers `line` as first seen at `now`, for a caller that has just found it absent with
   * {@link has} (one hash look-up instead of two). Same bound and ordering as {@link seen}.
   */
  record(line: string, now: number): void {
    this.#firstSeen.set(keyOf(line), now);
    if (now < this.#latest) this.#inOrder = false;
    else this.#latest = now;
    while (this.#firstSeen.size > this.#maxEntries) {
      // Map iteration order is insertion order, so the first key is the oldest entry.
      const oldest = this.#firstSeen.keys().next();
      if (oldest.done) break;
      this.#firstSeen.delete(oldest.value);
    }
  }

  /** Forgets every entry with `firstSeen + pingInterval <= now` (ms). Returns how many went. */
  age(now: number): number {
    let removed = 0;
    // In age order the walk stops at the first young entry; otherwise it is a full walk,
    // bounded by maxEntries.
    for (const [key, firstSeen] of this.#firstSeen) {
      if (firstSeen + this.#pingIntervalMs <= now) {
        this.#firstSeen.delete(key);
        removed++;
      } else if (this.#inOrder) break;
    }
    if (this.#firstSeen.size === 0) {
      this.#inOrder = true;
      this.#latest = -Infinity;
    }
    return removed;
  }

  /** Forgets everything. */
  clear(): void {
    this.#firstSeen.clear();
    this.#inOrder = true;
    this.#latest = -Infinity;
  }
}

function keyOf(line: string): string {
  const nul = line.indexOf("\0");
  const withoutNewline = line.endsWith("\n") ? line.slice(0, -1) : line;
  return nul >= 0 ? line.slice(0, nul) : withoutNewline;
}
