/**
 * An independent DeepLab-v2 ResNet forward pass for tests, written from deploy.prototxt and the
 * TF port's model.py without using the package's layer plan: native dilated `conv2d` with
 * explicitly computed TF 'SAME' paddings, BatchNorm as the direct formula, pool1 as a -inf padded
 * VALID max pool, the ASPP branches summed with their biases.
 */
import * as tf from '@tensorflow/tfjs-core';

/** Weights by TF-port name. */
export type WeightMap = Map<string, { shape: number[]; data: Float32Array }>;

/** Explicit TF 'SAME' padding [before, after] of one dimension. */
function tfSame(n: number, k: number, s: number, d: number): [number, number] {
  const out = Math.ceil(n / s);
  const total = Math.max(0, (out - 1) * s + (k - 1) * d + 1 - n);
  return [Math.floor(total / 2), total - Math.floor(total / 2)];
}

/** Unit names per stage as Kaiming He's prototxts: ResNet-101/152 number res3/res4 units b1, b2, … */
function units(stage: number, count: number, numbered: boolean): string[] {
  return Array.from(
    { length: count },
    (_, i) => `res${stage}${i === 0 ? 'a' : numbered && (stage === 3 || stage === 4) ? `b${i}` : 'abcdefghijklmnopqrstuvwxyz'[i]}`,
  );
}

/** The reference forward pass; runs on whatever backend is active. Returns `[1, h, w, C]` logits. */
export function referenceForward(
  weights: WeightMap,
  input: tf.Tensor4D,
  options: { blocks: number[]; bnEpsilon: number; asppRates: number[]; numbered: boolean },
): tf.Tensor4D {
  const w = (name: string): tf.Tensor => {
    const e = weights.get(name);
    if (!e) throw new Error(`reference: no weight ${name}`);
    return tf.tensor(e.data, e.shape);
  };
  const conv = (x: tf.Tensor4D, name: string, stride: number, dilation: number): tf.Tensor4D => {
    const f = w(`${name}/weights`) as tf.Tensor4D;
    const k = f.shape[0];
    const ph = tfSame(x.shape[1], k, stride, dilation);
    const pw = tfSame(x.shape[2], k, stride, dilation);
    return tf.conv2d(x, f, stride, [[0, 0], ph, pw, [0, 0]], 'NHWC', dilation);
  };
  const bn = (x: tf.Tensor4D, name: string): tf.Tensor4D => {
    const mean = w(`${name}/moving_mean`);
    const variance = w(`${name}/moving_variance`);
    const gamma = w(`${name}/gamma`);
    const beta = w(`${name}/beta`);
    // (x − μ) · γ / √(σ² + ε) + β
    return tf.add(tf.div(tf.mul(tf.sub(x, mean), gamma), tf.sqrt(tf.add(variance, options.bnEpsilon))), beta) as tf.Tensor4D;
  };
  // One tidy per unit (the previous output disposed), so full-size inputs fit in memory.
  let x = tf.tidy(() => {
    const y = tf.relu(bn(conv(input, 'conv1', 2, 1), 'bn_conv1')) as tf.Tensor4D;
    const [pt, pb] = tfSame(y.shape[1], 3, 2, 1);
    const [pl, pr] = tfSame(y.shape[2], 3, 2, 1);
    return tf.maxPool(
      tf.pad(
        y,
        [
          [0, 0],
          [pt, pb],
          [pl, pr],
          [0, 0],
        ],
        -Infinity,
      ) as tf.Tensor4D,
      3,
      2,
      'valid',
    );
  });
  const stages = [
    { stage: 2, stride: 1, dilation: 1 },
    { stage: 3, stride: 2, dilation: 1 },
    { stage: 4, stride: 1, dilation: 2 },
    { stage: 5, stride: 1, dilation: 4 },
  ];
  stages.forEach(({ stage, stride, dilation }, s) => {
    units(stage, options.blocks[s]!, options.numbered).forEach((unit, i) => {
      const st = i === 0 ? stride : 1;
      const bnName = (branch: string) => `bn${unit.slice(3)}_${branch}`;
      const previous = x;
      x = tf.tidy(() => {
        const shortcut = i === 0 ? bn(conv(previous, `${unit}_branch1`, st, 1), bnName('branch1')) : previous;
        let y = tf.relu(bn(conv(previous, `${unit}_branch2a`, st, 1), bnName('branch2a'))) as tf.Tensor4D;
        y = tf.relu(bn(conv(y, `${unit}_branch2b`, 1, dilation), bnName('branch2b'))) as tf.Tensor4D;
        y = bn(conv(y, `${unit}_branch2c`, 1, 1), bnName('branch2c'));
        return tf.relu(tf.add(shortcut, y)) as tf.Tensor4D;
      });
      previous.dispose();
    });
  });
  const features = x;
  const logits = tf.tidy(
    () =>
      tf.addN(
        options.asppRates.map((rate, i) => tf.add(conv(features, `fc1_voc12_c${i}`, 1, rate), w(`fc1_voc12_c${i}/biases`))),
      ) as tf.Tensor4D,
  );
  features.dispose();
  return logits;
}

/** ‖a − b‖₂ / ‖b‖₂ in float64. */
export function relativeL2(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let num = 0;
  let den = 0;
  for (let i = 0; i < a.length; i++) {
    const d = a[i]! - b[i]!;
    num += d * d;
    den += b[i]! * b[i]!;
  }
  return Math.sqrt(num / den);
}

/** Seeded uniform [0, 1) (mulberry32). */
export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Replaces BatchNorm statistics and affine parameters (and ASPP biases) with random values, so
 * that every term of the formula matters: μ ~ U(−0.2, 0.2), σ² ~ U(0.5, 1.5), γ ~ U(0.5, 1.5),
 * β ~ U(−0.2, 0.2), biases ~ U(−0.1, 0.1).
 */
export function randomiseStatistics<T extends { name: string; data: Float32Array }>(entries: T[], seed: number): T[] {
  const r = rng(seed);
  return entries.map((e) => {
    const kind = e.name.split('/').pop();
    const ranges: Record<string, [number, number]> = {
      moving_mean: [-0.2, 0.2],
      moving_variance: [0.5, 1.5],
      gamma: [0.5, 1.5],
      beta: [-0.2, 0.2],
      biases: [-0.1, 0.1],
    };
    const range = kind ? ranges[kind] : undefined;
    if (!range) return e;
    const data = new Float32Array(e.data.length);
    for (let i = 0; i < data.length; i++) data[i] = range[0] + (range[1] - range[0]) * r();
    return { ...e, data };
  });
}
