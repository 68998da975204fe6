/**
 * Outcome of an operation fed by configuration or network input: a value, or a reason that the
 * caller logs before acting as tinc does. Nothing in the legacy crypto throws on bad input.
 * @module
 */

/** A value or a human-readable reason. */
export type Result<T> = { ok: true; value: T } | { ok: false; reason: string };

/** Wraps a value as a successful {@link Result}. */
export function ok<T>(value: T): Result<T> {
  return { ok: true, value };
}

/** Wraps a reason as a failed {@link Result}. */
export function err<T>(reason: string): Result<T> {
  return { ok: false, reason };
}
