/** The seed's objective for the interactive network, with optional per-pixel weights. */
import * as tf from '@tensorflow/tfjs-core';

/**
 * TF's `weighted_cross_entropy_with_logits(labels=z, logits=x, pos_weight=q)`,
 * `(1 - z) x + (1 + (q - 1) z) (log(1 + exp(-|x|)) + max(-x, 0))` (the numerically stable
 * form), averaged with per-pixel `weights` (`sum(w l) / sum(w)`; weights of 1 give the mean).
 * Deep Interactive Object Selection's loss uses pos_weight 5.
 */
export function weightedSigmoidLoss(logits: tf.Tensor, labels: tf.Tensor, weights: tf.Tensor | null, posWeight: number): tf.Scalar {
  return tf.tidy(() => {
    const softplusNeg = tf.add(tf.log1p(tf.exp(tf.neg(tf.abs(logits)))), tf.relu(tf.neg(logits)));
    const perPixel = tf.add(tf.mul(tf.sub(1, labels), logits), tf.mul(tf.add(1, tf.mul(posWeight - 1, labels)), softplusNeg));
    if (!weights) return tf.mean(perPixel) as tf.Scalar;
    return tf.div(tf.sum(tf.mul(perPixel, weights)), tf.maximum(tf.sum(weights), 1e-6)) as tf.Scalar;
  });
}
