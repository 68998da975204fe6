import { describe, expect, test } from "bun:test";
import { Getopt, type GetoptSpec } from "./getopt.ts";

const spec: GetoptSpec = {
  short: "c:Dd::x",
  long: [
    { name: "config", argument: "required", key: "c" },
    { name: "debug", argument: "optional", key: "d" },
    { name: "no-detach", argument: "none", key: "D" },
    { name: "net", argument: "required", key: "n" },
    { name: "help", argument: "none", key: "help" },
  ],
};

/** Runs getopt to the end and renders each step compactly. */
function run(args: string[]): { steps: string[]; operands: string[] } {
  const g = new Getopt(args, spec, "prog");
  const steps: string[] = [];
  for (let i = 0; i < 50; i++) {
    const s = g.next();
    if (s.kind === "end") break;
    steps.push(s.kind === "error" ? `!${s.message}` : `${s.key}=${s.value ?? "∅"} (${s.spelling})`);
  }
  return { steps, operands: g.operands };
}

describe("short options", () => {
  const table: Array<[string[], string[], string[]]> = [
    [["-D"], ["D=∅ (-D)"], []],
    [["-D", "-x"], ["D=∅ (-D)", "x=∅ (-x)"], []],
    [["-Dx"], ["D=∅ (-D)", "x=∅ (-x)"], []],
    [["-c", "/etc"], ["c=/etc (-c)"], []],
    [["-c/etc"], ["c=/etc (-c)"], []],
    [["-Dc/etc"], ["D=∅ (-D)", "c=/etc (-c)"], []],
    // A required argument is taken even when it looks like an option.
    [["-c", "-D"], ["c=-D (-c)"], []],
    // An optional argument must be attached; the rest of the cluster is the argument.
    [["-d2"], ["d=2 (-d)"], []],
    [["-d", "2"], ["d=∅ (-d)"], ["2"]],
    [["-dD"], ["d=D (-d)"], []],
    [["-Dd2"], ["D=∅ (-D)", "d=2 (-d)"], []],
    [["-q"], ["!prog: invalid option -- 'q'"], []],
    [["-Dqx"], ["D=∅ (-D)", "!prog: invalid option -- 'q'", "x=∅ (-x)"], []],
    [["-c"], ["!prog: option requires an argument -- 'c'"], []],
    [["-Dc"], ["D=∅ (-D)", "!prog: option requires an argument -- 'c'"], []],
  ];
  for (const [args, steps, operands] of table) {
    test(args.join(" "), () => expect(run(args)).toEqual({ steps, operands }));
  }
});

describe("long options", () => {
  const table: Array<[string[], string[], string[]]> = [
    [["--no-detach"], ["D=∅ (--no-detach)"], []],
    [["--config=/x"], ["c=/x (--config)"], []],
    [["--config", "/x"], ["c=/x (--config)"], []],
    [["--config", "--help"], ["c=--help (--config)"], []],
    [["--config="], ["c= (--config)"], []],
    [["--debug=3"], ["d=3 (--debug)"], []],
    [["--debug", "3"], ["d=∅ (--debug)"], ["3"]],
    [["--conf=/x"], ["c=/x (--config)"], []],
    [["--deb"], ["d=∅ (--debug)"], []],
    [["--n"], ["!prog: option '--n' is ambiguous; possibilities: '--no-detach' '--net'"], []],
    [["--bogus=1"], ["!prog: unrecognized option '--bogus=1'"], []],
    [["--help=yes"], ["!prog: option '--help' doesn't allow an argument"], []],
    [["--config"], ["!prog: option '--config' requires an argument"], []],
  ];
  for (const [args, steps, operands] of table) {
    test(args.join(" "), () => expect(run(args)).toEqual({ steps, operands }));
  }
});

describe("operands and --", () => {
  test("operands anywhere are collected (permuted)", () => {
    expect(run(["a", "-D", "b", "-x"])).toEqual({ steps: ["D=∅ (-D)", "x=∅ (-x)"], operands: ["a", "b"] });
  });
  test("-- ends options", () => {
    expect(run(["-D", "--", "-x", "--help"])).toEqual({ steps: ["D=∅ (-D)"], operands: ["-x", "--help"] });
  });
  test("a lone - is an operand", () => {
    expect(run(["-"])).toEqual({ steps: [], operands: ["-"] });
  });
});

describe("takeNextIf", () => {
  const notDash = (a: string) => !a.startsWith("-");
  test("takes the following argument after a finished option", () => {
    const g = new Getopt(["-d", "5", "-D"], spec, "prog");
    expect(g.next()).toMatchObject({ key: "d", value: undefined });
    expect(g.takeNextIf(notDash)).toBe("5");
    expect(g.next()).toMatchObject({ key: "D" });
    expect(g.next()).toEqual({ kind: "end" });
  });
  test("refuses arguments starting with - and inside a cluster", () => {
    const g = new Getopt(["-d", "-D"], spec, "prog");
    g.next();
    expect(g.takeNextIf(notDash)).toBeUndefined();
    const h = new Getopt(["-xD", "5"], spec, "prog");
    h.next();
    expect(h.takeNextIf(notDash)).toBeUndefined();
  });
  test("nothing left", () => {
    const g = new Getopt(["-d"], spec, "prog");
    g.next();
    expect(g.takeNextIf(notDash)).toBeUndefined();
  });
});
