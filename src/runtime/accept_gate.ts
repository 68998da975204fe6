/**
 * tincd's defence against connection floods, in two pieces. The burst gate: a leaky counter for
 * all accepts and one for repeated accepts from the same host (the previous accept's address),
 * each drained by one per elapsed second; the 10th connection within a burst (or the 11th
 * repeat of the previous connection's host) goes to the tarpit instead of being served. The tarpit: 10 slots filled
 * round-robin; a socket there is kept open and ignored, and closed only when its slot is reused,
 * so a flooder's connections stay stuck rather than failing fast.
 * @module
 */

/** tincd's max_connection_burst. */
export const MAX_CONNECTION_BURST = 10;
/** Number of tarpit slots. */
export const TARPIT_SLOTS = 10;

/** Decides, per accepted connection, whether to serve or tarpit it. */
export class AcceptBurstGate {
  private burst = 0;
  private burstSecond = 0;
  private sameHostBurst = 0;
  private sameHostSecond = 0;
  private previousHost: string | undefined;

  /**
   * @param maxBurst the global burst limit (tincd: 10)
   * @param maxSameHost the same-host limit (tincd uses the same number)
   */
  constructor(private readonly maxBurst = MAX_CONNECTION_BURST, private readonly maxSameHost = maxBurst) {}

  /**
   * @param nowMs monotonic time in ms
   * @param host the peer's address without port
   * @returns "serve" or "tarpit"
   */
  decide(nowMs: number, host: string): "serve" | "tarpit" {
    const second = Math.floor(nowMs / 1000);
    if (host === this.previousHost) {
      this.sameHostBurst = drain(this.sameHostBurst, second - this.sameHostSecond);
      this.sameHostSecond = second;
      if (++this.sameHostBurst > this.maxSameHost) return "tarpit";
    }
    this.previousHost = host;
    this.burst = drain(this.burst, second - this.burstSecond);
    this.burstSecond = second;
    if (++this.burst >= this.maxBurst) {
      this.burst = this.maxBurst;
      return "tarpit";
    }
    return "serve";
  }
}

function drain(count: number, elapsedSeconds: number): number {
  return elapsedSeconds > 0 ? Math.max(0, count - elapsedSeconds) : count;
}

/** Round-robin holding pen: putting a socket in a used slot closes the previous occupant. */
export class Tarpit<T> {
  private readonly pits: (T | undefined)[];
  private next = 0;

  constructor(private readonly close: (socket: T) => void, slots = TARPIT_SLOTS) {
    this.pits = new Array<T | undefined>(slots).fill(undefined);
  }

  /** Holds `socket`, evicting (closing) whatever sat in the slot. */
  put(socket: T): void {
    const old = this.pits[this.next];
    if (old !== undefined) this.close(old);
    this.pits[this.next] = socket;
    this.next = (this.next + 1) % this.pits.length;
  }

  /** Sockets currently held. */
  held(): T[] {
    return this.pits.filter((s): s is T => s !== undefined);
  }

  /** Forgets a socket that closed by itself. */
  forget(socket: T): void {
    const i = this.pits.indexOf(socket);
    if (i >= 0) this.pits[i] = undefined;
  }

  /** Closes everything (shutdown). */
  closeAll(): void {
    for (let i = 0; i < this.pits.length; i++) {
      const s = this.pits[i];
      this.pits[i] = undefined;
      if (s !== undefined) this.close(s);
    }
  }
}
