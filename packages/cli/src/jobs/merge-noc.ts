/**
 * `objsel merge noc RESULT...`: the shards' `--json` result lines (or run directories) carry
 * every object's entry; their entries, in shard order, summarised by the same function a run in
 * one process reports with ({@link nocSummary}): the same NoC, failures and curves, timings summed.
 */
import type { NocObjectEntry } from '@objsel/clicks';
import { CliError } from '../errors';
import { readPart, shardSeen } from './merge-results';
import { nocSummary } from './noc-job';

/** What must agree between the parts for their objects to be one run. */
const SAME = ['method', 'refine', 'brs', 'clickConsistent', 'maxClicks', 'thresholds', 'dataset', 'weights'] as const;

/** Merges noc results: their objects' entries in shard order, summarised as one run. */
export async function mergeNoc(files: readonly string[]): Promise<Record<string, unknown>> {
  const parts = await Promise.all(files.map(readPart));
  const seen = new Set<string>();
  parts.forEach((p, k) => {
    if (!Array.isArray(p.instances) || !Array.isArray(p.thresholds) || !p.instances.every((r) => r?.cost))
      throw new CliError('usage', 'not a noc result with per-object entries (instances with their cost)', { file: files[k] });
    shardSeen(seen, p, files[k], 'objects');
    for (const key of SAME)
      if (JSON.stringify(p[key]) !== JSON.stringify(parts[0]![key]))
        throw new CliError(
          'usage',
          `cannot merge noc results made with different ${key} (${JSON.stringify(parts[0]![key])} and ${JSON.stringify(p[key])})`,
          {
            file: files[k],
          },
        );
  });
  // Shards in their order (a run directory or an unsharded result keeps its place).
  const order = parts.map((p, k) => ({ p, k, index: (p.shard as { index?: number } | undefined)?.index ?? k }));
  order.sort((a, b) => a.index - b.index || a.k - b.k);
  const entries = order.flatMap(({ p }) => p.instances as NocObjectEntry[]);
  const ids = new Set<string>();
  for (const e of entries) {
    if (ids.has(e.id)) throw new CliError('usage', `object ${e.id} is in two of the results: it would count twice`);
    ids.add(e.id);
  }
  const first = parts[0]!;
  const merged = await nocSummary(
    {
      method: (first.method ?? 'network') as never,
      iou: first.thresholds as number[],
      maxClicks: first.maxClicks as number,
      clickConsistent: Boolean(first.clickConsistent),
      predictor: { refine: first.refine as never },
      brs: first.brs ? {} : undefined,
      ...(typeof first.weights === 'string' ? { weights: first.weights } : {}),
    },
    entries,
    { backend: first.backend },
  );
  return { ...merged, merged: files.length };
}
