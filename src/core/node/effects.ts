/**
 * The engine's ports: what a node asks its runtime to do (Effects), the randomness it draws
 * from, the addresses it speaks about, and tinc's debug levels for its log lines.
 * @module
 */

/** A socket address as the engine sees it: a numeric host string and a port. */
export interface SockAddr {
  host: string;
  port: number;
}

/** A meta connection handle, chosen by the runtime. */
export type ConnId = number;

/** tinc's debug levels (tincd -dN). A line is logged when the configured level is ≥ its level. */
export const LogLevel = {
  basic: 0,
  connections: 1,
  status: 2,
  requests: 3,
  meta: 4,
  traffic: 5,
  packets: 6,
  scary: 10,
} as const;
export type LogLevelValue = (typeof LogLevel)[keyof typeof LogLevel];

/** Structured context on a log line (peer name, address, reason...). */
export type LogFields = Record<string, string | number | boolean | undefined>;

/** How writeFile places its bytes: appended, or replacing the file atomically. */
export type WriteMode = "append" | "replace";

/**
 * Work the engine hands to its runtime. Every call returns at once; answers that take time
 * (a connection completing, a file read, a name resolved) come back as engine inputs.
 */
/** Why the runtime could not send a datagram, when it matters to the engine. */
export type UdpRefusal = "too-big";

export interface Effects {
  /** Queue bytes on a meta connection. The array may be shared with other calls: never modify it. */
  sendMeta(conn: ConnId, bytes: Uint8Array): void;
  /**
   * Open an outgoing meta connection. The runtime returns the id at once and later reports
   * `onMetaConnected(now, id, { outgoing: true, ... })` or `onMetaClosed(now, id)` on failure.
   */
  connect(address: SockAddr): ConnId;
  /**
   * Close a meta connection; the runtime does not report it back through onMetaClosed. With
   * `tarpit` (a peer that failed: bad input, refused authentication, authentication timeout) the
   * socket is kept open and ignored instead, as tincd 1.0.35+ does, so a prober sees silence
   * rather than a FIN.
   */
  close(conn: ConnId, tarpit?: boolean): void;
  /**
   * Send a datagram. The runtime may answer "too-big" when the local stack refused it as larger
   * than the path allows (EMSGSIZE with DF set): tinc lowers the node's PMTU bounds on that.
   */
  sendUdp(to: SockAddr, bytes: Uint8Array): void | UdpRefusal;
  writeTun(frame: Uint8Array): void;
  /** Run a script (tinc-up, host-up, hosts/NAME-down, subnet-up...) with its environment, in call order. */
  runScript(name: string, env: Record<string, string>): void;
  /** Answered later by `Engine.onFileRead(now, path, bytes | null)`. */
  readFile(path: string): void;
  writeFile(path: string, bytes: Uint8Array, mode: WriteMode): void;
  /** Answered later by `Engine.onResolved(now, host, addresses)`; DNS never blocks the engine. */
  resolve(host: string): void;
  log(level: LogLevelValue, message: string, fields: LogFields): void;
}

/** The engine's only source of randomness, seeded by the runtime (a fixed seed in tests). */
export interface RandomSource {
  /** A uniformly random unsigned 32-bit integer. */
  nextU32(): number;
}

/** Formats an address the way tinc prints it in edges and logs (`host port`). */
export function addrKey(a: SockAddr): string {
  return `${a.host} ${a.port}`;
}

/**
 * Effects that do nothing, for tests and benchmarks that drive an engine by hand; `overrides`
 * replaces the ones the caller watches. `connect` hands out connection id 0 unless overridden.
 */
export function inertEffects(overrides: Partial<Effects> = {}): Effects {
  return {
    sendMeta: () => {},
    connect: () => 0,
    close: () => {},
    sendUdp: () => {},
    writeTun: () => {},
    runScript: () => {},
    readFile: () => {},
    writeFile: () => {},
    resolve: () => {},
    log: () => {},
    ...overrides,
  };
}
