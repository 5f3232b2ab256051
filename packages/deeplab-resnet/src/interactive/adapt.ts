import { DeeplabError } from '../errors';
import type { DeepLabResNet } from '../model/deeplab';
import type { OnProgress } from '../train/progress';
import type { TrainableSet } from '../train/param-groups';
import { clickDiskLabels, INTERACTIVE_MEAN, preprocessInteractive, type InteractiveClick } from './input';
import { InteractiveTrainer } from './trainer';

/** One image to adapt to: its raw 5-channel input (R, G, B, pos, neg; HWC) and its clicks. */
export interface AdaptSample {
  input: ArrayLike<number>;
  width: number;
  height: number;
  clicks: readonly InteractiveClick[];
}

/** Options of {@link adaptToClicks}. */
export interface AdaptOptions {
  /** Updates (default 10). */
  steps?: number;
  /** Adam step size (default 1e-4, fine_tune.py's). */
  learningRate?: number;
  /** Pixels within this radius of a click are labelled with it (default 8: one logit cell at output stride 8). */
  radius?: number;
  /** `last-layers` (default: the head `fc1_voc12*`, fine_tune.py's set) or `full`. */
  trainable?: TrainableSet;
  /** Per-channel mean of the input (default `INTERACTIVE_MEAN`). */
  mean?: readonly number[];
  onProgress?: OnProgress;
}

/** What {@link adaptToClicks} did. */
export interface AdaptResult {
  steps: number;
  /** Loss before each update. */
  losses: number[];
  seconds: number;
}

/**
 * "Adapt to this image": a few fine-tuning updates of the interactive network on the user's own
 * clicks — the training graph and objective of {@link InteractiveTrainer} (sigmoid
 * cross-entropy on labels nearest-resized to the logits), with labels only in disks around the
 * clicks (everything else ignored), Adam at a constant rate, no weight decay, frozen BatchNorm.
 * Changes the model's weights: re-fold any `InteractiveSegmenter` over it (`refresh()`).
 * Samples are used in turn, one per update.
 */
export async function adaptToClicks(model: DeepLabResNet, samples: readonly AdaptSample[], options: AdaptOptions = {}): Promise<AdaptResult> {
  const steps = options.steps ?? 10;
  if (!Number.isSafeInteger(steps) || steps < 1) throw new DeeplabError('bad-config', `adapt steps must be a positive integer, got ${steps}`);
  if (samples.length === 0) throw new DeeplabError('bad-input', 'nothing to adapt to: no sample');
  const batches = samples.map((s) => {
    if (s.clicks.length === 0) throw new DeeplabError('bad-input', 'a sample without clicks has no label to adapt to');
    return {
      images: preprocessInteractive(s.input, s.height, s.width, options.mean ?? INTERACTIVE_MEAN),
      labels: clickDiskLabels(s.width, s.height, s.clicks, options.radius ?? 8),
      batchSize: 1,
      height: s.height,
      width: s.width,
    };
  });
  const trainer = new InteractiveTrainer(model, {
    numSteps: steps,
    learningRate: options.learningRate ?? 1e-4,
    schedule: 'constant',
    optimizer: 'adam',
    weightDecay: 0,
    posWeight: 1,
    lossScale: 1,
    trainable: options.trainable ?? 'last-layers',
    lrMultipliers: false,
    trainBatchNorm: false,
  });
  const started = performance.now();
  const losses: number[] = [];
  try {
    for (let k = 0; k < steps; k++) {
      const result = await trainer.trainStep(batches[k % batches.length]!);
      losses.push(result.loss);
      options.onProgress?.({ task: 'adapt', done: k + 1, total: steps, metrics: { loss: result.loss } });
    }
  } finally {
    trainer.dispose();
  }
  return { steps, losses, seconds: (performance.now() - started) / 1000 };
}
