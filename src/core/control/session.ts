/**
 * The daemon's side of one control connection, without sockets: it takes the client's text and
 * answers through `write`, as tinc 1.1's control_h does (spec tinc-1.1-sptps.md §3.2).
 *
 * ```
 *  accepted ──▶ greeting sent ── "0 ^COOKIE 0" ok ──▶ control ── "18 TYPE …" ──▶ reply / dump
 *                   │                                   │
 *                   └─ wrong cookie, bad line: close    └─ "18 15 LEVEL": also stream log lines
 *                      (nothing more is written)            as "18 15 LEN\n" + LEN bytes
 * ```
 * A line longer than {@link MAX_CONTROL_LINE} or anything but a CONTROL request after the
 * handshake closes the connection, as tinc refuses unauthorised requests.
 * @module
 */
import {
  checkCookieLine,
  CONTROL,
  ControlType,
  fields,
  formatControlLine,
  formatGreeting,
  formatHandshakeAck,
  parseControlLine,
  parseDecimal,
} from "./protocol.ts";
import {
  type ConnectionDump,
  type EdgeDump,
  formatConnectionLine,
  formatEdgeLine,
  formatNodeLine,
  formatSubnetLine,
  formatTrafficLine,
  type NodeDump,
  type SubnetDump,
  type TrafficDump,
} from "./dump_lines.ts";

/** Longest line accepted from a control client (tinc's buffer is 4096 bytes with the newline). */
export const MAX_CONTROL_LINE = 4095;

/** Connection status bits of a control connection in `dump connections` (control, log). */
export const CONNECTION_STATUS_CONTROL = 1 << 9;
export const CONNECTION_STATUS_LOG = 1 << 11;

/** What the daemon offers the control socket. Every call happens on the daemon's event loop. */
export interface ControlBackend {
  /** The daemon's node name, for the greeting. */
  readonly name: string;
  readonly pid: number;
  readonly protocolMajor: number;
  readonly protocolMinor: number;
  dumpNodes(): NodeDump[];
  dumpEdges(): EdgeDump[];
  dumpSubnets(): SubnetDump[];
  /** Meta connections; the control connections are added by the socket. */
  dumpConnections(): ConnectionDump[];
  dumpTraffic(): TrafficDump[];
  /** Starts shutting down (the reply is sent first). */
  stop(): void;
  /** Re-reads the configuration; 0 on success. */
  reload(): number;
  purge(): void;
  retry(): void;
  /** The current debug level. */
  debugLevel(): number;
  setDebugLevel(level: number): void;
  /** Closes the meta connection(s) to `name`; false when there is none. */
  disconnect(name: string): boolean;
}

/** Where the session stands. */
export type ControlSessionState = "cookie" | "control" | "closed";

/** UTF-8 length of a string, without a TextEncoder (not available to the pure core). */
export function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        n += 4;
        i++;
      } else n += 3;
    } else n += 3;
  }
  return n;
}

/** One control connection's protocol state. */
export class ControlSession {
  private pending = "";
  state: ControlSessionState = "cookie";
  /** Log level asked for with REQ_LOG (-1 = follow the daemon's level); undefined = no log. */
  logLevel: number | undefined;

  /**
   * @param write sends text (lines end with `\n`) to the client
   * @param close ends the connection; `reason` is for the daemon's log
   */
  constructor(
    private readonly backend: ControlBackend,
    private readonly cookie: string,
    private readonly write: (text: string) => void,
    private readonly close: (reason: string) => void,
  ) {}

  /** Call once when the connection is accepted: the daemon speaks first with its ID. */
  start(): void {
    this.send(formatGreeting(this.backend.name, this.backend.protocolMajor, this.backend.protocolMinor));
  }

  /** Feeds text received from the client. */
  receive(text: string): void {
    if (this.state === "closed") return;
    this.pending += text;
    for (;;) {
      const nl = this.pending.indexOf("\n");
      if (nl < 0) break;
      const line = this.pending.slice(0, nl);
      this.pending = this.pending.slice(nl + 1);
      this.onLine(line.endsWith("\r") ? line.slice(0, -1) : line);
      if (this.isClosed()) return;
    }
    if (this.pending.length > MAX_CONTROL_LINE) this.shut("control line too long");
  }

  /** This connection's `dump connections` line fields. */
  connectionDump(socket: number): ConnectionDump {
    const status = CONNECTION_STATUS_CONTROL | (this.logLevel !== undefined ? CONNECTION_STATUS_LOG : 0);
    return { name: "<control>", host: "localhost", port: "unix", options: 0, socket, status };
  }

  /**
   * A log message at `level`: streamed when this connection asked for logs up to at least that
   * level (or, with -1, up to the daemon's own level).
   */
  log(level: number, message: string): void {
    if (this.state !== "control" || this.logLevel === undefined) return;
    const limit = this.logLevel >= 0 ? this.logLevel : this.backend.debugLevel();
    if (level > limit) return;
    this.write(`${formatControlLine(ControlType.LOG, utf8Length(message))}\n${message}`);
  }

  /** Whether the session has ended (re-read after calls that may end it). */
  isClosed(): boolean {
    return this.state === "closed";
  }

  private send(line: string): void {
    this.write(line + "\n");
  }

  private shut(reason: string): void {
    if (this.state === "closed") return;
    this.state = "closed";
    this.close(reason);
  }

  private onLine(line: string): void {
    if (this.state === "cookie") {
      if (!checkCookieLine(line, this.cookie)) return this.shut("bad control cookie");
      this.state = "control";
      this.send(formatHandshakeAck(this.backend.pid));
      return;
    }
    const request = parseControlLine(line);
    if (request === null) {
      const code = parseDecimal(fields(line)[0]);
      return this.shut(code === CONTROL ? "bad CONTROL request" : "unauthorized request on control socket");
    }
    this.handle(request.type, request.args);
  }

  private reply(type: number, result: number): void {
    this.send(formatControlLine(type, result));
  }

  private dump(type: number, lines: string[]): void {
    for (const l of lines) this.send(l);
    this.send(formatControlLine(type));
  }

  private handle(type: number, args: string[]): void {
    const b = this.backend;
    switch (type) {
      case ControlType.STOP:
        this.reply(type, 0);
        b.stop();
        return;
      case ControlType.RELOAD:
        this.reply(type, b.reload());
        return;
      case ControlType.DUMP_NODES:
        return this.dump(type, b.dumpNodes().map(formatNodeLine));
      case ControlType.DUMP_EDGES:
        return this.dump(type, b.dumpEdges().map(formatEdgeLine));
      case ControlType.DUMP_SUBNETS:
        return this.dump(type, b.dumpSubnets().map(formatSubnetLine));
      case ControlType.DUMP_CONNECTIONS:
        return this.dump(type, b.dumpConnections().map(formatConnectionLine));
      case ControlType.DUMP_TRAFFIC:
        return this.dump(type, b.dumpTraffic().map(formatTrafficLine));
      case ControlType.PURGE:
        b.purge();
        return this.reply(type, 0);
      case ControlType.RETRY:
        b.retry();
        return this.reply(type, 0);
      case ControlType.SET_DEBUG: {
        const level = parseDecimal(args[0]);
        if (level === undefined) return this.shut("bad SET_DEBUG request");
        this.reply(type, b.debugLevel());
        if (level >= 0) b.setDebugLevel(level);
        return;
      }
      case ControlType.DISCONNECT: {
        const name = args[0];
        if (name === undefined) return this.reply(type, -1);
        return this.reply(type, b.disconnect(name) ? 0 : -2);
      }
      case ControlType.LOG:
        this.logLevel = parseDecimal(args[0]) ?? -1;
        return;
      default:
        this.send(formatControlLine(ControlType.INVALID));
    }
  }
}
