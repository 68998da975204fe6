/**
 * Runs stream_probe.ts between two lab nodes: compressible or random bytes, optionally paced,
 * with both ends' SHA-256 and the receiver's longest gap between arrivals.
 */
import { join } from "node:path";
import type { Lab, LabNode } from "./lab.ts";

const script = join(import.meta.dir, "stream_probe.ts");
const bun = process.execPath;

/** One end's report. */
export interface StreamEnd {
  bytes: number;
  sha256: string;
  maxGapMs: number;
  ms: number;
}

/** Both ends of a finished transfer and the sender's wall-clock rate. */
export interface StreamResult {
  sent: StreamEnd;
  received: StreamEnd;
  mbit: number;
}

/** Options: what to send, how long to spread it over, which TCP port the sink listens on. */
export interface StreamOptions {
  bytes: number;
  kind?: "random" | "text";
  seconds?: number;
  port?: number;
}

function parseEnd(text: string, who: string): StreamEnd {
  const line = text.trim().split("\n").filter((l) => l.startsWith("{")).pop();
  if (line === undefined) throw new Error(`${who} printed no result: ${text}`);
  return JSON.parse(line) as StreamEnd;
}

/** Sends `opts.bytes` from `from` to `target` (an address of `to`) and waits for both reports. */
export async function streamTransfer(
  lab: Lab,
  from: LabNode,
  to: LabNode,
  target: string,
  opts: StreamOptions,
): Promise<StreamResult> {
  const port = opts.port ?? 5301;
  let received = "";
  const sink = lab.start(to.ns, [bun, script, "sink", String(port)], { logTo: (s) => (received += s) });
  try {
    await Bun.sleep(500);
    const t0 = Date.now();
    const args = [bun, script, "source", target, String(port), String(opts.bytes), opts.kind ?? "random"];
    if (opts.seconds !== undefined) args.push(String(opts.seconds));
    // Started, not run synchronously: the test process must keep draining the daemons' logs.
    let out = "";
    const source = lab.start(from.ns, args, { logTo: (s) => (out += s) });
    const status = await new Promise<number | null>((resolve) => {
      if (source.exitCode !== null) resolve(source.exitCode);
      else source.once("exit", (code) => resolve(code));
    });
    const secs = (Date.now() - t0) / 1000;
    if (status !== 0) throw new Error(`source failed (${status}): ${out}`);
    await lab.waitFor("sink result", () => received.includes("}\n"), 30_000, 100);
    return {
      sent: parseEnd(out, "source"),
      received: parseEnd(received, "sink"),
      mbit: (opts.bytes * 8) / secs / 1e6,
    };
  } finally {
    await lab.stop(sink);
  }
}
