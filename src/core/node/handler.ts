/**
 * The shape shared by every request handler: what it was given and what it decided.
 * `refused` closes the connection (tinc's handler returning false); `ignored` keeps it and
 * logs the reason.
 * @module
 */
import type { Request } from "../meta/requests.ts";
import type { NodeCore } from "./core.ts";
import type { Connection } from "./world.ts";

export type Outcome =
  | { kind: "ok" }
  | { kind: "ignored"; reason: string }
  | { kind: "refused"; reason: string };

export const OK: Outcome = { kind: "ok" };

export function ignored(reason: string): Outcome {
  return { kind: "ignored", reason };
}

export function refused(reason: string): Outcome {
  return { kind: "refused", reason };
}

/** A request handler: `line` is the received line without `\n`, for byte-identical forwarding. */
export type Handler<R extends Request = Request> = (
  core: NodeCore,
  c: Connection,
  req: R,
  line: string,
) => Outcome;
