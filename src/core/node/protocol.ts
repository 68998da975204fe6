/**
 * The request table and dispatch (tinc's protocol.c receive_request): parse, check the gate
 * (during authentication only the one expected code passes), run the handler, count the
 * outcome. Codes without a handler (STATUS, ERROR, TERMREQ, anything unknown) close the
 * connection.
 * @module
 */
import { restatedKnown } from "./proto_restated.ts";
import { type Request, RequestCode } from "../meta/requests.ts";
import type { NodeCore } from "./core.ts";
import { LogLevel } from "./effects.ts";
import { type Handler, type Outcome, refused } from "./handler.ts";
import { handleAck, handleAuthStep, handleId } from "./proto_auth.ts";
import { handleAddEdge, handleDelEdge } from "./proto_edge.ts";
import { handleAnsKey, handleKeyChanged, handleReqKey } from "./proto_key.ts";
import { handlePacket, handlePing, handlePong } from "./proto_misc.ts";
import { handleAddSubnet, handleDelSubnet } from "./proto_subnet.ts";
import { parseRequestLine } from "./wire.ts";
import { handleMtuInfo, handleSptpsPacket, handleUdpInfo } from "./proto_sptps.ts";
import type { Connection } from "./world.ts";

interface Entry {
  name: string;
  handler?: Handler;
}

/** Indexed by request code; entries without a handler are "unknown" and close the connection. */
export const REQUEST_TABLE: readonly Entry[] = [
  { name: "ID", handler: handleId as Handler },
  { name: "METAKEY", handler: handleAuthStep },
  { name: "CHALLENGE", handler: handleAuthStep },
  { name: "CHAL_REPLY", handler: handleAuthStep },
  { name: "ACK", handler: handleAck as Handler },
  { name: "STATUS" },
  { name: "ERROR" },
  { name: "TERMREQ" },
  { name: "PING", handler: handlePing as Handler },
  { name: "PONG", handler: handlePong as Handler },
  { name: "ADD_SUBNET", handler: handleAddSubnet as Handler },
  { name: "DEL_SUBNET", handler: handleDelSubnet as Handler },
  { name: "ADD_EDGE", handler: handleAddEdge as Handler },
  { name: "DEL_EDGE", handler: handleDelEdge as Handler },
  { name: "KEY_CHANGED", handler: handleKeyChanged as Handler },
  { name: "REQ_KEY", handler: handleReqKey as Handler },
  { name: "ANS_KEY", handler: handleAnsKey as Handler },
  { name: "PACKET", handler: handlePacket as Handler },
  { name: "CONTROL" },
  // 19 and 20 exist only as REQ_KEY extension numbers.
  { name: "REQ_PUBKEY" },
  { name: "ANS_PUBKEY" },
  { name: "SPTPS_PACKET", handler: handleSptpsPacket as Handler },
  { name: "UDP_INFO", handler: handleUdpInfo as Handler },
  { name: "MTU_INFO", handler: handleMtuInfo as Handler },
];

/** The request's name for logs and statistics, or `UNKNOWN(n)`. */
export function requestName(code: number): string {
  return REQUEST_TABLE[code]?.name ?? `UNKNOWN(${code})`;
}

const FLOODED = new Set<number>([
  RequestCode.ADD_SUBNET,
  RequestCode.DEL_SUBNET,
  RequestCode.ADD_EDGE,
  RequestCode.DEL_EDGE,
  RequestCode.KEY_CHANGED,
]);

/** The leading decimal code of a line, or -1 (a cheap look before full parsing). */
function leadingCode(line: string): number {
  let i = 0;
  while (i < line.length && (line.charCodeAt(i) === 32 || line.charCodeAt(i) === 9)) i++;
  let code = 0;
  const start = i;
  for (; i < line.length && i - start < 9; i++) {
    const d = line.charCodeAt(i) - 48;
    if (d < 0 || d > 9) break;
    code = code * 10 + d;
  }
  if (i === start) return -1;
  const next = line.charCodeAt(i);
  // The code must end the line or be followed by whitespace (sscanf's %d would stop anywhere,
  // but the codec then refuses the line anyway).
  return i === line.length || next === 32 || next === 9 || next === 13 || next === 11 || next === 12
    ? code
    : -1;
}

/**
 * Handles one received line on a connection. Returns the outcome; the caller closes the
 * connection on `refused`.
 */
export function receiveRequest(core: NodeCore, c: Connection, line: string): Outcome {
  const code = leadingCode(line);
  const outcome = dispatch(core, c, line, code);
  const index = code >= 0 && code < REQUEST_TABLE.length ? code : -1;
  const kind = outcome.kind === "ok" ? "accepted" : outcome.kind;
  core.stat(index)[kind]++;
  if (c.name !== undefined && c.node !== undefined) core.stat(index, c.name)[kind]++;
  if (outcome.kind === "ignored") {
    // Most flooded lines arrive more than once: build the message only when it is logged.
    if (core.config.debugLevel >= LogLevel.requests) {
      core.log(LogLevel.requests, `Ignoring ${requestName(code)}: ${outcome.reason}`, { from: c.name, line });
    }
  } else if (outcome.kind === "refused") {
    core.log(LogLevel.basic, `Refusing ${requestName(code)}: ${outcome.reason}`, { from: c.name, line });
  }
  return outcome;
}

function dispatch(core: NodeCore, c: Connection, line: string, code: number): Outcome {
  if (core.config.debugLevel >= LogLevel.meta) core.log(LogLevel.meta, "Got request", { from: c.name, line });
  const entry = code >= 0 ? REQUEST_TABLE[code] : undefined;
  if (entry?.handler === undefined) return refused(`unknown request code ${code < 0 ? "(none)" : code}`);
  if (c.allow !== "all" && c.allow !== code) {
    return refused(`unauthorized request ${entry.name} during authentication`);
  }
  if (c.allow === "all" && code <= RequestCode.ACK) return refused(`${entry.name} on an active connection`);
  // A flooded line seen before was valid when first seen: skip parsing it again.
  if (FLOODED.has(code)) {
    if (core.seen.has(line)) return { kind: "ignored", reason: "already seen" };
    core.checkedUnseen = line;
    const restated = restatedKnown(core, line, code);
    if (restated !== undefined) {
      core.checkedUnseen = undefined;
      return { kind: "ignored", reason: restated };
    }
  }
  // graph() is coalesced, but requests other than the flooded graph updates read reachability
  // and key state that a pending graph() would reset: settle it first, as tinc would have.
  if (!FLOODED.has(code)) core.flushGraph();
  try {
    const parsed = parseRequestLine(line);
    if (!parsed.ok) return refused(`bad ${entry.name}: ${parsed.reason}`);
    const req: Request = parsed.value;
    return entry.handler(core, c, req, line);
  } finally {
    core.checkedUnseen = undefined;
  }
}
