import * as tf from '@tensorflow/tfjs-core';
import { DeeplabError } from '../errors';

/** Options of {@link weightedSigmoidCrossEntropy}. */
export interface SigmoidLossOptions {
  /** Weight of the positive (object) term, TF's `pos_weight` (seed: 5). */
  posWeight?: number;
  /** Label of pixels left out of the loss (255). Labels other than 0, 1 and this are an error. */
  ignoreLabel?: number;
}

/**
 * The objective term of deep-interactive's `train.py`, `tf.nn.weighted_cross_entropy_with_logits(targets, logits,
 * pos_weight)` averaged over the labelled pixels:
 *
 *   loss_i = (1 - z_i) x_i + (1 + (q - 1) z_i) (log(1 + exp(-|x_i|)) + max(-x_i, 0))
 *
 * (= -q z log σ(x) - (1 - z) log(1 - σ(x)), in TF's overflow-free form) for logits `x`
 * `[n, h, w, 1]` and labels `z` ∈ {0, 1} already at the logits' size (`resizeLabelsNearest`);
 * pixels labelled `ignoreLabel` are dropped from the mean (deep-interactive casts 255 to a target of 255;
 * objsel ignores them as the DeepLab port does). No labelled pixel gives 0. Differentiable in
 * `logits`.
 *
 * @throws DeeplabError `bad-input` for a label that is not 0, 1 or `ignoreLabel`, or a size mismatch.
 */
export function weightedSigmoidCrossEntropy(logits: tf.Tensor4D, labels: ArrayLike<number>, options: SigmoidLossOptions = {}): tf.Scalar {
  const q = options.posWeight ?? 5;
  const ignore = options.ignoreLabel ?? 255;
  if (!(q > 0) || !Number.isFinite(q)) throw new DeeplabError('bad-config', `posWeight must be a positive number, got ${q}`);
  const [n, h, w, c] = logits.shape;
  if (c !== 1) throw new DeeplabError('bad-input', `a sigmoid loss needs one output channel, got ${c}`);
  const pixels = n * h * w;
  if (labels.length !== pixels) throw new DeeplabError('bad-input', `${labels.length} labels for logits of ${n}x${h}x${w}`);
  const target = new Float32Array(pixels);
  const weight = new Float32Array(pixels);
  let kept = 0;
  for (let i = 0; i < pixels; i++) {
    const l = labels[i]!;
    if (l === ignore) continue;
    if (l !== 0 && l !== 1) throw new DeeplabError('bad-input', `label ${l} at pixel ${i} is not 0, 1 or the ignore label ${ignore}`);
    target[i] = l;
    weight[i] = 1;
    kept++;
  }
  if (kept > 0) for (let i = 0; i < pixels; i++) weight[i]! /= kept;
  return tf.tidy((): tf.Scalar => {
    const x = tf.reshape(logits, [pixels]);
    const z = tf.tensor1d(target);
    const softplusNeg = tf.add(tf.log1p(tf.exp(tf.neg(tf.abs(x)))), tf.relu(tf.neg(x)));
    const perPixel = tf.add(tf.mul(tf.sub(1, z), x), tf.mul(tf.add(1, tf.mul(q - 1, z)), softplusNeg));
    return tf.sum(tf.mul(perPixel, tf.tensor1d(weight))) as tf.Scalar;
  });
}

/**
 * The original code's learning-rate multipliers (Damanpreet / jia2lin3yuan1 `train.py`): `conv1` ×5 (it
 * is retrained for the click channels), the head `fc*` ×5 (weights and biases alike), every
 * other trained variable ×1.
 */
export function interactiveLearningRateMultiplier(name: string): number {
  if (name.includes('fc')) return 5;
  if (name.includes('conv1')) return 5;
  return 1;
}
