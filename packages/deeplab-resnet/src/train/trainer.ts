import * as tf from '@tensorflow/tfjs-core';
import { DeeplabError } from '../errors';
import { resizeLabelsNearest } from './labels';
import { segmentationCrossEntropy, type IgnoreMode } from './loss';
import type { BatchNormStats, TrainableNetwork } from './network';
import { isWeightDecayed, learningRateMultiplier } from './param-groups';
import { TrainerBase, type OptimisationConfig } from './trainer-base';

/** One batch as the data pipeline delivers it: NHWC float32 images (BGR minus the mean) and class ids (255 = ignore). */
export interface TrainingBatch {
  /** `batchSize * height * width * channels` values, NHWC. */
  images: Float32Array;
  /** `batchSize * height * width` class ids at the image size. */
  labels: ArrayLike<number>;
  batchSize: number;
  height: number;
  width: number;
  channels: number;
}

/** Everything that defines the optimisation, with the TensorFlow port's meaning. */
export interface TrainerConfig extends OptimisationConfig {
  /** Classes of the head; labels `>= numClasses` are ignored (`--num-classes`). */
  numClasses: number;
  /** Input scales; more than one is train_msc.py (the first is the reference the others are fused into). */
  scales: number[];
  /** Batches whose gradients are averaged into one update (`--grad-update-every`, Caffe's iter_size). */
  gradUpdateEvery: number;
  /** How ignored pixels count in the mean (see {@link IgnoreMode}). */
  ignore: IgnoreMode;
}

/** train.py's defaults (train_msc.py's differ only in the data flags and `gradUpdateEvery` 10 with `scales` 1,0.75,0.5). */
export const TRAIN_DEFAULTS: Readonly<TrainerConfig> = Object.freeze({
  numClasses: 21,
  numSteps: 20001,
  learningRate: 2.5e-4,
  schedule: 'poly',
  power: 0.9,
  optimizer: 'momentum',
  momentum: 0.9,
  weightDecay: 0.0005,
  trainable: 'full',
  lrMultipliers: true,
  trainBatchNorm: false,
  bnDecay: 0.999,
  scales: [1],
  gradUpdateEvery: 1,
  ignore: 'drop',
  checkpoint: true,
} satisfies TrainerConfig);

/** fine_tune.py's defaults: Adam at a constant 1e-4 on `fc1_voc12*` only, no weight decay, ignored pixels counted as zero loss. */
export const FINE_TUNE_DEFAULTS: Readonly<TrainerConfig> = Object.freeze({
  ...TRAIN_DEFAULTS,
  numSteps: 20000,
  learningRate: 1e-4,
  schedule: 'constant',
  optimizer: 'adam',
  weightDecay: 0,
  trainable: 'last-layers',
  lrMultipliers: false,
  ignore: 'zero',
} satisfies TrainerConfig);

/** One predicted label map for the training pictures (argmax of the bilinearly upsampled logits). */
export interface PredictionMap {
  width: number;
  height: number;
  /** Class id per pixel, row-major. */
  data: Uint8Array;
}

/** What one update did. */
export interface StepResult {
  /** Updates applied so far, this one included. */
  step: number;
  /** train.py's `reduced_loss` (cross-entropy terms + L2), averaged over the accumulated batches. */
  loss: number;
  /** The L2 part of `loss`. */
  l2: number;
  /** The base learning rate used (before the ×10/×20 multipliers). */
  learningRate: number;
  /** Images that went through the network. */
  images: number;
  /** Predictions for the first images of the first batch, when asked for. */
  predictions?: PredictionMap[];
}

/** Checks a configuration; throws `bad-config` naming the field. */
export function validateTrainerConfig(config: TrainerConfig): void {
  const bad = (field: string, message: string): never => {
    throw new DeeplabError('bad-config', `${field} ${message}`, { where: field });
  };
  const posInt = (n: number) => Number.isSafeInteger(n) && n > 0;
  if (!posInt(config.numClasses)) bad('numClasses', `must be a positive integer, got ${config.numClasses}`);
  if (!posInt(config.numSteps)) bad('numSteps', `must be a positive integer, got ${config.numSteps}`);
  if (!(config.learningRate >= 0) || !Number.isFinite(config.learningRate))
    bad('learningRate', `must be a finite number >= 0, got ${config.learningRate}`);
  if (!Number.isFinite(config.power)) bad('power', `must be finite, got ${config.power}`);
  if (!(config.momentum >= 0 && config.momentum < 1)) bad('momentum', `must be in [0, 1), got ${config.momentum}`);
  if (!(config.weightDecay >= 0) || !Number.isFinite(config.weightDecay))
    bad('weightDecay', `must be a finite number >= 0, got ${config.weightDecay}`);
  if (!(config.bnDecay >= 0 && config.bnDecay <= 1)) bad('bnDecay', `must be in [0, 1], got ${config.bnDecay}`);
  if (!posInt(config.gradUpdateEvery)) bad('gradUpdateEvery', `must be a positive integer, got ${config.gradUpdateEvery}`);
  if (config.scales.length === 0 || !config.scales.every((s) => s > 0 && Number.isFinite(s)))
    bad('scales', `must be positive numbers, got ${JSON.stringify(config.scales)}`);
}

/** The size TF's `int(h * scale)` gives for a scaled input. */
export function scaledSize(size: number, scale: number): number {
  return scale === 1 ? size : Math.floor(size * scale);
}

/**
 * train.py / train_msc.py / fine_tune.py's optimisation on any {@link TrainableNetwork}:
 * forward, the port's objective, gradients, accumulation, the update, BatchNorm statistics.
 * It owns the optimiser state (for checkpoints) and the update counter.
 */
export class Trainer extends TrainerBase<TrainerConfig> {
  constructor(network: TrainableNetwork, config: Partial<TrainerConfig> = {}) {
    const full = { ...TRAIN_DEFAULTS, ...config, scales: [...(config.scales ?? TRAIN_DEFAULTS.scales)] };
    validateTrainerConfig(full);
    super(network, full, learningRateMultiplier);
  }

  /**
   * One update from `batches` (exactly `gradUpdateEvery` of them): the gradient of each batch's
   * objective is averaged, weight decay added, the optimiser applied. The loss is checked before
   * anything changes: a NaN or infinite loss throws `non-finite-loss` and leaves the weights and
   * optimiser state as they were.
   */
  async trainStep(batches: readonly TrainingBatch[], options: { predictions?: number } = {}): Promise<StepResult> {
    const c = this.config;
    if (batches.length !== c.gradUpdateEvery) {
      throw new DeeplabError('bad-input', `an update takes ${c.gradUpdateEvery} batch(es) (gradUpdateEvery), got ${batches.length}`);
    }
    const l2 = await this.l2Value();
    let sum: Map<string, tf.Tensor> | undefined;
    const losses: number[] = [];
    let predictions: PredictionMap[] | undefined;
    let images = 0;
    try {
      for (let b = 0; b < batches.length; b++) {
        const batch = batches[b]!;
        const wantPredictions = b === 0 && (options.predictions ?? 0) > 0;
        const result = this.gradients(batch, wantPredictions);
        images += batch.batchSize;
        try {
          const value = (await result.value.data())[0]!;
          losses.push(value);
          if (!Number.isFinite(value)) {
            throw new DeeplabError(
              'non-finite-loss',
              `loss is ${value} at step ${this.step} (learning rate ${this.learningRateAt(this.step)}); no update applied`,
              {
                where: `step ${this.step}`,
              },
            );
          }
          if (result.preview) predictions = await this.predictionMaps(result.preview, batch, options.predictions!);
          this.updateBatchNormStatistics(result.stats);
          if (!sum) {
            sum = result.grads;
            result.grads = new Map();
          } else {
            for (const [name, g] of result.grads) {
              const previous = sum.get(name);
              sum.set(name, previous ? tf.add(previous, g) : tf.clone(g));
              previous?.dispose();
            }
          }
        } finally {
          result.value.dispose();
          for (const g of result.grads.values()) g.dispose();
          for (const s of result.stats) {
            s.mean.dispose();
            s.variance.dispose();
          }
          result.preview?.dispose();
        }
      }
      const learningRate = this.learningRateAt(this.step);
      const final = this.finalGradients(sum!, batches.length);
      try {
        this.optimizer.apply(final, learningRate);
      } finally {
        for (const g of final.values()) g.dispose();
      }
      this.step += 1;
      const ce = losses.reduce((a, v) => a + v, 0) / losses.length;
      return { step: this.step, loss: ce + l2, l2, learningRate, images, ...(predictions ? { predictions } : {}) };
    } finally {
      if (sum) for (const g of sum.values()) g.dispose();
    }
  }

  /** Sum / K, plus `weightDecay * w` for decayed weights (the gradient of the L2 term). */
  private finalGradients(sum: Map<string, tf.Tensor>, count: number): Map<string, tf.Tensor> {
    const out = new Map<string, tf.Tensor>();
    tf.tidy(() => {
      for (const [name, g] of sum) {
        let x = count === 1 ? tf.clone(g) : tf.div(g, count);
        if (this.config.weightDecay > 0 && isWeightDecayed(name))
          x = tf.add(x, tf.mul(this.network.variables.get(name)!, this.config.weightDecay));
        out.set(name, tf.keep(x));
      }
    });
    return out;
  }

  /** The scaled inputs of train_msc.py: `tf.image.resize_images` (bilinear, no corner alignment) to `int(size * scale)`. */
  private scaledInputs(x: tf.Tensor4D): tf.Tensor4D[] {
    const [, h, w] = x.shape;
    return this.config.scales.map((s) =>
      s === 1 ? x : tf.tidy(() => tf.image.resizeBilinear(x, [scaledSize(h, s), scaledSize(w, s)], false, false)),
    );
  }

  private gradients(
    batch: TrainingBatch,
    keepPreview: boolean,
  ): { value: tf.Scalar; grads: Map<string, tf.Tensor>; stats: BatchNormStats[]; preview?: tf.Tensor4D } {
    const c = this.config;
    const { batchSize: n, height: h, width: w, channels } = batch;
    if (batch.images.length !== n * h * w * channels)
      throw new DeeplabError('bad-input', `batch images hold ${batch.images.length} values, expected ${n}x${h}x${w}x${channels}`);
    if (batch.labels.length !== n * h * w)
      throw new DeeplabError('bad-input', `batch labels hold ${batch.labels.length} values, expected ${n}x${h}x${w}`);
    const x = tf.tensor4d(batch.images, [n, h, w, channels]);
    const inputs = this.scaledInputs(x);
    const stats: BatchNormStats[] = [];
    let preview: tf.Tensor4D | undefined;
    const labelsAt = (lh: number, lw: number) => resizeLabelsNearest(batch.labels, n, h, w, lh, lw);
    try {
      const { value, grads } = tf.variableGrads(() => {
        const logits = inputs.map((input) => {
          const out = this.network.forward(input, { trainBatchNorm: c.trainBatchNorm, checkpoint: c.checkpoint });
          if (c.trainBatchNorm) {
            if (!out.batchStats) throw new DeeplabError('bad-config', 'the network returned no batch statistics in training mode');
            for (const s of out.batchStats) stats.push({ layer: s.layer, mean: tf.keep(s.mean), variance: tf.keep(s.variance) });
          }
          return out.logits;
        });
        const ref = logits[0]!;
        const [, rh, rw] = ref.shape;
        const refLabels = labelsAt(rh, rw);
        let loss: tf.Scalar;
        let shown: tf.Tensor4D = ref;
        if (logits.length === 1) {
          loss = segmentationCrossEntropy(ref, refLabels, c.numClasses, c.ignore);
        } else {
          // train_msc.py: sub-scale logits resized to the reference logits, element-wise max;
          // loss = CE(fused) + CE(each scale against its own nearest-resized labels).
          const resized = logits.slice(1).map((l) => tf.image.resizeBilinear(l, [rh, rw], false, false));
          const fused = tf.max(tf.stack([ref, ...resized]), 0) as tf.Tensor4D;
          shown = fused;
          const terms = [
            segmentationCrossEntropy(fused, refLabels, c.numClasses, c.ignore),
            segmentationCrossEntropy(ref, refLabels, c.numClasses, c.ignore),
          ];
          for (const l of logits.slice(1))
            terms.push(segmentationCrossEntropy(l, labelsAt(l.shape[1], l.shape[2]), c.numClasses, c.ignore));
          loss = tf.addN(terms) as tf.Scalar;
        }
        if (keepPreview) preview = tf.keep(shown);
        return loss;
      }, this.trainedVars);
      const byKey = new Map<string, tf.Tensor>();
      for (const [varName, g] of Object.entries(grads)) byKey.set(this.keyOfVariable.get(varName) ?? varName, g);
      return { value, grads: byKey, stats, ...(preview ? { preview } : {}) };
    } catch (error) {
      for (const s of stats) {
        s.mean.dispose();
        s.variance.dispose();
      }
      preview?.dispose();
      throw error;
    } finally {
      for (const t of inputs) if (t !== x) t.dispose();
      x.dispose();
    }
  }

  private async predictionMaps(logits: tf.Tensor4D, batch: TrainingBatch, count: number): Promise<PredictionMap[]> {
    const k = Math.min(count, logits.shape[0]);
    const labels = tf.tidy(() => {
      const first = tf.slice(logits, [0, 0, 0, 0], [k, -1, -1, -1]);
      return tf.argMax(tf.image.resizeBilinear(first, [batch.height, batch.width], false, false), 3);
    });
    const data = (await labels.data()) as Int32Array;
    labels.dispose();
    const size = batch.height * batch.width;
    const out: PredictionMap[] = [];
    for (let i = 0; i < k; i++)
      out.push({ width: batch.width, height: batch.height, data: Uint8Array.from(data.subarray(i * size, (i + 1) * size)) });
    return out;
  }
}
