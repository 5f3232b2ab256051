/** The network's object probability for one image and its clicks. */
import * as tf from '@tensorflow/tfjs-core';
import { FoldedDeepLab, type DeepLabResNet } from '@objsel/deeplab-resnet';
import { modelSize, networkInput, type Size } from './input';

/** Anything that maps an NHWC batch to logits at output stride 8. */
export interface LogitsNetwork {
  predict(input: tf.Tensor4D): tf.Tensor4D;
}

/**
 * The fast inference form of a model: BatchNorm folded into the convolutions, atrous
 * convolutions as native dilated `conv2d` (deeplab-resnet's `FoldedDeepLab`). Dispose it, and
 * fold again after the model's weights change (adaptation).
 */
export function inferenceNetwork(model: DeepLabResNet): LogitsNetwork & { dispose(): void } {
  return FoldedDeepLab.fromModel(model);
}

/** The training-graph forward pass of a model as a {@link LogitsNetwork} (no folding). */
export function trainingGraphNetwork(model: DeepLabResNet): LogitsNetwork {
  return { predict: (x) => model.forward(x).logits };
}

/**
 * Runs the network on one 5-channel input (`[1, h, w, 5]` at model size) and returns the object
 * probability at `out` size: logits (output stride 8) resized bilinearly, then the sigmoid.
 * Reads back with `await data()` (WebGPU-safe); leaves no tensors behind.
 */
export async function objectProbabilities(network: LogitsNetwork, input: Float32Array, size: Size, out: Size): Promise<Float32Array> {
  const probs = tf.tidy(() => {
    const x = tf.tensor4d(input, [1, size.height, size.width, 5]);
    return tf.sigmoid(tf.image.resizeBilinear(network.predict(x), [out.height, out.width]));
  });
  try {
    return (await probs.data()) as Float32Array;
  } finally {
    probs.dispose();
  }
}

/**
 * A `SegmentFunction` for @objsel/clicks sessions, predictors and the NoC robot: the raw
 * 5-channel input at full size (click distances already in model pixels, see `clickMapScale`)
 * shrunk to model size, through the network, probability back at full size.
 */
export function segmentFunction(network: LogitsNetwork): (raw: Float32Array, width: number, height: number) => Promise<Float32Array> {
  return (raw, width, height) => {
    const full = { width, height };
    const small = modelSize(full);
    return objectProbabilities(network, networkInput(raw, full, small), small, full);
  };
}
