/**
 * The control CLI's global options, as tinc 1.1's `tinc` parses them (getopt "+bc:n:", so
 * options come before the command): `-b/--batch`, `-c/--config DIR`, `-n/--net NET` (or env
 * NETNAME), `--pidfile FILE`, `--force`, `--help`, `--version`. Paths follow tincd's
 * (src/cli/tincd_options.ts): confbase /etc/tinc[/NET], pid file /run/tinc[.NET].pid.
 * @module
 */
import { Getopt, type LongOption } from "../getopt.ts";
import { TINCD_PATHS } from "../tincd_options.ts";

/** Parsed global options and the command with its arguments. */
export interface CtlOptions {
  confbase: string;
  /** Whether -c was given (init then does not create the parent /etc/tinc). */
  confbaseGiven: boolean;
  /** The directory that holds the networks (/etc/tinc). */
  confdir: string;
  netname: string | null;
  identname: string;
  pidfile: string;
  batch: boolean;
  force: boolean;
  showHelp: boolean;
  showVersion: boolean;
  /** The command (as typed) and its arguments; empty when none was given. */
  command: string[];
}

const LONG: readonly LongOption[] = [
  { name: "batch", argument: "none", key: "b" },
  { name: "config", argument: "required", key: "c" },
  { name: "net", argument: "required", key: "n" },
  { name: "help", argument: "none", key: "help" },
  { name: "version", argument: "none", key: "version" },
  { name: "pidfile", argument: "required", key: "pidfile" },
  { name: "force", argument: "none", key: "force" },
];

function absolute(path: string, cwd: string): string {
  return path.startsWith("/") ? path : `${cwd.replace(/\/+$/, "")}/${path}`;
}

/** Index of the first operand (the command), skipping option arguments; argv.length when none. */
function commandIndex(argv: readonly string[]): number {
  let i = 0;
  while (i < argv.length) {
    const arg = argv[i]!;
    if (arg === "--") return i + 1;
    if (arg.startsWith("--")) {
      const body = arg.slice(2);
      const takesNext = !body.includes("=") &&
        LONG.some((o) => o.argument === "required" && o.name.startsWith(body) && body.length > 0);
      i += takesNext ? 2 : 1;
      continue;
    }
    if (arg.startsWith("-") && arg.length > 1) {
      // In a cluster, the first c or n takes the rest, or the next argument when it ends the cluster.
      const at = arg.slice(1).search(/[cn]/);
      i += at >= 0 && at === arg.length - 2 ? 2 : 1;
      continue;
    }
    return i;
  }
  return argv.length;
}

/** Parses argv (without the program name); an error carries tinc's message. */
export function parseCtlOptions(
  argv: readonly string[],
  context: { program: string; env: (name: string) => string | undefined; cwd: string },
): { ok: true; options: CtlOptions } | { ok: false; message: string } {
  // "+": options end at the first operand, which is the command.
  const split = commandIndex(argv);
  const g = new Getopt(argv.slice(0, split), { short: "bc:n:", long: LONG }, context.program);
  let confbase: string | null = null;
  let netname: string | null = null;
  let pidfile: string | null = null;
  let batch = false;
  let force = false;
  let showHelp = false;
  let showVersion = false;
  for (;;) {
    const step = g.next();
    if (step.kind === "end") break;
    if (step.kind === "error") {
      return {
        ok: false,
        message: `${step.message}\nTry \`${context.program} --help' for more information.\n`,
      };
    }
    switch (step.key) {
      case "b":
        batch = true;
        break;
      case "c":
        confbase = step.value!;
        break;
      case "n":
        netname = step.value!;
        break;
      case "pidfile":
        pidfile = step.value!;
        break;
      case "force":
        force = true;
        break;
      case "help":
        showHelp = true;
        break;
      case "version":
        showVersion = true;
        break;
    }
  }
  if (netname === null) {
    const fromEnv = context.env("NETNAME");
    if (fromEnv !== undefined) netname = fromEnv;
  }
  if (netname !== null && (netname === "" || netname === ".")) netname = null;
  if (netname !== null && (/[\\/]/.test(netname) || netname.startsWith("."))) {
    return { ok: false, message: "Invalid character in netname!\n" };
  }
  const identname = netname === null ? "tinc" : `tinc.${netname}`;
  const confdir = `${TINCD_PATHS.confdir}/tinc`;
  return {
    ok: true,
    options: {
      confbase: confbase !== null
        ? absolute(confbase, context.cwd)
        : netname !== null
        ? `${confdir}/${netname}`
        : confdir,
      confbaseGiven: confbase !== null,
      confdir,
      netname,
      identname,
      pidfile: pidfile !== null ? absolute(pidfile, context.cwd) : `${TINCD_PATHS.runDir}/${identname}.pid`,
      batch,
      force,
      showHelp,
      showVersion,
      command: [...g.operands, ...argv.slice(split)],
    },
  };
}
