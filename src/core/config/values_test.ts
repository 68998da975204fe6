import { describe, expect, test } from "bun:test";
import { cAtoi, parseBool, parseCInt, parseKeyword, splitHostPort } from "./values.ts";
import { isValidNodeName, resolveName, sanitizeName } from "./name.ts";
import { compareEntries, ConfigTree } from "./tree.ts";
import type { ConfigEntry } from "./parse.ts";

describe("parseBool", () => {
  test.each(
    [
      ["yes", true],
      ["YES", true],
      ["Yes", true],
      ["no", false],
      ["No", false],
      ["true", undefined],
      ["1", undefined],
      ["yes ", undefined],
    ] as const,
  )("%p", (input, expected) => expect(parseBool(input)).toBe(expected));
});

describe("parseCInt (sscanf %d)", () => {
  test.each(
    [
      ["60", 60],
      ["  60", 60],
      ["\t-5", -5],
      ["+7", 7],
      ["10s", 10],
      ["655 # web", 655],
      ["0x10", 0],
      ["007", 7],
      ["2147483647", 2147483647],
      ["-2147483648", -2147483648],
      ["2147483648", undefined],
      ["abc", undefined],
      ["-", undefined],
      ["", undefined],
    ] as const,
  )("%p", (input, expected) => expect(parseCInt(input)).toBe(expected));
});

describe("cAtoi", () => {
  test.each(
    [
      ["2", 2],
      [" 3x", 3],
      ["x", 0],
      ["", 0],
      ["-9", -9],
      ["4096", 4096],
      ["4294967297", 1],
      ["99999999999999999999", -1],
    ] as const,
  )("%p", (input, expected) => expect(cAtoi(input)).toBe(expected));
});

test("parseKeyword is case-insensitive and rejects unknown words", () => {
  const table = { router: 1, switch: 2 } as const;
  expect(parseKeyword("Router", table)).toBe(1);
  expect(parseKeyword("SWITCH", table)).toBe(2);
  expect(parseKeyword("hub", table)).toBeUndefined();
  expect(parseKeyword("constructor", table)).toBeUndefined();
});

test("splitHostPort splits at the first space only", () => {
  expect(splitHostPort("10.0.0.1")).toEqual({ host: "10.0.0.1", port: undefined });
  expect(splitHostPort("10.0.0.1 655")).toEqual({ host: "10.0.0.1", port: "655" });
  expect(splitHostPort("host.example 655 x")).toEqual({ host: "host.example", port: "655 x" });
  expect(splitHostPort("host\t655")).toEqual({ host: "host\t655", port: undefined });
});

describe("names", () => {
  test("check_id", () => {
    expect(isValidNodeName("alice_1")).toBe(true);
    expect(isValidNodeName("")).toBe(false);
    expect(isValidNodeName("a-b")).toBe(false);
    expect(isValidNodeName("a.b")).toBe(false);
    expect(isValidNodeName("é")).toBe(false);
  });

  test("sanitizeName replaces each non-alphanumeric byte", () => {
    expect(sanitizeName("web-01.example")).toBe("web_01_example");
    expect(sanitizeName("café")).toBe("caf__");
  });

  test("$VAR and $HOST expansion", () => {
    expect(resolveName("alice", {})).toEqual({ ok: true, name: "alice" });
    expect(resolveName("$NODE", { env: { NODE: "node-7" } })).toEqual({ ok: true, name: "node_7" });
    expect(resolveName("$HOST", { env: {}, hostname: "box.lan" })).toEqual({ ok: true, name: "box_lan" });
    expect(resolveName("$HOST", { env: { HOST: "fromenv" }, hostname: "box" })).toEqual({
      ok: true,
      name: "fromenv",
    });
    expect(resolveName("$NOPE", { env: {} })).toEqual({
      ok: false,
      reason: "Invalid Name: environment variable NOPE does not exist",
    });
    expect(resolveName("$HOST", {})).toEqual({ ok: false, reason: "Could not get hostname" });
    expect(resolveName("bad-name", {})).toEqual({ ok: false, reason: "Invalid name for myself!" });
    expect(resolveName("$EMPTY", { env: { EMPTY: "" } })).toEqual({
      ok: false,
      reason: "Invalid name for myself!",
    });
  });
});

describe("ConfigTree precedence", () => {
  const e = (variable: string, value: string, file: string | null, line: number): ConfigEntry => ({
    variable,
    value,
    file,
    line,
  });

  test("command-line entries first, then lowest line number across files", () => {
    const tree = new ConfigTree([
      e("Port", "700", "tinc.conf", 5),
      e("port", "655", "hosts/alice", 1),
      e("PORT", "800", "conf.d/a.conf", 3),
    ]);
    expect(tree.lookup("Port")?.value).toBe("655");
    const withCmd = tree.with([e("Port", "9000", null, 2)]);
    expect(withCmd.lookup("port")?.value).toBe("9000");
    expect(withCmd.lookupAll("Port").map((x) => x.value)).toEqual(["9000", "655", "800", "700"]);
  });

  test("equal line numbers: the file path decides, byte order", () => {
    const tree = new ConfigTree([
      e("Port", "a", "/etc/tinc/n/tinc.conf", 1),
      e("Port", "b", "/etc/tinc/n/hosts/alice", 1),
      e("Port", "c", "/etc/tinc/n/conf.d/z.conf", 1),
    ]);
    expect(tree.lookupAll("Port").map((x) => x.value)).toEqual(["c", "b", "a"]);
  });

  test("repeated variables keep tinc's order; other variables are separate", () => {
    const tree = new ConfigTree([
      e("ConnectTo", "b", "t", 4),
      e("ConnectTo", "a", "t", 2),
      e("Name", "x", "t", 1),
    ]);
    expect(tree.lookupAll("connectto").map((x) => x.value)).toEqual(["a", "b"]);
    expect(tree.lookup("Missing")).toBeUndefined();
    expect(tree.variables().sort()).toEqual(["connectto", "name"]);
  });

  test("compareEntries is a total order consistent with sorting", () => {
    const a = e("A", "1", null, 1);
    const b = e("a", "2", "f", 1);
    expect(compareEntries(a, b)).toBeLessThan(0);
    expect(compareEntries(b, a)).toBeGreaterThan(0);
    expect(compareEntries(a, a)).toBe(0);
  });
});
