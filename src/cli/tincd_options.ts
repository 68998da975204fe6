/**
 * tincd's command line, parsed as tincd 1.0.36 parses it (spec §8, tincd.c parse_options and
 * make_names), plus tinc 1.1's `-s`/`--syslog`. Pure: the environment (NETNAME) and the current
 * directory are inputs.
 *
 * ```
 *   getopt string "c:DLd::k::n:o:K::RsU:"
 *   -d, -k, -K and --logfile take an attached value, or else the next argument unless it
 *   starts with "-":   -d → level+1   -d5, -d 5, --debug=5, --debug 5 → level 5
 * ```
 *
 * Paths: confbase is /etc/tinc/NET (or /etc/tinc); the pid file is /run/tinc.NET.pid and the
 * log file /var/log/tinc.NET.log ("tinc" without a netname). These are the strings compiled into
 * Debian's tincd 1.0.36 (`/run/%s.pid`, `/var/log/%s.log`); upstream's default build would say
 * /usr/local/var/run, and /var/run is a link to /run on current Linux anyway.
 *
 * Beyond 1.0.36 (both from tinc 1.1): NETNAME in the environment is used when there is no -n, and
 * a netname containing "/" or "\" or starting with "." is refused. 1.0.36 reads no NETNAME and
 * would build a path from any netname.
 * @module
 */
import { Getopt, type LongOption } from "./getopt.ts";
import { type ConfigEntry, type ConfigError, parseConfigLine } from "../core/config/parse.ts";
import { cAtoi } from "../core/config/values.ts";

/** Where tincd keeps things, as built for Debian/Linux. */
export const TINCD_PATHS = {
  confdir: "/etc",
  runDir: "/run",
  logDir: "/var/log",
} as const;

/**
 * Signals `-k` knows by name (Linux numbers), case-insensitively. tincd 1.0.36 knows these except
 * QUIT (its message omits ABRT although it accepts it); QUIT is our addition, since QUIT stops
 * the daemon like TERM.
 */
export const KILL_SIGNALS: Readonly<Record<string, number>> = {
  HUP: 1,
  INT: 2,
  QUIT: 3,
  ABRT: 6,
  KILL: 9,
  USR1: 10,
  USR2: 12,
  ALRM: 14,
  TERM: 15,
  WINCH: 28,
};

/** The parsed command line, with every path resolved. */
export interface TincdOptions {
  /** Configuration directory. */
  confbase: string;
  /** `null` when none (no -n, no NETNAME, or `.`). */
  netname: string | null;
  /** `tinc.NET` or `tinc`: the syslog ident and the base of the default file names. */
  identname: string;
  pidfile: string;
  /** The log file to use when {@link useLogfile} is set. */
  logfile: string;
  useLogfile: boolean;
  /** `-s`: log to syslog even with `-D` (tinc 1.1). */
  useSyslog: boolean;
  /** False with `-D`. */
  detach: boolean;
  /** Debug level after all `-d` options (starts at 0). */
  debugLevel: number;
  /** Whether any `-d` was given (if not, tinc 1.1 takes LogLevel from the configuration). */
  debugLevelGiven: boolean;
  /** `-k`: the signal number to send to the running daemon, else `null`. */
  kill: number | null;
  /** `-K`: key size in bits, else `null`. */
  generateKeys: number | null;
  mlock: boolean;
  chroot: boolean;
  /** `-U USER`. */
  user: string | null;
  bypassSecurity: boolean;
  showHelp: boolean;
  showVersion: boolean;
  /** `-o` entries in order (file `null`, line = 1-based index among the -o options). */
  configOptions: ConfigEntry[];
  /** Informational lines tincd would log (e.g. both -n and -c given). */
  notices: string[];
}

/** A refusal with the text tincd prints to stderr (ends in a newline) and its exit status. */
export interface TincdOptionsError {
  message: string;
  exitCode: number;
  /** Set when the refusal comes from a bad `-o` value. */
  configError?: ConfigError;
}

/** Inputs besides argv. */
export interface TincdOptionsContext {
  /** Used in messages and `--help`, as tincd uses argv[0]. Default "tincd". */
  programName?: string;
  /** The process environment; only NETNAME is read. */
  env?: Readonly<Record<string, string | undefined>>;
  /** When given, relative -c/--logfile/--pidfile paths are made absolute (as tinc 1.1 does). */
  cwd?: string;
}

const LONG_OPTIONS: readonly LongOption[] = [
  { name: "config", argument: "required", key: "c" },
  { name: "kill", argument: "optional", key: "k" },
  { name: "net", argument: "required", key: "n" },
  { name: "help", argument: "none", key: "help" },
  { name: "version", argument: "none", key: "version" },
  { name: "no-detach", argument: "none", key: "D" },
  { name: "generate-keys", argument: "optional", key: "K" },
  { name: "debug", argument: "optional", key: "d" },
  { name: "bypass-security", argument: "none", key: "bypass-security" },
  { name: "mlock", argument: "none", key: "L" },
  { name: "chroot", argument: "none", key: "R" },
  { name: "user", argument: "required", key: "U" },
  { name: "syslog", argument: "none", key: "s" },
  { name: "logfile", argument: "optional", key: "logfile" },
  { name: "pidfile", argument: "required", key: "pidfile" },
  { name: "option", argument: "required", key: "o" },
];

const SHORT_OPTIONS = "c:DLd::k::n:o:K::RsU:";

/** tincd's `--help` text. */
export function tincdHelpText(programName = "tincd"): string {
  return `Usage: ${programName} [option]...

  -c, --config=DIR               Read configuration options from DIR.
  -D, --no-detach                Don't fork and detach.
  -d, --debug[=LEVEL]            Increase debug level or set it to LEVEL.
  -k, --kill[=SIGNAL]            Attempt to kill a running tincd and exit.
  -n, --net=NETNAME              Connect to net NETNAME.
  -K, --generate-keys[=BITS]     Generate public/private RSA keypair.
  -L, --mlock                    Lock tinc into main memory.
      --logfile[=FILENAME]       Write log entries to a logfile.
  -s, --syslog                   Use syslog instead of stderr with --no-detach.
      --pidfile=FILENAME         Write PID to FILENAME.
  -o, --option=[HOST.]KEY=VALUE  Set global/host configuration value.
  -R, --chroot                   chroot to NET dir at startup.
  -U, --user=USER                setuid to given USER at startup.
      --bypass-security          Disables meta protocol security, for debugging.
      --help                     Display this help and exit.
      --version                  Output version information and exit.

Report bugs to tinc@tinc-vpn.org.
`;
}

function absolute(path: string, cwd: string | undefined): string {
  if (cwd === undefined || path.startsWith("/")) return path;
  return `${cwd.replace(/\/+$/, "")}/${path}`;
}

/** Parses tincd's arguments (without argv[0]). */
export function parseTincdOptions(
  args: readonly string[],
  context: TincdOptionsContext = {},
): { ok: true; options: TincdOptions } | { ok: false; error: TincdOptionsError } {
  const program = context.programName ?? "tincd";
  const tryHelp = `Try \`${program} --help' for more information.\n`;
  const refuse = (text: string, withUsage = true, configError?: ConfigError) => {
    const error: TincdOptionsError = { message: text + (withUsage ? tryHelp : ""), exitCode: 1 };
    if (configError) error.configError = configError;
    return { ok: false as const, error };
  };

  let confbase: string | null = null;
  let netname: string | null = null;
  let logfile: string | null = null;
  let pidfile: string | null = null;
  const o: Omit<TincdOptions, "confbase" | "netname" | "identname" | "pidfile" | "logfile"> = {
    useLogfile: false,
    useSyslog: false,
    detach: true,
    debugLevel: 0,
    debugLevelGiven: false,
    kill: null,
    generateKeys: null,
    mlock: false,
    chroot: false,
    user: null,
    bypassSecurity: false,
    showHelp: false,
    showVersion: false,
    configOptions: [],
    notices: [],
  };

  const g = new Getopt(args, { short: SHORT_OPTIONS, long: LONG_OPTIONS }, program);
  const notDash = (arg: string) => !arg.startsWith("-");
  // Every option with an optional value also takes the next argument unless it starts with "-".
  const optional = (value: string | undefined) => value ?? g.takeNextIf(notDash);

  for (let guard = 0; guard <= args.length * 2 + 1; guard++) {
    const step = g.next();
    if (step.kind === "end") break;
    if (step.kind === "error") return refuse(`${step.message}\n`);
    const value = step.value;
    switch (step.key) {
      case "c":
        if (confbase !== null) return refuse("Only one configuration directory can be given.\n");
        confbase = value!;
        break;
      case "D":
        o.detach = false;
        break;
      case "L":
        o.mlock = true;
        break;
      case "d": {
        const level = optional(value);
        o.debugLevel = level === undefined ? o.debugLevel + 1 : cAtoi(level);
        o.debugLevelGiven = true;
        break;
      }
      case "k": {
        const signal = optional(value);
        if (signal === undefined) {
          o.kill = KILL_SIGNALS.TERM!;
          break;
        }
        const upper = signal.replace(/[a-z]/g, (c) => c.toUpperCase());
        const named = Object.hasOwn(KILL_SIGNALS, upper) ? KILL_SIGNALS[upper] : undefined;
        const number = named ?? cAtoi(signal);
        if (number === 0) {
          return refuse(
            `Invalid argument \`${signal}'; SIGNAL must be a number or one of HUP, TERM, KILL, USR1, USR2, WINCH, INT or ALRM.\n`,
          );
        }
        o.kill = number;
        break;
      }
      case "n":
        if (netname !== null) return refuse("Only one netname can be given.\n");
        netname = value === "." ? null : value!;
        break;
      case "o": {
        const parsed = parseConfigLine(value!, null, o.configOptions.length + 1);
        if (!parsed.ok) {
          const e = parsed.error;
          return refuse(
            `No value for variable \`${e.variable}' in command line option ${e.line}\n`,
            false,
            e,
          );
        }
        o.configOptions.push(parsed.value);
        break;
      }
      case "K": {
        const bits = optional(value);
        if (bits === undefined) {
          o.generateKeys = 2048;
          break;
        }
        const n = cAtoi(bits);
        if (n < 512) {
          return refuse(`Invalid argument \`${bits}'; BITS must be a number equal to or greater than 512.\n`);
        }
        // tincd rounds down to whole bytes (bits &= ~7).
        o.generateKeys = n & ~7;
        break;
      }
      case "R":
        o.chroot = true;
        break;
      case "U":
        o.user = value!;
        break;
      case "s":
        o.useLogfile = false;
        o.useSyslog = true;
        break;
      case "help":
        o.showHelp = true;
        break;
      case "version":
        o.showVersion = true;
        break;
      case "bypass-security":
        o.bypassSecurity = true;
        break;
      case "logfile": {
        o.useSyslog = false;
        o.useLogfile = true;
        const file = optional(value);
        if (file !== undefined) {
          if (logfile !== null) return refuse("Only one logfile can be given.\n");
          logfile = file;
        }
        break;
      }
      case "pidfile":
        if (pidfile !== null) return refuse("Only one pidfile can be given.\n");
        pidfile = value!;
        break;
    }
  }

  const operand = g.operands[0];
  if (operand !== undefined) return refuse(`${program}: unrecognized argument '${operand}'\n`);

  if (netname === null) {
    const fromEnv = context.env?.["NETNAME"];
    if (fromEnv !== undefined && fromEnv !== "" && fromEnv !== ".") netname = fromEnv;
  }
  if (netname !== null && (/[\\/]/.test(netname) || netname.startsWith("."))) {
    return refuse("Invalid character in netname!\n", false);
  }

  const identname = netname === null ? "tinc" : `tinc.${netname}`;
  if (netname !== null && confbase !== null) {
    o.notices.push("Both netname and configuration directory given, using the latter...");
  }
  const cwd = context.cwd;
  const resolvedConfbase = confbase !== null
    ? absolute(confbase, cwd)
    : netname !== null
    ? `${TINCD_PATHS.confdir}/tinc/${netname}`
    : `${TINCD_PATHS.confdir}/tinc`;

  return {
    ok: true,
    options: {
      ...o,
      confbase: resolvedConfbase,
      netname,
      identname,
      pidfile: pidfile !== null ? absolute(pidfile, cwd) : `${TINCD_PATHS.runDir}/${identname}.pid`,
      logfile: logfile !== null ? absolute(logfile, cwd) : `${TINCD_PATHS.logDir}/${identname}.log`,
    },
  };
}
