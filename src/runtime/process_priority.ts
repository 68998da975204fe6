/**
 * tincd's ProcessPriority: `low`, `normal` and `high` are nice values 10, 0 and −10, set once at
 * start-up; tincd gives up when the system call fails (raising priority needs privilege).
 * @module
 */
import { setPriority } from "node:os";
import type { ProcessPriority } from "../core/config/load.ts";

const NICE: Record<ProcessPriority, number> = { low: 10, normal: 0, high: -10 };

/** Sets this process's nice value; returns tincd's error message when the system refuses. */
export function applyProcessPriority(priority: ProcessPriority): string | undefined {
  try {
    setPriority(NICE[priority]);
    return undefined;
  } catch (e) {
    return `System call \`setpriority' failed: ${(e as Error).message}`;
  }
}
