import * as tf from '@tensorflow/tfjs-core';
import { DeeplabError } from '../errors';

/**
 * How pixels labelled `>= numClasses` (255 = ignore) count in the mean:
 * - `drop` (train.py, train_msc.py): removed; the mean is over the kept pixels only.
 * - `zero` (fine_tune.py): kept in the count with a zero one-hot row, so they add 0 to the
 *   sum but still divide it (the mean is over all pixels).
 */
export type IgnoreMode = 'drop' | 'zero';

/**
 * The sparse soft-max cross-entropy of the TensorFlow port: `logits` `[n, h, w, C]` against
 * `labels` already at the logits' size (`n*h*w` class ids, see `resizeLabelsNearest`).
 * Returns a scalar that is differentiable with respect to `logits`.
 *
 * With `drop` and no kept pixel at all, TF's mean of an empty set is NaN; objsel returns 0
 * instead (such a batch carries no signal) so one all-ignore crop cannot end a run.
 */
export function segmentationCrossEntropy(
  logits: tf.Tensor4D,
  labels: ArrayLike<number>,
  numClasses: number,
  ignore: IgnoreMode = 'drop',
): tf.Scalar {
  const [n, h, w, c] = logits.shape;
  if (c !== numClasses) throw new DeeplabError('bad-input', `logits have ${c} classes, expected ${numClasses}`);
  const pixels = n * h * w;
  if (labels.length !== pixels) throw new DeeplabError('bad-input', `${labels.length} labels for logits of ${n}x${h}x${w}`);
  let kept = 0;
  for (let i = 0; i < pixels; i++) {
    const l = labels[i]!;
    if (l >= 0 && l < numClasses) kept++;
  }
  const denominator = ignore === 'drop' ? kept : pixels;
  // The target is the one-hot row scaled by 1/denominator, so -sum(target * log p) is the mean.
  const target = new Float32Array(pixels * c);
  if (denominator > 0) {
    const weight = 1 / denominator;
    for (let i = 0; i < pixels; i++) {
      const l = labels[i]!;
      if (l >= 0 && l < numClasses) target[i * c + l] = weight;
    }
  }
  return tf.tidy((): tf.Scalar => {
    const logProbs = tf.logSoftmax(tf.reshape(logits, [pixels, c]));
    return tf.neg(tf.sum(tf.mul(logProbs, tf.tensor2d(target, [pixels, c])))) as tf.Scalar;
  });
}

/** `weightDecay * sum(0.5 * w^2)` over `weights` (TF's `weight_decay * tf.nn.l2_loss(w)` summed). */
export function l2Penalty(weights: readonly tf.Tensor[], weightDecay: number): tf.Scalar {
  return tf.tidy(() => {
    if (weights.length === 0 || weightDecay === 0) return tf.scalar(0);
    const sums = weights.map((w) => tf.sum(tf.square(w)));
    return tf.mul(tf.addN(sums), 0.5 * weightDecay);
  });
}
