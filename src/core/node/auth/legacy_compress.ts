/**
 * Packet compression toward a node that asked for it in its ANS_KEY (spec 1.0 §4.2). The
 * receiver only has to decompress, so we may send any valid stream of the requested format;
 * we send the frame stored uncompressed inside it (no compressor needed):
 *
 * ```
 *  levels 1-9, zlib (RFC 1950) with one stored deflate block:
 *   +------+------+------+---------+----------+------------+--------------------+
 *   | 0x78 | 0x01 | 0x01 | LEN(le) | ~LEN(le) | frame      | Adler-32(frame) BE |
 *   +------+------+------+---------+----------+------------+--------------------+
 *
 *  levels 10-11, LZO1X: one literal run, then the end-of-stream match (M4 with distance 0):
 *   +------------------------------------------+-------+------+------+
 *   | run length: 17+L (L ≤ 238), or          | frame | 0x11 | 0x00 | 0x00 |
 *   |   0x00, 0x00 × k, r  with L = 18+255k+r  |       |      |      |      |
 *   +------------------------------------------+-------+------+------+------+
 * ```
 * Level 0 sends the frame as it is. We always announce level 0 for our own direction, so we
 * never have to decompress.
 * @module
 */

/** Wraps `frame` as the receiver's requested compression level expects; undefined if out of range. */
export function compressForPeer(level: number, frame: Uint8Array): Uint8Array | undefined {
  if (level === 0) return frame;
  if (level >= 1 && level <= 9) return zlibStored(frame);
  if (level === 10 || level === 11) return lzoLiterals(frame);
  return undefined;
}

const STORED_MAX = 65535;

function zlibStored(data: Uint8Array): Uint8Array | undefined {
  if (data.length > STORED_MAX) return undefined;
  const n = data.length;
  const out = new Uint8Array(2 + 5 + n + 4);
  out[0] = 0x78; // deflate, 32 KiB window
  out[1] = 0x01; // no dictionary, fastest; 0x7801 is a multiple of 31
  out[2] = 0x01; // BFINAL, BTYPE = stored
  out[3] = n & 0xff;
  out[4] = n >>> 8;
  out[5] = ~n & 0xff;
  out[6] = (~n >>> 8) & 0xff;
  out.set(data, 7);
  const a = adler32(data);
  const at = 7 + n;
  out[at] = a >>> 24;
  out[at + 1] = (a >>> 16) & 0xff;
  out[at + 2] = (a >>> 8) & 0xff;
  out[at + 3] = a & 0xff;
  return out;
}

function adler32(data: Uint8Array): number {
  let a = 1;
  let b = 0;
  for (let i = 0; i < data.length; i++) {
    a = (a + data[i]!) % 65521;
    b = (b + a) % 65521;
  }
  return ((b << 16) | a) >>> 0;
}

function lzoLiterals(data: Uint8Array): Uint8Array | undefined {
  const n = data.length;
  // A first literal run shorter than 4 cannot be encoded this way; frames are ≥ 14 bytes.
  if (n < 4) return undefined;
  const header: number[] = [];
  if (n <= 238) header.push(17 + n);
  else {
    let rest = n - 18;
    header.push(0);
    while (rest > 255) {
      header.push(0);
      rest -= 255;
    }
    header.push(rest);
  }
  const out = new Uint8Array(header.length + n + 3);
  out.set(header, 0);
  out.set(data, header.length);
  out.set([0x11, 0x00, 0x00], header.length + n);
  return out;
}
