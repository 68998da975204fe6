/**
 * tinc 1.0's RSA key files: reading `rsa_key.priv` and the public key of hosts/NAME, and writing
 * both as `tincd -K` does (PKCS#1 PEM).
 *
 * ```
 *  RSAPublicKey  ::= SEQUENCE { n INTEGER, e INTEGER }                       "RSA PUBLIC KEY"
 *  RSAPrivateKey ::= SEQUENCE { version 0, n, e, d, p, q, dp, dq, qinv }     "RSA PRIVATE KEY"
 *  SubjectPublicKeyInfo ::= SEQUENCE {                                       "PUBLIC KEY"
 *      SEQUENCE { OID 1.2.840.113549.1.1.1, NULL },
 *      BIT STRING { 0x00 unused-bits, RSAPublicKey } }
 *  PrivateKeyInfo ::= SEQUENCE { 0, SEQUENCE { OID, NULL }, OCTET STRING { RSAPrivateKey } }
 *                                                                            "PRIVATE KEY"
 * ```
 * @module
 */
import { bytesToBigInt, fromHex } from "./bytes.ts";
import { derInteger, derSequence, DerTag, derUnsignedInteger, readDerChildren, readDerExact } from "./der.ts";
import { findPemBlock, formatPem } from "./pem.ts";
import { err, ok, type Result } from "./result.ts";
import { type RsaPrivateKey, type RsaPublicKey, validatePrivateKey } from "./rsa.ts";

/** DER contents of OID 1.2.840.113549.1.1.1 (rsaEncryption). */
const RSA_ENCRYPTION_OID = Uint8Array.of(0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01);

/** The exponent tinc 1.0 assumes for `PublicKey = HEX` (a quirk: `tincd -K` keys use 65537). */
export const HEX_PUBLIC_KEY_EXPONENT = 0xffffn;

function integers(der: Uint8Array, count: number, what: string): Result<bigint[]> {
  const seq = readDerExact(der, DerTag.SEQUENCE);
  if (!seq.ok) return err(`${what}: ${seq.reason}`);
  const kids = readDerChildren(seq.value.contents);
  if (!kids.ok) return err(`${what}: ${kids.reason}`);
  if (kids.value.length !== count) return err(`${what}: expected ${count} fields, got ${kids.value.length}`);
  const out: bigint[] = [];
  for (const k of kids.value) {
    const v = derUnsignedInteger(k);
    if (!v.ok) return err(`${what}: ${v.reason}`);
    out.push(v.value);
  }
  return ok(out);
}

function checkPublic(key: RsaPublicKey, what: string): Result<RsaPublicKey> {
  if (key.n < 3n || key.n % 2n === 0n) return err(`${what}: modulus is not an odd number > 2`);
  if (key.e < 3n || key.e % 2n === 0n) return err(`${what}: public exponent ${key.e} is not odd and > 2`);
  return ok(key);
}

/** Decodes PKCS#1 RSAPublicKey DER. */
export function decodePkcs1PublicKey(der: Uint8Array): Result<RsaPublicKey> {
  const v = integers(der, 2, "RSA public key");
  if (!v.ok) return v;
  return checkPublic({ n: v.value[0]!, e: v.value[1]! }, "RSA public key");
}

/** Decodes SubjectPublicKeyInfo DER holding an rsaEncryption key. */
export function decodeSpkiPublicKey(der: Uint8Array): Result<RsaPublicKey> {
  const seq = readDerExact(der, DerTag.SEQUENCE);
  if (!seq.ok) return err(`SPKI: ${seq.reason}`);
  const kids = readDerChildren(seq.value.contents);
  if (!kids.ok) return err(`SPKI: ${kids.reason}`);
  const [alg, bits] = kids.value;
  if (
    kids.value.length !== 2 || !alg || !bits || alg.tag !== DerTag.SEQUENCE || bits.tag !== DerTag.BIT_STRING
  ) {
    return err("SPKI: expected SEQUENCE { AlgorithmIdentifier, BIT STRING }");
  }
  const algKids = readDerChildren(alg.contents);
  if (!algKids.ok) return err(`SPKI: ${algKids.reason}`);
  const oid = algKids.value[0];
  if (!oid || oid.tag !== DerTag.OID || !sameBytes(oid.contents, RSA_ENCRYPTION_OID)) {
    return err("SPKI: not an rsaEncryption key");
  }
  if (bits.contents.length < 1 || bits.contents[0] !== 0) return err("SPKI: BIT STRING has unused bits");
  return decodePkcs1PublicKey(bits.contents.subarray(1));
}

/** Decodes PKCS#1 RSAPrivateKey DER (two-prime, version 0) and checks its arithmetic. */
export function decodePkcs1PrivateKey(der: Uint8Array): Result<RsaPrivateKey> {
  const v = integers(der, 9, "RSA private key");
  if (!v.ok) return v;
  const [version, n, e, d, p, q, dp, dq, qinv] = v.value as [
    bigint,
    bigint,
    bigint,
    bigint,
    bigint,
    bigint,
    bigint,
    bigint,
    bigint,
  ];
  if (version !== 0n) return err(`RSA private key: unsupported version ${version}`);
  const pub = checkPublic({ n, e }, "RSA private key");
  if (!pub.ok) return pub;
  return validatePrivateKey({ n, e, d, p, q, dp, dq, qinv });
}

/** Decodes PKCS#8 PrivateKeyInfo DER holding an RSA key. */
export function decodePkcs8PrivateKey(der: Uint8Array): Result<RsaPrivateKey> {
  const seq = readDerExact(der, DerTag.SEQUENCE);
  if (!seq.ok) return err(`PKCS#8: ${seq.reason}`);
  const kids = readDerChildren(seq.value.contents);
  if (!kids.ok) return err(`PKCS#8: ${kids.reason}`);
  const [, alg, octets] = kids.value;
  if (!alg || !octets || alg.tag !== DerTag.SEQUENCE || octets.tag !== DerTag.OCTET_STRING) {
    return err("PKCS#8: expected SEQUENCE { version, AlgorithmIdentifier, OCTET STRING }");
  }
  const algKids = readDerChildren(alg.contents);
  if (!algKids.ok) return err(`PKCS#8: ${algKids.reason}`);
  const oid = algKids.value[0];
  if (!oid || oid.tag !== DerTag.OID || !sameBytes(oid.contents, RSA_ENCRYPTION_OID)) {
    return err("PKCS#8: not an rsaEncryption key");
  }
  return decodePkcs1PrivateKey(octets.contents);
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/**
 * Reads the private key from the text of `rsa_key.priv`: the first `RSA PRIVATE KEY` block, else
 * the first PKCS#8 `PRIVATE KEY` block (OpenSSL's PEM_read_RSAPrivateKey takes both).
 */
export function parsePrivateKeyPem(text: string): Result<RsaPrivateKey> {
  const pkcs1 = findPemBlock(text, "RSA PRIVATE KEY");
  if (pkcs1.ok) return decodePkcs1PrivateKey(pkcs1.value);
  const pkcs8 = findPemBlock(text, "PRIVATE KEY");
  if (pkcs8.ok) return decodePkcs8PrivateKey(pkcs8.value);
  if (text.includes("-----BEGIN RSA PRIVATE KEY-----")) return err(pkcs1.reason);
  return err("no RSA PRIVATE KEY or PRIVATE KEY block");
}

/**
 * Reads a public key from PEM text (a hosts/NAME file or a PublicKeyFile): PKCS#1
 * `RSA PUBLIC KEY` first, then SPKI `PUBLIC KEY`, as tinc tries them.
 */
export function parsePublicKeyPem(text: string): Result<RsaPublicKey> {
  const pkcs1 = findPemBlock(text, "RSA PUBLIC KEY");
  if (pkcs1.ok) return decodePkcs1PublicKey(pkcs1.value);
  const spki = findPemBlock(text, "PUBLIC KEY");
  if (spki.ok) return decodeSpkiPublicKey(spki.value);
  if (text.includes("-----BEGIN RSA PUBLIC KEY-----")) return err(pkcs1.reason);
  return err("no RSA PUBLIC KEY or PUBLIC KEY block");
}

/** Reads `PublicKey = HEX`: the hex is the modulus and the exponent is fixed at 65535 (tinc's quirk). */
export function parsePublicKeyHex(hex: string): Result<RsaPublicKey> {
  const bytes = fromHex(hex.trim());
  if (!bytes.ok) return err(`PublicKey: ${bytes.reason}`);
  return checkPublic({ n: bytesToBigInt(bytes.value), e: HEX_PUBLIC_KEY_EXPONENT }, "PublicKey");
}

/** Encodes PKCS#1 RSAPublicKey DER. */
export function encodePkcs1PublicKey(key: RsaPublicKey): Uint8Array {
  return derSequence([derInteger(key.n), derInteger(key.e)]);
}

/** Encodes PKCS#1 RSAPrivateKey DER. */
export function encodePkcs1PrivateKey(key: RsaPrivateKey): Uint8Array {
  return derSequence(
    [0n, key.n, key.e, key.d, key.p, key.q, key.dp, key.dq, key.qinv].map((v) => derInteger(v)),
  );
}

/** `-----BEGIN RSA PUBLIC KEY-----` block, as `tincd -K` appends to hosts/NAME. */
export function formatPublicKeyPem(key: RsaPublicKey): string {
  return formatPem("RSA PUBLIC KEY", encodePkcs1PublicKey(key));
}

/** `-----BEGIN RSA PRIVATE KEY-----` block, as `tincd -K` writes to rsa_key.priv. */
export function formatPrivateKeyPem(key: RsaPrivateKey): string {
  return formatPem("RSA PRIVATE KEY", encodePkcs1PrivateKey(key));
}
