import * as tf from '@tensorflow/tfjs-core';
import { INTERACTIVE_CHANNELS, type Click } from '@objsel/clicks';
import { DeeplabError } from '../errors';
import type { DeepLabResNet } from '../model/deeplab';
import { resizeLabelsNearest } from '../train/labels';
import { AdamOptimizer } from '../train/optimizer';
import { isTrainable, type TrainableSet } from '../train/param-groups';
import type { OnProgress } from '../progress';
import { clickDiskLabels, INTERACTIVE_MEAN, preprocessInteractive } from './input';
import { weightedSigmoidCrossEntropy } from './loss';
import { InteractiveTrainer } from './trainer';

/** One image to adapt to: its raw 5-channel input (R, G, B, pos, neg; HWC) and its clicks. */
export interface AdaptSample {
  input: ArrayLike<number>;
  width: number;
  height: number;
  clicks: readonly Click[];
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
 * clicks — the training objective (sigmoid cross-entropy on labels nearest-resized to the
 * logits) with labels only in disks around the clicks (everything else ignored), Adam at a
 * constant rate, no weight decay, frozen BatchNorm. Samples are used in turn, one per update.
 *
 * With `last-layers` (default) only the head `fc1_voc12*` changes, so the backbone features
 * (`res5c_relu`) are computed once per sample without a gradient tape and every update runs the
 * head alone (`DeepLabResNet.head`, the training graph): a ResNet-101 at 321x321 adapts in the
 * memory of an inference. `full` trains everything with {@link InteractiveTrainer}. Changes the
 * model's weights: re-fold any `InteractiveSegmenter` over it (`refresh()`).
 */
export async function adaptToClicks(
  model: DeepLabResNet,
  samples: readonly AdaptSample[],
  options: AdaptOptions = {},
): Promise<AdaptResult> {
  const steps = options.steps ?? 10;
  const learningRate = options.learningRate ?? 1e-4;
  if (!Number.isSafeInteger(steps) || steps < 1)
    throw new DeeplabError('bad-config', `adapt steps must be a positive integer, got ${steps}`);
  if (!(learningRate > 0)) throw new DeeplabError('bad-config', `adapt learning rate must be positive, got ${learningRate}`);
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
  const started = performance.now();
  const losses: number[] = [];
  const report = (k: number, loss: number) => options.onProgress?.({ task: 'adapt', done: k + 1, total: steps, metrics: { loss } });

  if ((options.trainable ?? 'last-layers') === 'full') {
    const trainer = new InteractiveTrainer(model, {
      numSteps: steps,
      learningRate,
      schedule: 'constant',
      optimizer: 'adam',
      weightDecay: 0,
      posWeight: 1,
      lossScale: 1,
      trainable: 'full',
      lrMultipliers: false,
      trainBatchNorm: false,
    });
    try {
      for (let k = 0; k < steps; k++) {
        const result = await trainer.trainStep(batches[k % batches.length]!);
        losses.push(result.loss);
        report(k, result.loss);
      }
    } finally {
      trainer.dispose();
    }
    return { steps, losses, seconds: (performance.now() - started) / 1000 };
  }

  // Head only: backbone features once per sample (no tape), then head updates.
  const features = batches.map((b) => {
    let f: tf.Tensor4D | undefined;
    const x = tf.tensor4d(b.images, [1, b.height, b.width, INTERACTIVE_CHANNELS]);
    tf.dispose(model.forward(x, { transformFeatures: (t) => ((f = tf.keep(tf.clone(t))), t) }).logits);
    x.dispose();
    return f!;
  });
  const names = [...model.variables.keys()].filter((n) => isTrainable(n, 'last-layers'));
  const vars = names.map((n) => model.variables.get(n)!);
  const keyOf = new Map(vars.map((v, i) => [v.name, names[i]!]));
  const optimizer = new AdamOptimizer(model.variables, names);
  try {
    for (let k = 0; k < steps; k++) {
      const i = k % batches.length;
      const b = batches[i]!;
      const f = features[i]!;
      const labels = resizeLabelsNearest(b.labels, 1, b.height, b.width, f.shape[1], f.shape[2]);
      const { value, grads } = tf.variableGrads(() => weightedSigmoidCrossEntropy(model.head(f), labels, { posWeight: 1 }), vars);
      try {
        const loss = (await value.data())[0]!;
        if (!Number.isFinite(loss))
          throw new DeeplabError('non-finite-loss', `adapt loss is ${loss} at update ${k}; no update applied`, { where: `update ${k}` });
        losses.push(loss);
        optimizer.apply(new Map(Object.entries(grads).map(([name, g]) => [keyOf.get(name) ?? name, g])), learningRate);
        report(k, loss);
      } finally {
        tf.dispose([value, ...Object.values(grads)]);
      }
    }
  } finally {
    optimizer.dispose();
    tf.dispose(features);
  }
  return { steps, losses, seconds: (performance.now() - started) / 1000 };
}
