/**
 * A stopgap until the engine arms its own PMTU timers: the engine starts tinc 1.0's path MTU
 * discovery when a key arrives (auth/legacy_pmtu.ts) but, as committed, neither its
 * nextDeadline() nor onTimer() includes the probe steps, so only the first burst would ever be
 * sent. This bridge adds the probe deadline to the reactor's timer and runs the due steps inside
 * an engine batch. Running a step the engine has already run is harmless: pmtuTick only takes
 * steps whose time has come, so once the engine wires them itself this module finds nothing due
 * and can be deleted.
 * @module
 */
import { pmtuNextDeadline, pmtuTick, sendProbeUdp } from "../../core/node/auth/legacy_pmtu.ts";
import type { NodeCore } from "../../core/node/core.ts";
import type { Engine } from "../../core/node/engine.ts";

/** Probe deadlines and steps for one engine. */
export interface PmtuBridge {
  /** The earliest probe step (ms), or Infinity. */
  nextDeadline(): number;
  /** Runs the due probe steps at `now`; returns the engine's next deadline. */
  tick(now: number): number;
}

/** Builds the bridge; reaches the engine's private state, which is why it is a stopgap. */
export function pmtuBridge(engine: Engine): PmtuBridge {
  const core = (engine as unknown as { core: NodeCore }).core;
  const send = sendProbeUdp(core);
  return {
    nextDeadline: () => pmtuNextDeadline(core),
    tick: (now) => engine.batch(now, () => pmtuTick(core, send)),
  };
}
