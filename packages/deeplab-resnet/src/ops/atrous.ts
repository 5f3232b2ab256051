import * as tf from '@tensorflow/tfjs-core';
import { atrousPlan } from './padding';
import { batchToSpace2d, spaceToBatch2d } from './space-to-batch';

/**
 * Stride-1 'SAME' atrous (dilated) convolution as TensorFlow's `atrous_conv2d` runs it:
 * `spaceToBatchND` → VALID `conv2d` → `batchToSpaceND` (as {@link spaceToBatch2d} /
 * {@link batchToSpace2d}, which are faster on wasm; TensorFlow's own ops on tensorflow). Equal to
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
    // TensorFlow's own SpaceToBatchND/BatchToSpaceND are single fast kernels (and each other's
    // gradient); the pad-and-transpose forms are for the backends whose 6-D transpose is slow.
    if (tf.getBackend() === 'tensorflow') {
      const batched = tf.spaceToBatchND(x, [rate, rate], plan.paddings);
      return tf.batchToSpaceND(tf.conv2d(batched, filter, 1, 'valid'), [rate, rate], plan.crops);
    }
    const batched = spaceToBatch2d(x, rate, plan.paddings);
    const convolved = tf.conv2d(batched, filter, 1, 'valid');
    return batchToSpace2d(convolved, rate, plan.crops);
  });
}
