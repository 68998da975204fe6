/**
 * Meta-protocol line codec: text lines (without `\n`) to {@link Request} values and back.
 *
 * ```
 *  line  = CODE *( SP FIELD )            CODE decimal 0..23; any whitespace separates fields
 *
 *   0 NAME MAJOR[.MINOR]                   ID        (^COOKIE 0 = control, ?KEY 17.1 = invitation)
 *   1 CIPHER DIGEST MACLEN COMP KEYHEX     METAKEY
 *   2 HEX  /  3 HEX                        CHALLENGE / CHAL_REPLY
 *   4 PORT WEIGHT OPTIONS(%x)              ACK       (1.1 upgrade and invitation: 4 PUBKEY)
 *   8  /  9                                PING / PONG
 *  10 NONCE(%x) OWNER SUBNET               ADD_SUBNET (11 DEL_SUBNET)
 *  12 NONCE FROM TO ADDR PORT OPTIONS(%x) WEIGHT [LOCALADDR LOCALPORT]    ADD_EDGE
 *  13 NONCE FROM TO                        DEL_EDGE
 *  14 NONCE ORIGIN                         KEY_CHANGED
 *  15 FROM TO [EXT [PAYLOAD]]              REQ_KEY
 *  16 FROM TO KEY CIPHER DIGEST MACLEN COMP [ADDR PORT]                   ANS_KEY
 *  17 LEN                                  PACKET (LEN raw bytes follow)
 *  18 TYPE [ARGS...]                       CONTROL
 *  21 LEN                                  SPTPS_PACKET (LEN raw bytes follow)
 *  22 FROM TO ADDR PORT                    UDP_INFO
 *  23 FROM TO MTU                          MTU_INFO
 * ```
 *
 * Parsing is as lenient as tinc's sscanf use (extra fields are ignored unless optional and
 * meaningful) and never throws; a refused line yields a reason for the log. Formatting
 * originates tinc 1.0's forms by default and 1.1's (subnet rendering, `17.MINOR` IDs, the edge's
 * local address) with dialect "1.1".
 * @module
 */
import { type ParseResult, type Request, RequestCode } from "./requests.ts";
import { type Dialect, formatSubnet, parseSubnet } from "../subnet/subnet_text.ts";
import {
  type FieldResult,
  isValidName,
  scanHex32,
  scanHexString,
  scanInt,
  scanLength,
  scanName,
  scanNonce,
  scanToken,
  tokenize,
} from "./fields.ts";

export type { Dialect } from "../subnet/subnet_text.ts";

/** Highest request code either generation defines (MTU_INFO). */
export const LAST_REQUEST_CODE = 23;

/** Thrown internally by field readers; caught in {@link parseRequest} and turned into a reason. */
class FieldError extends Error {
  constructor(readonly reason: string) {
    super(reason);
  }
}

function take<T>(r: FieldResult<T>): T {
  if (!r.ok) throw new FieldError(r.reason);
  return r.value;
}

/** The text after the first token and the whitespace that follows it. */
function restAfterCode(line: string): string {
  const m = /^[ \t\n\v\f\r]*[^ \t\n\v\f\r]+[ \t\n\v\f\r]*/.exec(line);
  return m ? line.slice(m[0].length) : "";
}

/** `%d` (1.0) or `%d.%d` (1.1) at the start of the token; sscanf ignores what follows. */
const VERSION = /^([+-]?[0-9]+)(?:\.([+-]?[0-9]+))?/;

function parseId(f: string[]): Request {
  const token = take(scanToken(f[1], "NAME"));
  // Control (^cookie) and invitation (?key) IDs carry no node name; the handler checks them.
  if (!token.startsWith("^") && !token.startsWith("?") && !isValidName(token)) {
    throw new FieldError("invalid name in NAME");
  }
  const version = f[2];
  if (version === undefined) throw new FieldError("missing field VERSION");
  const m = VERSION.exec(version);
  if (!m) throw new FieldError("bad VERSION: expected MAJOR or MAJOR.MINOR");
  const major = take(scanInt(m[1], "VERSION"));
  const minor = m[2] === undefined ? 0 : take(scanInt(m[2], "VERSION minor"));
  return { code: RequestCode.ID, name: token, major, minor };
}

function parseAck(f: string[]): Request {
  // `4 PUBKEY` (1.1 upgrade / invitation reply) has a single field. Which form is legal depends
  // on the connection's state (peer minor 1, invitation); the handler checks that.
  if (f.length === 2) return { code: RequestCode.ACK, upgradeKey: take(scanToken(f[1], "PUBKEY")) };
  return {
    code: RequestCode.ACK,
    port: take(scanToken(f[1], "PORT")),
    weight: take(scanInt(f[2], "WEIGHT")),
    options: take(scanHex32(f[3], "OPTIONS")),
  };
}

function parseSubnetRequest(code: RequestCode.ADD_SUBNET | RequestCode.DEL_SUBNET, f: string[]): Request {
  const nonce = take(scanNonce(f[1]));
  const owner = take(scanName(f[2], "OWNER"));
  const text = take(scanToken(f[3], "SUBNET"));
  const subnet = parseSubnet(text);
  if (!subnet.ok) throw new FieldError(subnet.reason);
  return { code, nonce, owner, subnet: subnet.value };
}

function parseAddEdge(f: string[]): Request {
  const req: Request = {
    code: RequestCode.ADD_EDGE,
    nonce: take(scanNonce(f[1])),
    from: take(scanName(f[2], "FROM")),
    to: take(scanName(f[3], "TO")),
    address: take(scanToken(f[4], "ADDRESS")),
    port: take(scanToken(f[5], "PORT")),
    options: take(scanHex32(f[6], "OPTIONS")),
    weight: take(scanInt(f[7], "WEIGHT")),
  };
  // 1.1 sends the local address as a pair; a lone 8th field is ignored as 1.0 ignores it.
  if (f[8] !== undefined && f[9] !== undefined) {
    req.localAddress = take(scanToken(f[8], "LOCALADDRESS"));
    req.localPort = take(scanToken(f[9], "LOCALPORT"));
  }
  return req;
}

function parseReqKey(f: string[]): Request {
  const req: Request = {
    code: RequestCode.REQ_KEY,
    from: take(scanName(f[1], "FROM")),
    to: take(scanName(f[2], "TO")),
  };
  // 1.1 reads EXT with %d; when that conversion fails the line is a plain REQ_KEY.
  const ext = scanInt(f[3], "EXT");
  if (ext.ok) {
    req.ext = ext.value;
    if (f[4] !== undefined) req.payload = take(scanToken(f[4], "PAYLOAD"));
  }
  return req;
}

function parseAnsKey(f: string[]): Request {
  const req: Request = {
    code: RequestCode.ANS_KEY,
    from: take(scanName(f[1], "FROM")),
    to: take(scanName(f[2], "TO")),
    key: take(scanToken(f[3], "KEY")),
    cipher: take(scanInt(f[4], "CIPHER")),
    digest: take(scanInt(f[5], "DIGEST")),
    macLength: take(scanInt(f[6], "MACLENGTH")),
    compression: take(scanInt(f[7], "COMPRESSION")),
  };
  // tinc adopts the appended address only when both parts are present.
  if (f[8] !== undefined && f[9] !== undefined) {
    req.address = take(scanToken(f[8], "ADDRESS"));
    req.port = take(scanToken(f[9], "PORT"));
  }
  return req;
}

function parseFields(code: number, f: string[], line: string): Request {
  switch (code) {
    case RequestCode.ID:
      return parseId(f);
    case RequestCode.METAKEY:
      return {
        code,
        cipher: take(scanInt(f[1], "CIPHER")),
        digest: take(scanInt(f[2], "DIGEST")),
        macLength: take(scanInt(f[3], "MACLENGTH")),
        compression: take(scanInt(f[4], "COMPRESSION")),
        keyHex: take(scanHexString(f[5], "KEY")),
      };
    case RequestCode.CHALLENGE:
    case RequestCode.CHAL_REPLY:
      return { code, hex: take(scanHexString(f[1], "HEX")) };
    case RequestCode.ACK:
      return parseAck(f);
    case RequestCode.STATUS:
    case RequestCode.ERROR:
    case RequestCode.TERMREQ:
    case RequestCode.REQ_PUBKEY:
    case RequestCode.ANS_PUBKEY:
      return { code, line: restAfterCode(line) };
    case RequestCode.PING:
    case RequestCode.PONG:
      return { code };
    case RequestCode.ADD_SUBNET:
    case RequestCode.DEL_SUBNET:
      return parseSubnetRequest(code, f);
    case RequestCode.ADD_EDGE:
      return parseAddEdge(f);
    case RequestCode.DEL_EDGE:
      return {
        code,
        nonce: take(scanNonce(f[1])),
        from: take(scanName(f[2], "FROM")),
        to: take(scanName(f[3], "TO")),
      };
    case RequestCode.KEY_CHANGED:
      return { code, nonce: take(scanNonce(f[1])), origin: take(scanName(f[2], "ORIGIN")) };
    case RequestCode.REQ_KEY:
      return parseReqKey(f);
    case RequestCode.ANS_KEY:
      return parseAnsKey(f);
    case RequestCode.PACKET:
    case RequestCode.SPTPS_PACKET:
      return { code, length: take(scanLength(f[1], "LENGTH")) };
    case RequestCode.CONTROL:
      return {
        code,
        type: take(scanInt(f[1], "TYPE")),
        args: f.slice(2).map((a, i) => take(scanToken(a, `ARG${i + 1}`))),
      };
    case RequestCode.UDP_INFO:
      return {
        code,
        from: take(scanName(f[1], "FROM")),
        to: take(scanName(f[2], "TO")),
        address: take(scanToken(f[3], "ADDRESS")),
        port: take(scanToken(f[4], "PORT")),
      };
    case RequestCode.MTU_INFO:
      return {
        code,
        from: take(scanName(f[1], "FROM")),
        to: take(scanName(f[2], "TO")),
        mtu: take(scanInt(f[3], "MTU")),
      };
    default:
      throw new FieldError(`unknown request code ${code}`);
  }
}

/**
 * Parses one meta-protocol line (without `\n`). Never throws.
 * @param line the request text; anything from a NUL on is ignored, as tinc's C string ends there
 * @returns the request, or `{ ok: false, reason }` naming the bad or missing field
 */
export function parseRequest(line: string): ParseResult<Request> {
  try {
    const nul = line.indexOf("\0");
    const text = nul >= 0 ? line.slice(0, nul) : line;
    const fields = tokenize(text);
    const codeToken = fields[0];
    if (codeToken === undefined) return { ok: false, reason: "empty request" };
    const code = scanInt(codeToken, "request code");
    if (!code.ok) return { ok: false, reason: "bogus data: request code is not a number" };
    if (code.value < 0 || code.value > LAST_REQUEST_CODE) {
      return { ok: false, reason: `unknown request code ${code.value}` };
    }
    return { ok: true, value: parseFields(code.value, fields, text) };
  } catch (e) {
    if (e instanceof FieldError) return { ok: false, reason: e.reason };
    return { ok: false, reason: "unparseable request" };
  }
}

/** What an ID line's NAME field introduces. */
export type IdKind = "node" | "control" | "invitation";

/** `^COOKIE` opens a control connection, `?KEY` an invitation; anything else is a node name. */
export function idKind(name: string): IdKind {
  if (name.startsWith("^")) return "control";
  if (name.startsWith("?")) return "invitation";
  return "node";
}

/**
 * Parses the daemon's reply to a control client's ID, `4 VERSION PID` (tinc 1.1 control
 * socket; VERSION is the control protocol version, 0). Not a peer ACK, so separate from
 * {@link parseRequest}.
 */
export function parseControlAck(line: string): ParseResult<{ version: number; pid: number }> {
  const f = tokenize(line);
  if (f[0] !== "4") return { ok: false, reason: "not an ACK" };
  const version = scanInt(f[1], "VERSION");
  if (!version.ok) return version;
  const pid = scanInt(f[2], "PID");
  if (!pid.ok) return pid;
  return { ok: true, value: { version: version.value, pid: pid.value } };
}

/** `%x` of an unsigned 32-bit value, lowercase, no leading zeros. */
function hex32(n: number): string {
  return (n >>> 0).toString(16);
}

function formatId(req: Extract<Request, { code: RequestCode.ID }>, dialect: Dialect): string {
  // 1.0 prints the bare major; 1.1 always prints MAJOR.MINOR (also 17.0).
  const version = dialect === "1.1" || req.minor !== 0 ? `${req.major}.${req.minor}` : `${req.major}`;
  return `0 ${req.name} ${version}`;
}

/**
 * Renders a request as one line without the trailing `\n`.
 * @param dialect "1.0" (default) for 1.0 peers and forms; "1.1" toward 1.1 peers (subnet
 *   rendering, `17.MINOR` IDs, ADD_EDGE local address)
 */
export function formatRequest(req: Request, dialect: Dialect = "1.0"): string {
  switch (req.code) {
    case RequestCode.ID:
      return formatId(req, dialect);
    case RequestCode.METAKEY:
      return `1 ${req.cipher} ${req.digest} ${req.macLength} ${req.compression} ${req.keyHex}`;
    case RequestCode.CHALLENGE:
    case RequestCode.CHAL_REPLY:
      return `${req.code} ${req.hex}`;
    case RequestCode.ACK:
      if ("upgradeKey" in req) return `4 ${req.upgradeKey}`;
      return `4 ${req.port} ${req.weight} ${hex32(req.options)}`;
    case RequestCode.STATUS:
    case RequestCode.ERROR:
    case RequestCode.TERMREQ:
    case RequestCode.REQ_PUBKEY:
    case RequestCode.ANS_PUBKEY:
      return req.line === "" ? `${req.code}` : `${req.code} ${req.line}`;
    case RequestCode.PING:
    case RequestCode.PONG:
      return `${req.code}`;
    case RequestCode.ADD_SUBNET:
    case RequestCode.DEL_SUBNET:
      return `${req.code} ${hex32(req.nonce)} ${req.owner} ${formatSubnet(req.subnet, dialect)}`;
    case RequestCode.ADD_EDGE: {
      const base = `12 ${hex32(req.nonce)} ${req.from} ${req.to} ${req.address} ${req.port} ` +
        `${hex32(req.options)} ${req.weight}`;
      const local = dialect === "1.1" && req.localAddress !== undefined && req.localPort !== undefined;
      return local ? `${base} ${req.localAddress} ${req.localPort}` : base;
    }
    case RequestCode.DEL_EDGE:
      return `13 ${hex32(req.nonce)} ${req.from} ${req.to}`;
    case RequestCode.KEY_CHANGED:
      return `14 ${hex32(req.nonce)} ${req.origin}`;
    case RequestCode.REQ_KEY: {
      let line = `15 ${req.from} ${req.to}`;
      if (req.ext !== undefined) {
        line += ` ${req.ext}`;
        if (req.payload !== undefined) line += ` ${req.payload}`;
      }
      return line;
    }
    case RequestCode.ANS_KEY: {
      const line = `16 ${req.from} ${req.to} ${req.key} ${req.cipher} ${req.digest} ${req.macLength} ` +
        `${req.compression}`;
      return req.address !== undefined && req.port !== undefined
        ? `${line} ${req.address} ${req.port}`
        : line;
    }
    case RequestCode.PACKET:
    case RequestCode.SPTPS_PACKET:
      return `${req.code} ${req.length}`;
    case RequestCode.CONTROL:
      return [`18 ${req.type}`, ...req.args].join(" ");
    case RequestCode.UDP_INFO:
      return `22 ${req.from} ${req.to} ${req.address} ${req.port}`;
    case RequestCode.MTU_INFO:
      return `23 ${req.from} ${req.to} ${req.mtu}`;
  }
}
