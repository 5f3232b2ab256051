/**
 * A leaner `Step` kernel for the tensorflow backend (`@tensorflow/tfjs-node`). TF.js takes every
 * ReLU gradient as `dy · step(x)`, and tfjs-node builds `step` from six full-size TensorFlow ops
 * (IsNan, Greater, two Fills, two Selects): about a tenth of a ResNet-101 training step. For
 * `alpha = 0` on float32 this one gives the same values with four, `select(isNaN(x), x, x > 0)`
 * (NaN stays NaN, ±∞ give 1 and 0 as before); any other case runs tfjs-node's own kernel.
 * Nothing else of tfjs-node is replaced: its convolution backprops and AddN are right and fast.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';

let stock: tf.KernelConfig | undefined;

const leanStep: KernelFunc = (args) => {
  const x = args.inputs.x as tf.Tensor;
  const alpha = (args.attrs as { alpha?: number } | undefined)?.alpha ?? 0;
  const select = tf.getKernel('Select', 'tensorflow');
  if (alpha !== 0 || x.dtype !== 'float32' || !select) return stock!.kernelFunc(args);
  const nan = tf.isNaN(x);
  const positive = tf.tidy(() => tf.cast(tf.greater(x, 0), 'float32'));
  try {
    // A fresh TensorInfo of the backend, as kernels return.
    return select.kernelFunc({ inputs: { condition: nan, t: x, e: positive }, backend: args.backend, attrs: {} }) as TensorInfo;
  } finally {
    nan.dispose();
    positive.dispose();
  }
};

/**
 * Replaces tfjs-node's `Step` kernel by the lean one (idempotent). Call after
 * tfjs-node is imported; `loadBackend('tensorflow')` does it.
 */
export function registerTensorflowStepKernel(): void {
  const current = tf.getKernel('Step', 'tensorflow');
  if (!current || current.kernelFunc === leanStep) return;
  stock = current;
  tf.unregisterKernel('Step', 'tensorflow');
  tf.registerKernel({ kernelName: 'Step', backendName: 'tensorflow', kernelFunc: leanStep });
}
