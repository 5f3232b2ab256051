import * as tf from '@tensorflow/tfjs-core';
import { scaledSize } from '@objsel/deeplab-resnet/train';
import { DCSP_SCALES } from './cues/constants';
import { DcspError } from './errors';
import type { DcspForward } from './network';

/** Global average pooling of `[n, h, w, k]` maps over space → `[n, k]` class scores (DCSP's `g_avg_pool`). */
export function globalAveragePool(maps: tf.Tensor4D): tf.Tensor2D {
  return tf.tidy(() => tf.mean(maps, [1, 2]) as tf.Tensor2D);
}

/**
 * DCSP's multi-label classification loss: the mean over batch and classes of TF's
 * `sigmoid_cross_entropy_with_logits(logits = GAP(fc1_voc12_d0), labels = tags without
 * background)`, i.e. `max(x, 0) - x z + log(1 + exp(-|x|))`. `targets` is `n * k` zeros and
 * ones, row-major.
 */
export function classificationLoss(attention: tf.Tensor4D, targets: Float32Array): tf.Scalar {
  const [n, , , k] = attention.shape;
  if (targets.length !== n * k) throw new DcspError('bad-input', `${targets.length} tag targets for a batch of ${n} x ${k} classes`);
  return tf.tidy(() => {
    const x = globalAveragePool(attention);
    const z = tf.tensor2d(targets, [n, k]);
    const perClass = tf.add(tf.sub(tf.relu(x), tf.mul(x, z)), tf.log1p(tf.exp(tf.neg(tf.abs(x)))));
    return tf.mean(perClass) as tf.Scalar;
  });
}

/** Which output of the DCSP network a multi-scale pass fuses. */
export type DcspOutput = 'attention' | 'logits';

/**
 * The input sizes of DCSP's multi-scale passes: `tf.to_int32(h * s)`, `tf.to_int32(w * s)`
 * (truncation), per scale.
 */
export function scaledSizes(height: number, width: number, scales: readonly number[] = DCSP_SCALES): Array<[number, number]> {
  return scales.map((s) => {
    const size: [number, number] = [scaledSize(height, s), scaledSize(width, s)];
    if (size[0] < 1 || size[1] < 1) throw new DcspError('bad-input', `scale ${s} of a ${height}x${width} image is empty`);
    return size;
  });
}

/**
 * An output of the DCSP network fused over scales as get_localization.py and evaluate.py do:
 * the image (`[1, H, W, 3]`, BGR minus the mean) is resized bilinearly to each scale, the
 * chosen output (`fc1_voc12_d0` attention or `fc1_voc12` logits) of every scale is resized
 * bilinearly to the full-scale output's size, fused by element-wise max, and the result is
 * resized bilinearly to `H x W` (TF1 `resize_bilinear`, no corner alignment). Raw values, not
 * normalised. Returns `[1, H, W, k]`. `net` is a {@link DcspNetwork} or its `inference()` copy.
 */
export function multiScaleOutput(
  net: DcspForward,
  image: tf.Tensor4D,
  output: DcspOutput,
  scales: readonly number[] = DCSP_SCALES,
): tf.Tensor4D {
  const [n, height, width] = image.shape;
  if (n !== 1) throw new DcspError('bad-input', `multi-scale passes take one image, got a batch of ${n}`);
  const sizes = scaledSizes(height, width, scales);
  return tf.tidy(() => {
    let fused: tf.Tensor4D | undefined;
    let base: [number, number] | undefined;
    sizes.forEach(([h, w], i) => {
      const x = h === height && w === width ? image : tf.image.resizeBilinear(image, [h, w]);
      const out = net.forward(x);
      let y = output === 'attention' ? out.attention : out.logits;
      if (i === 0) base = [y.shape[1], y.shape[2]];
      else if (y.shape[1] !== base![0] || y.shape[2] !== base![1]) y = tf.image.resizeBilinear(y, base!);
      fused = fused ? (tf.maximum(fused, y) as tf.Tensor4D) : y;
    });
    return tf.image.resizeBilinear(fused!, [height, width]);
  });
}
