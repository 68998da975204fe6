// tinc base64, Ed25519 signing from the expanded key, key files, node IDs and UDP framing, and
// the REQ_KEY/ANS_KEY carriers, against properties, @noble's RFC 8032 Ed25519 and the fixtures.
import { describe, expect, test } from "bun:test";
import { ed25519 } from "@noble/curves/ed25519.js";
import fc from "fast-check";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { formatRequest, parseRequest } from "../meta/codec.ts";
import { RequestCode } from "../meta/requests.ts";
import { decodeTincBase64, encodeTincBase64, encodeTincBase64Url, tincBase64Length } from "./base64.ts";
import { edwardsToMontgomery, keyPairFromSeed, signWithExpanded, verifySignature } from "./ed25519.ts";
import {
  disableOldEd25519Keys,
  formatPrivateKeyFile,
  formatPublicKeyPem,
  generateEd25519Keys,
  parsePrivateKeyFile,
  parsePublicKey,
  parsePublicKeyPem,
} from "./key_files.ts";
import {
  recordOfAnsKey,
  recordOfReqKey,
  sptpsHandshakeAnswer,
  sptpsPacketRequest,
  sptpsStartRequest,
} from "./key_requests.ts";
import { DIRECT_NODE_ID, frameUdpPacket, nodeIdHex, nodeIdOf, parseUdpPacket } from "./node_id.ts";
import { fromHex, hex, seededRng } from "./test_support_test.ts";

const FIXTURES = join(import.meta.dir, "..", "..", "..", "..", "shared", "fixtures");

describe("tinc base64", () => {
  test("round trip, both alphabets, length formula, no padding", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        const std = encodeTincBase64(bytes), url = encodeTincBase64Url(bytes);
        expect(std.length).toBe(tincBase64Length(bytes.length));
        expect(std).not.toContain("=");
        expect(hex(decodeTincBase64(std)!)).toBe(hex(bytes));
        expect(hex(decodeTincBase64(url)!)).toBe(hex(bytes));
        expect(url).toBe(std.replaceAll("+", "-").replaceAll("/", "_"));
      }),
    );
  });

  test("least significant bits first, unlike RFC 4648", () => {
    expect(encodeTincBase64(Uint8Array.of(1))).toBe("BA");
    expect(encodeTincBase64(Uint8Array.of(0xff, 0xff, 0xff))).toBe("////");
    expect(tincBase64Length(32)).toBe(43);
  });

  test("refuses foreign characters and impossible lengths", () => {
    expect(decodeTincBase64("AAAA=")).toBeUndefined();
    expect(decodeTincBase64("AA A")).toBeUndefined();
    expect(decodeTincBase64("AAAAA")).toBeUndefined();
    expect(decodeTincBase64("é")).toBeUndefined();
    expect(decodeTincBase64("")!.length).toBe(0);
  });
});

describe("Ed25519 from the expanded key", () => {
  test("signatures equal RFC 8032 (noble, from the seed) and verify", () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.uint8Array({ maxLength: 300 }),
        (seed, msg) => {
          const key = keyPairFromSeed(seed);
          expect(hex(key.publicKey)).toBe(hex(ed25519.getPublicKey(seed)));
          const sig = signWithExpanded(key.expandedSecret, key.publicKey, msg);
          expect(hex(sig)).toBe(hex(ed25519.sign(msg, seed)));
          expect(verifySignature(key.publicKey, msg, sig)).toBe(true);
          const bad = sig.slice();
          bad[msg.length % 64]! ^= 4;
          expect(verifySignature(key.publicKey, msg, bad)).toBe(false);
        },
      ),
      { numRuns: 30 },
    );
  });

  test("verify never throws on garbage", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), fc.uint8Array({ maxLength: 70 }), (pub, sig) => {
        expect(verifySignature(pub, new Uint8Array(3), sig)).toBe(false);
      }),
    );
  });

  test("Montgomery u from the y bytes matches noble's conversion", () => {
    const pub = keyPairFromSeed(new Uint8Array(32).fill(3)).publicKey;
    expect(hex(edwardsToMontgomery(pub))).toBe(hex(ed25519.utils.toMontgomery(pub)));
  });
});

describe("key files", () => {
  for (const [dir, name] of [["sptps-pre18/config", "carol"], ["sptps-pre18/config", "dave"]] as const) {
    test(`${name}'s ed25519_key.priv: parse, rewrite byte for byte, sign`, () => {
      const text = readFileSync(join(FIXTURES, dir, name, "ed25519_key.priv"), "utf8");
      const key = parsePrivateKeyFile(text);
      expect(key.ok).toBe(true);
      if (!key.ok) return;
      expect(formatPrivateKeyFile(key.value)).toBe(text);
      const sig = signWithExpanded(key.value.expandedSecret, key.value.publicKey, Uint8Array.of(1, 2));
      expect(verifySignature(key.value.publicKey, Uint8Array.of(1, 2), sig)).toBe(true);
    });
  }

  test("generate-ed25519-keys output parses back; PEM public block round trips", () => {
    const gen = generateEd25519Keys(seededRng(5));
    const priv = parsePrivateKeyFile(gen.privateKeyFile);
    expect(priv.ok && hex(priv.value.publicKey)).toBe(hex(gen.key.publicKey));
    expect(gen.privateKeyFile.split("\n").map((l) => l.length)).toEqual([35, 64, 64, 33, 0]);
    const line = /^Ed25519PublicKey = (\S{43})\n$/.exec(gen.hostFileLine);
    expect(line).not.toBeNull();
    const pub = parsePublicKey(line![1]!);
    expect(pub.ok && hex(pub.value)).toBe(hex(gen.key.publicKey));
    const pem = parsePublicKeyPem(`Address = x\n${formatPublicKeyPem(gen.key.publicKey)}Port = 1\n`);
    expect(pem.ok && hex(pem.value)).toBe(hex(gen.key.publicKey));
    expect(gen.publicKeyFile).toBe(formatPublicKeyPem(gen.key.publicKey));
  });

  test("refusals: wrong sizes, bad base64, mismatched public half, missing END", () => {
    const gen = generateEd25519Keys(seededRng(6));
    expect(parsePublicKey("AAAA").ok).toBe(false);
    expect(parsePublicKey("*".repeat(43)).ok).toBe(false);
    const tampered = gen.privateKeyFile.replace(/\n([A-Za-z0-9+/])/, (_m, c) => `\n${c === "A" ? "B" : "A"}`);
    expect(parsePrivateKeyFile(tampered)).toMatchObject({ ok: false });
    expect(parsePrivateKeyFile(gen.privateKeyFile.replace(/-----END.*\n/, ""))).toMatchObject({ ok: false });
    expect(parsePrivateKeyFile(formatPublicKeyPem(gen.key.publicKey))).toMatchObject({ ok: false });
  });

  test("old keys are commented out the way tinc's disable_old_keys does", () => {
    const host = "Address = 1.2.3.4\ned25519publickey = abc\nEd25519PublicKeyFile = /x\n" +
      "-----BEGIN ED25519 PUBLIC KEY-----\nabc\n-----END ED25519 PUBLIC KEY-----\n" +
      "-----BEGIN RSA PUBLIC KEY-----\nxyz\n-----END RSA PUBLIC KEY-----\n";
    const out = disableOldEd25519Keys(host);
    expect(out.disabled).toBe(true);
    expect(out.text).toBe(
      "Address = 1.2.3.4\n#ed25519publickey = abc\nEd25519PublicKeyFile = /x\n" +
        "#-----BEGIN ED25519 PUBLIC KEY-----\n#abc\n#-----END ED25519 PUBLIC KEY-----\n" +
        "-----BEGIN RSA PUBLIC KEY-----\nxyz\n-----END RSA PUBLIC KEY-----\n",
    );
    expect(disableOldEd25519Keys("Address = x\n")).toEqual({ text: "Address = x\n", disabled: false });
  });
});

describe("node IDs and UDP framing", () => {
  test("carol and dave", () => {
    expect(nodeIdHex(nodeIdOf("carol"))).toBe("ecbec19886c1");
    expect(nodeIdHex(nodeIdOf("dave"))).toBe("8705fc1e79af");
  });

  test("frame and parse the first captured datagram", () => {
    const packet = fromHex(
      "000000000000ecbec19886c100000002" + "60b4e307c4cb26d2c72e3a2fb25f945f" +
        "f18f6e5db2d4608e7273e6d7c5fe0a4e" + "d91a58",
    );
    const parts = parseUdpPacket(packet)!;
    expect(hex(parts.dstId)).toBe(hex(DIRECT_NODE_ID));
    expect(hex(parts.srcId)).toBe("ecbec19886c1");
    expect(parts.seqno).toBe(2);
    expect(hex(frameUdpPacket(parts.dstId, parts.srcId, parts.record))).toBe(hex(packet));
    expect(parseUdpPacket(packet.subarray(0, 15))).toBeUndefined();
  });
});

describe("REQ_KEY / ANS_KEY carriers", () => {
  test("the captured lines come out of the builders and back", () => {
    const start =
      "15 carol dave 15 AAAAAAIARPojVpKuUlNdH2DOfoCx0TWWWELhpKIGSdZ1zba7uGp1Xbsaw4euwucqcGNIKML6PdiuzlYfrEpNcs0gOcDtnD";
    const parsed = parseRequest(start);
    expect(parsed.ok).toBe(true);
    if (!parsed.ok || parsed.value.code !== RequestCode.REQ_KEY) return;
    const record = recordOfReqKey(parsed.value)!;
    expect(record.length).toBe(70);
    expect(formatRequest(sptpsStartRequest("carol", "dave", record))).toBe(start);

    const ans = "16 carol dave AAAAMkkaOHE831+YdhA4HzK3OHV1 -1 -1 -1 0";
    const p2 = parseRequest(ans);
    if (!p2.ok || p2.value.code !== RequestCode.ANS_KEY) throw new Error("ANS_KEY did not parse");
    const rec2 = recordOfAnsKey(p2.value)!;
    expect(rec2.length).toBe(21); // an encrypted empty ACK
    expect(formatRequest(sptpsHandshakeAnswer("carol", "dave", rec2, 0))).toBe(ans);
    expect(formatRequest(sptpsPacketRequest("a", "b", Uint8Array.of(1, 2, 3)))).toBe("15 a b 21 BIwA"); // v = 0x030201: 1, 8, 48, 0;
  });
});
