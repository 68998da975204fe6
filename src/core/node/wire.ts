/**
 * The engine's single door to the meta-protocol codec (src/core/meta): one place to re-point
 * if the codec's API moves.
 * @module
 */
import type { ParseResult, Request } from "../meta/requests.ts";
import { formatRequest, parseRequest } from "../meta/codec.ts";
import { isValidName } from "../meta/fields.ts";

export { isValidName };

/** Parses one request line (without `\n`); never throws. */
export function parseRequestLine(line: string): ParseResult<Request> {
  return parseRequest(line);
}

/** Renders a request as tinc 1.0 sends it, without the trailing `\n`. */
export function formatRequestLine(r: Request): string {
  return formatRequest(r, "1.0");
}
