// A small network with the TF port's variable names (conv1 + bn_conv1 + a two-branch fc1_voc12
// head with biases), plus an independent float64 implementation of the same forward pass and
// loss in plain JS, for finite-difference reference gradients.
import * as tf from '@tensorflow/tfjs-core';
import type { BatchNormStats, TrainableNetwork } from '../../src/train/network';

let counter = 0;

/** Deterministic pseudo-random numbers in [-1, 1). */
export function seededValues(n: number, seed: number): Float32Array {
  let s = seed >>> 0;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = (((t ^ (t >>> 14)) >>> 0) / 4294967296) * 2 - 1;
  }
  return out;
}

export interface TinyShape {
  inputChannels: number;
  hidden: number;
  numClasses: number;
}

export const TINY: TinyShape = { inputChannels: 3, hidden: 4, numClasses: 3 };

/** Variable shapes of the tiny net by TF-port name. */
export function tinyShapes(s: TinyShape = TINY): Record<string, number[]> {
  return {
    'conv1/weights': [3, 3, s.inputChannels, s.hidden],
    'bn_conv1/moving_mean': [s.hidden],
    'bn_conv1/moving_variance': [s.hidden],
    'bn_conv1/gamma': [s.hidden],
    'bn_conv1/beta': [s.hidden],
    'fc1_voc12_c0/weights': [3, 3, s.hidden, s.numClasses],
    'fc1_voc12_c0/biases': [s.numClasses],
    'fc1_voc12_c1/weights': [1, 1, s.hidden, s.numClasses],
    'fc1_voc12_c1/biases': [s.numClasses],
  };
}

/** conv1 3x3/2 'SAME' → BN → ReLU → fc1_voc12_c0 (3x3) + fc1_voc12_c1 (1x1), both biased. */
export class TinyNet implements TrainableNetwork {
  readonly variables = new Map<string, tf.Variable>();
  readonly config: { numClasses: number; inputChannels: number };

  constructor(
    readonly shape: TinyShape = TINY,
    seed = 1,
    readonly bnEpsilon = 1e-5,
  ) {
    counter += 1;
    this.config = { numClasses: shape.numClasses, inputChannels: shape.inputChannels };
    let k = 0;
    for (const [name, dims] of Object.entries(tinyShapes(shape))) {
      const n = dims.reduce((a, b) => a * b, 1);
      let values = seededValues(n, seed * 100 + k++);
      if (name.endsWith('moving_variance') || name.endsWith('gamma')) values = values.map((v) => 1 + 0.3 * v);
      else if (name.endsWith('weights')) values = values.map((v) => 0.5 * v);
      else values = values.map((v) => 0.2 * v);
      this.variables.set(name, tf.variable(tf.tensor(values, dims), !name.includes('moving_'), `tiny${counter}/${name}`));
    }
  }

  forward(input: tf.Tensor4D, options: { trainBatchNorm?: boolean } = {}): { logits: tf.Tensor4D; batchStats?: BatchNormStats[] } {
    const v = (n: string) => this.variables.get(n)!;
    return tf.tidy(() => {
      const y = tf.conv2d(input, v('conv1/weights') as tf.Tensor4D, 2, 'same');
      let mean: tf.Tensor1D = v('bn_conv1/moving_mean') as tf.Tensor1D;
      let variance: tf.Tensor1D = v('bn_conv1/moving_variance') as tf.Tensor1D;
      const stats: BatchNormStats[] = [];
      if (options.trainBatchNorm) {
        const m = tf.moments(y, [0, 1, 2]);
        mean = m.mean as tf.Tensor1D;
        variance = m.variance as tf.Tensor1D;
        stats.push({ layer: 'bn_conv1', mean, variance });
      }
      const h = tf.relu(
        tf.batchNorm(y, mean, variance, v('bn_conv1/beta') as tf.Tensor1D, v('bn_conv1/gamma') as tf.Tensor1D, this.bnEpsilon),
      );
      const c0 = tf.add(tf.conv2d(h as tf.Tensor4D, v('fc1_voc12_c0/weights') as tf.Tensor4D, 1, 'same'), v('fc1_voc12_c0/biases'));
      const c1 = tf.add(tf.conv2d(h as tf.Tensor4D, v('fc1_voc12_c1/weights') as tf.Tensor4D, 1, 'same'), v('fc1_voc12_c1/biases'));
      const logits = tf.add(c0, c1) as tf.Tensor4D;
      return (options.trainBatchNorm ? { logits, batchStats: stats } : { logits }) as never;
    }) as { logits: tf.Tensor4D; batchStats?: BatchNormStats[] };
  }

  /** Current values as float64 arrays. */
  async values(): Promise<Record<string, Float64Array>> {
    const out: Record<string, Float64Array> = {};
    for (const [name, v] of this.variables) out[name] = Float64Array.from(await v.data());
    return out;
  }

  dispose(): void {
    for (const v of this.variables.values()) v.dispose();
  }
}

// ---- float64 reference ----

/** TF 'SAME' padding before the first element. */
function padBefore(size: number, k: number, stride: number): number {
  const out = Math.ceil(size / stride);
  return Math.floor(Math.max((out - 1) * stride + k - size, 0) / 2);
}

/** NHWC conv, HWIO filter, TF 'SAME', in float64. */
export function conv2dRef(
  x: Float64Array,
  xShape: number[],
  f: Float64Array,
  fShape: number[],
  stride: number,
): { y: Float64Array; shape: number[] } {
  const [n, h, w, ci] = xShape as [number, number, number, number];
  const [kh, kw, , co] = fShape as [number, number, number, number];
  const oh = Math.ceil(h / stride);
  const ow = Math.ceil(w / stride);
  const pt = padBefore(h, kh, stride);
  const pl = padBefore(w, kw, stride);
  const y = new Float64Array(n * oh * ow * co!);
  for (let b = 0; b < n; b++)
    for (let oy = 0; oy < oh; oy++)
      for (let ox = 0; ox < ow; ox++)
        for (let o = 0; o < co!; o++) {
          let s = 0;
          for (let ky = 0; ky < kh!; ky++) {
            const iy = oy * stride + ky - pt;
            if (iy < 0 || iy >= h!) continue;
            for (let kx = 0; kx < kw!; kx++) {
              const ix = ox * stride + kx - pl;
              if (ix < 0 || ix >= w!) continue;
              for (let c = 0; c < ci!; c++) s += x[((b * h! + iy) * w! + ix) * ci! + c]! * f[((ky * kw! + kx) * ci! + c) * co! + o]!;
            }
          }
          y[((b * oh + oy) * ow + ox) * co! + o] = s;
        }
  return { y, shape: [n!, oh, ow, co!] };
}

/** The tiny net's logits in float64 (frozen BN). */
export function tinyForwardRef(
  p: Record<string, Float64Array>,
  x: Float64Array,
  xShape: number[],
  s: TinyShape = TINY,
  eps = 1e-5,
): { y: Float64Array; shape: number[] } {
  const shapes = tinyShapes(s);
  const { y, shape } = conv2dRef(x, xShape, p['conv1/weights']!, shapes['conv1/weights']!, 2);
  const hidden = s.hidden;
  for (let i = 0; i < y.length; i++) {
    const c = i % hidden;
    const v =
      ((y[i]! - p['bn_conv1/moving_mean']![c]!) / Math.sqrt(p['bn_conv1/moving_variance']![c]! + eps)) * p['bn_conv1/gamma']![c]! +
      p['bn_conv1/beta']![c]!;
    y[i] = Math.max(v, 0);
  }
  const a = conv2dRef(y, shape, p['fc1_voc12_c0/weights']!, shapes['fc1_voc12_c0/weights']!, 1);
  const b = conv2dRef(y, shape, p['fc1_voc12_c1/weights']!, shapes['fc1_voc12_c1/weights']!, 1);
  for (let i = 0; i < a.y.length; i++) {
    const c = i % s.numClasses;
    a.y[i] = a.y[i]! + p['fc1_voc12_c0/biases']![c]! + b.y[i]! + p['fc1_voc12_c1/biases']![c]!;
  }
  return a;
}

/** Mean soft-max cross-entropy over pixels with label < C (labels at logit size), float64. */
export function crossEntropyRef(logits: Float64Array, labels: ArrayLike<number>, c: number): number {
  let sum = 0;
  let kept = 0;
  for (let i = 0; i < labels.length; i++) {
    const l = labels[i]!;
    if (l < 0 || l >= c) continue;
    let max = -Infinity;
    for (let k = 0; k < c; k++) max = Math.max(max, logits[i * c + k]!);
    let z = 0;
    for (let k = 0; k < c; k++) z += Math.exp(logits[i * c + k]! - max);
    sum += Math.log(z) + max - logits[i * c + l]!;
    kept++;
  }
  return kept === 0 ? 0 : sum / kept;
}
