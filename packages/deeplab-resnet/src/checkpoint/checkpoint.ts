import {
  MODEL_JSON,
  joinPath,
  listDir,
  readTextIfExists,
  tempSuffix,
  writeFileAtomic,
  writeWeightsDirWith,
  type ObjselNetworkMeta,
  type ReadableFiles,
  type WeightEntry,
  type WritableFiles,
} from '@objsel/caffe-import';
import { DeeplabError } from '../errors';
import { readWeights } from './read';

/** The index file of a snapshot directory, naming the latest complete checkpoint. */
export const CHECKPOINT_INDEX = 'checkpoint.json';
/** The trainer-state sidecar inside a checkpoint; written last, so its presence marks a complete checkpoint. */
export const TRAINER_STATE = 'trainer.json';
/** Optimiser state (accumulators), in the weights format, inside a checkpoint. */
export const OPTIMIZER_DIR = 'optimizer';
/** train.py's `max_to_keep`. */
export const DEFAULT_KEEP = 10;
/** `generatedBy` of the `model.json` files a checkpoint holds. */
const GENERATED_BY = '@objsel/deeplab-resnet';

/** Everything besides tensors that a resumed run needs (the `trainer.json` sidecar). */
export interface TrainerStateFile {
  format: 'objsel-trainer-state';
  version: 1;
  /** Updates applied when the checkpoint was taken. */
  step: number;
  /** Non-tensor optimiser state (e.g. Adam's step count) and the trainer's step. */
  optimizerScalars: Record<string, number>;
  /** Where the data stream stands (samples consumed, seed), so a resumed run sees the same batches. */
  data: Record<string, unknown>;
  /** The run's settings (trainer configuration, flags), to continue with the same ones. */
  run: Record<string, unknown>;
  /** Loss of the last update. */
  loss?: number;
  /** ISO time of the save. */
  savedAt: string;
}

/** One checkpoint: the network weights, optimiser state and trainer state. */
export interface CheckpointContents {
  /** Network weights and description (a directory `objsel infer --weights` loads). */
  network: { entries: WeightEntry[]; meta: ObjselNetworkMeta };
  /** Optimiser accumulators by name (`momentum/<var>`, `adam_m/<var>`, ...). */
  optimizer: WeightEntry[];
  state: TrainerStateFile;
}

/** What {@link findLatestCheckpoint} found. */
export interface CheckpointRef {
  /** Directory name, `ckpt-<step>`. */
  name: string;
  /** Full path. */
  path: string;
  step: number;
}

/** The `checkpoint.json` content. */
interface CheckpointIndex {
  format: 'objsel-checkpoints';
  latest: string;
  step: number;
  checkpoints: string[];
}

const NAME_RE = /^ckpt-(\d+)$/;

/** `ckpt-<step>`. */
export function checkpointName(step: number): string {
  return `ckpt-${step}`;
}

function stepOf(name: string): number | undefined {
  const m = NAME_RE.exec(name);
  return m ? Number(m[1]) : undefined;
}

async function readState(fs: ReadableFiles, dir: string): Promise<TrainerStateFile | undefined> {
  const text = await readTextIfExists(fs, joinPath(dir, TRAINER_STATE));
  if (text === undefined) return undefined;
  let state: TrainerStateFile;
  try {
    state = JSON.parse(text) as TrainerStateFile;
  } catch (error) {
    throw new DeeplabError('bad-weights', `not valid JSON (${(error as Error).message})`, {
      file: joinPath(dir, TRAINER_STATE),
      cause: error,
    });
  }
  if (state?.format !== 'objsel-trainer-state' || !Number.isSafeInteger(state.step)) {
    throw new DeeplabError('bad-weights', 'not an objsel trainer state', { file: joinPath(dir, TRAINER_STATE) });
  }
  return state;
}

/** Complete checkpoints in `snapshotDir` (those with a trainer state), oldest first. */
export async function listCheckpoints(fs: ReadableFiles, snapshotDir: string): Promise<CheckpointRef[]> {
  const found: CheckpointRef[] = [];
  for (const name of await listDir(fs, snapshotDir)) {
    const step = stepOf(name);
    if (step === undefined) continue;
    const path = joinPath(snapshotDir, name);
    if ((await readTextIfExists(fs, joinPath(path, TRAINER_STATE))) !== undefined) found.push({ name, path, step });
  }
  return found.sort((a, b) => a.step - b.step);
}

/**
 * The latest complete checkpoint: the one `checkpoint.json` names, or, when that file is missing
 * or names something incomplete, the complete `ckpt-*` directory with the highest step.
 */
export async function findLatestCheckpoint(fs: ReadableFiles, snapshotDir: string): Promise<CheckpointRef | undefined> {
  const text = await readTextIfExists(fs, joinPath(snapshotDir, CHECKPOINT_INDEX));
  if (text !== undefined) {
    try {
      const index = JSON.parse(text) as CheckpointIndex;
      const step = stepOf(index.latest);
      if (step !== undefined) {
        const path = joinPath(snapshotDir, index.latest);
        if ((await readState(fs, path)) !== undefined) return { name: index.latest, path, step };
      }
    } catch {
      // fall through to the scan
    }
  }
  const all = await listCheckpoints(fs, snapshotDir);
  return all[all.length - 1];
}

/**
 * Removes leftovers of interrupted saves (`.ckpt-*.tmp-*`, `.ckpt-*.old-*`, temporary index
 * files, and the `.ckpt-*.partial-*` staging directories of earlier versions). Safe when no
 * other process writes to `snapshotDir`.
 */
export async function cleanStaleCheckpointFiles(fs: WritableFiles, snapshotDir: string): Promise<string[]> {
  const removed: string[] = [];
  const names = await listDir(fs, snapshotDir);
  for (const name of names) {
    if (/^\.ckpt-\d+\.(partial|old)-/.test(name) || /^\..+\.tmp-/.test(name)) {
      await fs.rm(joinPath(snapshotDir, name));
      removed.push(name);
    }
  }
  // A `ckpt-*` without its trainer state, older than the latest complete checkpoint, is what an
  // earlier version's prune left when killed mid-delete: no save ever makes one (a checkpoint
  // takes its name complete), and listCheckpoints does not see it, so no later prune would.
  const latest = (await listCheckpoints(fs, snapshotDir)).at(-1);
  for (const name of names) {
    const step = stepOf(name);
    if (latest === undefined || step === undefined || step >= latest.step) continue;
    const dir = joinPath(snapshotDir, name);
    if ((await readTextIfExists(fs, joinPath(dir, TRAINER_STATE))) === undefined) {
      await discardCheckpoint(fs, snapshotDir, name);
      removed.push(name);
    }
  }
  return removed;
}

/**
 * Deletes checkpoint `name` in one step as far as any reader can tell: it is renamed to a hidden
 * temporary (`.<name>.tmp-*`) first, so a kill mid-delete leaves a leftover every later run
 * removes, never a half-deleted `ckpt-*` that looks like a checkpoint. (Not `.old-*`: that name
 * means "the only copy, moved aside", which cleanups put back.)
 */
async function discardCheckpoint(fs: WritableFiles, snapshotDir: string, name: string): Promise<void> {
  const doomed = joinPath(snapshotDir, `.${name}.tmp-${tempSuffix()}`);
  await fs.rename(joinPath(snapshotDir, name), doomed);
  await fs.rm(doomed);
}

/**
 * Saves a checkpoint as `snapshotDir/ckpt-<step>/` (model.json + shards, `optimizer/`,
 * `trainer.json`), then points `checkpoint.json` at it and keeps the newest `keep`.
 *
 * Crash-safe at every point: the checkpoint is assembled in a hidden staging directory that is
 * renamed into place only when complete, and `checkpoint.json` is replaced by rename after that;
 * an interrupted save leaves the previous checkpoint as the latest loadable one.
 *
 * @returns the checkpoint's path.
 */
export async function saveCheckpoint(
  fs: WritableFiles,
  snapshotDir: string,
  contents: CheckpointContents,
  options: { keep?: number } = {},
): Promise<string> {
  const keep = options.keep ?? DEFAULT_KEEP;
  const step = contents.state.step;
  const name = checkpointName(step);
  const target = joinPath(snapshotDir, name);
  await fs.mkdir(snapshotDir, { recursive: true });
  // caffe-import's atomic writer: assembled in `.ckpt-<step>.tmp-*`, renamed into place when complete.
  await writeWeightsDirWith(
    fs,
    target,
    contents.network.entries,
    { ...contents.network.meta, training: { step, loss: contents.state.loss } },
    {
      generatedBy: GENERATED_BY,
      beforeRename: async (stage) => {
        await writeWeightsDirWith(
          fs,
          joinPath(stage, OPTIMIZER_DIR),
          contents.optimizer,
          { ...contents.network.meta, contents: 'optimizer-state' },
          { generatedBy: GENERATED_BY },
        );
        // Last: its presence marks a complete checkpoint.
        await fs.writeFile(joinPath(stage, TRAINER_STATE), `${JSON.stringify(contents.state, null, 2)}\n`);
      },
    },
  );
  const all = await listCheckpoints(fs, snapshotDir);
  const kept = all.filter((c) => c.step <= step).slice(-keep);
  const index: CheckpointIndex = { format: 'objsel-checkpoints', latest: name, step, checkpoints: kept.map((c) => c.name) };
  await writeFileAtomic(fs, joinPath(snapshotDir, CHECKPOINT_INDEX), `${JSON.stringify(index, null, 2)}\n`);
  for (const c of all) {
    if (c.step < step && !kept.some((k) => k.name === c.name)) await discardCheckpoint(fs, snapshotDir, c.name);
  }
  return target;
}

/**
 * Loads a checkpoint directory written by {@link saveCheckpoint}.
 *
 * @throws DeeplabError `bad-weights` when it is incomplete or inconsistent.
 */
export async function loadCheckpoint(fs: ReadableFiles, path: string): Promise<CheckpointContents> {
  const state = await readState(fs, path);
  if (!state) throw new DeeplabError('bad-weights', `no ${TRAINER_STATE}: not a complete checkpoint`, { file: path });
  const network = await readWeights(fs, path);
  const optimizerDir = joinPath(path, OPTIMIZER_DIR);
  if (!(await fs.exists(joinPath(optimizerDir, MODEL_JSON)))) {
    throw new DeeplabError('bad-weights', 'optimizer state is missing', { file: optimizerDir });
  }
  const optimizer = (await readWeights(fs, optimizerDir)).entries;
  return { network: { entries: network.entries, meta: network.modelJson.objsel }, optimizer, state };
}
