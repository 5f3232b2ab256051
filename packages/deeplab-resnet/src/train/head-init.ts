/**
 * The head a training run creates on a ResNet backbone, initialised as the TensorFlow port
 * does with `--not-restore-last`: its `network.py` makes every variable with
 * `tf.get_variable(name, shape)` and no initializer, so TF 1.x's default applies,
 * `glorot_uniform_initializer` (variance scaling, fan_avg, uniform) — weights *and* biases.
 */
import * as tf from '@tensorflow/tfjs-core';
import { isLastLayer } from './param-groups';

/**
 * TensorFlow's fans of a variable shape (`init_ops._compute_fans`): a vector's are its length;
 * a convolution kernel HWIO's are in·h·w and out·h·w.
 */
export function tfFans(shape: readonly number[]): { fanIn: number; fanOut: number } {
  if (shape.length === 0) return { fanIn: 1, fanOut: 1 };
  if (shape.length === 1) return { fanIn: shape[0]!, fanOut: shape[0]! };
  if (shape.length === 2) return { fanIn: shape[0]!, fanOut: shape[1]! };
  const receptive = shape.slice(0, -2).reduce((a, b) => a * b, 1);
  return { fanIn: shape[shape.length - 2]! * receptive, fanOut: shape[shape.length - 1]! * receptive };
}

/** The bound of `glorot_uniform_initializer`: values are uniform in [-limit, limit), limit = sqrt(6 / (fanIn + fanOut)). */
export function glorotUniformLimit(shape: readonly number[]): number {
  const { fanIn, fanOut } = tfFans(shape);
  return Math.sqrt(6 / (fanIn + fanOut));
}

/**
 * Sets every head variable (`fc*`: the ASPP `fc1_voc12_c*` weights and biases) to Glorot-uniform
 * values, seeded, as the TF port creates a head that is not restored.
 */
export function initializeHeadLikeTfPort(network: { variables: Map<string, tf.Variable> }, seed: number): void {
  let i = 0;
  for (const [name, v] of network.variables) {
    if (!isLastLayer(name)) continue;
    i += 1;
    const limit = glorotUniformLimit(v.shape);
    tf.tidy(() => v.assign(tf.randomUniform(v.shape, -limit, limit, 'float32', seed * 1000 + i)));
  }
}
