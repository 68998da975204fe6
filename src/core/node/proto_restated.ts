/**
 * A cheap look at flooded lines that restate what we already hold, before the full parse.
 *
 * A peer that activates a connection sends everything it knows with fresh nonces (tinc's
 * send_everything), so in a booting mesh about half of all ADD_EDGE/ADD_SUBNET lines describe an
 * edge or subnet we already have, under a line we have never seen. tinc parses each one and
 * ignores it ("identical edge", "subnet already known"). This recognises the common exact forms
 *
 * ```
 *   12 NONCE FROM TO ADDRESS PORT OPTIONS WEIGHT     (as 1.0 and tinct render it)
 *   10 NONCE OWNER SUBNET                            (SUBNET in the 1.0 text form)
 * ```
 *
 * single-spaced, with a plain hex nonce, and gives the same outcome and side effects as the
 * handlers: the line is recorded in the past-request cache and ignored. Anything else returns
 * undefined and takes the full path.
 * @module
 */
import { RequestCode } from "../meta/requests.ts";
import type { NodeCore } from "./core.ts";
import { edgeBody } from "./world.ts";

/** The handler's reason for ignoring `line`, when it restates a known edge or subnet exactly. */
export function restatedKnown(core: NodeCore, line: string, code: number): string | undefined {
  // TunnelServer filters by sender first; leave that to the handlers.
  if (core.config.tunnelServer) return undefined;
  if (code === RequestCode.ADD_EDGE) {
    if (!line.startsWith("12 ")) return undefined;
    const afterNonce = nonceEnd(line, 3);
    if (afterNonce < 0) return undefined;
    const fromEnd = line.indexOf(" ", afterNonce);
    if (fromEnd < 0) return undefined;
    const toEnd = line.indexOf(" ", fromEnd + 1);
    if (toEnd < 0) return undefined;
    const from = core.nodes.get(line.substring(afterNonce, fromEnd));
    const edge = from?.edges.get(line.substring(fromEnd + 1, toEnd));
    if (edge === undefined) return undefined;
    const body = edgeBody(edge);
    if (line.length !== afterNonce + body.length || !line.endsWith(body)) return undefined;
    return core.seenRequest(line) ? "already seen" : "identical edge already known";
  }
  if (code === RequestCode.ADD_SUBNET) {
    if (!line.startsWith("10 ")) return undefined;
    const afterNonce = nonceEnd(line, 3);
    if (afterNonce < 0) return undefined;
    const ownerEnd = line.indexOf(" ", afterNonce);
    if (ownerEnd < 0) return undefined;
    const owner = core.nodes.get(line.substring(afterNonce, ownerEnd));
    // Map keys are the 1.0 text form: an exact key is a well-formed subnet ending the line.
    if (owner === undefined || !owner.subnets.has(line.substring(ownerEnd + 1))) return undefined;
    return core.seenRequest(line) ? "already seen" : "subnet already known";
  }
  return undefined;
}

/** Index after `NONCE ` starting at `from` (1–8 hex digits and one space), or -1. */
function nonceEnd(line: string, from: number): number {
  let i = from;
  for (; i < line.length && i - from <= 8; i++) {
    const ch = line.charCodeAt(i);
    if (ch === 32) break;
    const hex = (ch >= 48 && ch <= 57) || ((ch | 0x20) >= 97 && (ch | 0x20) <= 102);
    if (!hex) return -1;
  }
  return i > from && i - from <= 8 && line.charCodeAt(i) === 32 ? i + 1 : -1;
}
