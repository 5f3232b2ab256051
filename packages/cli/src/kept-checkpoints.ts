/**
 * What a training that fails part-way says about the checkpoints it keeps. Trainings stage
 * their snapshot directories like every output, but a run failing after a checkpoint keeps its
 * complete checkpoints (a resumable state is worth more than a clean tree, as train.py's
 * snapshots are); its one error line then says which and how to continue.
 */
import { CliError, exitCodeOf, formatError } from './errors';
import { nodeFileSystem } from './node-fs';

/**
 * Runs `work`; if it fails after a new checkpoint appeared in one of `snapshotDirs`, rethrows
 * with the checkpoint first (a long error line is cut at its end) and `resume`, the flags that
 * continue the run.
 */
export async function withKeptCheckpointHint<T>(snapshotDirs: readonly string[], resume: string, work: () => Promise<T>): Promise<T> {
  const before = await Promise.all(snapshotDirs.map(latestCheckpointName));
  try {
    return await work();
  } catch (error) {
    const after = await Promise.all(snapshotDirs.map(latestCheckpointName));
    const message = formatError(error);
    const kept = snapshotDirs.flatMap((dir, i) => {
      const name = after[i];
      // Nothing new to keep, or the error names the checkpoint already (a non-finite loss does).
      return name === undefined || name === before[i] || message.includes(name) ? [] : [`${name}, kept in ${dir}`];
    });
    if (kept.length === 0) throw error;
    throw new CliError('failed', `stopped after checkpoint ${kept.join('; ')} (continue with ${resume}): ${message}`, {
      exitCode: exitCodeOf(error),
      cause: error,
    });
  }
}

/** The name of the latest complete checkpoint in `snapshotDir` (`ckpt-<step>`), if any. */
async function latestCheckpointName(snapshotDir: string): Promise<string | undefined> {
  const { findLatestCheckpoint } = await import('@objsel/deeplab-resnet');
  return (await findLatestCheckpoint(nodeFileSystem, snapshotDir).catch(() => undefined))?.name;
}
