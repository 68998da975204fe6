/**
 * A connection's output queue: bytes the socket did not take yet, kept in order across partial
 * writes, bounded by tinc's MaxOutputBufferSize (overflow is reported, the bytes refused whole,
 * so a frame is never cut in half). Chunks are copied on entry: callers reuse their buffers.
 * @module
 */

/** Writes what the socket takes now; returns the byte count (< length when full, < 0 when closed). */
export type SocketWrite = (bytes: Uint8Array) => number;

/** Outcome of {@link OutputQueue.write}. */
export type WriteResult = "sent" | "queued" | "overflow" | "closed";

/** tincd's MaxOutputBufferSize default (bytes). */
export const DEFAULT_MAX_OUTPUT_BUFFER = 15180;

/** In-order pending output with a byte limit. */
export class OutputQueue {
  private readonly chunks: Uint8Array[] = [];
  /** Bytes of chunks[0] already written. */
  private headOffset = 0;
  private pending = 0;

  constructor(private readonly send: SocketWrite, readonly maxBytes = DEFAULT_MAX_OUTPUT_BUFFER) {}

  /** Bytes waiting for the socket. */
  get bufferedBytes(): number {
    return this.pending;
  }

  /**
   * Sends `bytes`, queueing what the socket does not take. When something is already queued the
   * bytes go behind it, so order holds. Refused whole ("overflow") when the queue would exceed
   * the limit.
   */
  write(bytes: Uint8Array): WriteResult {
    if (bytes.length === 0) return "sent";
    if (this.pending > 0) {
      if (this.pending + bytes.length > this.maxBytes) return "overflow";
      this.chunks.push(bytes.slice());
      this.pending += bytes.length;
      return "queued";
    }
    const n = this.send(bytes);
    if (n < 0) return "closed";
    if (n >= bytes.length) return "sent";
    if (n === 0 && bytes.length > this.maxBytes) return "overflow";
    return this.keep(bytes.subarray(n));
  }

  /**
   * Writes queued bytes until the socket stops taking them (call from the drain callback).
   * @returns true when the queue is empty afterwards
   */
  flush(): boolean {
    while (this.chunks.length > 0) {
      const head = this.chunks[0]!;
      const view = head.subarray(this.headOffset);
      const n = this.send(view);
      if (n < 0) return false;
      this.pending -= Math.min(n, view.length);
      if (n < view.length) {
        this.headOffset += n;
        return false;
      }
      this.chunks.shift();
      this.headOffset = 0;
    }
    return true;
  }

  /** Drops everything queued. */
  clear(): void {
    this.chunks.length = 0;
    this.headOffset = 0;
    this.pending = 0;
  }

  private keep(rest: Uint8Array): WriteResult {
    // Part of this chunk is on the wire: the remainder must follow even past the limit, or the
    // stream would carry half a request.
    this.chunks.push(rest.slice());
    this.pending += rest.length;
    return "queued";
  }
}
