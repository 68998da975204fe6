/**
 * A small, pure parser with glibc getopt_long's behaviour, for tools that must accept exactly
 * what tinc's C programs accept:
 *
 * ```
 *   -D -d2 -Dd2       short options, clustered; "d::" takes only an attached value
 *   -c DIR  -cDIR     "c:" takes the rest of the cluster, else the next argument (even "-x")
 *   --config=DIR      long options; unambiguous prefixes work (--conf=DIR)
 *   --config DIR      a required long argument may be the next argument
 *   --debug=3         an optional long argument must be attached with "="
 *   --                ends options; the rest are operands
 *   foo               operands may appear anywhere (glibc permutes them to the end)
 * ```
 *
 * The caller pulls one option at a time and may take the following argument itself, as tincd
 * does for `-d 2` ({@link Getopt.takeNextIf}).
 * @module
 */

/** Whether an option takes an argument. */
export type ArgumentKind = "none" | "required" | "optional";

/** A long option: `--name`, reported under `key`. */
export interface LongOption {
  name: string;
  argument: ArgumentKind;
  key: string;
}

/** Options, in getopt's terms. */
export interface GetoptSpec {
  /** getopt's optstring, e.g. `"c:DLd::"`; each short option is reported under its letter. */
  short: string;
  long: readonly LongOption[];
}

/** One step of parsing. */
export type GetoptStep =
  | {
    kind: "option";
    /** The short letter or the long option's key. */
    key: string;
    /** As the user spelled it: `-d` or `--debug`. */
    spelling: string;
    /** The argument, if one was given in a way getopt accepts. */
    value: string | undefined;
  }
  | { kind: "error"; message: string }
  | { kind: "end" };

function parseShortSpec(optstring: string): Map<string, ArgumentKind> {
  const out = new Map<string, ArgumentKind>();
  let i = optstring.startsWith("+") || optstring.startsWith("-") ? 1 : 0;
  if (optstring[i] === ":") i++;
  for (; i < optstring.length; i++) {
    const c = optstring[i]!;
    if (c === ":") continue;
    let kind: ArgumentKind = "none";
    if (optstring[i + 1] === ":") kind = optstring[i + 2] === ":" ? "optional" : "required";
    out.set(c, kind);
  }
  return out;
}

/**
 * An iterator over argv with getopt_long's rules and error messages (glibc 2.26+ wording, e.g.
 * `tincd: invalid option -- 'x'`). Operands are collected in {@link Getopt.operands}.
 */
export class Getopt {
  readonly #args: readonly string[];
  readonly #program: string;
  readonly #short: Map<string, ArgumentKind>;
  readonly #long: readonly LongOption[];
  #index = 0;
  /** Position inside a cluster of short options (0: not inside one). */
  #cluster = 0;
  #done = false;
  readonly operands: string[] = [];

  /**
   * @param args the arguments after the program name
   * @param program the name used in error messages (tincd uses argv[0])
   */
  constructor(args: readonly string[], spec: GetoptSpec, program: string) {
    this.#args = args;
    this.#program = program;
    this.#short = parseShortSpec(spec.short);
    this.#long = spec.long;
  }

  /**
   * Takes the argument after the current option when `accept` says so, as tincd does for options
   * with an optional value (`-d 2`, `--logfile FILE`). Only between clusters; never past `--`.
   */
  takeNextIf(accept: (arg: string) => boolean): string | undefined {
    if (this.#cluster !== 0 || this.#done) return undefined;
    const next = this.#args[this.#index];
    if (next === undefined || !accept(next)) return undefined;
    this.#index++;
    return next;
  }

  /** The next option, an error, or the end (after which {@link operands} is complete). */
  next(): GetoptStep {
    if (this.#cluster === 0) {
      for (;;) {
        if (this.#done || this.#index >= this.#args.length) {
          this.#done = true;
          while (this.#index < this.#args.length) this.operands.push(this.#args[this.#index++]!);
          return { kind: "end" };
        }
        const arg = this.#args[this.#index]!;
        if (arg === "--") {
          this.#index++;
          this.#done = true;
          continue;
        }
        if (arg.startsWith("--")) {
          this.#index++;
          return this.#longOption(arg.slice(2));
        }
        if (arg.startsWith("-") && arg.length > 1) {
          this.#cluster = 1;
          break;
        }
        this.operands.push(arg);
        this.#index++;
      }
    }
    return this.#shortOption();
  }

  #shortOption(): GetoptStep {
    const arg = this.#args[this.#index]!;
    const c = arg[this.#cluster]!;
    this.#cluster++;
    const atEnd = this.#cluster >= arg.length;
    const finishCluster = () => {
      this.#cluster = 0;
      this.#index++;
    };
    const kind = this.#short.get(c);
    if (kind === undefined) {
      if (atEnd) finishCluster();
      return { kind: "error", message: `${this.#program}: invalid option -- '${c}'` };
    }
    const spelling = `-${c}`;
    if (kind === "none") {
      if (atEnd) finishCluster();
      return { kind: "option", key: c, spelling, value: undefined };
    }
    if (!atEnd) {
      const value = arg.slice(this.#cluster);
      finishCluster();
      return { kind: "option", key: c, spelling, value };
    }
    finishCluster();
    if (kind === "optional") return { kind: "option", key: c, spelling, value: undefined };
    const value = this.#args[this.#index];
    if (value === undefined) {
      return { kind: "error", message: `${this.#program}: option requires an argument -- '${c}'` };
    }
    this.#index++;
    return { kind: "option", key: c, spelling, value };
  }

  #longOption(body: string): GetoptStep {
    const eq = body.indexOf("=");
    const name = eq < 0 ? body : body.slice(0, eq);
    const attached = eq < 0 ? undefined : body.slice(eq + 1);
    let option = this.#long.find((o) => o.name === name);
    if (!option) {
      const candidates = this.#long.filter((o) => o.name.startsWith(name));
      const first = candidates[0];
      const allSame = first !== undefined &&
        candidates.every((o) => o.key === first.key && o.argument === first.argument);
      if (candidates.length === 0) {
        return { kind: "error", message: `${this.#program}: unrecognized option '--${body}'` };
      }
      if (!allSame) {
        const list = candidates.map((o) => ` '--${o.name}'`).join("");
        return {
          kind: "error",
          message: `${this.#program}: option '--${body}' is ambiguous; possibilities:${list}`,
        };
      }
      option = first;
    }
    const spelling = `--${option.name}`;
    if (option.argument === "none") {
      if (attached !== undefined) {
        return { kind: "error", message: `${this.#program}: option '${spelling}' doesn't allow an argument` };
      }
      return { kind: "option", key: option.key, spelling, value: undefined };
    }
    if (attached !== undefined || option.argument === "optional") {
      return { kind: "option", key: option.key, spelling, value: attached };
    }
    const value = this.#args[this.#index];
    if (value === undefined) {
      return { kind: "error", message: `${this.#program}: option '${spelling}' requires an argument` };
    }
    this.#index++;
    return { kind: "option", key: option.key, spelling, value };
  }
}
