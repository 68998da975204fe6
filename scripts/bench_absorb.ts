// One engine learning a whole mesh: the per-node CPU cost behind mesh convergence, without the
// simulator. A node with three authenticated peers (--bypass-security) receives every subnet and
// edge of a random N-node mesh (default 1,000) as 1.0 lines, 100 to a chunk, each chunk first
// from one peer (new lines: parsed, stored, forwarded to the other two, graph run once per chunk)
// and then again from a second peer (duplicates: dropped by the past-request cache). Prints the
// median over rounds of the time per new line and per duplicate. A benchmark: it never fails on
// a time. The workload is in absorb_lines.ts; bench_absorb_tincd.ts runs it on real tincd too.
//   node_modules/.bin/bun scripts/bench_absorb.ts [NODES] [ROUNDS]
import { absorbWorkload, median, tinctAbsorbRound } from "./absorb_lines.ts";

const count = Number(process.argv[2] ?? 1000);
const rounds = Number(process.argv[3] ?? 15);
const workload = absorbWorkload(count);

const results = Array.from({ length: rounds }, () => tinctAbsorbRound(workload));
console.log(
  JSON.stringify({
    nodes: count,
    lines: workload.lines.length,
    rounds,
    reachable: results.at(-1)!.reachable,
    newLineUsMedian: Number(median(results.map((r) => r.newUs)).toFixed(2)),
    duplicateUsMedian: Number(median(results.map((r) => r.dupUs)).toFixed(2)),
    meshMsMedian: Number(
      median(results.map((r) => (r.newUs + r.dupUs) * workload.lines.length / 1000)).toFixed(1),
    ),
  }),
);
