import * as tf from '@tensorflow/tfjs-core';
import type { WeightEntry } from '@objsel/caffe-import';
import { DeeplabError } from '../errors';
import type { BatchNormStats, TrainableNetwork } from './network';
import { AdamOptimizer, MomentumOptimizer, type TrainingOptimizer } from './optimizer';
import { isTrainable, isWeightDecayed, type TrainableSet } from './param-groups';
import { polyLearningRate } from './schedule';

/** The settings every trainer shares (train.py's flag in brackets where it has one). */
export interface OptimisationConfig {
  /** Updates in the whole run; the poly schedule reaches 0 there (`--num-steps`). */
  numSteps: number;
  /** Base learning rate (`--learning-rate`). */
  learningRate: number;
  /** `poly` (train.py: `base * (1 - step/numSteps)^power`) or `constant` (fine_tune.py, the interactive seed). */
  schedule: 'poly' | 'constant';
  /** Exponent of the poly schedule (`--power`). */
  power: number;
  /** `momentum` (TF's MomentumOptimizer: train.py, the interactive seed) or `adam` (fine_tune.py). */
  optimizer: 'momentum' | 'adam';
  /** Momentum (`--momentum`). */
  momentum: number;
  /** L2 factor: `weightDecay * sum(0.5 w^2)` over the trained convolution weights (`--weight-decay`). */
  weightDecay: number;
  /** `full` or `last-layers` (only `fc1_voc12*`: fine_tune.py, adapting to one image). */
  trainable: TrainableSet;
  /** Use the trainer's per-variable learning-rate multipliers (false: 1 everywhere). */
  lrMultipliers: boolean;
  /** `--is-training`: BatchNorm normalises with batch statistics and updates its moving statistics. */
  trainBatchNorm: boolean;
  /** Decay of the moving statistics under `trainBatchNorm` (slim's default 0.999). */
  bnDecay: number;
  /**
   * Frozen BN only: the network's memory-lean gradient path (BN folded into the convolutions,
   * activations recomputed per residual unit in the backward pass). Same update; needed for
   * ResNet-101 at 321x321 on wasm (4 GiB heap); costs one extra forward pass.
   */
  checkpoint: boolean;
}

/**
 * slim's `assign_moving_average` without zero-debias, for every layer of a training-mode pass:
 * `moving -= (1 - decay) * (moving - batch)` on `<layer>/moving_mean` and `<layer>/moving_variance`.
 */
export function updateMovingStatistics(
  variables: ReadonlyMap<string, tf.Variable>,
  stats: ReadonlyArray<{ layer: string; mean: tf.Tensor; variance: tf.Tensor }>,
  decay: number,
): void {
  if (stats.length === 0) return;
  const rate = 1 - decay;
  tf.tidy(() => {
    for (const s of stats) {
      for (const [suffix, value] of [
        ['moving_mean', s.mean],
        ['moving_variance', s.variance],
      ] as const) {
        const v = variables.get(`${s.layer}/${suffix}`);
        if (!v)
          throw new DeeplabError('bad-config', 'batch statistics for a layer without moving statistics', { where: `${s.layer}/${suffix}` });
        v.assign(tf.sub(v, tf.mul(tf.sub(v, value), rate)));
      }
    }
  });
}

/**
 * What the segmentation, the interactive and dcsp's stage trainers share: the trained variables, the optimiser
 * and its checkpointable state, the update counter, the schedule, the weight-decay term and the
 * BatchNorm moving-average update. Subclasses add their objective and `trainStep`.
 */
export abstract class TrainerBase<C extends OptimisationConfig> {
  /** Updates applied so far (train.py's `step` of the next update). */
  step = 0;
  /** Names of the variables the optimiser updates, in the network's order. */
  readonly trainedNames: string[];
  protected readonly optimizer: TrainingOptimizer;
  protected readonly trainedVars: tf.Variable[];
  /** TF.js variable name (prefixed per model) → the network's variable name. */
  protected readonly keyOfVariable = new Map<string, string>();

  /**
   * `multiplier` scales the learning rate per variable (with `config.lrMultipliers`); `trains`
   * picks the trained variables when a trainer's rule is not one of the {@link TrainableSet}s
   * (default: `config.trainable`'s).
   */
  protected constructor(
    readonly network: TrainableNetwork,
    readonly config: C,
    multiplier: (name: string) => number,
    trains: (name: string) => boolean = (n) => isTrainable(n, config.trainable),
  ) {
    this.trainedNames = [...network.variables.keys()].filter(trains);
    if (this.trainedNames.length === 0)
      throw new DeeplabError('bad-config', `the network has no variables to train in set '${config.trainable}'`);
    this.trainedVars = this.trainedNames.map((n) => network.variables.get(n)!);
    this.trainedNames.forEach((n, i) => {
      this.keyOfVariable.set(this.trainedVars[i]!.name, n);
    });
    const perVariable = config.lrMultipliers ? multiplier : () => 1;
    this.optimizer =
      config.optimizer === 'adam'
        ? new AdamOptimizer(network.variables, this.trainedNames, perVariable)
        : new MomentumOptimizer(network.variables, this.trainedNames, config.momentum, perVariable);
  }

  /** The base learning rate of the update that follows `step` updates. */
  learningRateAt(step: number): number {
    const c = this.config;
    return c.schedule === 'poly' ? polyLearningRate(c.learningRate, step, c.numSteps, c.power) : c.learningRate;
  }

  /** `weight_decay * sum(0.5 w^2)` over the trained convolution weights, now. */
  async l2Value(): Promise<number> {
    if (this.config.weightDecay === 0) return 0;
    const t = tf.tidy(() => {
      const sums = this.trainedNames.filter(isWeightDecayed).map((n) => tf.sum(tf.square(this.network.variables.get(n)!)));
      return sums.length === 0 ? tf.scalar(0) : tf.mul(tf.addN(sums), 0.5 * this.config.weightDecay);
    });
    const v = (await t.data())[0]!;
    t.dispose();
    return v;
  }

  /** The BatchNorm moving-average update of a training-mode pass (see {@link updateMovingStatistics}). */
  protected updateBatchNormStatistics(stats: readonly BatchNormStats[]): void {
    updateMovingStatistics(this.network.variables, stats, this.config.bnDecay);
  }

  /** The optimiser's state and the update counter, for a checkpoint. */
  async state(): Promise<{ entries: WeightEntry[]; scalars: Record<string, number> }> {
    return { entries: await this.optimizer.stateEntries(), scalars: { ...this.optimizer.stateScalars(), step: this.step } };
  }

  /** Restores what {@link state} returned. */
  loadState(state: { entries: readonly WeightEntry[]; scalars: Record<string, number> }): void {
    this.optimizer.loadState(state.entries, state.scalars);
    const step = state.scalars.step;
    if (typeof step !== 'number' || !Number.isSafeInteger(step) || step < 0)
      throw new DeeplabError('bad-weights', 'trainer state has no valid step');
    this.step = step;
  }

  /** Frees the optimiser state (not the network). */
  dispose(): void {
    this.optimizer.dispose();
  }
}
