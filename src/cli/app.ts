/**
 * Top-level command dispatch: `tinct COMMAND …`. A flat table as tinc's own CLI has, no framework.
 * Started under the name `tincd` or `tinctd`, the program acts as the daemon directly.
 * @module
 */
import { PROTOCOL_MAJOR, PROTOCOL_MINOR, VERSION } from "../version.ts";
import { instantiateWasmCore } from "../crypto/wasm_core.ts";
import { runSelftest } from "../crypto/selftest.ts";
import { CTL_COMMANDS, CTL_USAGE, runCtl } from "./ctl/run.ts";

export interface CliIo {
  argv0: string;
  loadWasm(): Uint8Array;
  env(name: string): string | undefined;
  stdout(s: string): void;
  stderr(s: string): void;
}

type Command = (args: string[], io: CliIo) => Promise<number> | number;

const USAGE = `Usage: tinct COMMAND [options]

Commands:
  daemon [tincd options]   run the tinc daemon (same flags as tincd 1.0.36; see 'tinct daemon --help')
  selftest                 check the embedded WASM crypto core and the data-path workers
  version, --version       print the version
  help, --help             print this help

Started as 'tincd' or 'tinctd' (through a link), tinct runs the daemon directly.

${CTL_USAGE}`;

function versionText(): string {
  return `tinct ${VERSION} (tinc protocol ${PROTOCOL_MAJOR}.${PROTOCOL_MINOR})\n`;
}

const commands: Record<string, Command> = {
  "version": (_a, io) => (io.stdout(versionText()), 0),
  "--version": (_a, io) => (io.stdout(versionText()), 0),
  "help": (_a, io) => (io.stdout(USAGE), 0),
  "--help": (_a, io) => (io.stdout(USAGE), 0),
  "selftest": async (_a, io) => {
    // Lets the executable tests prove that a stray .env in the working directory is not loaded.
    const probe = io.env("TINCT_ENV_PROBE");
    if (probe !== undefined) io.stdout(`env probe: ${probe}\n`);
    const core = instantiateWasmCore(io.loadWasm());
    const results = runSelftest(core);
    // The data path's Workers and libc FFI must start inside the compiled executable too.
    const { runtimeSelfCheck, udpReaderSelfCheck } = await import("../runtime/selfcheck.ts");
    for (
      const [name, check] of [["tun reader worker", runtimeSelfCheck], [
        "udp reader worker",
        udpReaderSelfCheck,
      ]] as const
    ) {
      const r = await check();
      results.push({ name: `${name} (${r.detail})`, ok: r.ok, detail: r.detail });
    }
    for (const r of results) io.stdout(`${r.ok ? "ok  " : "FAIL"} ${r.name}${r.ok ? "" : `: ${r.detail}`}\n`);
    const failed = results.filter((r) => !r.ok).length;
    io.stdout(
      failed === 0 ? `selftest: all ${results.length} checks passed\n` : `selftest: ${failed} failed\n`,
    );
    return failed === 0 ? 0 : 1;
  },
  "daemon": async (args, io) => {
    const { runDaemonCommand } = await import("./daemon_command.ts");
    return runDaemonCommand(args, io);
  },
};

/** Runs a tinc 1.1 control CLI command line (see ./ctl/run.ts). */
function controlCli(argv: string[], io: CliIo): Promise<number> {
  return runCtl(argv, {
    stdout: io.stdout,
    stderr: io.stderr,
    env: io.env,
    cwd: process.cwd(),
    interrupted: () => new Promise<void>((resolve) => process.once("SIGINT", () => resolve())),
    helpText: USAGE,
    versionText: versionText(),
  });
}

for (const name of Object.keys(CTL_COMMANDS)) {
  commands[name] = (args, io) => controlCli([name, ...args], io);
}

function baseName(path: string): string {
  const i = path.lastIndexOf("/");
  return i >= 0 ? path.slice(i + 1) : path;
}

export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const self = baseName(io.argv0);
  if (self === "tincd" || self === "tinctd") return commands["daemon"]!(argv, io);
  const name = argv[0];
  if (name === undefined) {
    io.stderr(USAGE);
    return 1;
  }
  const command = commands[name];
  // Global options (-c DIR, -n NET, --pidfile …) come before a control command, as with tinc.
  if (!command && name.startsWith("-")) return controlCli(argv, io);
  if (!command) {
    io.stderr(`tinct: unknown command '${name}'\n\n${USAGE}`);
    return 1;
  }
  return command(argv.slice(1), io);
}
