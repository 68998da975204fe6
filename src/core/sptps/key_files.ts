/**
 * tinc 1.1's Ed25519 key files (spec tinc-1.1-sptps.md §1.10). All bodies are tinc base64
 * (base64.ts), 48 bytes (64 characters) per line:
 *
 * ```
 *   ed25519_key.priv                          hosts/NAME
 *   -----BEGIN ED25519 PRIVATE KEY-----        Ed25519PublicKey = <43 chars: 32 bytes>
 *   <64 chars>  expanded secret[0..48)         or a block
 *   <64 chars>  secret[48..64) || public[32]   -----BEGIN ED25519 PUBLIC KEY-----
 *   -----END ED25519 PRIVATE KEY-----          <43 chars>
 *                                              -----END ED25519 PUBLIC KEY-----
 *   96 bytes = expanded secret[64] || public[32]
 * ```
 * Parsing is pure (file text in, keys out); reading and writing files is the runtime's job.
 * @module
 */
import { decodeTincBase64, encodeTincBase64 } from "./base64.ts";
import { type Ed25519KeyPair, keyPairFromSeed, publicKeyOfExpanded } from "./ed25519.ts";

/** Fills a fresh array of `length` random bytes. */
export type RandomBytes = (length: number) => Uint8Array;

const PRIVATE_TYPE = "ED25519 PRIVATE KEY";
const PUBLIC_TYPE = "ED25519 PUBLIC KEY";
const PEM_LINE_BYTES = 48;

/** Outcome of parsing key text. */
export type KeyParse<T> = { ok: true; value: T } | { ok: false; reason: string };

/** Writes a PEM-like block the way tinc does: tinc base64, 48 bytes per line. */
export function formatPemBlock(type: string, body: Uint8Array): string {
  let text = `-----BEGIN ${type}-----\n`;
  for (let i = 0; i < body.length; i += PEM_LINE_BYTES) {
    text += encodeTincBase64(body.subarray(i, i + PEM_LINE_BYTES)) + "\n";
  }
  return text + `-----END ${type}-----\n`;
}

/**
 * Finds the first `type` block in `text` (other lines around it are ignored, as in a host file)
 * and decodes its body line by line.
 */
export function parsePemBlock(text: string, type: string): KeyParse<Uint8Array> {
  const lines = text.split("\n").map((l) => l.trim());
  const begin = lines.indexOf(`-----BEGIN ${type}-----`);
  if (begin < 0) return { ok: false, reason: `no ${type} block` };
  const parts: Uint8Array[] = [];
  for (let i = begin + 1; i < lines.length; i++) {
    const line = lines[i]!;
    if (line === `-----END ${type}-----`) {
      const body = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
      let o = 0;
      for (const p of parts) {
        body.set(p, o);
        o += p.length;
      }
      return { ok: true, value: body };
    }
    const bytes = decodeTincBase64(line);
    if (bytes === undefined) return { ok: false, reason: `invalid base64 in ${type} block line ${i + 1}` };
    parts.push(bytes);
  }
  return { ok: false, reason: `${type} block has no END line` };
}

/** The text of `ed25519_key.priv` for a key pair. */
export function formatPrivateKeyFile(key: Ed25519KeyPair): string {
  const body = new Uint8Array(96);
  body.set(key.expandedSecret, 0);
  body.set(key.publicKey, 64);
  return formatPemBlock(PRIVATE_TYPE, body);
}

/**
 * Reads `ed25519_key.priv`: 96 bytes, expanded secret then public key. Refuses a file whose
 * stored public key does not belong to the secret (a signature made with it would not verify).
 */
export function parsePrivateKeyFile(text: string): KeyParse<Ed25519KeyPair> {
  const block = parsePemBlock(text, PRIVATE_TYPE);
  if (!block.ok) return block;
  if (block.value.length !== 96) {
    return { ok: false, reason: `${PRIVATE_TYPE} holds ${block.value.length} bytes, expected 96` };
  }
  const expandedSecret = block.value.slice(0, 64);
  const publicKey = block.value.slice(64, 96);
  const derived = publicKeyOfExpanded(expandedSecret);
  if (!derived.every((b, i) => b === publicKey[i])) {
    return { ok: false, reason: `${PRIVATE_TYPE}: stored public key does not match the secret` };
  }
  return { ok: true, value: { expandedSecret, publicKey } };
}

/** The 43-character value of `Ed25519PublicKey = ...`. */
export function formatPublicKey(publicKey: Uint8Array): string {
  return encodeTincBase64(publicKey);
}

/** Decodes an `Ed25519PublicKey` value: exactly 43 characters of tinc base64, 32 bytes. */
export function parsePublicKey(value: string): KeyParse<Uint8Array> {
  const text = value.trim();
  if (text.length !== 43) {
    return { ok: false, reason: `Ed25519PublicKey has ${text.length} characters, expected 43` };
  }
  const bytes = decodeTincBase64(text);
  if (bytes === undefined) return { ok: false, reason: "Ed25519PublicKey is not valid base64" };
  return { ok: true, value: bytes };
}

/** The `ED25519 PUBLIC KEY` block (as in `ed25519_key.pub` or a host file). */
export function formatPublicKeyPem(publicKey: Uint8Array): string {
  return formatPemBlock(PUBLIC_TYPE, publicKey);
}

/** Reads the first `ED25519 PUBLIC KEY` block of a host file or `ed25519_key.pub`. */
export function parsePublicKeyPem(text: string): KeyParse<Uint8Array> {
  const block = parsePemBlock(text, PUBLIC_TYPE);
  if (!block.ok) return block;
  if (block.value.length !== 32) {
    return { ok: false, reason: `${PUBLIC_TYPE} holds ${block.value.length} bytes, expected 32` };
  }
  return block;
}

/** What `tinc generate-ed25519-keys` writes. */
export interface GeneratedEd25519Keys {
  key: Ed25519KeyPair;
  /** Contents of `ed25519_key.priv` (mode 0600). */
  privateKeyFile: string;
  /** Line appended to `hosts/NAME` when the node has a Name. */
  hostFileLine: string;
  /** Contents of `ed25519_key.pub` when there is no Name. */
  publicKeyFile: string;
}

/** Generates a key pair from 32 random bytes and the file contents tinc writes for it. */
export function generateEd25519Keys(random: RandomBytes): GeneratedEd25519Keys {
  const key = keyPairFromSeed(random(32));
  return {
    key,
    privateKeyFile: formatPrivateKeyFile(key),
    hostFileLine: `Ed25519PublicKey = ${formatPublicKey(key.publicKey)}\n`,
    publicKeyFile: formatPublicKeyPem(key.publicKey),
  };
}

/**
 * Comments out earlier Ed25519 keys in a key or host file before a new key is appended, as
 * `tinc generate-ed25519-keys` does so that only the new key is read: every line of a
 * `-----BEGIN ...` block whose header names ED25519 (public or private) and every line starting
 * with `Ed25519PublicKey` (any case) followed by a blank, tab or `=` gets a leading `#`.
 */
export function disableOldEd25519Keys(text: string): { text: string; disabled: boolean } {
  let inBlock = false;
  let disabled = false;
  const lines = text.split("\n").map((line) => {
    if (!inBlock && line.startsWith("-----BEGIN ") && line.includes(" ED25519 ")) inBlock = true;
    const keyLine = /^Ed25519PublicKey[ \t=]/i.test(line);
    const disable = inBlock || keyLine;
    if (inBlock && line.startsWith("-----END ")) inBlock = false;
    disabled ||= disable;
    return disable ? `#${line}` : line;
  });
  return { text: lines.join("\n"), disabled };
}
