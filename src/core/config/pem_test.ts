import { expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { pemBlocks } from "./pem.ts";
import { parseConfigText } from "./parse.ts";

test("finds blocks with labels, bodies and lines; CRLF and blank lines tolerated", () => {
  const text =
    "Address = x\r\n-----BEGIN RSA PUBLIC KEY-----\r\nAAAA\r\n\r\nBB BB\r\n-----END RSA PUBLIC KEY-----\r\n" +
    "Port = 1\n-----BEGIN ED25519 PUBLIC KEY-----\nCCCC\n";
  expect(pemBlocks(text)).toEqual([
    { label: "RSA PUBLIC KEY", base64: "AAAABBBB", line: 2, complete: true },
    { label: "ED25519 PUBLIC KEY", base64: "CCCC", line: 8, complete: false },
  ]);
});

test("a real host file: one RSA public key that decodes to DER, and the config lines around it", () => {
  const path = join(
    import.meta.dir,
    "..",
    "..",
    "..",
    "..",
    "shared",
    "fixtures",
    "legacy-auth",
    "config",
    "alice",
    "hosts",
    "bob",
  );
  const text = readFileSync(path, "utf8");
  const blocks = pemBlocks(text);
  expect(blocks.map((b) => [b.label, b.complete])).toEqual([["RSA PUBLIC KEY", true]]);
  const der = Uint8Array.from(atob(blocks[0]!.base64), (c) => c.charCodeAt(0));
  expect(der[0]).toBe(0x30); // an ASN.1 SEQUENCE
  expect(parseConfigText(text, "hosts/bob").entries.map((e) => e.variable)).toEqual([
    "Address",
    "Subnet",
    "Subnet",
  ]);
});
