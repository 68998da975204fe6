/**
 * The CLI's side of the control socket: read the pid file, connect to the UNIX socket beside it,
 * prove we could read the cookie, and then exchange lines (spec tinc-1.1-sptps.md §3.2). Error
 * messages are tinc's (connect_tincd in tincctl.c).
 *
 * ```
 *   pid file "PID COOKIE HOST port PORT" ──▶ kill(PID, 0) ──▶ connect PIDFILE(.pid→.socket)
 *        ──▶ "0 ^COOKIE 0" ──▶ read "0 NAME 17.x" ──▶ read "4 0 PID" ──▶ requests
 * ```
 * @module
 */
import { readFileSync, rmSync } from "node:fs";
import type { Socket } from "bun";
import { formatCookieLine, parseHandshake } from "../core/control/protocol.ts";
import { controlSocketPath } from "./control_socket.ts";

/** What connecting produced. */
export type ControlConnectResult =
  | { ok: true; client: ControlClient }
  | {
    ok: false;
    /** tinc's message, without the newline. */
    message: string;
    /** The pid the pid file named, when it could be read (for `stop`'s TERM fallback). */
    pid?: number;
  };

/** A connected, authenticated control connection. */
export class ControlClient {
  private buffer = new Uint8Array(0);
  private eof = false;
  private wake: (() => void) | undefined;

  /** The daemon's pid and node name, from the handshake. */
  pid = 0;
  name = "";

  private constructor(private readonly socket: Socket<undefined>) {}

  /** Sends one line (the newline is added). */
  sendLine(line: string): void {
    this.socket.write(line + "\n");
  }

  private push(bytes: Uint8Array): void {
    const b = new Uint8Array(this.buffer.length + bytes.length);
    b.set(this.buffer);
    b.set(bytes, this.buffer.length);
    this.buffer = b;
    this.wake?.();
  }

  private end(): void {
    this.eof = true;
    this.wake?.();
  }

  private async waitFor(ready: () => boolean, deadline: number): Promise<boolean> {
    while (!ready()) {
      if (this.eof) return false;
      const left = deadline - Date.now();
      if (left <= 0) return false;
      let timer: ReturnType<typeof setTimeout> | undefined;
      await new Promise<void>((r) => {
        this.wake = r;
        timer = setTimeout(r, Math.min(left, 2_147_000_000));
      });
      clearTimeout(timer);
      this.wake = undefined;
    }
    return true;
  }

  /** The next line without its newline; null at end of stream or after `timeoutMs`. */
  async readLine(timeoutMs = Infinity): Promise<string | null> {
    const deadline = Date.now() + timeoutMs;
    const ok = await this.waitFor(() => this.buffer.includes(0x0a), deadline);
    if (!ok) return null;
    const nl = this.buffer.indexOf(0x0a);
    const line = new TextDecoder("latin1").decode(this.buffer.subarray(0, nl));
    this.buffer = this.buffer.slice(nl + 1);
    return line.endsWith("\r") ? line.slice(0, -1) : line;
  }

  /** Exactly `length` raw bytes; null when the stream ends first or after `timeoutMs`. */
  async readBytes(length: number, timeoutMs = Infinity): Promise<Uint8Array | null> {
    const deadline = Date.now() + timeoutMs;
    const ok = await this.waitFor(() => this.buffer.length >= length, deadline);
    if (!ok) return null;
    const out = this.buffer.slice(0, length);
    this.buffer = this.buffer.slice(length);
    return out;
  }

  /** Waits until the daemon closes the connection (bounded by `timeoutMs`). */
  async waitClosed(timeoutMs = Infinity): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    this.buffer = new Uint8Array(0);
    return await this.waitFor(() => false, deadline) || this.eof;
  }

  close(): void {
    this.socket.end();
  }

  /**
   * Reads the pid file, connects and completes the handshake.
   * @param socketPath defaults to the pid file's name with `.pid` → `.socket`
   * @param timeoutMs bound on the handshake
   */
  static async connect(
    pidfile: string,
    socketPath?: string,
    timeoutMs = 10_000,
  ): Promise<ControlConnectResult> {
    let text: string;
    try {
      text = readFileSync(pidfile, "latin1");
    } catch (e) {
      const reason = (e as { code?: string }).code === "ENOENT"
        ? "No such file or directory"
        : (e as Error).message;
      return { ok: false, message: `Could not open pid file ${pidfile}: ${reason}` };
    }
    const m = /^\s*(-?\d+)\s+(\S+)\s+(\S+)\s+port\s+(\S+)/.exec(text);
    if (m === null) {
      // A tinc 1.0 pid file holds only the pid; tinc's CLI still learns it (stop then sends TERM).
      const bare = /^\s*(\d+)/.exec(text);
      const message = `Could not parse pid file ${pidfile}`;
      return bare !== null && Number(bare[1]) > 0
        ? { ok: false, message, pid: Number(bare[1]) }
        : { ok: false, message };
    }
    const pid = Number.parseInt(m[1]!, 10);
    const cookie = m[2]!;
    const path = socketPath ?? controlSocketPath(pidfile);
    if (pid <= 0 || !processExists(pid)) {
      // As tinc: a dead daemon's leftovers are cleaned up.
      rmSync(pidfile, { force: true });
      rmSync(path, { force: true });
      return { ok: false, message: `Could not find tincd running at pid ${pid}` };
    }
    // Bytes or an end that arrive before the client object exists are replayed into it.
    const sink: { client?: ControlClient; early: Uint8Array[]; ended: boolean } = { early: [], ended: false };
    const ended = () => (sink.client !== undefined ? sink.client.end() : void (sink.ended = true));
    let socket: Socket<undefined>;
    try {
      socket = await Bun.connect<undefined>({
        unix: path,
        socket: {
          data: (_s, bytes) => {
            if (sink.client !== undefined) sink.client.push(bytes);
            else sink.early.push(bytes.slice());
          },
          close: ended,
          end: ended,
          error: ended,
        },
      });
    } catch (e) {
      const reason = (e as { code?: string }).code === "ENOENT"
        ? "No such file or directory"
        : (e as { code?: string }).code === "ECONNREFUSED"
        ? "Connection refused"
        : (e as Error).message;
      return { ok: false, message: `Cannot connect to UNIX socket ${path}: ${reason}`, pid };
    }
    const client = new ControlClient(socket);
    sink.client = client;
    for (const b of sink.early) client.push(b);
    if (sink.ended) client.end();
    client.sendLine(formatCookieLine(cookie));
    const greeting = await client.readLine(timeoutMs);
    if (greeting === null) {
      client.close();
      return { ok: false, message: "Cannot read greeting from control socket: connection closed", pid };
    }
    const ack = await client.readLine(timeoutMs);
    const hs = parseHandshake(greeting, ack ?? "");
    if (!hs.ok) {
      client.close();
      return {
        ok: false,
        message: hs.reason.startsWith("Cannot read greeting") ? `${hs.reason}: bad greeting` : hs.reason,
        pid,
      };
    }
    client.pid = hs.pid;
    client.name = hs.name;
    return { ok: true, client };
  }
}

function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as { code?: string }).code !== "ESRCH";
  }
}
