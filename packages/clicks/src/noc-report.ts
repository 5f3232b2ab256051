/**
 * A NoC run's report as a pure function of its per-object results, so a run made in one process,
 * in `--shard`s or as queue jobs reports the same figures: the objects' results are all it needs
 * (their order included), and the time an object cost travels with it.
 */
import type { Click } from './types';

/** Per-object result of {@link evaluateNoc}. */
export interface NocInstanceResult {
  id: string;
  /** Per threshold: clicks needed (the budget if failed). */
  noc: number[];
  reached: boolean[];
  ious: number[];
  clicks: Click[];
}

/** The result of {@link evaluateNoc}. */
export interface NocReport {
  thresholds: number[];
  maxClicks: number;
  /** Objects evaluated. */
  count: number;
  /** Mean NoC per threshold, keyed `NoC@85`, `NoC@90`, ... */
  meanNoc: Record<string, number>;
  /** Objects that never reached the threshold, keyed like `meanNoc`. */
  failures: Record<string, number>;
  /** Mean IoU after k + 1 clicks over all objects (an object that stopped keeps its last IoU). */
  meanIouPerClick: number[];
  instances: NocInstanceResult[];
}

/** The report key of a threshold: 0.85 gives `NoC@85`, 0.875 gives `NoC@87.5`. */
export function nocKey(threshold: number): string {
  return `NoC@${Number((threshold * 100).toFixed(2))}`;
}

/** Mean NoC, failures and the mean-IoU-per-click curve of per-object results, in their order. */
export function nocReport(instances: readonly NocInstanceResult[], thresholds: readonly number[], maxClicks: number): NocReport {
  const keys = thresholds.map(nocKey);
  const count = instances.length;
  const sums = thresholds.map((_, k) => instances.reduce((s, r) => s + r.noc[k]!, 0));
  const curveLength = Math.max(0, ...instances.map((r) => r.ious.length));
  const meanIouPerClick = Array.from({ length: curveLength }, (_, k) => {
    let sum = 0;
    for (const r of instances) sum += r.ious.length === 0 ? 0 : r.ious[Math.min(k, r.ious.length - 1)]!;
    return count ? sum / count : 0;
  });
  return {
    thresholds: [...thresholds],
    maxClicks,
    count,
    meanNoc: Object.fromEntries(keys.map((key, k) => [key, count ? sums[k]! / count : 0])),
    failures: Object.fromEntries(keys.map((key, k) => [key, instances.filter((r) => !r.reached[k]).length])),
    meanIouPerClick,
    instances: [...instances],
  };
}

/** What one object of a NoC run cost: wall and CPU seconds from the previous object's end to its own, and its clicks' parts. */
export interface NocObjectCost {
  seconds: number;
  cpuSeconds: number;
  /** Predictions made (clicks). */
  clicks: number;
  /** Seconds in the network (input, forward pass, f-BRS, ZoomIn's crop and paste). */
  networkSeconds: number;
  /** Seconds in the refinement (threshold, graph cut, CRF). */
  refinementSeconds: number;
  /** f-BRS steps. */
  brsSteps: number;
  /** Clicks whose network ran on a ZoomIn crop. */
  zoomedClicks: number;
}

/** An object's result with what it cost: a run's per-object entry (what `--json` prints and shards merge). */
export interface NocObjectEntry extends NocInstanceResult {
  cost: NocObjectCost;
}

/** The time figures of a run: its objects' costs summed (shards count as if run one after another). */
export interface NocRunCost {
  seconds: number;
  cpuSeconds: number;
  /** Mean seconds per click. */
  secondsPerClick: number;
  /** Mean f-BRS steps per click. */
  meanBrsSteps: number;
  /** Wall seconds per click (RITM's SPC) and its parts: network, refinement and the rest. */
  spc: { total: number; network: number; refinement: number; other: number };
  zoomedClicks: number;
}

/** See {@link NocRunCost}. */
export function nocRunCost(costs: readonly NocObjectCost[]): NocRunCost {
  const sum = (f: (c: NocObjectCost) => number) => costs.reduce((s, c) => s + f(c), 0);
  const clicks = sum((c) => c.clicks);
  const seconds = sum((c) => c.seconds);
  const network = sum((c) => c.networkSeconds);
  const refinement = sum((c) => c.refinementSeconds);
  const per = (v: number) => (clicks ? v / clicks : 0);
  return {
    seconds,
    cpuSeconds: sum((c) => c.cpuSeconds),
    secondsPerClick: per(seconds),
    meanBrsSteps: per(sum((c) => c.brsSteps)),
    spc: {
      total: per(seconds),
      network: per(network),
      refinement: per(refinement),
      other: per(Math.max(0, seconds - network - refinement)),
    },
    zoomedClicks: sum((c) => c.zoomedClicks),
  };
}

/** What one click cost beyond its wall time (a classic method reports none of it). */
export interface NocClickCost {
  networkSeconds?: number;
  refinementSeconds?: number;
  brsSteps?: number;
  zoomed?: boolean;
}

/** Measures each object's {@link NocObjectCost} as a run goes: `click` per prediction, `objectDone` as each object ends. */
export function nocCostMeter(cpuSeconds: () => number): { click(cost?: NocClickCost): void; objectDone(): NocObjectCost } {
  let wall = performance.now();
  let cpu = cpuSeconds();
  const fresh = () => ({ clicks: 0, networkSeconds: 0, refinementSeconds: 0, brsSteps: 0, zoomedClicks: 0 });
  let parts = fresh();
  return {
    click(cost = {}) {
      parts.clicks++;
      parts.networkSeconds += cost.networkSeconds ?? 0;
      parts.refinementSeconds += cost.refinementSeconds ?? 0;
      parts.brsSteps += cost.brsSteps ?? 0;
      if (cost.zoomed) parts.zoomedClicks++;
    },
    objectDone() {
      const now = performance.now();
      const cpuNow = cpuSeconds();
      const cost = { seconds: (now - wall) / 1000, cpuSeconds: cpuNow - cpu, ...parts };
      wall = now;
      cpu = cpuNow;
      parts = fresh();
      return cost;
    },
  };
}
