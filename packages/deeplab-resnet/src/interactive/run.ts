import * as tf from '@tensorflow/tfjs-core';
import { IMG_MEAN_BGR } from '@objsel/voc-data';
import { DeeplabError } from '../errors';
import {
  cleanStaleCheckpointFiles,
  findLatestCheckpoint,
  loadCheckpoint,
  saveCheckpoint,
  type CheckpointContents,
  type TrainerStateFile,
} from '../checkpoint/checkpoint';
import { resolveWeights } from '../checkpoint/resolve';
import { joinPath, writeFileAtomic, type WritableFiles } from '@objsel/caffe-import';
import type { DeepLabConfig } from '../model/config';
import { DeepLabResNet } from '../model/deeplab';
import { predictionStrip, trainingCurveSvg, type CurvePoint } from '../train/pictures';
import type { OnProgress } from '../train/progress';
import { truncateMetricsLog, type MetricsLine } from '../train/metrics-log';
import type { InteractiveBatchSource, InteractiveFeedBatch } from './data';
import { INTERACTIVE_MEAN } from './input';
import { interactiveFromPretrained, isInteractiveConfig, type ChannelInit } from './model';
import { INTERACTIVE_TRAIN_DEFAULTS, InteractiveTrainer, type InteractiveStepResult, type InteractiveTrainerConfig } from './trainer';

/** Everything `objsel train --interactive` does, as options. */
export interface InteractiveTrainOptions {
  /** File access (Node: `nodeFileSystem` of `@objsel/caffe-import/node`). */
  fs: WritableFiles;
  /**
   * The training stream from a position (0 for a new run, the saved position on resume), given
   * the data settings the run records (`dataSettings`, or on resume the saved ones).
   */
  data: (start: number, settings: Record<string, unknown>) => InteractiveBatchSource | Promise<InteractiveBatchSource>;
  /** What the data stream depends on (flags, seed, lists), saved in every checkpoint for `resume`. */
  dataSettings: Record<string, unknown>;
  /**
   * Weights to start from: a weights directory or a snapshot directory (its latest). RGB
   * segmentation weights are widened to the interactive network (`interactiveFromPretrained`);
   * interactive weights continue as they are.
   */
  restoreFrom?: string;
  /** How the click channels of conv1 start when widening RGB weights. */
  channelInit?: ChannelInit;
  /** The network from scratch when nothing is restored (forced to 5 inputs, 1 output). */
  model?: DeepLabConfig;
  /** BatchNorm epsilon override for restored weights. */
  bnEpsilon?: number;
  snapshotDir: string;
  /** Continue from the latest checkpoint in `snapshotDir` with its saved settings (only `numSteps` may be raised). */
  resume?: boolean;
  /** The optimisation (defaults: the seed's, {@link INTERACTIVE_TRAIN_DEFAULTS}). */
  trainer?: Partial<InteractiveTrainerConfig>;
  /** Seed of new weights (default 1234). */
  seed?: number;
  /** Checkpoint and picture every this many updates (the last update is always saved). Default 1000. */
  savePredEvery?: number;
  /** Images in each picture strip (default 2). */
  saveNumImages?: number;
  /** Checkpoints kept (10). */
  keep?: number;
  onProgress?: OnProgress;
  onInfo?: (message: string) => void;
}

/** What a finished interactive run reports; `network` is the trained network (the caller disposes it). */
export interface InteractiveTrainSummary {
  steps: number;
  stepsThisRun: number;
  loss: number;
  seconds: number;
  imagesPerSecond: number;
  checkpoint: string;
  resumedFrom?: string;
  network: DeepLabResNet;
}

interface InteractiveRunSettings {
  kind: 'interactive';
  trainer: InteractiveTrainerConfig;
  data: Record<string, unknown>;
  savePredEvery: number;
  saveNumImages: number;
}

/**
 * The training picture: per image, the input with its clicks (green positive, red negative) |
 * the object label | the prediction (probability >= 0.5), in VOC palette colours.
 */
export async function interactiveStrip(
  batch: InteractiveFeedBatch,
  logits: NonNullable<InteractiveStepResult['logits']>,
  count: number,
): Promise<Uint8Array> {
  const { height: h, width: w } = batch;
  const k = Math.min(count, batch.batchSize);
  const px = h * w;
  const rgb = new Float32Array(k * px * 3);
  for (let i = 0; i < k * px; i++) {
    const o = i * 5;
    // Back to BGR minus the DeepLab mean, the strip's convention.
    for (let c = 0; c < 3; c++) rgb[i * 3 + c] = batch.images[o + c]! + INTERACTIVE_MEAN[c]! - IMG_MEAN_BGR[c]!;
    const nearPositive = batch.images[o + 3]! + INTERACTIVE_MEAN[3]! < 1.5;
    const nearNegative = batch.images[o + 4]! + INTERACTIVE_MEAN[4]! < 1.5;
    if (nearPositive || nearNegative) {
      const colour = nearPositive ? [0, 255, 0] : [0, 0, 255]; // BGR
      for (let c = 0; c < 3; c++) rgb[i * 3 + c] = colour[c]! - IMG_MEAN_BGR[c]!;
    }
  }
  const masks = tf.tidy(() => {
    const [n, lh, lw] = logits.shape;
    const t = tf.slice(tf.tensor4d(logits.data, logits.shape), [0, 0, 0, 0], [Math.min(k, n), lh, lw, 1]);
    return tf.cast(tf.greaterEqual(tf.image.resizeBilinear(t, [h, w], false, false), 0), 'int32');
  });
  const data = (await masks.data()) as Int32Array;
  masks.dispose();
  const predictions = Array.from({ length: k }, (_, i) => ({
    width: w,
    height: h,
    data: Uint8Array.from(data.subarray(i * px, (i + 1) * px)),
  }));
  const labels = Uint8Array.from(batch.labels as ArrayLike<number>).subarray(0, k * px);
  return predictionStrip({ images: rgb, labels, batchSize: k, height: h, width: w, channels: 3 }, predictions);
}

/**
 * Trains the interactive network (5-channel input, one output, the seed's objective) with the
 * DeepLab trainer's machinery: crash-safe checkpoints `snapshotDir/ckpt-<step>/` (weights in the
 * objsel format, optimiser state, trainer.json with the run's settings and data position),
 * `metrics.jsonl`, `curve.svg`, picture strips in `images/`, progress events, a stop on a
 * non-finite loss keeping the last good checkpoint, and `resume` with the result of an
 * uninterrupted run (the data stream is positional).
 */
export async function trainInteractive(options: InteractiveTrainOptions): Promise<InteractiveTrainSummary> {
  const fs = options.fs;
  const started = performance.now();
  const info = options.onInfo ?? (() => undefined);
  const snapshotDir = options.snapshotDir;
  await fs.mkdir(snapshotDir, { recursive: true });
  const stale = await cleanStaleCheckpointFiles(fs, snapshotDir);
  if (stale.length) info(`removed ${stale.length} leftover(s) of an interrupted save in ${snapshotDir}`);
  const seed = options.seed ?? 1234;
  const eps = options.bnEpsilon === undefined ? {} : { bnEpsilon: options.bnEpsilon };

  let settings: InteractiveRunSettings = {
    kind: 'interactive',
    trainer: { ...INTERACTIVE_TRAIN_DEFAULTS, ...options.trainer },
    data: options.dataSettings,
    savePredEvery: options.savePredEvery ?? 1000,
    saveNumImages: options.saveNumImages ?? 2,
  };
  let network: DeepLabResNet;
  let resumed: CheckpointContents | undefined;
  let resumedFrom: string | undefined;
  const latest = options.resume ? await findLatestCheckpoint(fs, snapshotDir) : undefined;
  if (options.resume && !latest) info(`no checkpoint in ${snapshotDir} to resume from: starting a new run`);
  if (latest) {
    resumed = await loadCheckpoint(fs, latest.path);
    const saved = resumed.state.run as unknown as InteractiveRunSettings;
    if (saved?.kind !== 'interactive')
      throw new DeeplabError('bad-config', 'the latest checkpoint is not of an interactive run', { file: latest.path });
    resumedFrom = latest.path;
    settings = { ...saved, trainer: { ...saved.trainer, numSteps: options.trainer?.numSteps ?? saved.trainer.numSteps } };
    network = DeepLabResNet.fromWeights(resumed.network.entries, resumed.network.meta, eps);
    info(`resuming from ${latest.path} (step ${latest.step})`);
  } else if (options.restoreFrom) {
    const { weightsPath: dir, entries, meta } = await resolveWeights(fs, options.restoreFrom);
    network = interactiveFromPretrained(entries, meta, { ...options.channelInit, ...eps, headSeed: seed });
    info(
      isInteractiveConfig(meta)
        ? `continuing the interactive network from ${dir}`
        : `widened the RGB network of ${dir} to 5 input channels, new one-output head`,
    );
  } else {
    if (!options.model) throw new DeeplabError('bad-config', 'nothing to train: give restoreFrom or a model to start from scratch');
    network = DeepLabResNet.create({ ...options.model, inputChannels: 5, numClasses: 1 }, { seed });
    info(`new interactive network from scratch (seed ${seed})`);
  }

  const trainer = new InteractiveTrainer(network, settings.trainer);
  try {
    if (resumed) trainer.loadState({ entries: resumed.optimizer, scalars: resumed.state.optimizerScalars });
    const startSamples = resumed ? Number((resumed.state.data as { samples?: number }).samples ?? 0) : 0;
    const feed = await options.data(startSamples, settings.data);
    const metricsFile = joinPath(snapshotDir, 'metrics.jsonl');
    const curve: CurvePoint[] = resumed ? await truncateMetricsLog(fs, metricsFile, trainer.step) : [];
    if (!resumed) await fs.writeFile(metricsFile, '');
    await fs.mkdir(joinPath(snapshotDir, 'images'), { recursive: true });

    const numSteps = settings.trainer.numSteps;
    const startStep = trainer.step;
    let lastCheckpoint = resumedFrom ?? '';
    let last: InteractiveStepResult | undefined;
    let images = 0;
    const loopStart = performance.now();
    if (trainer.step >= numSteps) info(`already at step ${trainer.step} of ${numSteps}: nothing to do`);

    const save = async (result: InteractiveStepResult): Promise<void> => {
      const optimizerState = await trainer.state();
      const state: TrainerStateFile = {
        format: 'objsel-trainer-state',
        version: 1,
        step: trainer.step,
        optimizerScalars: optimizerState.scalars,
        data: { samples: feed.position, seed },
        run: settings as unknown as Record<string, unknown>,
        loss: result.loss,
        savedAt: new Date().toISOString(),
      };
      const weights = await network.toWeightEntries();
      const broken = weights.find((e) => !e.data.every(Number.isFinite));
      if (broken) {
        const keepMsg = lastCheckpoint ? `the last good checkpoint is ${lastCheckpoint}` : 'no checkpoint was written';
        throw new DeeplabError(
          'non-finite-loss',
          `weights became NaN or infinite at step ${trainer.step}; training stopped, ${keepMsg} (try a lower learning rate)`,
          { where: broken.name },
        );
      }
      lastCheckpoint = await saveCheckpoint(
        fs,
        snapshotDir,
        { network: { entries: weights, meta: network.meta() }, optimizer: optimizerState.entries, state },
        { keep: options.keep ?? 10 },
      );
    };

    while (trainer.step < numSteps) {
      const batch = await feed.next();
      const upcoming = trainer.step + 1;
      const savePoint = upcoming % settings.savePredEvery === 0 || upcoming === numSteps;
      const t0 = performance.now();
      let result: InteractiveStepResult;
      try {
        result = await trainer.trainStep(batch, { keepLogits: savePoint && settings.saveNumImages > 0 });
      } catch (error) {
        if (error instanceof DeeplabError && error.code === 'non-finite-loss') {
          const keepMsg = lastCheckpoint ? `the last good checkpoint is ${lastCheckpoint}` : 'no checkpoint was written yet';
          throw new DeeplabError('non-finite-loss', `${error.message}; training stopped, ${keepMsg} (try a lower learning rate)`, {
            cause: error,
          });
        }
        throw error;
      }
      const seconds = (performance.now() - t0) / 1000;
      last = result;
      images += result.images;
      const line: MetricsLine = {
        step: result.step,
        loss: result.loss,
        l2: result.l2,
        lr: result.learningRate,
        seconds,
        imagesPerSecond: result.images / seconds,
        tensors: tf.memory().numTensors,
        time: new Date().toISOString(),
      };
      await fs.appendFile(metricsFile, `${JSON.stringify({ ...line, crossEntropy: result.crossEntropy })}\n`);
      curve.push({ step: result.step, loss: result.loss, learningRate: result.learningRate });
      options.onProgress?.({
        task: 'train-interactive',
        done: result.step,
        total: numSteps,
        metrics: {
          loss: result.loss,
          crossEntropy: result.crossEntropy,
          lr: result.learningRate,
          stepTime: seconds,
          imagesPerSec: result.images / seconds,
        },
      });
      if (savePoint) {
        if (result.logits)
          await writeFileAtomic(
            fs,
            joinPath(snapshotDir, 'images', `step-${result.step}.png`),
            await interactiveStrip(batch, result.logits, settings.saveNumImages),
          );
        await writeFileAtomic(fs, joinPath(snapshotDir, 'curve.svg'), trainingCurveSvg(curve, `train --interactive ${snapshotDir}`));
        await save(result);
      }
    }
    const loopSeconds = (performance.now() - loopStart) / 1000;
    return {
      steps: trainer.step,
      stepsThisRun: trainer.step - startStep,
      loss: last?.loss ?? resumed?.state.loss ?? Number.NaN,
      seconds: (performance.now() - started) / 1000,
      imagesPerSecond: loopSeconds > 0 ? images / loopSeconds : 0,
      checkpoint: lastCheckpoint,
      ...(resumedFrom ? { resumedFrom } : {}),
      network,
    };
  } catch (error) {
    network.dispose();
    throw error;
  } finally {
    trainer.dispose();
  }
}
