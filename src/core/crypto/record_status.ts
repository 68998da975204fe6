/**
 * Reading the core's record status codes: the reason a drop is logged under, and the replay
 * window's verdict.
 * @module
 */
import { type OpenFailure, RecordStatus, type ReplayVerdict } from "./cipher_port.ts";

/** Maps a core status to the reason the engine logs. */
export function failureOf(status: RecordStatus): OpenFailure {
  switch (status) {
    case RecordStatus.BadTag:
      return "bad-tag";
    case RecordStatus.ReplayOld:
    case RecordStatus.ReplayDuplicate:
    case RecordStatus.ReplayFuture:
      return "replay";
    case RecordStatus.TooShort:
      return "too-short";
    case RecordStatus.TooLong:
      return "too-long";
    case RecordStatus.BadSlot:
      return "bad-slot";
    case RecordStatus.NoKey:
      return "no-key";
    default:
      return "bad-range";
  }
}

/** Maps a replay status to its verdict (anything else is not a replay status and reads "ok"). */
export function verdictOf(status: RecordStatus): ReplayVerdict {
  switch (status) {
    case RecordStatus.ReplayOld:
      return "old";
    case RecordStatus.ReplayDuplicate:
      return "duplicate";
    case RecordStatus.ReplayFuture:
      return "future";
    default:
      return "ok";
  }
}
