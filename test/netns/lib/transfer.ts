/** Moves N bytes over TCP between two lab nodes with stream_check.ts and returns both ends' hashes. */
import { join } from "node:path";
import type { Lab, LabNode } from "./lab.ts";

const script = join(import.meta.dir, "stream_check.ts");
const bun = process.execPath;

export interface TransferResult {
  sent: string;
  received: string;
  mbit: number;
}

export async function transfer(
  lab: Lab,
  from: LabNode,
  to: LabNode,
  target: string,
  bytes: number,
  port = 5201,
): Promise<TransferResult> {
  let received = "";
  const sink = lab.start(to.ns, [bun, script, "sink", String(port)], { logTo: (s) => (received += s) });
  try {
    await Bun.sleep(500);
    const t0 = Date.now();
    const r = lab.exec(from.ns, [bun, script, "source", target, String(port), String(bytes)], 300_000);
    const secs = (Date.now() - t0) / 1000;
    if (r.status !== 0) throw new Error(`source failed (${r.status}): ${r.stderr}`);
    await lab.waitFor("sink result", () => received.includes("\n"), 30_000, 100);
    return { sent: r.stdout.trim(), received: received.trim(), mbit: (bytes * 8) / secs / 1e6 };
  } finally {
    await lab.stop(sink);
  }
}
