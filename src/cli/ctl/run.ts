/**
 * `tinct [-b] [-c DIR] [-n NET] [--pidfile FILE] [--force] COMMAND [ARGS]`: tinc 1.1's control
 * CLI. Command names are matched case-insensitively, as tinc does; `list` is `dump`.
 * @module
 */
import { cmdGenerateEd25519Keys, cmdGenerateKeys, cmdGenerateRsaKeys, cmdInit } from "./key_commands.ts";
import {
  cmdConnect,
  cmdDebug,
  cmdDisconnect,
  cmdDump,
  cmdInfo,
  cmdLog,
  cmdPid,
  cmdPurge,
  cmdReload,
  cmdRetry,
  cmdStop,
  type CtlIo,
} from "./control_commands.ts";
import { type CtlOptions, parseCtlOptions } from "./options.ts";

/** What the control commands need from the process. */
export interface CtlContext extends CtlIo {
  env(name: string): string | undefined;
  cwd: string;
  /** A promise that resolves when the user interrupts a streaming command (`log`). */
  interrupted?: () => Promise<void>;
  /** What `--help` prints (and, on stderr, what a missing command prints). */
  helpText: string;
  versionText: string;
}

type CtlCommand = (o: CtlOptions, args: string[], ctx: CtlContext) => Promise<number> | number;

/** The control commands by name; the names `tinct` routes here. */
export const CTL_COMMANDS: Readonly<Record<string, CtlCommand>> = {
  "pid": cmdPid,
  "stop": cmdStop,
  "reload": cmdReload,
  "retry": cmdRetry,
  "purge": cmdPurge,
  "debug": cmdDebug,
  "disconnect": cmdDisconnect,
  "connect": cmdConnect,
  "dump": cmdDump,
  "list": cmdDump,
  "info": cmdInfo,
  "log": (o, a, ctx) => cmdLog(o, a, ctx, ctx.interrupted?.()),
  "init": cmdInit,
  "generate-keys": cmdGenerateKeys,
  "generate-rsa-keys": cmdGenerateRsaKeys,
  "generate-ed25519-keys": cmdGenerateEd25519Keys,
};

/** Help for the control commands (part of `tinct --help`). */
export const CTL_USAGE =
  `Control commands (tinc 1.1's CLI; the daemon's control socket is beside its pid file):
  tinct [-c DIR] [-n NET] [--pidfile FILE] [--force] [-b] COMMAND
  init [name]                Create initial configuration files.
  generate-keys [bits]       Generate new RSA and Ed25519 public/private key pairs.
  generate-rsa-keys [bits]   Generate a new RSA public/private key pair.
  generate-ed25519-keys      Generate a new Ed25519 public/private key pair.
  stop                       Stop tincd.
  reload                     Partially reload configuration of running tincd.
  pid                        Show PID of currently running tincd.
  dump                       Dump a list of one of the following things:
    [reachable] nodes        - all known nodes in the VPN
    edges                    - all known connections in the VPN
    subnets                  - all known subnets in the VPN
    connections              - all meta connections with ourself
    [di]graph                - graph of the VPN in dotty format
    invitations              - outstanding invitations
  info NODE|SUBNET|ADDRESS   Give information about a particular NODE, SUBNET or ADDRESS.
  purge                      Purge unreachable nodes
  debug N                    Set debug level
  retry                      Retry all outgoing connections
  disconnect NODE            Close meta connection with NODE
  log [level]                Dump log output [up to the specified level]
`;

/** Runs a control command line (global options first). */
export async function runCtl(argv: readonly string[], ctx: CtlContext): Promise<number> {
  const parsed = parseCtlOptions(argv, { program: "tinct", env: ctx.env, cwd: ctx.cwd });
  if (!parsed.ok) {
    ctx.stderr(parsed.message);
    return 1;
  }
  const o = parsed.options;
  const [name, ...args] = o.command;
  if (o.showHelp) {
    ctx.stdout(ctx.helpText);
    return 0;
  }
  if (o.showVersion) {
    ctx.stdout(ctx.versionText);
    return 0;
  }
  if (name === undefined) {
    // tinc would start its interactive shell here; tinct has none.
    ctx.stderr(ctx.helpText);
    return 1;
  }
  const command = CTL_COMMANDS[name.toLowerCase()];
  if (command === undefined) {
    ctx.stderr(`Unknown command \`${name}'.\nTry \`tinct --help' for more information.\n`);
    return 1;
  }
  return await command(o, args, ctx);
}
