import * as tf from '@tensorflow/tfjs-core';
import {
  TrainerBase,
  isBatchNormVariable,
  isWeightDecayed,
  learningRateMultiplier,
  polyLearningRate,
  resizeLabelsNearest,
  segmentationCrossEntropy,
  type BatchNormStats,
  type OptimisationConfig,
} from '@objsel/deeplab-resnet/train';
import { classificationLoss } from '../attention';
import { DcspError } from '../errors';
import type { DcspNetwork } from '../network';
import type { DcspBatch } from './batches';

/**
 * Which variables a DCSP stage trains: `fc` = train_fcan.py (names containing `fc`: the ASPP
 * head and `fc1_voc12_d0`), `all` = train_segmentation.py (every convolution; BatchNorm stays
 * frozen, as `is_training=False` and the beta/gamma filter leave it).
 */
export type DcspTrainableSet = 'fc' | 'all';

/** What a stage optimises: `classification` (attention stage) or `segmentation` (+ classification). */
export type DcspObjective = 'classification' | 'segmentation';

/** Hyper-parameters of one training stage (train_fcan.py / train_segmentation.py constants). */
export interface StageConfig {
  /** Updates in this stage. The poly schedule runs over `steps + 1` as DCSP's `num_steps`. */
  steps: number;
  /** Base learning rate (1e-3 in DCSP). */
  learningRate: number;
  /** 0.9. */
  momentum: number;
  /** Poly exponent, 0.9. */
  power: number;
  /** L2 factor on every `weights` variable, 5e-4. */
  weightDecay: number;
  trainable: DcspTrainableSet;
  objective: DcspObjective;
  /**
   * BatchNorm normalises with the batch statistics and updates its moving statistics
   * (`moving -= (1 - bnDecay) (moving - batch)`, slim's rule; the TF port's `--is-training`).
   * DCSP keeps BatchNorm frozen (false); training from scratch needs it.
   */
  trainBatchNorm?: boolean;
  /** Decay of the moving statistics under `trainBatchNorm` (slim: 0.999). */
  bnDecay?: number;
}

/** What one update did. */
export interface StageStepResult {
  /** Updates applied in this stage, this one included. */
  step: number;
  /** The whole loss (task terms + L2 over all convolution weights), before the update. */
  loss: number;
  /** Segmentation cross-entropy (segmentation objective). */
  segmentation?: number;
  /** Multi-label sigmoid cross-entropy on the pooled attention. */
  classification: number;
  /** The L2 part of `loss`. */
  l2: number;
  /** The base learning rate used. */
  learningRate: number;
  /** Images that went through the network. */
  images: number;
}

/** The shared optimisation settings of a stage (TF's momentum, DCSP's poly schedule, frozen or batch-statistics BatchNorm). */
function optimisationOf(config: StageConfig): OptimisationConfig {
  if (!(Number.isSafeInteger(config.steps) && config.steps >= 0))
    throw new DcspError('bad-config', `steps must be an integer >= 0, got ${config.steps}`);
  return {
    numSteps: config.steps,
    learningRate: config.learningRate,
    schedule: 'poly',
    power: config.power,
    optimizer: 'momentum',
    momentum: config.momentum,
    weightDecay: config.weightDecay,
    // On DCSP's network the names containing `fc` are those containing `fc1_voc12`; `trains` below is DCSP's own rule.
    trainable: config.trainable === 'fc' ? 'last-layers' : 'full',
    lrMultipliers: true,
    trainBatchNorm: config.trainBatchNorm === true,
    bnDecay: config.bnDecay ?? 0.999,
    checkpoint: false,
  };
}

/**
 * One DCSP training stage's optimisation: a fresh momentum optimiser (TF's update, multipliers
 * 1 / 10 for `fc*` weights / 20 for `fc*` biases), DCSP's poly schedule
 * `lr = base (1 - s / (steps + 1))^0.9` for updates `s = 1..steps`, the stage's objective, and
 * the L2 term `weightDecay * sum(0.5 w^2)` over every `weights` variable in the objective.
 */
export class StageTrainer extends TrainerBase<OptimisationConfig> {
  declare readonly network: DcspNetwork;
  private readonly decayedNames: string[];

  constructor(
    network: DcspNetwork,
    /** The stage's settings as DCSP names them. */
    readonly stage: StageConfig,
  ) {
    super(
      network,
      optimisationOf(stage),
      learningRateMultiplier,
      (n) => !isBatchNormVariable(n) && (stage.trainable === 'all' || n.includes('fc')),
    );
    this.decayedNames = [...network.variables.keys()].filter(isWeightDecayed);
  }

  /** The base learning rate of the update that follows `step` updates: DCSP feeds `step_ph = step + 1` over `steps + 1`. */
  override learningRateAt(step: number): number {
    return polyLearningRate(this.config.learningRate, step + 1, this.config.numSteps + 1, this.config.power);
  }

  /** One update on `batch`. Throws `non-finite-loss` (weights untouched) if the loss is NaN or infinite. */
  async trainStep(batch: DcspBatch): Promise<StageStepResult> {
    const { batchSize: n, height: h, width: w } = batch;
    const segmentation = this.stage.objective === 'segmentation';
    if (segmentation && !batch.labels) throw new DcspError('bad-input', 'a segmentation step needs cue labels');
    const numClasses = this.network.numClasses;
    const x = tf.tensor4d(batch.images, [n, h, w, 3]);
    // [classification, segmentation, L2], read back with one sync after the gradients.
    let parts: tf.Tensor1D | undefined;
    const trainBatchNorm = this.config.trainBatchNorm;
    const stats: BatchNormStats[] = [];
    const trainedVars = this.trainedVars;
    const wd = this.config.weightDecay;
    let result: { value: tf.Scalar; grads: tf.NamedTensorMap };
    try {
      result = tf.variableGrads(() => {
        const out = this.network.forward(x, { trainBatchNorm });
        for (const st of out.batchStats ?? []) stats.push({ layer: st.layer, mean: tf.keep(st.mean), variance: tf.keep(st.variance) });
        const cls = classificationLoss(out.attention, batch.tags);
        let seg: tf.Scalar = tf.scalar(0);
        if (segmentation) {
          const [, lh, lw] = out.logits.shape;
          const small = resizeLabelsNearest(batch.labels!, n, h, w, lh, lw);
          seg = segmentationCrossEntropy(out.logits, small, numClasses, 'drop');
        }
        // DCSP's L2 covers every convolution kernel (trained or not); its gradient, wd * w,
        // reaches only the trained ones.
        const l2 =
          wd > 0
            ? (tf.mul(
                tf.addN(this.decayedNames.map((name) => tf.sum(tf.square(this.network.variables.get(name)!)))),
                0.5 * wd,
              ) as tf.Scalar)
            : tf.scalar(0);
        parts = tf.keep(tf.stack([cls, seg, l2]) as tf.Tensor1D);
        return tf.addN([cls, seg, l2]) as tf.Scalar;
      }, trainedVars);
    } finally {
      x.dispose();
    }
    const grads = new Map<string, tf.Tensor>();
    for (const [varName, g] of Object.entries(result.grads)) grads.set(this.keyOfVariable.get(varName) ?? varName, g);
    try {
      const [cls, seg, l2] = Array.from(await parts!.data()) as [number, number, number];
      const loss = cls + seg + l2;
      if (!Number.isFinite(loss)) {
        throw new DcspError('non-finite-loss', `loss is ${loss} at update ${this.step + 1}; no update applied`, {
          where: `step ${this.step + 1}`,
        });
      }
      const learningRate = this.learningRateAt(this.step);
      this.optimizer.apply(grads, learningRate);
      this.updateBatchNormStatistics(stats);
      this.step += 1;
      return { step: this.step, loss, classification: cls, ...(segmentation ? { segmentation: seg } : {}), l2, learningRate, images: n };
    } finally {
      result.value.dispose();
      for (const g of grads.values()) g.dispose();
      parts?.dispose();
      for (const st of stats) tf.dispose([st.mean, st.variance]);
    }
  }
}
