/**
 * The small part of DER that RSA key files need: SEQUENCE, INTEGER, BIT STRING, OCTET STRING,
 * OBJECT IDENTIFIER and NULL, definite lengths only.
 *
 * ```
 *   +-----+-----------------------------+-------------------+
 *   | tag | length                      | contents          |
 *   +-----+-----------------------------+-------------------+
 *     1 B   0xxxxxxx        (0..127)      length bytes
 *           1nnnnnnn + n bytes BE (long form, n = 1..4)
 * ```
 * @module
 */
import { bytesToBigInt, concatBytes } from "./bytes.ts";
import { err, ok, type Result } from "./result.ts";

/** DER tags used by RSA key files. */
export const DerTag = {
  INTEGER: 0x02,
  BIT_STRING: 0x03,
  OCTET_STRING: 0x04,
  NULL: 0x05,
  OID: 0x06,
  SEQUENCE: 0x30,
} as const;

/** One parsed TLV element; `contents` is a view into the input. */
export interface DerElement {
  tag: number;
  contents: Uint8Array;
  /** Offset just past this element in the buffer it was read from. */
  end: number;
}

/** Reads one element at `offset`; fails on truncation, indefinite or non-minimal lengths. */
export function readDer(buf: Uint8Array, offset: number): Result<DerElement> {
  if (offset + 2 > buf.length) return err("DER element truncated");
  const tag = buf[offset]!;
  let len = buf[offset + 1]!;
  let at = offset + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 4) return err(`unsupported DER length form 0x${len.toString(16)}`);
    if (at + n > buf.length) return err("DER length truncated");
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + buf[at + i]!;
    if (buf[at] === 0 || len < 128) return err("non-minimal DER length");
    at += n;
  }
  if (at + len > buf.length) return err("DER contents truncated");
  return ok({ tag, contents: buf.subarray(at, at + len), end: at + len });
}

/** Reads every element inside a constructed value (e.g. the contents of a SEQUENCE). */
export function readDerChildren(contents: Uint8Array): Result<DerElement[]> {
  const out: DerElement[] = [];
  let at = 0;
  while (at < contents.length) {
    const r = readDer(contents, at);
    if (!r.ok) return r;
    out.push(r.value);
    at = r.value.end;
  }
  return ok(out);
}

/** Reads a whole buffer as exactly one element of the expected tag. */
export function readDerExact(buf: Uint8Array, tag: number): Result<DerElement> {
  const r = readDer(buf, 0);
  if (!r.ok) return r;
  if (r.value.tag !== tag) {
    return err(`expected DER tag 0x${tag.toString(16)}, got 0x${r.value.tag.toString(16)}`);
  }
  if (r.value.end !== buf.length) return err("trailing bytes after DER element");
  return r;
}

/** Interprets an INTEGER element as a non-negative bigint (negative values are refused). */
export function derUnsignedInteger(el: DerElement): Result<bigint> {
  if (el.tag !== DerTag.INTEGER) return err("expected DER INTEGER");
  if (el.contents.length === 0) return err("empty DER INTEGER");
  if (el.contents[0]! & 0x80) return err("negative DER INTEGER");
  return ok(bytesToBigInt(el.contents));
}

function encodeLength(len: number): Uint8Array {
  if (len < 128) return Uint8Array.of(len);
  const bytes: number[] = [];
  for (let v = len; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  return Uint8Array.of(0x80 | bytes.length, ...bytes);
}

/** Encodes one TLV element. */
export function derEncode(tag: number, contents: Uint8Array): Uint8Array {
  const len = encodeLength(contents.length);
  const out = new Uint8Array(1 + len.length + contents.length);
  out[0] = tag;
  out.set(len, 1);
  out.set(contents, 1 + len.length);
  return out;
}

/** Encodes a SEQUENCE of already-encoded elements. */
export function derSequence(children: Uint8Array[]): Uint8Array {
  return derEncode(DerTag.SEQUENCE, concatBytes(...children));
}

/** Encodes a non-negative bigint as a minimal DER INTEGER (a 0x00 prefix keeps it positive). */
export function derInteger(value: bigint): Uint8Array {
  let hex = value.toString(16);
  if (hex.length % 2 === 1) hex = "0" + hex;
  if (parseInt(hex.slice(0, 2), 16) & 0x80) hex = "00" + hex;
  const body = new Uint8Array(hex.length / 2);
  for (let i = 0; i < body.length; i++) body[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return derEncode(DerTag.INTEGER, body);
}
