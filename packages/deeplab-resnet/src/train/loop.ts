import * as tf from '@tensorflow/tfjs-core';
import type { ObjselNetworkMeta, WeightEntry } from '@objsel/caffe-import';
import { DeeplabError } from '../errors';
import {
  cleanStaleCheckpointFiles,
  findLatestCheckpoint,
  loadCheckpoint,
  saveCheckpoint,
  type CheckpointContents,
  type TrainerStateFile,
} from '../checkpoint/checkpoint';
import { joinPath, writeFileAtomic, type WritableFiles } from '@objsel/caffe-import';
import { truncateMetricsLog, type MetricsLine } from './metrics-log';
import { trainingCurveSvg, type CurvePoint } from './pictures';
import type { OnProgress } from '../progress';

/** The optimiser state of a trainer, as a checkpoint stores it. */
export interface TrainerState {
  entries: WeightEntry[];
  scalars: Record<string, number>;
}

/** What the loop reads of one update. */
export interface LoopStepResult {
  /** Updates applied so far (this stage's, for a DCSP stage), this one included. */
  step: number;
  /** The whole loss of the update. */
  loss: number;
  /** The L2 part of `loss`. */
  l2: number;
  /** The base learning rate used. */
  learningRate: number;
  /** Images that went through the network. */
  images: number;
}

/**
 * What the loop needs of a trainer. `Trainer`, `InteractiveTrainer` and dcsp's `StageTrainer`
 * satisfy it as they are (each reads the picture option it knows: `predictions` or `keepLogits`).
 */
export interface LoopTrainer<B, R extends LoopStepResult = LoopStepResult> {
  /** Updates applied so far. */
  readonly step: number;
  /**
   * One update. At picture points the loop asks for `predictions` images of the batch
   * (`keepLogits` is `predictions > 0`); otherwise for none. A NaN or infinite loss throws
   * `non-finite-loss` before anything changes.
   */
  trainStep(batch: B, options: { predictions: number; keepLogits: boolean }): Promise<R>;
  /** Optimiser state and update counter (`scalars.step`), for a checkpoint. */
  state(): Promise<TrainerState>;
  /** Restores what {@link state} returned. */
  loadState(state: TrainerState): void;
  /** Frees the optimiser state (not the network). */
  dispose(): void;
}

/** A data stream in a reproducible order, restartable from a position. */
export interface LoopFeed<B> {
  /** The next batch (one update's worth). */
  next(): Promise<B>;
  /** Samples handed out so far: checkpoints record it as `data.samples`. */
  readonly position: number;
}

/** A feed whose batch is `count` batches of `feed` (an update that averages the gradients of several, Caffe's `iter_size`). */
export function groupBatches<B>(feed: LoopFeed<B>, count: number): LoopFeed<B[]> {
  return {
    get position() {
      return feed.position;
    },
    async next() {
      const batches: B[] = [];
      for (let k = 0; k < count; k++) batches.push(await feed.next());
      return batches;
    },
  };
}

/** The network as a checkpoint saves it. */
export interface SavableNetwork {
  toWeightEntries(): Promise<WeightEntry[]>;
  meta(): ObjselNetworkMeta;
}

/**
 * The settings the loop itself reads; a run records these together with everything else that
 * shapes its outputs (the trainer configuration, the data flags) in every checkpoint's
 * `trainer.json` (`run`), and a resumed run continues with the saved ones.
 */
export interface LoopSettings {
  /** What kind of run this is (`segmentation`, `interactive`, `dcsp`); resume refuses a checkpoint of another kind. */
  kind: string;
  /** The trainer configuration; `numSteps` is the number of updates of the run (of the stage, for DCSP). */
  trainer: { numSteps: number };
  /** Checkpoint and pictures every this many updates (the last update always saves). */
  savePredEvery: number;
  /** Images in each picture strip. */
  saveNumImages: number;
  /** Checkpoints kept. */
  keep: number;
}

/** What {@link runTrainingLoop}'s `start` is given. */
export interface LoopStart<S extends LoopSettings> {
  /** The run's settings: as given, or on resume the saved ones (with the given `numSteps`). */
  settings: S;
  /** The checkpoint resumed from: build the network from its weights (the loop restores the optimiser itself). */
  checkpoint?: CheckpointContents;
  /** Where the data stream stands: 0, or the resumed checkpoint's `data.samples`. */
  samples: number;
}

/** What `start` builds. */
export interface LoopParts<B, R extends LoopStepResult> {
  network: SavableNetwork;
  trainer: LoopTrainer<B, R>;
  feed: LoopFeed<B>;
}

/** Options of {@link runTrainingLoop}. */
export interface TrainingLoopOptions<B, R extends LoopStepResult, S extends LoopSettings> {
  /**
   * File access and the snapshot directory: checkpoints `ckpt-<step>/`, `checkpoint.json`,
   * `metrics.jsonl`, `curve.svg` and `images/`. Without it nothing is written (and nothing resumes).
   */
  output?: { fs: WritableFiles; snapshotDir: string };
  /** Continue from the latest checkpoint of the snapshot directory. */
  resume?: boolean;
  /** The run's settings (a new run's; on resume the saved ones replace them). */
  settings: S;
  /**
   * Updates of the run, when given: replaces `settings.trainer.numSteps`, also on resume (the one
   * saved setting that may change, e.g. raised to continue a finished run).
   */
  numSteps?: number;
  /**
   * Reads the `run` record of a checkpoint into settings (e.g. filling fields added since it was
   * written with their defaults); by default it is taken as it is.
   */
  restoreSettings?: (saved: Record<string, unknown>) => S;
  /** Builds the network, the trainer and the data stream from the settings and the checkpoint, if any. */
  start(run: LoopStart<S>): Promise<LoopParts<B, R>> | LoopParts<B, R>;
  /** The picture strip of a picture point's batch and update, as PNG bytes (or nothing). */
  picture?: (batch: B, result: R) => Promise<Uint8Array | undefined> | Uint8Array | undefined;
  /** Figures of an update logged after the standard ones (metrics.jsonl, progress), e.g. `crossEntropy`. */
  extraMetrics?: (result: R) => Record<string, number | undefined>;
  /** Fields a checkpoint records besides `data.samples`, e.g. the seed. */
  dataInfo?: () => Record<string, unknown>;
  /**
   * Added to the trainer's step in checkpoint names, `trainer.json` and `metrics.jsonl` (a DCSP
   * segmentation stage continues the global step of the stages before it). Default 0.
   */
  stepOffset?: number;
  /** The `task` of progress events (`train`, `fine-tune`, `train-interactive`). */
  task: string;
  /** Title of `curve.svg`. */
  title: string;
  /** The advice appended to a non-finite-loss error, e.g. `try a lower --learning-rate`. */
  nanHint: string;
  onProgress?: OnProgress;
  onInfo?: (message: string) => void;
}

/** What {@link runTrainingLoop} did. */
export interface LoopSummary<R extends LoopStepResult, S extends LoopSettings> {
  /** Updates applied in all (including those before a resume; the trainer's count, without `stepOffset`). */
  steps: number;
  /** Updates applied by this call. */
  stepsThisRun: number;
  /** Loss of the first update of this call. */
  firstLoss?: number;
  /** Loss of the last update (of the resumed checkpoint when this call applied none), else NaN. */
  loss: number;
  /** The last update of this call. */
  last?: R;
  /** Wall time of this call in seconds. */
  seconds: number;
  /** Training throughput of this call. */
  imagesPerSecond: number;
  /** The last checkpoint written (or resumed from); empty when none. */
  checkpoint: string;
  /** The checkpoint this call resumed from, if any. */
  resumedFrom?: string;
  /** The settings the run used (the saved ones on resume). */
  settings: S;
}

const article = (word: string) => (/^[aeiou]/i.test(word) ? `an ${word}` : `a ${word}`);

/**
 * The one training loop of objsel (train, fine-tune, the interactive network and each DCSP
 * stage). Around the trainer's updates it does what train.py's loop and its checkpointing do,
 * crash-safe:
 *
 * - removes leftovers of interrupted saves in the snapshot directory;
 * - with `resume`, finds the latest checkpoint, checks that it is of the same kind of run, and
 *   restores the weights (through `start`), the optimiser state, the step, the data position
 *   and the saved settings (only `trainer.numSteps` may change), so the run ends as an
 *   uninterrupted one would;
 * - logs one `metrics.jsonl` line per update (on resume, lines after the checkpoint are
 *   dropped: the resumed run repeats those updates), redraws `curve.svg` and writes a picture
 *   strip `images/step-<n>.png` at each picture point, and reports progress;
 * - at every `savePredEvery`-th update and the last one, writes a checkpoint atomically and
 *   keeps the newest `keep`;
 * - stops on a NaN or infinite loss (or weights) with a `non-finite-loss` error naming the last
 *   good checkpoint; nothing is written for the bad update.
 *
 * The trainer is disposed at the end; the network (built by `start`) stays the caller's, also
 * on error.
 */
export async function runTrainingLoop<B, R extends LoopStepResult, S extends LoopSettings>(
  options: TrainingLoopOptions<B, R, S>,
): Promise<LoopSummary<R, S>> {
  const started = performance.now();
  const info = options.onInfo ?? (() => undefined);
  const out = options.output;
  const offset = options.stepOffset ?? 0;
  if (out) {
    await out.fs.mkdir(out.snapshotDir, { recursive: true });
    const stale = await cleanStaleCheckpointFiles(out.fs, out.snapshotDir);
    if (stale.length) info(`removed ${stale.length} leftover(s) of an interrupted save in ${out.snapshotDir}`);
  }

  const given = options.numSteps;
  let settings: S =
    given === undefined ? options.settings : { ...options.settings, trainer: { ...options.settings.trainer, numSteps: given } };
  let checkpoint: CheckpointContents | undefined;
  let resumedFrom: string | undefined;
  const latest = options.resume && out ? await findLatestCheckpoint(out.fs, out.snapshotDir) : undefined;
  if (options.resume && out && !latest) info(`no checkpoint in ${out.snapshotDir} to resume from: starting a new run`);
  if (out && latest) {
    checkpoint = await loadCheckpoint(out.fs, latest.path);
    const record = checkpoint.state.run;
    const saved = options.restoreSettings ? options.restoreSettings(record) : (record as unknown as S);
    if (saved?.kind !== settings.kind)
      throw new DeeplabError('bad-config', `the latest checkpoint is not of ${article(settings.kind)} run`, { file: latest.path });
    settings = {
      ...saved,
      trainer: { ...saved.trainer, numSteps: given ?? saved.trainer.numSteps },
      // Checkpoints written before `keep` was recorded keep what this call asks for.
      keep: typeof saved.keep === 'number' ? saved.keep : settings.keep,
    };
    resumedFrom = latest.path;
    info(`resuming from ${latest.path} (step ${latest.step})`);
  }
  const samples = checkpoint ? Number((checkpoint.state.data as { samples?: number }).samples ?? 0) : 0;
  const { network, trainer, feed } = await options.start({ settings, ...(checkpoint ? { checkpoint } : {}), samples });
  try {
    if (checkpoint) {
      trainer.loadState({ entries: checkpoint.optimizer, scalars: checkpoint.state.optimizerScalars });
      if (trainer.step + offset !== checkpoint.state.step)
        throw new DeeplabError(
          'bad-weights',
          `the checkpoint is of step ${checkpoint.state.step}, its optimiser state of ${trainer.step}`,
          {
            file: resumedFrom,
          },
        );
    }
    const numSteps = settings.trainer.numSteps;
    const { savePredEvery, saveNumImages, keep } = settings;
    const metricsFile = out ? joinPath(out.snapshotDir, 'metrics.jsonl') : '';
    let curve: CurvePoint[] = [];
    if (out) {
      // A resumed run repeats the updates logged after its checkpoint; a later DCSP stage keeps the earlier stages' lines.
      if (checkpoint || offset > 0) curve = await truncateMetricsLog(out.fs, metricsFile, offset + trainer.step);
      else await out.fs.writeFile(metricsFile, '');
      if (options.picture) await out.fs.mkdir(joinPath(out.snapshotDir, 'images'), { recursive: true });
    }

    const startStep = trainer.step;
    let lastCheckpoint = resumedFrom ?? '';
    let first: R | undefined;
    let last: R | undefined;
    let images = 0;
    const loopStart = performance.now();
    if (trainer.step >= numSteps && numSteps > 0) info(`already at step ${trainer.step} of ${numSteps}: nothing to do`);

    const kept = (none: string) => (lastCheckpoint ? `the last good checkpoint is ${lastCheckpoint}` : none);

    const save = async (loss: number | undefined): Promise<void> => {
      if (!out) return;
      const optimizerState = await trainer.state();
      const step = offset + trainer.step;
      const state: TrainerStateFile = {
        format: 'objsel-trainer-state',
        version: 1,
        step,
        optimizerScalars: optimizerState.scalars,
        data: { samples: feed.position, ...options.dataInfo?.() },
        run: settings as unknown as Record<string, unknown>,
        ...(loss === undefined ? {} : { loss }),
        savedAt: new Date().toISOString(),
      };
      const weights = await network.toWeightEntries();
      const broken = weights.find((e) => !e.data.every(Number.isFinite));
      if (broken) {
        throw new DeeplabError(
          'non-finite-loss',
          `weights became NaN or infinite at step ${step}; training stopped, ${kept('no checkpoint was written')} (${options.nanHint})`,
          { where: broken.name },
        );
      }
      lastCheckpoint = await saveCheckpoint(
        out.fs,
        out.snapshotDir,
        { network: { entries: weights, meta: network.meta() }, optimizer: optimizerState.entries, state },
        { keep },
      );
    };

    // A stage of no updates still records where it stands (DCSP's stage-end checkpoint).
    if (numSteps === 0 && !checkpoint) await save(undefined);

    while (trainer.step < numSteps) {
      const batch = await feed.next();
      const upcoming = trainer.step + 1;
      const savePoint = upcoming % savePredEvery === 0 || upcoming === numSteps;
      const predictions = savePoint ? saveNumImages : 0;
      const t0 = performance.now();
      let result: R;
      try {
        result = await trainer.trainStep(batch, { predictions, keepLogits: predictions > 0 });
      } catch (error) {
        if (error instanceof DeeplabError && error.code === 'non-finite-loss') {
          const message = `${error.message}; training stopped, ${kept('no checkpoint was written yet')} (${options.nanHint})`;
          throw new DeeplabError('non-finite-loss', message, { cause: error });
        }
        throw error;
      }
      const seconds = (performance.now() - t0) / 1000;
      first ??= result;
      last = result;
      images += result.images;
      const imagesPerSecond = result.images / seconds;
      const extra = Object.fromEntries(
        Object.entries(options.extraMetrics?.(result) ?? {}).filter((e): e is [string, number] => e[1] !== undefined),
      );
      const step = offset + result.step;
      if (out) {
        const line: MetricsLine = {
          step,
          loss: result.loss,
          l2: result.l2,
          lr: result.learningRate,
          seconds,
          imagesPerSecond,
          tensors: tf.memory().numTensors,
          time: new Date().toISOString(),
        };
        await out.fs.appendFile(metricsFile, `${JSON.stringify({ ...line, ...extra })}\n`);
      }
      curve.push({ step, loss: result.loss, learningRate: result.learningRate });
      options.onProgress?.({
        task: options.task,
        done: result.step,
        total: numSteps,
        metrics: { loss: result.loss, ...extra, lr: result.learningRate, stepTime: seconds, imagesPerSec: imagesPerSecond },
      });
      if (savePoint && out) {
        const png = predictions > 0 && options.picture ? await options.picture(batch, result) : undefined;
        if (png) await writeFileAtomic(out.fs, joinPath(out.snapshotDir, 'images', `step-${step}.png`), png);
        await writeFileAtomic(out.fs, joinPath(out.snapshotDir, 'curve.svg'), trainingCurveSvg(curve, options.title));
        await save(result.loss);
      }
    }
    const loopSeconds = (performance.now() - loopStart) / 1000;
    return {
      steps: trainer.step,
      stepsThisRun: trainer.step - startStep,
      ...(first ? { firstLoss: first.loss } : {}),
      loss: last?.loss ?? checkpoint?.state.loss ?? Number.NaN,
      ...(last ? { last } : {}),
      seconds: (performance.now() - started) / 1000,
      imagesPerSecond: loopSeconds > 0 ? images / loopSeconds : 0,
      checkpoint: lastCheckpoint,
      ...(resumedFrom ? { resumedFrom } : {}),
      settings,
    };
  } finally {
    trainer.dispose();
  }
}
