// Partition and heal: each side sees exactly the other side go unreachable (host-down and
// subnet-down once per node and subnet, from the scripts the engines ran); healing brings
// back the first state and runs host-up/subnet-up once per node and subnet.
import { beforeAll, describe, expect, test } from "bun:test";
import { formatSubnet } from "../../src/core/subnet/subnet_text.ts";
import { buildSim, type MeshSpec, randomMesh } from "./mesh.ts";
import type { ScriptRun, Simulator } from "./sim.ts";

const HALF = 20;
let spec: MeshSpec;
let sim: Simulator;
let side: (name: string) => number;
let before: Map<string, unknown>;

function state(s: Simulator): Map<string, unknown> {
  const out = new Map<string, unknown>();
  for (const [name, node] of s.nodes) {
    const v = node.engine.view();
    out.set(name, { nodes: v.nodes, edges: v.edges, subnets: v.subnets });
  }
  return out;
}

function scriptsSince(s: Simulator, t: number): ScriptRun[] {
  return [...s.nodes.values()].flatMap((n) => n.scripts.filter((r) => r.time >= t));
}

/** Counts of `script NODE` (and `script NODE SUBNET`) runs per observing node. */
function tally(runs: ScriptRun[], script: string): Map<string, number> {
  const m = new Map<string, number>();
  for (const r of runs) {
    if (r.name !== script) continue;
    const key = `${r.node} ${r.env.NODE}${r.env.SUBNET !== undefined ? " " + r.env.SUBNET : ""}`;
    m.set(key, (m.get(key) ?? 0) + 1);
  }
  return m;
}

function expectedTally(observers: string[], subjects: (observer: string) => string[], withSubnets: boolean) {
  const m = new Map<string, number>();
  for (const o of observers) {
    for (const n of subjects(o)) {
      if (!withSubnets) m.set(`${o} ${n}`, 1);
      else for (const s of spec.subnets.get(n)!) m.set(`${o} ${n} ${formatSubnet(s).replace(/#.*$/, "")}`, 1);
    }
  }
  return m;
}

beforeAll(() => {
  const a = randomMesh(HALF, 6, 11, 0);
  const b = randomMesh(HALF, 6, 12, HALF);
  const bridges = [
    { a: a.names[3]!, b: b.names[5]!, weightAB: 40, weightBA: 20 },
    { a: b.names[11]!, b: a.names[17]!, weightAB: 7, weightBA: 9 },
    { a: a.names[0]!, b: b.names[0]!, weightAB: 60, weightBA: 61 },
  ];
  spec = {
    names: [...a.names, ...b.names],
    links: [...a.links, ...b.links, ...bridges],
    subnets: new Map([...a.subnets, ...b.subnets]),
    ip: new Map([...a.ip, ...b.ip]),
  };
  const sideA = new Set(a.names);
  side = (name) => (sideA.has(name) ? 0 : 1);
  sim = buildSim(spec, { sim: { seed: 5, maxChunk: 64, jitter: 2 }, config: { maxTimeout: 30 } });
  expect(sim.runUntilSettled(3000, 300_000)).toBe(true);
  before = state(sim);
});

describe("partition and heal", () => {
  test("the mesh first converges to one fully reachable picture", () => {
    for (const node of sim.nodes.values()) {
      const v = node.engine.view();
      expect(v.nodes.length).toBe(2 * HALF);
      expect(v.nodes.every((n) => n.reachable)).toBe(true);
    }
  });

  test("each side sees exactly the other side unreachable, with scripts once each", () => {
    const t = sim.now;
    sim.partition(side);
    sim.runUntil(t + 200_000);
    for (const [name, node] of sim.nodes) {
      const v = node.engine.view();
      const reachable = v.nodes.filter((n) => n.reachable).map((n) => n.name);
      expect({ name, reachable }).toEqual({
        name,
        reachable: spec.names.filter((n) => side(n) === side(name)),
      });
      expect(v.nodes.length).toBe(2 * HALF);
    }
    const runs = scriptsSince(sim, t);
    const other = (o: string) => spec.names.filter((n) => side(n) !== side(o));
    expect(tally(runs, "host-down")).toEqual(expectedTally(spec.names, other, false));
    expect(tally(runs, "subnet-down")).toEqual(expectedTally(spec.names, other, true));
    expect(tally(runs, "host-up").size).toBe(0);
    expect(tally(runs, "subnet-up").size).toBe(0);
    // hosts/NAME-down accompanies host-down, with the same environment.
    const perHost = runs.filter((r) => r.name.startsWith("hosts/") && r.name.endsWith("-down"));
    expect(perHost.length).toBe(2 * HALF * HALF);
  });

  test("healing restores the first state", () => {
    const t = sim.now;
    sim.heal();
    expect(sim.runUntilSettled(5000, t + 300_000)).toBe(true);
    expect(state(sim)).toEqual(before);
    const runs = scriptsSince(sim, t);
    const other = (o: string) => spec.names.filter((n) => side(n) !== side(o));
    expect(tally(runs, "host-up")).toEqual(expectedTally(spec.names, other, false));
    expect(tally(runs, "subnet-up")).toEqual(expectedTally(spec.names, other, true));
    expect(tally(runs, "host-down").size).toBe(0);
  });
});
