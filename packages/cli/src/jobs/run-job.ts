/**
 * A command's run in this process: its items (or its `--shard` of them) through the job kind's
 * `runItems`, then its summary printed as the command always printed it. A shard's result line
 * also says which shard it is and carries what `objsel merge` needs.
 */
import type { CliContext } from '../context';
import type { AnyJobKind } from './job-kind';
import { SegmenterPool } from './segmenter-pool';
import { type Shard, shardItems } from './shard';

/** Runs `items` (the shard's share of them) with `settings` and prints the command's result. */
export async function runJob<S, I>(
  ctx: CliContext,
  kind: AnyJobKind,
  settings: S,
  listItems: readonly I[] | (() => Promise<readonly I[]>),
  shard?: Shard,
  /** Networks the command opened already (it checks the weights before reading its list); disposed here. */
  networks: SegmenterPool = new SegmenterPool(),
): Promise<void> {
  try {
    const items = typeof listItems === 'function' ? await listItems() : listItems;
    const share = shardItems(items, shard);
    const { results, meta } = await kind.runItems(settings, share.items, { ctx, networks, onProgress: ctx.onProgress });
    const summary = await kind.summarise(settings, results, meta);
    printOutcome(ctx, kind, shard ? { ...summary, shard: { ...shard, items: share.range, of: items.length } } : summary);
  } finally {
    await networks.dispose();
  }
}

/** Prints a summary as the command's result (JSON line or its human report). */
export function printOutcome(ctx: CliContext, kind: AnyJobKind, summary: Record<string, unknown>): void {
  ctx.result(summary, () => kind.format(summary));
}
