import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { type ConfigEntry, parseConfigLine, parseConfigText, sameVariable } from "./parse.ts";

function line(text: string) {
  const r = parseConfigLine(text, "f", 7);
  return r.ok ? { variable: r.value.variable, value: r.value.value } : { error: r.error.message };
}

describe("parseConfigLine", () => {
  const table: Array<[string, ReturnType<typeof line>]> = [
    ["Name = alice", { variable: "Name", value: "alice" }],
    ["Name=alice", { variable: "Name", value: "alice" }],
    ["Name alice", { variable: "Name", value: "alice" }],
    ["Name\talice", { variable: "Name", value: "alice" }],
    ["Name \t=\t alice", { variable: "Name", value: "alice" }],
    ["Name = alice  \t", { variable: "Name", value: "alice" }],
    ["Address = 10.0.0.1 655", { variable: "Address", value: "10.0.0.1 655" }],
    // Only one "=" is a separator; the next belongs to the value.
    ["Name == x", { variable: "Name", value: "= x" }],
    ["Name = = x", { variable: "Name", value: "= x" }],
    // A "#" after the value is part of it.
    ["Port = 655 # web", { variable: "Port", value: "655 # web" }],
    // Leading whitespace: empty variable name, as tincd's strcspn gives.
    ["  Name = x", { variable: "", value: "Name = x" }],
    ["=x", { variable: "", value: "x" }],
    ["Name", { error: "f line 7: Name: no value for variable" }],
    ["Name =", { error: "f line 7: Name: no value for variable" }],
    ["Name = \t ", { error: "f line 7: Name: no value for variable" }],
    ["   ", { error: "f line 7: : no value for variable" }],
  ];
  for (const [input, expected] of table) {
    test(JSON.stringify(input), () => expect(line(input)).toEqual(expected));
  }

  test("command-line options are reported by index", () => {
    const r = parseConfigLine("Port", null, 3);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.message).toBe("command line option 3: Port: no value for variable");
  });
});

describe("parseConfigText", () => {
  test("comments, blanks, CRLF, PEM blocks, line numbers", () => {
    const text = [
      "# comment",
      "",
      "Name = alice\r",
      "-----BEGIN RSA PUBLIC KEY-----",
      "MIIBCgKCAQEA",
      "Subnet = 1.2.3.4/32",
      "-----END RSA PUBLIC KEY-----",
      "ConnectTo = bob",
      "connectto = carol",
      "",
    ].join("\n");
    const r = parseConfigText(text, "tinc.conf");
    expect(r.error).toBeUndefined();
    expect(r.entries).toEqual([
      { variable: "Name", value: "alice", file: "tinc.conf", line: 3 },
      { variable: "ConnectTo", value: "bob", file: "tinc.conf", line: 8 },
      { variable: "connectto", value: "carol", file: "tinc.conf", line: 9 },
    ]);
  });

  test("a comment or blank line inside a PEM block does not end it", () => {
    const r = parseConfigText("-----BEGIN X\n#x\n\nA = b\n-----END X\nC = d", "h");
    expect(r.entries.map((e) => [e.variable, e.line])).toEqual([["C", 6]]);
  });

  test("the last line needs no newline", () => {
    expect(parseConfigText("A = 1\nB = 2", "h").entries.map((e) => e.value)).toEqual(["1", "2"]);
  });

  test("the first bad line stops parsing and is cited", () => {
    const r = parseConfigText("A = 1\nB\nC = 3\n", "/etc/tinc/x/tinc.conf");
    expect(r.entries.map((e) => e.variable)).toEqual(["A"]);
    expect(r.error?.message).toBe("/etc/tinc/x/tinc.conf line 2: B: no value for variable");
    expect(r.error).toMatchObject({ file: "/etc/tinc/x/tinc.conf", line: 2, variable: "B" });
  });

  test("variable names compare case-insensitively (ASCII only)", () => {
    expect(sameVariable("ConnectTo", "CONNECTTO")).toBe(true);
    expect(sameVariable("Port", "Porta")).toBe(false);
  });
});

// Round trip: any list of entries rendered with arbitrary tinc-legal spacing, comments, PEM
// blocks and line endings parses back to the same entries at the predicted line numbers.
describe("round trip (fast-check)", () => {
  const nameChar = fc.constantFrom(..."ABCXYZabcxyz0189_.-:/".split(""));
  const variable = fc.string({ unit: nameChar, minLength: 1, maxLength: 12 }).filter((s) =>
    !s.startsWith("-") && !s.startsWith("#")
  );
  const valueChar = fc.oneof(
    fc.constantFrom(..."abcXYZ019 #=/:.,-_*$\t".split("")),
    fc.constantFrom("é", "ß", "→", "中"),
  );
  const value = fc.string({ unit: valueChar, minLength: 1, maxLength: 20 }).filter((s) =>
    !/^[ \t=]/.test(s) && !/[ \t]$/.test(s)
  );
  const separator = fc.constantFrom(" = ", "=", " ", "\t", "\t=\t", " =", "= ", "  =  ");
  const eol = fc.constantFrom("\n", "\r\n");
  const item = fc.oneof(
    { weight: 5, arbitrary: fc.record({ kind: fc.constant("entry" as const), variable, value, separator }) },
    {
      weight: 1,
      arbitrary: fc.record({ kind: fc.constant("comment" as const), text: fc.string({ maxLength: 10 }) }),
    },
    { weight: 1, arbitrary: fc.constant({ kind: "blank" as const }) },
    {
      weight: 1,
      arbitrary: fc.record({
        kind: fc.constant("pem" as const),
        body: fc.array(fc.stringMatching(/^[A-Za-z0-9+/= ]{0,20}$/), { maxLength: 4 }),
      }),
    },
  );

  test("entries survive text and back", () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(item, eol), { maxLength: 25 }), (items) => {
        let text = "";
        let lineNo = 0;
        const expected: ConfigEntry[] = [];
        for (const [it, end] of items) {
          const lines: string[] = [];
          switch (it.kind) {
            case "entry":
              lines.push(`${it.variable}${it.separator}${it.value}`);
              expected.push({ variable: it.variable, value: it.value, file: "t", line: lineNo + 1 });
              break;
            case "comment":
              lines.push(`#${it.text.replace(/[\r\n]/g, "")}`);
              break;
            case "blank":
              lines.push("");
              break;
            case "pem":
              lines.push(
                "-----BEGIN KEY-----",
                ...it.body.filter((b) => !b.startsWith("-----END")),
                "-----END KEY-----",
              );
              break;
          }
          for (const l of lines) {
            text += l + end;
            lineNo++;
          }
        }
        const parsed = parseConfigText(text, "t");
        expect(parsed.error).toBeUndefined();
        expect(parsed.entries).toEqual(expected);
      }),
      { numRuns: 300 },
    );
  });
});
