import type * as tf from '@tensorflow/tfjs-core';

/** Batch statistics of one BatchNorm layer from a training-mode forward pass. */
export interface BatchNormStats {
  /** The BatchNorm scope, e.g. `bn_conv1`; its variables are `<layer>/moving_mean` and `<layer>/moving_variance`. */
  layer: string;
  /** Mean over batch and space, per channel. */
  mean: tf.Tensor1D;
  /** Population variance over batch and space, per channel. */
  variance: tf.Tensor1D;
}

/**
 * What training needs from a segmentation network: its variables by TensorFlow-port name and a
 * differentiable forward pass. `DeepLabResNet` satisfies it; tests use small networks with the
 * same naming.
 */
export interface TrainableNetwork {
  /** Every variable, by its TensorFlow-port name (`conv1/weights`, `bn_conv1/moving_mean`, `fc1_voc12_c0/biases`, ...). */
  readonly variables: Map<string, tf.Variable>;
  /**
   * Logits at output stride 8 for an NHWC batch. With `trainBatchNorm` the BatchNorm layers
   * normalise with the batch's statistics and return them in `batchStats`; otherwise they use
   * the moving statistics. `checkpoint` asks for the memory-lean gradient path (recomputed
   * activations, same gradients); networks without one ignore it.
   */
  forward(
    input: tf.Tensor4D,
    options?: { trainBatchNorm?: boolean; checkpoint?: boolean },
  ): { logits: tf.Tensor4D; batchStats?: BatchNormStats[] };
}
