/**
 * `init NAME`, `generate-keys [bits]`, `generate-rsa-keys [bits]` and `generate-ed25519-keys`,
 * writing files as tinc 1.1's CLI does (tincctl.c):
 *
 * ```
 *  CONFBASE/tinc.conf          "Name = NAME"                                (init only)
 *  CONFBASE/rsa_key.priv       RSA PRIVATE KEY PEM, appended, mode 0600
 *  CONFBASE/ed25519_key.priv   ED25519 PRIVATE KEY PEM, appended, mode 0600
 *  CONFBASE/hosts/NAME         RSA PUBLIC KEY PEM + "Ed25519PublicKey = …", appended
 *                              (rsa_key.pub / ed25519_key.pub when there is no Name)
 *  CONFBASE/tinc-up            a stub script, mode 0777 & ~umask            (init only)
 * ```
 * Before a key is appended, older keys of the same kind in that file are commented out
 * ("Warning: old key(s) found and disabled."). Non-interactive: the file names are never asked.
 * @module
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import { appendFileSync, closeSync, openSync } from "node:fs";
import { generateTincKeyFiles } from "../../core/crypto/legacy/rsa_keygen.ts";
import { generateEd25519Keys } from "../../core/sptps/key_files.ts";
import { disableOldKeys, type KeyKind } from "../../core/control/old_keys.ts";
import { isValidNodeName } from "../../core/control/print.ts";
import type { CtlOptions } from "./options.ts";
import type { CtlIo } from "./control_commands.ts";

const randomBytes = (n: number): Uint8Array => crypto.getRandomValues(new Uint8Array(n));

/** tinc's get_my_name: the Name from tinc.conf, or null. `$HOST`-style names are not expanded. */
export function nameFromTincConf(confbase: string): string | null {
  let text: string;
  try {
    text = readFileSync(`${confbase}/tinc.conf`, "latin1");
  } catch {
    return null;
  }
  for (const raw of text.split("\n")) {
    const m = /^([^\t =]*)[\t ]*=?[\t ]*(.*?)[\t\r\n ]*$/.exec(raw);
    if (m === null || m[2] === "") continue;
    if (m[1]!.toLowerCase() === "name") return m[2]!;
  }
  return null;
}

/** Comments out old keys of `kind` in `path` (keeping its mode), as disable_old_keys does. */
function disableOldKeysInFile(path: string, kind: KeyKind, io: CtlIo): void {
  let text: string;
  let mode = 0o600;
  try {
    text = readFileSync(path, "latin1");
    mode = statSync(path).mode & 0o7777;
  } catch {
    return;
  }
  const r = disableOldKeys(text, kind);
  if (!r.disabled) return;
  const tmp = `${path}.tmp`;
  try {
    writeFileSync(tmp, r.text, { encoding: "latin1", mode });
    chmodSync(tmp, mode);
    renameSync(tmp, path);
    io.stderr("Warning: old key(s) found and disabled.\n");
  } catch {
    io.stderr("Warning: old key(s) found, remove them by hand!\n");
  }
}

/** Appends to `path`, creating it with `mode` (less the umask, as fopen does). */
function appendWithMode(path: string, text: string, mode: number): boolean {
  try {
    const fd = openSync(path, "a", mode);
    closeSync(fd);
    appendFileSync(path, text, "latin1");
    return true;
  } catch {
    return false;
  }
}

function appendKey(
  path: string,
  what: string,
  kind: KeyKind,
  text: string,
  mode: number,
  io: CtlIo,
): boolean {
  disableOldKeysInFile(path, kind, io);
  if (!appendWithMode(path, text, mode)) {
    io.stderr(`Error opening file \`${path}': could not write ${what}\n`);
    return false;
  }
  return true;
}

/** Generates an RSA key pair: rsa_key.priv and the public key in hosts/NAME (or rsa_key.pub). */
export function rsaKeygen(confbase: string, name: string | null, bitsIn: number, io: CtlIo): boolean {
  // Multiples of 8 bits only.
  const bits = bitsIn & ~7;
  if (bits < 1024 || bits > 8192) {
    io.stderr(`Invalid key size ${bits} specified! It should be between 1024 and 8192 bits.\n`);
    return false;
  }
  if (bits < 2048) {
    io.stderr(`WARNING: generating a weak ${bits} bits RSA key! 2048 or more bits are recommended.\n`);
  }
  io.stderr(`Generating ${bits} bits keys:\n`);
  const keys = generateTincKeyFiles(bits, randomBytes);
  if (!keys.ok) {
    io.stderr("Error during key generation!\n");
    return false;
  }
  io.stderr("Done.\n");
  if (!appendKey(`${confbase}/rsa_key.priv`, "private RSA key", "RSA", keys.value.privatePem, 0o600, io)) {
    return false;
  }
  const pub = name !== null ? `${confbase}/hosts/${name}` : `${confbase}/rsa_key.pub`;
  return appendKey(pub, "public RSA key", "RSA", keys.value.publicPem.replace(/^\n+/, ""), 0o666, io);
}

/** Generates an Ed25519 key pair: ed25519_key.priv and `Ed25519PublicKey = …` in hosts/NAME. */
export function ed25519Keygen(confbase: string, name: string | null, io: CtlIo): boolean {
  io.stderr("Generating Ed25519 key pair:\n");
  const keys = generateEd25519Keys(randomBytes);
  io.stderr("Done.\n");
  if (
    !appendKey(
      `${confbase}/ed25519_key.priv`,
      "private Ed25519 key",
      "Ed25519",
      keys.privateKeyFile,
      0o600,
      io,
    )
  ) {
    return false;
  }
  if (name !== null) {
    return appendKey(
      `${confbase}/hosts/${name}`,
      "public Ed25519 key",
      "Ed25519",
      keys.hostFileLine,
      0o666,
      io,
    );
  }
  return appendKey(
    `${confbase}/ed25519_key.pub`,
    "public Ed25519 key",
    "Ed25519",
    keys.publicKeyFile,
    0o666,
    io,
  );
}

function atoi(text: string): number {
  const m = /^\s*([+-]?\d+)/.exec(text);
  return m === null ? 0 : Number.parseInt(m[1]!, 10);
}

/** `generate-keys [bits]`: RSA then Ed25519. */
export function cmdGenerateKeys(o: CtlOptions, args: string[], io: CtlIo): number {
  if (args.length > 1) {
    io.stderr("Too many arguments!\n");
    return 1;
  }
  const name = nameFromTincConf(o.confbase);
  if (!rsaKeygen(o.confbase, name, args.length > 0 ? atoi(args[0]!) : 2048, io)) return 1;
  return ed25519Keygen(o.confbase, name, io) ? 0 : 1;
}

/** `generate-rsa-keys [bits]`. */
export function cmdGenerateRsaKeys(o: CtlOptions, args: string[], io: CtlIo): number {
  if (args.length > 1) {
    io.stderr("Too many arguments!\n");
    return 1;
  }
  const name = nameFromTincConf(o.confbase);
  return rsaKeygen(o.confbase, name, args.length > 0 ? atoi(args[0]!) : 2048, io) ? 0 : 1;
}

/** `generate-ed25519-keys`. */
export function cmdGenerateEd25519Keys(o: CtlOptions, args: string[], io: CtlIo): number {
  if (args.length > 0) {
    io.stderr("Too many arguments!\n");
    return 1;
  }
  return ed25519Keygen(o.confbase, nameFromTincConf(o.confbase), io) ? 0 : 1;
}

/** Whether a TCP listener can bind `port` on every address family (tinc's try_bind). */
function canBind(port: number): boolean {
  for (const hostname of ["0.0.0.0", "::"]) {
    try {
      const l = Bun.listen({ hostname, port, socket: { data() {} } });
      l.stop(true);
    } catch {
      return false;
    }
  }
  return true;
}

/** tinc's check_port: 655 if free, else a random port written into hosts/NAME. */
function checkPort(o: CtlOptions, name: string, io: CtlIo): void {
  if (canBind(655)) return;
  io.stderr("Warning: could not bind to port 655. ");
  for (let i = 0; i < 100; i++) {
    const port = 0x1000 + (randomBytes(2).reduce((a, b) => (a << 8) | b, 0) & 0x7fff);
    if (!canBind(port)) continue;
    if (!appendWithMode(`${o.confbase}/hosts/${name}`, `Port = ${port}\n`, 0o666)) {
      io.stderr(`Could not open ${o.confbase}/hosts/${name}\nPlease change tinc's Port manually.\n`);
      return;
    }
    io.stderr(`Tinc will instead listen on port ${port}.\n`);
    return;
  }
  io.stderr("Please change tinc's Port manually.\n");
}

const TINC_UP_STUB = "#!/bin/sh\n\necho 'Unconfigured tinc-up script, please edit '$0'!'\n\n" +
  "#ifconfig $INTERFACE <your vpn IP address> netmask <netmask of whole VPN>\n";

function mkdirOk(path: string, mode: number, io: CtlIo): boolean {
  try {
    mkdirSync(path, { mode });
    return true;
  } catch (e) {
    if ((e as { code?: string }).code === "EEXIST") return true;
    io.stderr(`Could not create directory ${path}: ${(e as Error).message}\n`);
    return false;
  }
}

/** `init NAME`: tinc.conf, keys, port check and a stub tinc-up. */
export function cmdInit(o: CtlOptions, args: string[], io: CtlIo): number {
  const tincConf = `${o.confbase}/tinc.conf`;
  if (existsSync(tincConf)) {
    io.stderr(`Configuration file ${tincConf} already exists!\n`);
    return 1;
  }
  if (args.length > 1) {
    io.stderr("Too many arguments!\n");
    return 1;
  }
  const name = args[0];
  if (name === undefined || name === "") {
    io.stderr("No Name given!\n");
    return 1;
  }
  if (!isValidNodeName(name)) {
    io.stderr("Invalid Name! Only a-z, A-Z, 0-9 and _ are allowed characters.\n");
    return 1;
  }
  if (!o.confbaseGiven && !mkdirOk(o.confdir, 0o755, io)) return 1;
  if (!mkdirOk(o.confbase, 0o777, io) || !mkdirOk(`${o.confbase}/hosts`, 0o777, io)) return 1;
  try {
    writeFileSync(tincConf, `Name = ${name}\n`);
  } catch (e) {
    io.stderr(`Could not create file ${tincConf}: ${(e as Error).message}\n`);
    return 1;
  }
  if (!rsaKeygen(o.confbase, name, 2048, io)) return 1;
  if (!ed25519Keygen(o.confbase, name, io)) return 1;
  checkPort(o, name, io);
  const tincUp = `${o.confbase}/tinc-up`;
  if (!existsSync(tincUp)) {
    try {
      writeFileSync(tincUp, TINC_UP_STUB, { mode: 0o777 });
    } catch (e) {
      io.stderr(`Could not create file ${tincUp}: ${(e as Error).message}\n`);
      return 1;
    }
  }
  return 0;
}
