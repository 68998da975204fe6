/**
 * Splits one direction of a meta connection's TCP byte stream into request lines and raw frames.
 *
 * ```
 *  stream:  "0 alice 17\n" "4 655 0 c\n" "17 98\n" <98 raw bytes, may contain \n> "8\n" ...
 *           |-- line --|  |-- line --|  |-line-|  |------- raw (expectRaw(98)) ---| |line|
 *
 *  1.0 auth: "0 a 17\n" "1 429 672 0 0 KEYHEX\n" <CFB ciphertext from here on ...>
 *                                           ^ setTransform(decrypt) right after this line
 *  1.1:      "0 a 17.7\n" <SPTPS records ...>   takeRemainder() right after the ID line
 * ```
 *
 * Pull-based: {@link MetaFramer.push} bytes as they arrive (any chunking), then call
 * {@link MetaFramer.next} until it returns null. The caller decides what the next item is:
 * after a `17 LEN` or `21 LEN` line it calls `expectRaw(LEN)`; after the METAKEY line it installs
 * a decrypting transform (bytes already buffered are transformed at once); after a 1.1 ID line it
 * takes the unconsumed bytes away for SPTPS.
 *
 * Limit (tinc's MAXBUFSIZE, 2176 bytes): tinc reads into a fixed buffer of that size and drops
 * the connection when it is full and holds no complete item. Here: a line whose text plus `\n`
 * exceeds 2176 bytes, or a raw frame longer than 2176 bytes once 2176 bytes are buffered, gives
 * an error item; errors are sticky (the connection must be dropped).
 * @module
 */

/** tinc's meta input buffer size, max(MAXSIZE, 2048) + 128. */
export const MAXBUFSIZE = 2176;

/** One unit of the stream. */
export type FrameItem =
  /** A request line without its `\n`, one character per byte (latin-1), NULs included. */
  | { kind: "line"; line: string }
  /** The raw bytes announced by the previous PACKET / SPTPS_PACKET line. */
  | { kind: "raw"; bytes: Uint8Array }
  /** The stream is unusable; the connection must be dropped. */
  | { kind: "error"; reason: string };

/** A byte-stream transform: CFB decryption (as many bytes out as in) or a record layer that
 * returns the plaintext of the complete records it was given (any length). */
export type StreamTransform = (bytes: Uint8Array) => Uint8Array;

const NEWLINE = 0x0a;
/** A framer's buffer to begin with. */
const INITIAL_BUFFER_BYTES = 4096;
/** Largest buffer a drained framer keeps: a runtime reads at most 64 KiB at a time. */
const KEPT_BUFFER_BYTES = 65536;

/** Per-connection line/raw reader with tinc's buffer limit. */
export class MetaFramer {
  #buf = new Uint8Array(INITIAL_BUFFER_BYTES);
  #start = 0;
  #end = 0;
  #rawPending: number | null = null;
  #error: string | null = null;
  #transform: StreamTransform | null = null;
  /**
   * `#buf[#textFrom, #textFrom + #text.length)` decoded as latin-1: lines are cut from this
   * string, so a chunk carrying a hundred lines is decoded once rather than line by line. Valid
   * while those bytes stay where they are; anything that moves or rewrites buffered bytes
   * (compaction, a new transform, takeRemainder) empties it.
   */
  #text = "";
  #textFrom = 0;
  readonly #limit: number;

  /** @param limit buffer limit in bytes (tinc: {@link MAXBUFSIZE}) */
  constructor(limit: number = MAXBUFSIZE) {
    this.#limit = limit;
  }

  /** Bytes received and not yet returned as an item. */
  get buffered(): number {
    return this.#end - this.#start;
  }

  /** Bytes the buffer holds room for (memory accounting). */
  get capacity(): number {
    return this.#buf.length;
  }

  /** Whether a raw frame is awaited. */
  get awaitingRaw(): boolean {
    return this.#rawPending !== null;
  }

  /** Appends received bytes (after the transform, if one is installed). */
  push(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    const data = this.#transform ? this.#transform(chunk) : chunk;
    this.#reserve(data.length);
    this.#buf.set(data, this.#end);
    this.#end += data.length;
  }

  /** The next complete item, or null when more bytes are needed. */
  next(): FrameItem | null {
    if (this.#error !== null) return { kind: "error", reason: this.#error };
    const available = this.#end - this.#start;
    if (this.#rawPending !== null) {
      const n = this.#rawPending;
      if (available >= n) {
        const bytes = this.#buf.slice(this.#start, this.#start + n);
        this.#start += n;
        this.#rawPending = null;
        if (this.#start === this.#end) this.#drained();
        return { kind: "raw", bytes };
      }
      if (available >= this.#limit) {
        return this.#fail(`raw frame of ${n} bytes exceeds the ${this.#limit}-byte buffer`);
      }
      return null;
    }
    // Searching the whole buffer from `start` (no view per line); a newline past the limit
    // counts as none.
    const scanEnd = Math.min(this.#end, this.#start + this.#limit);
    const text = this.#decodedUpToEnd();
    const from = this.#start - this.#textFrom;
    let at = text.indexOf("\n", from);
    if (at >= 0 && at + this.#textFrom >= scanEnd) at = -1;
    if (at < 0) {
      if (available >= this.#limit) return this.#fail(`${this.#limit} bytes buffered without a newline`);
      return null;
    }
    const line = text.substring(from, at);
    this.#start = this.#textFrom + at + 1;
    if (this.#start === this.#end) this.#drained();
    return { kind: "line", line };
  }

  /** Everything consumed: start over at the front, with nothing cached, and give back a buffer a
   * burst has grown (a connection keeps a buffer only as big as an ordinary read, not as big as
   * the largest burst it ever got: 3,000 connections of a simulated mesh held ~190 MB that way). */
  #drained(): void {
    this.#start = 0;
    this.#end = 0;
    this.#text = "";
    if (this.#buf.length > KEPT_BUFFER_BYTES) this.#buf = new Uint8Array(INITIAL_BUFFER_BYTES);
  }

  /** The text cache extended to cover `[#start, #end)`. */
  #decodedUpToEnd(): string {
    const cachedEnd = this.#textFrom + this.#text.length;
    // Re-decoded from #start when the consumed prefix outweighs what is left, so appending to
    // the cache never copies more than the buffer holds.
    if (
      this.#text.length === 0 || this.#start < this.#textFrom || this.#start > cachedEnd ||
      this.#start - this.#textFrom > this.#end - this.#start
    ) {
      this.#textFrom = this.#start;
      this.#text = latin1(this.#buf.subarray(this.#start, this.#end));
    } else if (cachedEnd < this.#end) {
      this.#text += latin1(this.#buf.subarray(cachedEnd, this.#end));
    }
    return this.#text;
  }

  /** Declares that the next `n` bytes are a raw frame (call after a `17 n` / `21 n` line). */
  expectRaw(n: number): void {
    if (!Number.isInteger(n) || n < 0) {
      this.#error ??= `bad raw frame length ${n}`;
      return;
    }
    this.#rawPending = n;
  }

  /**
   * Removes and returns every buffered, unconsumed byte (e.g. SPTPS bytes that arrived in the
   * same read as the 1.1 ID line). The framer stays usable; push the owner's output back if wanted.
   */
  takeRemainder(): Uint8Array {
    const rest = this.#buf.slice(this.#start, this.#end);
    this.#start = 0;
    this.#end = 0;
    this.#text = "";
    return rest;
  }

  /**
   * Installs a transform for all bytes not consumed yet: buffered ones are transformed now, in
   * order, and every later push goes through it (tinc decrypts the bytes that followed the
   * METAKEY line in the same read). Pass null to remove it.
   */
  setTransform(transform: StreamTransform | null): void {
    this.#transform = transform;
    this.#text = "";
    if (transform && this.#end > this.#start) {
      const rest = transform(this.#buf.subarray(this.#start, this.#end));
      if (rest.length === this.#end - this.#start) {
        this.#buf.set(rest, this.#start);
      } else {
        // A record-level transform (SPTPS) may return fewer or more bytes: refill from `start`.
        const copy = rest.slice();
        this.#end = this.#start;
        this.#reserve(copy.length);
        this.#buf.set(copy, this.#end);
        this.#end += copy.length;
      }
    }
  }

  #fail(reason: string): FrameItem {
    this.#error = reason;
    return { kind: "error", reason };
  }

  #reserve(extra: number): void {
    if (this.#end + extra <= this.#buf.length) return;
    this.#text = "";
    const live = this.#end - this.#start;
    if (live + extra <= this.#buf.length && this.#start > 0) {
      this.#buf.copyWithin(0, this.#start, this.#end);
    } else {
      const bigger = new Uint8Array(Math.max(this.#buf.length * 2, live + extra));
      bigger.set(this.#buf.subarray(this.#start, this.#end));
      this.#buf = bigger;
    }
    this.#start = 0;
    this.#end = live;
  }
}

/** The WHATWG codecs every runtime has; declared here because src/core compiles without DOM or
 * runtime types (the bindings resolve to the globals at run time). */
declare const TextDecoder: new (label: string) => { decode(bytes: Uint8Array): string };
declare const TextEncoder: new () => {
  encodeInto(text: string, into: Uint8Array): { read: number; written: number };
};

/** windows-1252 is latin-1 except for 27 of the bytes 0x80–0x9f, which it maps above U+00FF. */
const WINDOWS_1252 = new TextDecoder("windows-1252");
const ABOVE_LATIN1 = /[\u0100-\uffff]/;
const UTF8 = new TextEncoder();
/** Where the ASCII check writes; grown with the largest chunk seen. */
let asciiScratch = new Uint8Array(8192);

/** One character per byte. The native decoder is several times faster than building the string
 * in script; request lines are ASCII, so its result is almost always already right. */
function latin1(bytes: Uint8Array): string {
  const text = WINDOWS_1252.decode(bytes);
  // All ASCII (the UTF-8 encoder writes one byte per character): certainly latin-1. The native
  // encoder checks that several times faster than a regular expression scan.
  // Room for three bytes a character: the encoder never stops early for lack of space.
  if (asciiScratch.length < text.length * 3) asciiScratch = new Uint8Array(text.length * 3);
  // Both counts: the encoder stops where the scratch is full, so multi-byte characters near the
  // end could otherwise add up to exactly text.length bytes written.
  const done = UTF8.encodeInto(text, asciiScratch);
  if (done.read === text.length && done.written === text.length) return text;
  return ABOVE_LATIN1.test(text) ? latin1Slow(bytes) : text;
}

/** One character per byte, in slices of 1024 to stay far below argument-count limits. */
function latin1Slow(bytes: Uint8Array): string {
  let out = "";
  for (let i = 0; i < bytes.length; i += 1024) {
    // apply() takes any array-like, a typed array included: no intermediate number[].
    out += String.fromCharCode.apply(null, bytes.subarray(i, i + 1024) as unknown as number[]);
  }
  return out;
}

/** Encodes a request line for the wire: one byte per character (latin-1) plus `\n`. (A plain
 * loop: TextEncoder.encodeInto measured slower for lines this short.) */
export function encodeLine(line: string): Uint8Array {
  const out = new Uint8Array(line.length + 1);
  for (let i = 0; i < line.length; i++) out[i] = line.charCodeAt(i) & 0xff;
  out[line.length] = NEWLINE;
  return out;
}
