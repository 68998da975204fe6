// Convergence of a large simulated mesh: N engines in one process (default 1,000), a random
// connected topology (spanning tree plus N/2 extra links), every node started within
// START_SPREAD ms (default 0: the whole mesh boots at once; with a spread, early dials find
// peers not yet listening and retry 5 s later). Events run on a 5 ms tick (a reactor wake-up
// handles everything ready; graph() runs once per wake-up). Prints the wall time until every
// ConnectTo is up and the meta traffic has been quiet for 3 s, how much of it was spent inside
// the engines (the rest is the simulator) and how much of that one node spent (median, busiest),
// the simulated time that took (and when the last meta byte moved), the meta messages sent and
// the peak RSS. Script runs are not recorded (millions of them at 1,000 nodes).
// A benchmark: it never fails on a time.
//   node_modules/.bin/bun scripts/bench_convergence.ts [NODES] [SEED] [START_SPREAD]
import { buildSim, randomMesh } from "../test/sim/mesh.ts";
import type { Engine } from "../src/core/node/engine.ts";

const count = Number(process.argv[2] ?? 1000);
const seed = Number(process.argv[3] ?? 1);
const spec = randomMesh(count, Math.floor(count / 2), seed);
const t0 = performance.now();
const startSpread = Number(process.argv[4] ?? 0);
const sim = buildSim(spec, {
  sim: { seed, latency: 5, jitter: 3, tick: 5, recordScripts: false },
  startSpread,
});

// Time spent inside the engines: every input the simulator hands over, plus what `batch` does
// besides running its inputs (graph() once per wake-up). The simulator's own work inside a batch
// (cutting and delivering meta bytes) is not counted; effects the engine calls (queueing sent
// bytes) are.
let engineMs = 0;
// The same time per node: what each node of a real mesh would spend on its own CPU.
const nodeMs = new Map<string, number>();
let peakRss = 0;
let calls = 0;
const notePeak = (): void => {
  if ((++calls & 255) === 0) peakRss = Math.max(peakRss, process.memoryUsage().rss);
};
const INPUTS = ["start", "onMetaConnected", "onMetaData", "onMetaClosed", "onUdp", "onTimer"] as const;
for (const node of sim.nodes.values()) {
  const engine = node.engine as unknown as Record<string, (...args: unknown[]) => unknown>;
  const charge = (ms: number): void => {
    engineMs += ms;
    nodeMs.set(node.name, (nodeMs.get(node.name) ?? 0) + ms);
  };
  for (const name of INPUTS satisfies ReadonlyArray<keyof Engine>) {
    const original = engine[name]!.bind(engine);
    engine[name] = (...args: unknown[]) => {
      const began = performance.now();
      try {
        return original(...args);
      } finally {
        charge(performance.now() - began);
        notePeak();
      }
    };
  }
  const batch = node.engine.batch.bind(node.engine);
  node.engine.batch = (now: number, inputs: () => void): number => {
    let inside = 0;
    const began = performance.now();
    try {
      return batch(now, () => {
        const t = performance.now();
        try {
          inputs();
        } finally {
          inside += performance.now() - t;
        }
      });
    } finally {
      charge(performance.now() - began - inside);
    }
  };
}

const settled = sim.runUntilSettled(3000, 3_600_000);
const wall = performance.now() - t0;
peakRss = Math.max(peakRss, process.memoryUsage().rss);
let messages = 0;
let reachableEverywhere = true;
for (const node of sim.nodes.values()) {
  messages += node.engine.metaMessagesSent;
}
for (const node of [...sim.nodes.values()].slice(0, 10)) {
  const v = node.engine.view();
  if (v.nodes.length !== count || !v.nodes.every((n) => n.reachable)) reachableEverywhere = false;
}
const perNode = [...nodeMs.values()].sort((a, b) => a - b);
console.log(
  JSON.stringify({
    nodes: count,
    links: spec.links.length,
    settled,
    reachableEverywhere,
    wallMs: Math.round(wall),
    engineMs: Math.round(engineMs),
    simMs: Math.round(wall - engineMs),
    simulatedMs: sim.now,
    // Simulated time of the last meta byte: how long the mesh took to converge on the simulated
    // network (5 ± 3 ms links), as opposed to the CPU time all 1,000 engines needed in one process.
    lastMetaAtMs: sim.lastMetaAt,
    metaMessages: messages,
    metaBytes: sim.metaBytes,
    metaDeliveries: sim.metaDeliveries,
    peakRssMB: Math.round(peakRss / 2 ** 20),
    // CPU one node spent in its engine until the mesh settled (median and the busiest node):
    // on real hosts each node pays only its own share, beside the network time above.
    nodeEngineMsMedian: Number(perNode[perNode.length >> 1]!.toFixed(1)),
    nodeEngineMsMax: Number(perNode.at(-1)!.toFixed(1)),
  }),
);
