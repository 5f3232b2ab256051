/**
 * Runs a training from parsed flags with the CLI's file system, progress and messages, and
 * prints its summary: `train`, `fine-tune` and `train --interactive`.
 */
import type { TrainSummary } from '@objsel/deeplab-resnet/train';
import type { Command } from 'commander';
import type { CliContext } from './context';
import { CliError, exitCodeOf, formatError } from './errors';
import { interactiveOptionsFromFlags, type RawInteractiveFlags } from './interactive-train-flags';
import { nodeFileSystem } from './node-fs';
import { trainOptionsFromFlags, type RawTrainFlags } from './train-flags';
import { type StagedOutputs, withStagedOutputs } from './staged-outputs';

/** Human summary of a run; `unit` is what the throughput counts (`images`, or `samples` for interactive training). */
export function formatTrainSummary(
  summary: Pick<TrainSummary, 'stepsThisRun' | 'seconds' | 'imagesPerSecond' | 'steps' | 'loss' | 'resumedFrom' | 'checkpoint'>,
  snapshotDir: string,
  unit = 'images',
): string {
  return [
    `${summary.stepsThisRun} update(s) in ${summary.seconds.toFixed(1)} s (${summary.imagesPerSecond.toFixed(2)} ${unit}/s); step ${summary.steps}, loss ${summary.loss.toFixed(4)}`,
    summary.resumedFrom ? `resumed from ${summary.resumedFrom}` : undefined,
    `last checkpoint: ${summary.checkpoint}`,
    `metrics: ${snapshotDir}/metrics.jsonl, pictures: ${snapshotDir}/images/, curve: ${snapshotDir}/curve.svg`,
  ]
    .filter(Boolean)
    .join('\n');
}

/** Runs `train` or `fine-tune` with parsed flags: loads the backend, trains, prints the summary. */
export async function runTrainCommand(ctx: CliContext, flags: RawTrainFlags, mode: 'train' | 'fine-tune'): Promise<void> {
  const options = trainOptionsFromFlags(flags, mode);
  const backend = await ctx.useBackend();
  const { train } = await import('@objsel/deeplab-resnet/train');
  const summary = await trainKeepingCheckpoints(options.snapshotDir, () =>
    train({ ...options, fs: nodeFileSystem, onProgress: ctx.onProgress, onInfo: (m) => ctx.info(m) }),
  );
  summary.network.dispose();
  const { network: _network, ...rest } = summary;
  ctx.result({ ...rest, backend, snapshotDir: options.snapshotDir }, () => formatTrainSummary(rest, options.snapshotDir));
}

/** `objsel train --interactive`: the interactive network (Xu et al. 2016). */
export async function runInteractiveTrain(ctx: CliContext, flags: RawInteractiveFlags, cmd?: Command): Promise<void> {
  const { options } = interactiveOptionsFromFlags(flags, cmd);
  const backend = await ctx.useBackend();
  const { trainInteractive } = await import('@objsel/deeplab-resnet/interactive');
  const summary = await trainKeepingCheckpoints(options.snapshotDir, () =>
    trainInteractive({
      ...options,
      fs: nodeFileSystem,
      onProgress: ctx.onProgress,
      onInfo: (m) => ctx.info(m),
      onWarn: (m) => ctx.warn(m),
    }),
  );
  summary.network.dispose();
  const { network: _network, ...rest } = summary;
  ctx.result({ ...rest, backend, snapshotDir: options.snapshotDir, interactive: true }, () =>
    formatTrainSummary(rest, options.snapshotDir, 'samples'),
  );
}

/**
 * Runs a training into `snapshotDir` through staged outputs. A run failing before its first
 * checkpoint leaves nothing it created; one failing later keeps its last complete checkpoint (a
 * resumable state is worth more than a clean tree, as train.py's snapshots are), and its error
 * line says where that is and how to resume.
 */
async function trainKeepingCheckpoints<T>(snapshotDir: string, work: (out: StagedOutputs) => Promise<T>): Promise<T> {
  const before = await latestCheckpointName(snapshotDir);
  try {
    return await withStagedOutputs([snapshotDir], async (out) => {
      await out.mkdir(snapshotDir, { discardUnless: 'checkpoint.json' });
      return work(out);
    });
  } catch (error) {
    const after = await latestCheckpointName(snapshotDir);
    const message = formatError(error);
    // Nothing new to keep, or the error names the checkpoint already (a non-finite loss does).
    if (after === undefined || after === before || message.includes(after)) throw error;
    throw new CliError(
      'failed',
      // The checkpoint first: a long error message is cut at the end of the line.
      `stopped after checkpoint ${after}, kept in ${snapshotDir} (continue with --resume --snapshot-dir ${snapshotDir}): ${message}`,
      { exitCode: exitCodeOf(error), cause: error },
    );
  }
}

/** The name of the latest complete checkpoint in `snapshotDir` (`ckpt-<step>`), if any. */
async function latestCheckpointName(snapshotDir: string): Promise<string | undefined> {
  const { findLatestCheckpoint } = await import('@objsel/deeplab-resnet');
  return (await findLatestCheckpoint(nodeFileSystem, snapshotDir).catch(() => undefined))?.name;
}
