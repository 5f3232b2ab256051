import * as tf from '@tensorflow/tfjs-core';
import { DeeplabError } from '../errors';
import { resizeLabelsNearest } from '../train/labels';
import type { BatchNormStats, TrainableNetwork } from '../train/network';
import { isWeightDecayed } from '../train/param-groups';
import { TrainerBase, type OptimisationConfig } from '../train/trainer-base';
import { interactiveLearningRateMultiplier, weightedSigmoidCrossEntropy } from './loss';

/** One batch of the interactive trainer: 5-channel inputs (already centred) and binary labels. */
export interface InteractiveBatch {
  /** NHWC float32, `batchSize * height * width * 5`: B, G, R, pos, neg minus `INTERACTIVE_MEAN`. */
  images: Float32Array;
  /** `batchSize * height * width` labels at the input size: 1 object, 0 background, `ignoreLabel` void. */
  labels: ArrayLike<number>;
  batchSize: number;
  height: number;
  width: number;
}

/** The optimisation of the interactive network: the shared settings plus its loss's. */
export interface InteractiveTrainerConfig extends OptimisationConfig {
  /** `pos_weight` of the weighted sigmoid cross-entropy. */
  posWeight: number;
  /** Factor on the cross-entropy term (deep-interactive's `train.py` multiplies it by 20; the L2 term is not scaled). */
  lossScale: number;
  /** Label left out of the loss. */
  ignoreLabel: number;
}

/**
 * The original code's settings (Damanpreet / jia2lin3yuan1 `deep-interactive`, train.py: weighted
 * sigmoid CE with pos_weight 5, ×20, weight decay 2.5e-4, learning rate 1e-5, multipliers
 * backbone ×1, conv1 ×5, fc ×5, frozen BatchNorm); momentum 0.9 as DrSleep's train.py (its
 * scripts vary between 0 and 0.9).
 */
export const INTERACTIVE_TRAIN_DEFAULTS: Readonly<InteractiveTrainerConfig> = Object.freeze({
  numSteps: 20000,
  learningRate: 1e-5,
  schedule: 'constant',
  power: 0.9,
  optimizer: 'momentum',
  momentum: 0.9,
  weightDecay: 2.5e-4,
  posWeight: 5,
  lossScale: 20,
  trainable: 'full',
  lrMultipliers: true,
  trainBatchNorm: false,
  bnDecay: 0.999,
  ignoreLabel: 255,
  checkpoint: true,
} satisfies InteractiveTrainerConfig);

/** What one interactive update did. */
export interface InteractiveStepResult {
  /** Updates applied so far, this one included. */
  step: number;
  /** `lossScale * CE + L2`, before the update. */
  loss: number;
  /** The cross-entropy (unscaled). */
  crossEntropy: number;
  l2: number;
  learningRate: number;
  images: number;
  /** With `predictions`: object probability at logit size per image of the batch, before the update. */
  logits?: { data: Float32Array; shape: [number, number, number, number] };
}

function validate(c: InteractiveTrainerConfig): void {
  const bad = (field: string, message: string): never => {
    throw new DeeplabError('bad-config', `${field} ${message}`, { where: field });
  };
  if (!Number.isSafeInteger(c.numSteps) || c.numSteps < 1) bad('numSteps', `must be a positive integer, got ${c.numSteps}`);
  if (!(c.learningRate >= 0) || !Number.isFinite(c.learningRate))
    bad('learningRate', `must be a finite number >= 0, got ${c.learningRate}`);
  if (!(c.momentum >= 0 && c.momentum < 1)) bad('momentum', `must be in [0, 1), got ${c.momentum}`);
  if (!(c.weightDecay >= 0) || !Number.isFinite(c.weightDecay)) bad('weightDecay', `must be a finite number >= 0, got ${c.weightDecay}`);
  if (!(c.posWeight > 0) || !Number.isFinite(c.posWeight)) bad('posWeight', `must be a positive number, got ${c.posWeight}`);
  if (!(c.lossScale > 0) || !Number.isFinite(c.lossScale)) bad('lossScale', `must be a positive number, got ${c.lossScale}`);
  if (!(c.bnDecay >= 0 && c.bnDecay <= 1)) bad('bnDecay', `must be in [0, 1], got ${c.bnDecay}`);
  if (c.schedule !== 'constant' && c.schedule !== 'poly') bad('schedule', `must be 'constant' or 'poly', got ${String(c.schedule)}`);
  if (c.optimizer !== 'momentum' && c.optimizer !== 'adam') bad('optimizer', `must be 'momentum' or 'adam', got ${String(c.optimizer)}`);
}

/**
 * Training of the interactive network (Deep Interactive Object Selection's objective) on any
 * {@link TrainableNetwork} with the TF port's names: forward, labels nearest-resized to the logits
 * (TF1 semantics), `lossScale * weightedSigmoidCrossEntropy + weightDecay * sum(0.5 w^2)`,
 * gradients, the optimiser with per-variable multipliers, BatchNorm statistics. It owns the
 * optimiser state (for checkpoints) and the update counter; the network stays the caller's.
 */
export class InteractiveTrainer extends TrainerBase<InteractiveTrainerConfig> {
  constructor(network: TrainableNetwork, config: Partial<InteractiveTrainerConfig> = {}) {
    const full = { ...INTERACTIVE_TRAIN_DEFAULTS, ...config };
    validate(full);
    super(network, full, interactiveLearningRateMultiplier);
  }

  /** `lossScale * CE` of a batch with the current weights, and the logits (the caller disposes them). */
  objective(batch: InteractiveBatch, trainBatchNorm = false): { loss: tf.Scalar; logits: tf.Tensor4D; stats: BatchNormStats[] } {
    const { batchSize: n, height: h, width: w } = batch;
    if (batch.images.length !== n * h * w * 5)
      throw new DeeplabError('bad-input', `batch images hold ${batch.images.length} values, expected ${n}x${h}x${w}x5`);
    if (batch.labels.length !== n * h * w)
      throw new DeeplabError('bad-input', `batch labels hold ${batch.labels.length} values, expected ${n}x${h}x${w}`);
    const stats: BatchNormStats[] = [];
    const out = tf.tidy(() => {
      const x = tf.tensor4d(batch.images, [n, h, w, 5]);
      const result = this.network.forward(x, { trainBatchNorm, checkpoint: this.config.checkpoint });
      if (trainBatchNorm) {
        if (!result.batchStats) throw new DeeplabError('bad-config', 'the network returned no batch statistics in training mode');
        for (const s of result.batchStats) stats.push({ layer: s.layer, mean: tf.keep(s.mean), variance: tf.keep(s.variance) });
      }
      const logits = result.logits;
      const labels = resizeLabelsNearest(batch.labels, n, h, w, logits.shape[1], logits.shape[2]);
      const ce = weightedSigmoidCrossEntropy(logits, labels, { posWeight: this.config.posWeight, ignoreLabel: this.config.ignoreLabel });
      return { loss: tf.mul(ce, this.config.lossScale) as tf.Scalar, logits };
    });
    return { ...out, stats };
  }

  /**
   * One update on a batch. A NaN or infinite loss throws `non-finite-loss` before anything
   * changes. With `keepLogits` the result carries the batch's logits (before the update), for
   * training pictures.
   */
  async trainStep(batch: InteractiveBatch, options: { keepLogits?: boolean } = {}): Promise<InteractiveStepResult> {
    const c = this.config;
    const l2 = await this.l2Value();
    const stats: BatchNormStats[] = [];
    let logits: tf.Tensor4D | undefined;
    const { value, grads } = tf.variableGrads(() => {
      const out = this.objective(batch, c.trainBatchNorm);
      stats.push(...out.stats);
      if (options.keepLogits) logits = tf.keep(out.logits);
      return out.loss;
    }, this.trainedVars);
    try {
      const scaled = (await value.data())[0]!;
      if (!Number.isFinite(scaled)) {
        throw new DeeplabError(
          'non-finite-loss',
          `loss is ${scaled} at step ${this.step} (learning rate ${this.learningRateAt(this.step)}); no update applied`,
          { where: `step ${this.step}` },
        );
      }
      let kept: InteractiveStepResult['logits'];
      if (logits) {
        const [n, h, w, k] = logits.shape;
        kept = { data: new Float32Array((await logits.data()) as Float32Array), shape: [n, h, w, k] };
      }
      this.updateBatchNormStatistics(stats);
      const final = new Map<string, tf.Tensor>();
      tf.tidy(() => {
        for (const [varName, g] of Object.entries(grads)) {
          const name = this.keyOfVariable.get(varName) ?? varName;
          const x =
            c.weightDecay > 0 && isWeightDecayed(name) ? tf.add(g, tf.mul(this.network.variables.get(name)!, c.weightDecay)) : tf.clone(g);
          final.set(name, tf.keep(x));
        }
      });
      const learningRate = this.learningRateAt(this.step);
      try {
        this.optimizer.apply(final, learningRate);
      } finally {
        for (const g of final.values()) g.dispose();
      }
      this.step += 1;
      return {
        step: this.step,
        loss: scaled + l2,
        crossEntropy: scaled / c.lossScale,
        l2,
        learningRate,
        images: batch.batchSize,
        ...(kept ? { logits: kept } : {}),
      };
    } finally {
      value.dispose();
      for (const g of Object.values(grads)) g.dispose();
      for (const s of stats) tf.dispose([s.mean, s.variance]);
      logits?.dispose();
    }
  }
}
