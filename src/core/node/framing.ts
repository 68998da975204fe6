/**
 * The meta stream's framing: `\n`-terminated request lines, except that after `17 LEN` (and
 * 1.1's `21 LEN`) the next LEN bytes are a raw frame that may contain any byte.
 *
 * ```
 *  "12 6b8b4567 a b 10.0.0.2 655 c 31\n"  "17 4\n" [4 raw bytes] "8\n" ...
 * ```
 *
 * If MAX_META_BUFFER (2176) bytes are buffered without a complete line the connection is
 * dropped, as tincd does. Pull-based so that the caller can announce a raw payload (after
 * reading `17 LEN`) before the next item is cut.
 * @module
 */

/** tinc's MAXBUFSIZE: max(MAXSIZE, 2048) + 128. */
export const MAX_META_BUFFER = 2176;

export type FramedItem =
  | { kind: "line"; line: string }
  | { kind: "raw"; bytes: Uint8Array }
  | { kind: "overflow" };

/** Bytes as a latin-1 string: request lines are ASCII; other bytes survive unchanged. */
export function bytesToLatin1(bytes: Uint8Array, start = 0, end = bytes.length): string {
  let out = "";
  for (let i = start; i < end; i += 4096) {
    // apply() takes any array-like, a typed array included: no intermediate number[].
    out += String.fromCharCode.apply(null, bytes.subarray(i, Math.min(end, i + 4096)) as unknown as number[]);
  }
  return out;
}

/** A latin-1 string as bytes (each code unit's low byte). */
export function latin1ToBytes(text: string): Uint8Array {
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i) & 0xff;
  return out;
}

/** Cuts a meta byte stream into lines and raw payloads. */
export class LineFramer {
  private buf = new Uint8Array(0);
  private start = 0;
  private rawWanted = 0;
  private transform: ((bytes: Uint8Array) => Uint8Array) | undefined;

  /**
   * From here on every byte not yet cut goes through `transform` (tinc 1.0 decrypts the peer's
   * stream from the byte after its METAKEY line, including bytes already read with that line).
   * The transform must return as many bytes as it is given.
   */
  setTransform(transform: (bytes: Uint8Array) => Uint8Array): void {
    this.transform = transform;
    if (this.buf.length > this.start) {
      const rest = transform(this.buf.subarray(this.start));
      this.buf = rest.slice();
      this.start = 0;
    }
  }

  /** Appends received bytes. */
  push(input: Uint8Array): void {
    if (input.length === 0) return;
    const bytes = this.transform !== undefined ? this.transform(input) : input;
    const pending = this.buf.length - this.start;
    if (pending === 0) {
      this.buf = bytes.slice();
      this.start = 0;
      return;
    }
    const next = new Uint8Array(pending + bytes.length);
    next.set(this.buf.subarray(this.start), 0);
    next.set(bytes, pending);
    this.buf = next;
    this.start = 0;
  }

  /** The next `n` bytes form a raw payload (announced by `17 n`). */
  expectRaw(n: number): void {
    this.rawWanted = n;
  }

  /** Bytes buffered and not yet cut. */
  get buffered(): number {
    return this.buf.length - this.start;
  }

  /** The next complete item, or null when more bytes are needed. */
  next(): FramedItem | null {
    const avail = this.buf.length - this.start;
    if (this.rawWanted > 0) {
      if (avail < this.rawWanted) return null;
      const bytes = this.buf.slice(this.start, this.start + this.rawWanted);
      this.start += this.rawWanted;
      this.rawWanted = 0;
      return { kind: "raw", bytes };
    }
    const nl = this.buf.indexOf(10, this.start);
    if (nl < 0) {
      return avail >= MAX_META_BUFFER ? { kind: "overflow" } : null;
    }
    if (nl - this.start >= MAX_META_BUFFER) return { kind: "overflow" };
    const line = bytesToLatin1(this.buf, this.start, nl);
    this.start = nl + 1;
    return { kind: "line", line };
  }
}
