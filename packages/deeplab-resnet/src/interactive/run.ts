import * as tf from '@tensorflow/tfjs-core';
import { IMG_MEAN_BGR } from '@objsel/voc-data';
import { DeeplabError } from '../errors';
import { DEFAULT_KEEP } from '../checkpoint/checkpoint';
import { resolveWeights } from '../checkpoint/resolve';
import type { WritableFiles } from '@objsel/caffe-import';
import type { DeepLabConfig } from '../model/config';
import { DeepLabResNet } from '../model/deeplab';
import { runTrainingLoop, type LoopSettings } from '../train/loop';
import { trainingDomain } from '../train/domain';
import { predictionStrip } from '../train/pictures';
import type { OnProgress } from '../progress';
import type { InteractiveFeedBatch } from './data';
import { INTERACTIVE_MEAN } from './input';
import { interactiveFromPretrained, isInteractiveConfig, type ChannelInit } from './model';
import { INTERACTIVE_TRAIN_DEFAULTS, InteractiveTrainer, type InteractiveStepResult, type InteractiveTrainerConfig } from './trainer';
import { interactiveTrainingData, type InteractiveDataSettings } from './training-data';

/** Everything `objsel train --interactive` does, as options. */
export interface InteractiveTrainOptions {
  /** File access (Node: `nodeFileSystem` of `@objsel/caffe-import/node`): the data is read and the snapshots written through it. */
  fs: WritableFiles;
  /**
   * The training data (lists, clicks, augmentation, seed), saved in every checkpoint: a resumed
   * run rebuilds the stream from the saved settings at the saved position.
   */
  data: InteractiveDataSettings;
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
  /** The optimisation (defaults: deep-interactive's, {@link INTERACTIVE_TRAIN_DEFAULTS}). */
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
  /** Skipped images (no instance label) and click files naming unknown images. */
  onWarn?: (message: string) => void;
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

interface InteractiveRunSettings extends LoopSettings {
  kind: 'interactive';
  trainer: InteractiveTrainerConfig;
  data: InteractiveDataSettings;
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
 * Trains the interactive network (5-channel input, one output, deep-interactive's objective) in
 * {@link runTrainingLoop}: crash-safe checkpoints `snapshotDir/ckpt-<step>/` (weights in the
 * objsel format, optimiser state, trainer.json with the run's settings and data position),
 * `metrics.jsonl`, `curve.svg`, picture strips in `images/`, progress events, a stop on a
 * non-finite loss keeping the last good checkpoint, and `resume` with the result of an
 * uninterrupted run (the data stream is positional).
 */
export async function trainInteractive(options: InteractiveTrainOptions): Promise<InteractiveTrainSummary> {
  const fs = options.fs;
  const info = options.onInfo ?? (() => undefined);
  const seed = options.seed ?? 1234;
  const eps = options.bnEpsilon === undefined ? {} : { bnEpsilon: options.bnEpsilon };
  const settings: InteractiveRunSettings = {
    kind: 'interactive',
    trainer: { ...INTERACTIVE_TRAIN_DEFAULTS, ...options.trainer },
    data: options.data,
    savePredEvery: options.savePredEvery ?? 1000,
    saveNumImages: options.saveNumImages ?? 2,
    keep: options.keep ?? DEFAULT_KEEP,
  };
  let network: DeepLabResNet | undefined;
  let active = settings;
  try {
    const run = await runTrainingLoop<InteractiveFeedBatch, InteractiveStepResult, InteractiveRunSettings>({
      output: { fs, snapshotDir: options.snapshotDir },
      ...(options.resume ? { resume: true } : {}),
      settings,
      ...(options.trainer?.numSteps === undefined ? {} : { numSteps: options.trainer.numSteps }),
      start: async ({ settings: s, checkpoint, samples }) => {
        active = s;
        if (checkpoint) {
          network = DeepLabResNet.fromWeights(checkpoint.network.entries, checkpoint.network.meta, eps);
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
        const feed = await interactiveTrainingData(fs, s.data, samples, options.onWarn);
        const trainer = new InteractiveTrainer(network, s.trainer);
        // The checkpoints' metadata says what the network was trained on (objsel.domain).
        const domain = await trainingDomain(fs, s.data);
        const net = network;
        const savable = { toWeightEntries: () => net.toWeightEntries(), meta: () => ({ ...net.meta(), ...(domain ? { domain } : {}) }) };
        return { network: savable, trainer, feed };
      },
      picture: (batch, result) => (result.logits ? interactiveStrip(batch, result.logits, active.saveNumImages) : undefined),
      extraMetrics: (result) => ({ crossEntropy: result.crossEntropy }),
      dataInfo: () => ({ seed }),
      task: 'train-interactive',
      title: `train --interactive ${options.snapshotDir}`,
      nanHint: 'try a lower learning rate',
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
      onInfo: info,
    });
    return {
      steps: run.steps,
      stepsThisRun: run.stepsThisRun,
      loss: run.loss,
      seconds: run.seconds,
      imagesPerSecond: run.imagesPerSecond,
      checkpoint: run.checkpoint,
      ...(run.resumedFrom ? { resumedFrom: run.resumedFrom } : {}),
      network: network!,
    };
  } catch (error) {
    network?.dispose();
    throw error;
  }
}
