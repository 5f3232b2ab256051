/** What the `noc` tests share: a tiny interactive network to run, and NoC computed apart from the library. */
import path from 'node:path';
import { expect } from 'vitest';
import { run, TINY_NETWORK } from './capture';

/** Trains the tiny interactive network on `dataDir`'s train.txt into `snapshotDir` (`steps` updates on 32x32 crops). */
export async function trainTinyInteractive(dataDir: string, snapshotDir: string, steps: number): Promise<void> {
  const t = await run(
    'train',
    '--interactive',
    '--backend',
    'wasm',
    '--json',
    '--data-dir',
    dataDir,
    '--data-list',
    path.join(dataDir, 'train.txt'),
    '--snapshot-dir',
    snapshotDir,
    ...TINY_NETWORK,
    '--input-size',
    '32,32',
    '--batch-size',
    '2',
    '--num-steps',
    String(steps),
  );
  expect(t.code, t.err).toBe(0);
}

/** NoC, NoF and the hold-last mean-IoU curve written out from per-click IoUs, apart from the library. */
export function directNoc(ious: number[][], budget: number, t: number): { noc: number; nof: number; curve: number[] } {
  const nocs = ious.map((row) => {
    const k = row.slice(0, budget).findIndex((v) => v >= t);
    return k < 0 ? budget : k + 1;
  });
  const curve = Array.from(
    { length: budget },
    (_, k) => ious.reduce((s, row) => s + (row.length ? row[Math.min(k, row.length - 1)]! : 0), 0) / ious.length,
  );
  return { noc: nocs.reduce((a, b) => a + b, 0) / ious.length, nof: nocs.filter((n) => n === budget).length, curve };
}

/**
 * A noc result without what is measured (wall and CPU seconds, SPC: they differ run to run) and
 * without the merge's bookkeeping; per object, the counted part of its cost is kept.
 */
export function withoutTimings(result: Record<string, unknown>): Record<string, unknown> {
  const rest: Record<string, unknown> = { ...result };
  for (const key of ['seconds', 'cpuSeconds', 'secondsPerClick', 'spc', 'merged', 'shard', 'type']) delete rest[key];
  rest.instances = (result.instances as { cost: Record<string, number> }[]).map(({ cost, ...r }) => ({
    ...r,
    cost: { clicks: cost.clicks, brsSteps: cost.brsSteps, zoomedClicks: cost.zoomedClicks },
  }));
  return rest;
}
