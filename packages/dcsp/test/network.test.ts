import * as tf from '@tensorflow/tfjs-core';
import { DeepLabResNet, loadBackend, resnetConfig } from '@objsel/deeplab-resnet';
import { beforeAll, describe, expect, it } from 'vitest';
import { ATTENTION_BIASES, ATTENTION_WEIGHTS, DcspNetwork } from '../src/index';
import { classificationLoss } from '../src/train/index';
import { globalAveragePool, multiScaleOutput, scaledSizes } from '../src/attention';

beforeAll(async () => {
  await loadBackend('wasm');
});

const tiny = () => resnetConfig(50, { widthMultiplier: 1 / 16, blocks: [1, 1, 1, 1], numClasses: 21 });

/** TF1 resize_bilinear (align_corners=false, half_pixel_centers=false) on HWC arrays, in float64. */
function bilinear(src: Float32Array, h: number, w: number, c: number, oh: number, ow: number): Float64Array {
  const out = new Float64Array(oh * ow * c);
  const sy = h / oh;
  const sx = w / ow;
  for (let y = 0; y < oh; y++) {
    const fy = y * sy;
    const y0 = Math.floor(fy);
    const y1 = Math.min(y0 + 1, h - 1);
    const dy = fy - y0;
    for (let x = 0; x < ow; x++) {
      const fx = x * sx;
      const x0 = Math.floor(fx);
      const x1 = Math.min(x0 + 1, w - 1);
      const dx = fx - x0;
      for (let k = 0; k < c; k++) {
        const v = (yy: number, xx: number) => src[(yy * w + xx) * c + k]!;
        const top = v(y0, x0) + (v(y0, x1) - v(y0, x0)) * dx;
        const bottom = v(y1, x0) + (v(y1, x1) - v(y1, x0)) * dx;
        out[(y * ow + x) * c + k] = top + (bottom - top) * dy;
      }
    }
  }
  return out;
}

function maxRelError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < a.length; i++) {
    num = Math.max(num, Math.abs(a[i]! - b[i]!));
    den = Math.max(den, Math.abs(b[i]!));
  }
  return num / Math.max(den, 1e-12);
}

describe('DcspNetwork', () => {
  it('adds fc1_voc12_d0 (1x1, 21 -> 20, biased, Gaussian 0.01, zero biases) to DeepLab', async () => {
    const before = tf.memory().numTensors;
    const net = DcspNetwork.create(tiny(), { seed: 3 });
    const w = net.variables.get(ATTENTION_WEIGHTS)!;
    const b = net.variables.get(ATTENTION_BIASES)!;
    expect(w.shape).toEqual([1, 1, 21, 20]);
    expect(b.shape).toEqual([20]);
    expect(w.trainable && b.trainable).toBe(true);
    const wd = Array.from(await w.data());
    const mean = wd.reduce((s, v) => s + v, 0) / wd.length;
    const std = Math.sqrt(wd.reduce((s, v) => s + (v - mean) ** 2, 0) / wd.length);
    expect(std).toBeGreaterThan(0.008);
    expect(std).toBeLessThan(0.012);
    expect([...(await b.data())].every((v) => v === 0)).toBe(true);
    for (const name of net.deeplab.variables.keys()) expect(net.variables.get(name)).toBe(net.deeplab.variables.get(name));
    expect(net.meta().layers.at(-1)).toMatchObject({ name: 'fc1_voc12_d0', kernel: [1, 1], inChannels: 21, outChannels: 20, bias: true });
    net.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('computes the attention as logits . W + b per pixel, and forward leaks nothing', async () => {
    const net = DcspNetwork.create(tiny(), { seed: 4 });
    tf.tidy(() => net.variables.get(ATTENTION_BIASES)!.assign(tf.randomNormal([20], 0, 1, 'float32', 9)));
    const x = tf.randomNormal([1, 33, 25, 3], 0, 50, 'float32', 1) as tf.Tensor4D;
    const before = tf.memory().numTensors;
    const { logits, attention } = net.forward(x);
    expect(logits.shape).toEqual([1, 5, 4, 21]);
    expect(attention.shape).toEqual([1, 5, 4, 20]);
    const L = await logits.data();
    const A = await attention.data();
    const W = await net.variables.get(ATTENTION_WEIGHTS)!.data();
    const B = await net.variables.get(ATTENTION_BIASES)!.data();
    const want = new Float64Array(A.length);
    for (let p = 0; p < 20; p++)
      for (let k = 0; k < 20; k++) {
        let s = B[k]!;
        for (let c = 0; c < 21; c++) s += L[p * 21 + c]! * W[c * 20 + k]!;
        want[p * 20 + k] = s;
      }
    expect(maxRelError(A, want)).toBeLessThan(1e-5);
    logits.dispose();
    attention.dispose();
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
    net.dispose();
  });

  it('round-trips through checkpoint entries, and restores plain DeepLab weights with a fresh head', async () => {
    const net = DcspNetwork.create(tiny(), { seed: 5 });
    const entries = await net.toWeightEntries();
    expect(entries.map((e) => e.name)).toContain(ATTENTION_WEIGHTS);
    const copy = DcspNetwork.fromWeights(entries, net.meta());
    const x = tf.randomNormal([1, 17, 17, 3], 0, 50, 'float32', 2) as tf.Tensor4D;
    const a = net.forward(x);
    const b = copy.forward(x);
    expect([...(await b.attention.data())]).toEqual([...(await a.attention.data())]);
    const plain = DeepLabResNet.create(tiny(), { seed: 6 });
    const fromPlain = DcspNetwork.fromWeights(await plain.toWeightEntries(), plain.meta(), { seed: 1 });
    expect([...(await fromPlain.variables.get(ATTENTION_BIASES)!.data())].every((v) => v === 0)).toBe(true);
    expect(fromPlain.variables.get(ATTENTION_WEIGHTS)!.shape).toEqual([1, 1, 21, 20]);
    tf.dispose([x, a.logits, a.attention, b.logits, b.attention]);
    for (const n of [net, copy, fromPlain]) n.dispose();
    plain.dispose();
  });
  it('inference() (folded BatchNorm) gives the same logits and attention as forward()', async () => {
    const net = DcspNetwork.create(tiny(), { seed: 8 });
    // Non-trivial BatchNorm statistics, so that folding matters.
    tf.tidy(() => {
      for (const [name, v] of net.variables) {
        if (name.endsWith('/moving_mean')) v.assign(tf.randomNormal(v.shape, 0, 0.5, 'float32', 1));
        if (name.endsWith('/moving_variance')) v.assign(tf.randomUniform(v.shape, 0.5, 2, 'float32', 2));
        if (name.endsWith('/gamma')) v.assign(tf.randomUniform(v.shape, 0.5, 1.5, 'float32', 3));
      }
    });
    const x = tf.randomNormal([1, 29, 35, 3], 0, 50, 'float32', 4) as tf.Tensor4D;
    const inference = net.inference();
    const before = tf.memory().numTensors;
    const a = net.forward(x);
    const b = inference.forward(x);
    expect(maxRelError(await b.logits.data(), await a.logits.data())).toBeLessThan(1e-4);
    expect(maxRelError(await b.attention.data(), await a.attention.data())).toBeLessThan(1e-4);
    tf.dispose([a.logits, a.attention, b.logits, b.attention]);
    expect(tf.memory().numTensors).toBe(before);
    inference.dispose();
    x.dispose();
    net.dispose();
  });
});

describe('classification loss', () => {
  it('is the mean sigmoid cross-entropy of the global average pool against the tags', async () => {
    const maps = tf.tensor4d(
      Array.from({ length: 2 * 2 * 3 * 4 }, (_, i) => ((i * 37) % 23) - 11 + (i % 5) * 7),
      [2, 2, 3, 4],
    );
    const targets = new Float32Array([1, 0, 0, 1, 0, 1, 1, 0]);
    const gap = await globalAveragePool(maps).data();
    const m = await maps.data();
    let total = 0;
    for (let n = 0; n < 2; n++)
      for (let k = 0; k < 4; k++) {
        let s = 0;
        for (let p = 0; p < 6; p++) s += m[(n * 6 + p) * 4 + k]!;
        const x = s / 6;
        expect(gap[n * 4 + k]).toBeCloseTo(x, 4);
        const z = targets[n * 4 + k]!;
        const sigma = 1 / (1 + Math.exp(-x));
        total += -(z * Math.log(sigma) + (1 - z) * Math.log(1 - sigma));
      }
    const loss = classificationLoss(maps, targets);
    expect((await loss.data())[0]).toBeCloseTo(total / 8, 4);
    tf.dispose([maps, loss]);
  });

  it('stays finite for large scores', async () => {
    const maps = tf.tensor4d([200, -200], [1, 1, 1, 2]);
    const loss = classificationLoss(maps, new Float32Array([0, 1]));
    expect((await loss.data())[0]).toBeCloseTo(200, 3);
    tf.dispose([maps, loss]);
  });
});

describe('multi-scale fusion of network outputs', () => {
  it('uses TF1 truncated sizes', () => {
    expect(scaledSizes(333, 500)).toEqual([
      [333, 500],
      [249, 375],
      [166, 250],
    ]);
  });

  it('matches per-scale forward passes, bilinear resizes and a max computed outside TF.js', async () => {
    const net = DcspNetwork.create(tiny(), { seed: 7 });
    const H = 45;
    const W = 38;
    const image = tf.randomNormal([1, H, W, 3], 0, 60, 'float32', 3) as tf.Tensor4D;
    const before = tf.memory().numTensors;
    const fused = multiScaleOutput(net, image, 'attention');
    expect(tf.memory().numTensors).toBe(before + 1);
    expect(fused.shape).toEqual([1, H, W, 20]);
    // Reference: the same forward passes, then the resizes and the max in float64 JS.
    const img = await image.data();
    let base: [number, number] | undefined;
    let acc: Float64Array | undefined;
    for (const [h, w] of scaledSizes(H, W)) {
      const x = tf.tensor4d(Float32Array.from(bilinear(img as Float32Array, H, W, 3, h, w)), [1, h, w, 3]);
      const out = net.forward(x);
      const a = (await out.attention.data()) as Float32Array;
      const [oh, ow] = [out.attention.shape[1], out.attention.shape[2]];
      tf.dispose([x, out.logits, out.attention]);
      if (!base) base = [oh, ow];
      const r = oh === base[0] && ow === base[1] ? Float64Array.from(a) : bilinear(a, oh, ow, 20, base[0], base[1]);
      acc = acc ? acc.map((v, i) => Math.max(v, r[i]!)) : r;
    }
    const want = bilinear(Float32Array.from(acc!), base![0], base![1], 20, H, W);
    expect(maxRelError(await fused.data(), want)).toBeLessThan(1e-4);
    tf.dispose([image, fused]);
    net.dispose();
  });
});
