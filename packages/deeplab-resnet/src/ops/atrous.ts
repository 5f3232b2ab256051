import * as tf from '@tensorflow/tfjs-core';
import { atrousPlan } from './padding';

/**
 * Stride-1 'SAME' atrous (dilated) convolution as TensorFlow's `atrous_conv2d` runs it:
 * `spaceToBatchND` → VALID `conv2d` → `batchToSpaceND`. Equal to
 * `tf.conv2d(x, filter, 1, 'same', 'NHWC', [rate, rate])`, but differentiable: TF.js refuses
 * gradients of dilated `conv2d`, while all three ops here have gradients.
 *
 * @param x NHWC input.
 * @param filter HWIO filter.
 * @param rate dilation rate (1 = an ordinary 'SAME' convolution).
 */
export function atrousConv2d(x: tf.Tensor4D, filter: tf.Tensor4D, rate: number): tf.Tensor4D {
  if (rate === 1) return tf.conv2d(x, filter, 1, 'same');
  return tf.tidy(() => {
    const plan = atrousPlan([x.shape[1], x.shape[2]], [filter.shape[0], filter.shape[1]], rate);
    const batched = tf.spaceToBatchND(x, [rate, rate], plan.paddings);
    const convolved = tf.conv2d(batched as tf.Tensor4D, filter, 1, 'valid');
    return tf.batchToSpaceND(convolved, [rate, rate], plan.crops) as tf.Tensor4D;
  });
}
