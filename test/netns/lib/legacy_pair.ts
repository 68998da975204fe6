/**
 * A tinct node and a tincd 1.0.36 node with tinc's authenticated protocol (RSA keys from
 * `tincd -K`, default packet crypto unless told otherwise), started fresh for each scenario:
 * tincd first, then tinct dialling it, and the tunnel waited for (bounded).
 */
import { join } from "node:path";
import type { Lab, LabNode } from "./lab.ts";
import { exchangeHostFiles, overlay4 } from "./tincd.ts";
import { type MeshNode, startNode, tail, writeNode } from "../daemon_support.ts";

/** Extra tinc.conf and host-file lines for each side. */
export interface PairOptions {
  tinctConf?: string[];
  tincdConf?: string[];
  tinctHost?: string[];
  tincdHost?: string[];
  debug?: number;
}

/** The two running nodes. */
export interface LegacyPair {
  tinct: MeshNode;
  tincd: MeshNode;
  /** Both logs' last lines, for failure messages. */
  logs(): string;
}

/** Stops what ran before, writes fresh directories under `dir` and starts both nodes. */
export async function startLegacyPair(
  lab: Lab,
  dir: string,
  t: LabNode,
  d: LabNode,
  opts: PairOptions = {},
  previous?: LegacyPair,
): Promise<LegacyPair> {
  for (const n of [previous?.tinct, previous?.tincd]) if (n?.proc) await lab.stop(n.proc);
  const tinct: MeshNode = { lab: t, kind: "tinct", index: 1, dir: join(dir, t.name), log: "", bypass: false };
  const tincd: MeshNode = { lab: d, kind: "tincd", index: 2, dir: join(dir, d.name), log: "", bypass: false };
  writeNode(tinct.dir, { name: t.name, index: 1, underlayIp: t.ip4 }, {
    crypto: opts.tinctHost ?? [],
    conf: opts.tinctConf ?? [],
    connectTo: [d.name],
  });
  writeNode(tincd.dir, { name: d.name, index: 2, underlayIp: d.ip4 }, {
    crypto: opts.tincdHost ?? [],
    conf: opts.tincdConf ?? [],
  });
  exchangeHostFiles(new Map([[t.name, tinct.dir], [d.name, tincd.dir]]));
  const debug = opts.debug ?? 2;
  await startNode(lab, tincd, join(dir, `${d.name}.pid`), debug);
  await startNode(lab, tinct, join(dir, `${t.name}.pid`), debug);
  const pair: LegacyPair = {
    tinct,
    tincd,
    logs: () => `--- tinct log\n${tail(tinct.log, 50)}\n--- tincd log\n${tail(tincd.log, 50)}`,
  };
  try {
    await lab.waitFor("tunnel up", () => lab.ping(t.ns, overlay4(2), 1, 1), 30_000, 300);
  } catch (e) {
    console.log(pair.logs());
    throw e;
  }
  return pair;
}
