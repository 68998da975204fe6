import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import {
  constants,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  privateDecrypt,
  publicEncrypt,
} from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { bigIntToBytes, bytesToBigInt, fromHex, toHexUpper } from "./bytes.ts";
import { buildMetakey, metaKeyAndIv, openMetakey } from "./metakey.ts";
import { CIPHERS } from "./nid.ts";
import {
  modInverse,
  modPow,
  publicKeyOf,
  type RsaPrivateKey,
  rsaPrivateRaw,
  rsaPublicRaw,
  rsaSize,
} from "./rsa.ts";
import {
  generateRsaKey,
  generateTincKeyFiles,
  isProbablePrime,
  type RandomBytes,
  randomBytesFrom,
} from "./rsa_keygen.ts";
import {
  decodePkcs1PrivateKey,
  formatPrivateKeyPem,
  formatPublicKeyPem,
  parsePrivateKeyPem,
  parsePublicKeyHex,
  parsePublicKeyPem,
} from "./rsa_pem.ts";

const FIXTURES = join(import.meta.dir, "..", "..", "..", "..", "..", "shared", "fixtures");

function must<T>(r: { ok: true; value: T } | { ok: false; reason: string }): T {
  if (!r.ok) throw new Error(r.reason);
  return r.value;
}

/** A deterministic xorshift byte source, standing in for the engine's seeded generator. */
function seededRandom(seed: number): RandomBytes {
  let a = seed | 1;
  let b = 0x9e3779b9 ^ seed;
  return (n) => {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      let t = a ^ (a << 11);
      a = b;
      b = (b ^ (b >>> 19) ^ (t ^ (t >>> 8))) >>> 0;
      t = b;
      out[i] = t & 0xff;
    }
    return out;
  };
}

const bobPriv = () => readFileSync(join(FIXTURES, "legacy-auth", "config", "bob", "rsa_key.priv"), "utf8");

describe("key files", () => {
  test("every fixture rsa_key.priv parses, is consistent and matches its hosts file", () => {
    const sets: Array<[string, string[]]> = [
      [join(FIXTURES, "legacy-auth", "config"), ["alice", "bob"]],
      [join(FIXTURES, "mixed-1.0-1.1", "experimental-on", "config"), ["eve", "frank", "grace"]],
    ];
    for (const [dir, nodes] of sets) {
      for (const node of nodes) {
        const key = must(parsePrivateKeyPem(readFileSync(join(dir, node, "rsa_key.priv"), "utf8")));
        expect(rsaSize(key)).toBe(256);
        expect(key.e).toBe(65537n);
        const pub = must(parsePublicKeyPem(readFileSync(join(dir, node, "hosts", node), "utf8")));
        expect(pub).toEqual(publicKeyOf(key));
      }
    }
  });

  test("our PEM writing reproduces OpenSSL's bytes for the fixture key", () => {
    const text = bobPriv();
    const key = must(parsePrivateKeyPem(text));
    expect(formatPrivateKeyPem(key)).toBe(text.slice(text.indexOf("-----BEGIN")));
    const hostText = readFileSync(join(FIXTURES, "legacy-auth", "config", "bob", "hosts", "bob"), "utf8");
    expect(hostText.endsWith(formatPublicKeyPem(key))).toBe(true);
  });

  test("SPKI `PUBLIC KEY` and PKCS#8 `PRIVATE KEY` forms (from node:crypto) parse to the same key", () => {
    const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 1024 });
    const pkcs1 = must(parsePrivateKeyPem(privateKey.export({ type: "pkcs1", format: "pem" }) as string));
    const pkcs8 = must(parsePrivateKeyPem(privateKey.export({ type: "pkcs8", format: "pem" }) as string));
    expect(pkcs8).toEqual(pkcs1);
    const spki = createPublicKey(privateKey).export({ type: "spki", format: "pem" }) as string;
    expect(must(parsePublicKeyPem(spki))).toEqual(publicKeyOf(pkcs1));
    const pkcs1Pub = createPublicKey(privateKey).export({ type: "pkcs1", format: "pem" }) as string;
    expect(must(parsePublicKeyPem(pkcs1Pub))).toEqual(publicKeyOf(pkcs1));
  });

  test("RSA PUBLIC KEY is preferred over PUBLIC KEY and OLD blocks are skipped", () => {
    const a = must(parsePrivateKeyPem(bobPriv()));
    const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 1024 });
    const spki = createPublicKey(privateKey).export({ type: "spki", format: "pem" }) as string;
    const old = formatPublicKeyPem(must(parsePublicKeyPem(spki))).replaceAll(
      "RSA PUBLIC KEY",
      "OLD RSA PUBLIC KEY",
    );
    const text = `Address = 1.2.3.4\n${old}\n${spki}\n${formatPublicKeyPem(a)}`;
    expect(must(parsePublicKeyPem(text))).toEqual(publicKeyOf(a));
  });

  test("PublicKey = HEX is the modulus with exponent 65535 (tinc's quirk)", () => {
    const key = must(parsePrivateKeyPem(bobPriv()));
    const hex = toHexUpper(must(bigIntToBytes(key.n, 256)));
    expect(must(parsePublicKeyHex(hex))).toEqual({ n: key.n, e: 65535n });
    expect(must(parsePublicKeyHex(hex.toLowerCase()))).toEqual({ n: key.n, e: 65535n });
    expect(parsePublicKeyHex("XYZ").ok).toBe(false);
  });

  test("broken files give reasons, never exceptions", () => {
    expect(parsePrivateKeyPem("")).toEqual({ ok: false, reason: "no RSA PRIVATE KEY or PRIVATE KEY block" });
    expect(parsePublicKeyPem("Address = x\n")).toEqual({
      ok: false,
      reason: "no RSA PUBLIC KEY or PUBLIC KEY block",
    });
    const text = bobPriv();
    const lines = text.split("\n");
    const truncated = [...lines.slice(0, 8), ...lines.slice(-2)].join("\n");
    expect(parsePrivateKeyPem(truncated).ok).toBe(false);
    expect(parsePrivateKeyPem(text.replace("-----END RSA PRIVATE KEY-----", "")).ok).toBe(false);
    // A key whose p was changed fails the arithmetic check.
    const key = must(parsePrivateKeyPem(text));
    const bad = formatPrivateKeyPem({ ...key, p: key.p + 2n });
    expect(parsePrivateKeyPem(bad)).toEqual({ ok: false, reason: "RSA private key: p*q != n" });
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300, size: "max" }), (der) => {
        expect(() => decodePkcs1PrivateKey(der)).not.toThrow();
      }),
      { numRuns: 200 },
    );
  });
});

describe("raw RSA", () => {
  const key = must(parsePrivateKeyPem(bobPriv()));
  const nodeKey = createPrivateKey(bobPriv());

  test("modPow and modInverse on small numbers", () => {
    expect(modPow(4n, 13n, 497n)).toBe(445n);
    expect(modPow(5n, 0n, 7n)).toBe(1n);
    expect(modInverse(3n, 11n)).toBe(4n);
    expect(modInverse(2n, 4n)).toBe(0n);
  });

  test("encrypt/decrypt round trip and agreement with OpenSSL RSA_NO_PADDING", () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 256, maxLength: 256 }), (block) => {
        block[0]! &= 0x7f;
        const c = must(rsaPublicRaw(key, block));
        expect(must(rsaPrivateRaw(key, c))).toEqual(block);
        const ref = publicEncrypt({ key: nodeKey, padding: constants.RSA_NO_PADDING }, block);
        expect(c).toEqual(new Uint8Array(ref));
        const back = privateDecrypt({ key: nodeKey, padding: constants.RSA_NO_PADDING }, c);
        expect(new Uint8Array(back)).toEqual(block);
      }),
      { numRuns: 12 },
    );
  });

  test("inputs of the wrong size or not below n are refused", () => {
    expect(rsaPublicRaw(key, new Uint8Array(255)).ok).toBe(false);
    expect(rsaPublicRaw(key, new Uint8Array(256).fill(0xff))).toEqual({
      ok: false,
      reason: "raw RSA input is not below the modulus",
    });
  });

  test("METAKEY: build with the peer's public key, open with its private key, key/IV from the end", () => {
    const random = seededRandom(7);
    const out = must(buildMetakey(publicKeyOf(key), random));
    expect(out.secret[0]! < 0x80).toBe(true);
    expect(out.hex).toMatch(/^[0-9A-F]{512}$/);
    expect(must(openMetakey(key, out.hex))).toEqual(out.secret);
    expect(must(openMetakey(key, out.hex.toLowerCase()))).toEqual(out.secret);
    const kv = must(metaKeyAndIv(out.secret, CIPHERS.get(421)!));
    expect(kv.key).toEqual(out.secret.slice(240));
    expect(kv.iv).toEqual(out.secret.slice(224, 240));
    expect(openMetakey(key, out.hex.slice(2)).ok).toBe(false);
    expect(openMetakey(key, "ZZ" + out.hex.slice(2)).ok).toBe(false);
  });
});

describe("key generation", () => {
  test("1024-bit: deterministic from the random source, PEM round trip, usable, OpenSSL agrees", () => {
    const a = must(generateTincKeyFiles(1024, seededRandom(42)));
    const b = must(generateTincKeyFiles(1024, seededRandom(42)));
    expect(a.privatePem).toBe(b.privatePem);
    expect(a.key.n.toString(2).length).toBe(1024);
    expect(a.key.e).toBe(65537n);
    expect(a.privatePem.startsWith("-----BEGIN RSA PRIVATE KEY-----\n")).toBe(true);
    expect(a.publicPem.startsWith("-----BEGIN RSA PUBLIC KEY-----\n")).toBe(true);
    expect(must(parsePrivateKeyPem(a.privatePem))).toEqual(a.key);
    expect(must(parsePublicKeyPem(a.publicPem))).toEqual(publicKeyOf(a.key));
    // OpenSSL reads our files and computes the same raw RSA.
    const nodePriv = createPrivateKey(a.privatePem);
    const nodePub = createPublicKey(a.publicPem);
    const m = new Uint8Array(128).fill(0x33);
    const c = must(rsaPublicRaw(a.key, m));
    expect(
      new Uint8Array(publicEncrypt({ key: nodePub, padding: constants.RSA_NO_PADDING }, m)) as Uint8Array,
    ).toEqual(c);
    expect(new Uint8Array(privateDecrypt({ key: nodePriv, padding: constants.RSA_NO_PADDING }, c))).toEqual(
      m,
    );
    expect(isProbablePrime(a.key.p, 10, seededRandom(1))).toBe(true);
    expect(isProbablePrime(a.key.q, 10, seededRandom(1))).toBe(true);
  });

  test("2048-bit generation takes seconds, not minutes", () => {
    const t0 = Date.now();
    const k: RsaPrivateKey = must(generateRsaKey(2048, seededRandom(2048)));
    const ms = Date.now() - t0;
    expect(k.n.toString(2).length).toBe(2048);
    expect(ms).toBeLessThan(30_000);
    const m = new Uint8Array(256).fill(1);
    expect(must(rsaPrivateRaw(k, must(rsaPublicRaw(k, m))))).toEqual(m);
  }, 60_000);

  test("Miller-Rabin on known primes and composites", () => {
    const r = seededRandom(3);
    expect(isProbablePrime(2n ** 127n - 1n, 20, r)).toBe(true);
    expect(isProbablePrime(2n ** 128n + 1n, 20, r)).toBe(false);
    // A Carmichael number passes Fermat base 2 but not Miller-Rabin.
    expect(isProbablePrime(561n, 20, r)).toBe(false);
    expect(isProbablePrime(3215031751n, 20, r)).toBe(false);
    expect(isProbablePrime(bytesToBigInt(must(fromHex("FFFFFFFFFFFFFFC5"))), 20, r)).toBe(true);
  });

  test("a 32-bit generator adapts to a byte source, big-endian", () => {
    let n = 0;
    const bytes = randomBytesFrom({ nextU32: () => [0x01020304, 0xa0b0c0d0][n++ % 2]! })(6);
    expect(bytes).toEqual(Uint8Array.of(1, 2, 3, 4, 0xa0, 0xb0));
  });

  test("sizes outside 512..8192 are refused", () => {
    expect(generateRsaKey(256, seededRandom(1)).ok).toBe(false);
    expect(generateRsaKey(9000, seededRandom(1)).ok).toBe(false);
  });
});
