import { describe, expect, test } from "bun:test";
import { disableOldKeys } from "./old_keys.ts";

const HOST = [
  "Address = 192.0.2.1",
  "-----BEGIN RSA PUBLIC KEY-----",
  "MIIBCg==",
  "-----END RSA PUBLIC KEY-----",
  "Ed25519PublicKey = abc",
  "ed25519publickey=def",
  "Ed25519PublicKeyFile = /x",
  "-----BEGIN ED25519 PUBLIC KEY-----",
  "xyz",
  "-----END ED25519 PUBLIC KEY-----",
  "",
].join("\n");

describe("disableOldKeys (tinc's disable_old_keys)", () => {
  test("RSA: only RSA blocks", () => {
    const r = disableOldKeys(HOST, "RSA");
    expect(r.disabled).toBe(true);
    expect(r.text.split("\n").slice(0, 6)).toEqual([
      "Address = 192.0.2.1",
      "#-----BEGIN RSA PUBLIC KEY-----",
      "#MIIBCg==",
      "#-----END RSA PUBLIC KEY-----",
      "Ed25519PublicKey = abc",
      "ed25519publickey=def",
    ]);
    expect(r.text.endsWith("-----END ED25519 PUBLIC KEY-----\n")).toBe(true);
  });

  test("Ed25519: key lines and ED25519 blocks, not Ed25519PublicKeyFile", () => {
    const r = disableOldKeys(HOST, "Ed25519");
    expect(r.disabled).toBe(true);
    expect(r.text.split("\n")).toEqual([
      "Address = 192.0.2.1",
      "-----BEGIN RSA PUBLIC KEY-----",
      "MIIBCg==",
      "-----END RSA PUBLIC KEY-----",
      "#Ed25519PublicKey = abc",
      "#ed25519publickey=def",
      "Ed25519PublicKeyFile = /x",
      "#-----BEGIN ED25519 PUBLIC KEY-----",
      "#xyz",
      "#-----END ED25519 PUBLIC KEY-----",
      "",
    ]);
  });

  test("nothing to disable leaves the text alone", () => {
    expect(disableOldKeys("Address = x\n", "RSA")).toEqual({ text: "Address = x\n", disabled: false });
    expect(disableOldKeys("", "Ed25519")).toEqual({ text: "", disabled: false });
  });
});
