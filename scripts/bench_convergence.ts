// Convergence of a large simulated mesh: N engines in one process (default 1,000), a random
// connected topology (spanning tree plus N/2 extra links), every node started within
// START_SPREAD ms (default 0: the whole mesh boots at once; with a spread, early dials find
// peers not yet listening and retry 5 s later). Events run on a 5 ms tick (a reactor wake-up
// handles everything ready; graph() runs once per wake-up). Prints the wall time until every
// ConnectTo is up and the meta traffic has been quiet for 3 s, the simulated time that took,
// and the meta messages sent. A benchmark: it never fails on a time.
//   node_modules/.bin/bun scripts/bench_convergence.ts [NODES] [SEED] [START_SPREAD]
import { buildSim, randomMesh } from "../test/sim/mesh.ts";

const count = Number(process.argv[2] ?? 1000);
const seed = Number(process.argv[3] ?? 1);
const spec = randomMesh(count, Math.floor(count / 2), seed);
const t0 = performance.now();
const startSpread = Number(process.argv[4] ?? 0);
const sim = buildSim(spec, { sim: { seed, latency: 5, jitter: 3, tick: 5 }, startSpread });
const settled = sim.runUntilSettled(3000, 3_600_000);
const wall = performance.now() - t0;
let messages = 0;
let reachableEverywhere = true;
for (const node of sim.nodes.values()) {
  messages += node.engine.metaMessagesSent;
}
for (const node of [...sim.nodes.values()].slice(0, 10)) {
  const v = node.engine.view();
  if (v.nodes.length !== count || !v.nodes.every((n) => n.reachable)) reachableEverywhere = false;
}
console.log(
  JSON.stringify({
    nodes: count,
    links: spec.links.length,
    settled,
    reachableEverywhere,
    wallMs: Math.round(wall),
    simulatedMs: sim.now,
    metaMessages: messages,
    metaBytes: sim.metaBytes,
    metaDeliveries: sim.metaDeliveries,
  }),
);
