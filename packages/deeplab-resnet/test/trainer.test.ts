import * as tf from '@tensorflow/tfjs-core';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DeeplabError } from '../src/errors';
import { Trainer, type TrainingBatch } from '../src/train/trainer';
import { crossEntropyRef, seededValues, TINY, TinyNet, tinyForwardRef, tinyShapes } from './helpers/tiny-net';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const disposables: Array<{ dispose(): void }> = [];
afterEach(() => {
  for (const d of disposables.splice(0)) d.dispose();
});

/** A batch of `n` random images `size`x`size` with labels in {0, 1, 2} plus some 255. */
function makeBatch(n: number, size: number, seed: number, ignore = true): TrainingBatch {
  const images = seededValues(n * size * size * 3, seed).map((v) => 40 * v);
  const raw = seededValues(n * size * size, seed + 7);
  const labels = Int32Array.from(raw, (v) => (ignore && v > 0.7 ? 255 : Math.floor(((v + 1) / 2) * 2.999)));
  return { images, labels, batchSize: n, height: size, width: size, channels: 3 };
}

function slice(batch: TrainingBatch, i: number): TrainingBatch {
  const px = batch.height * batch.width;
  return {
    ...batch,
    batchSize: 1,
    images: batch.images.slice(i * px * 3, (i + 1) * px * 3),
    labels: Int32Array.from(batch.labels as Int32Array).slice(i * px, (i + 1) * px),
  };
}

/** train.py's objective in float64 for the tiny net, labels resized by an independent floor(d * in / out). */
function referenceLoss(p: Record<string, Float64Array>, batch: TrainingBatch, weightDecay: number): number {
  const { y, shape } = tinyForwardRef(p, Float64Array.from(batch.images), [batch.batchSize, batch.height, batch.width, 3]);
  const [n, oh, ow] = shape as [number, number, number];
  const small: number[] = [];
  for (let b = 0; b < n; b++)
    for (let r = 0; r < oh; r++)
      for (let c = 0; c < ow; c++) {
        const sr = Math.floor((r * batch.height) / oh);
        const sc = Math.floor((c * batch.width) / ow);
        small.push(batch.labels[(b * batch.height + sr) * batch.width + sc]!);
      }
  let l2 = 0;
  for (const [name, v] of Object.entries(p)) if (name.endsWith('/weights')) for (const w of v) l2 += 0.5 * w * w;
  return crossEntropyRef(y, small, TINY.numClasses) + weightDecay * l2;
}

/** Central-difference gradient of {@link referenceLoss} for every trainable variable. */
function numericGradient(p: Record<string, Float64Array>, batch: TrainingBatch, weightDecay: number): Record<string, Float64Array> {
  const out: Record<string, Float64Array> = {};
  const h = 1e-5;
  for (const name of Object.keys(p)) {
    if (name.startsWith('bn_')) continue;
    const g = new Float64Array(p[name]!.length);
    for (let i = 0; i < g.length; i++) {
      const keep = p[name]![i]!;
      p[name]![i] = keep + h;
      const up = referenceLoss(p, batch, weightDecay);
      p[name]![i] = keep - h;
      const down = referenceLoss(p, batch, weightDecay);
      p[name]![i] = keep;
      g[i] = (up - down) / (2 * h);
    }
    out[name] = g;
  }
  return out;
}

function relativeError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < expected.length; i++) {
    num += (actual[i]! - expected[i]!) ** 2;
    den += expected[i]! ** 2;
  }
  return Math.sqrt(num / Math.max(den, 1e-30));
}

const MULT = (name: string) => (name.includes('fc') ? (name.endsWith('biases') ? 20 : 10) : 1);

describe('Trainer (train.py objective and update)', () => {
  it('one step changes every weight by -lr * multiplier * (grad + wd * w), the grad from finite differences in float64', async () => {
    const net = new TinyNet(TINY, 3);
    const lr = 0.01;
    const wd = 0.05;
    const trainer = new Trainer(net, { numClasses: 3, learningRate: lr, weightDecay: wd, numSteps: 10, power: 0.9, momentum: 0.9 });
    disposables.push(net, trainer);
    const batch = makeBatch(1, 9, 11);
    const before = await net.values();
    const grad = numericGradient(structuredClone(before), batch, wd);
    const result = await trainer.trainStep([batch]);
    expect(result.step).toBe(1);
    expect(result.learningRate).toBe(lr);
    expect(result.loss).toBeCloseTo(referenceLoss(before, batch, wd), 5);
    const after = await net.values();
    for (const name of Object.keys(before)) {
      const delta = after[name]!.map((v, i) => v - before[name]![i]!);
      if (name.startsWith('bn_')) {
        expect(Math.max(...delta.map(Math.abs)), name).toBe(0);
        continue;
      }
      const expected = grad[name]!.map((g) => -lr * MULT(name) * g);
      expect(relativeError(delta, expected), name).toBeLessThan(1e-3);
    }

    // Second step: TF momentum `accum = 0.9 * accum + g`, poly rate at step 1.
    const batch2 = makeBatch(1, 9, 12);
    const grad2 = numericGradient(structuredClone(after), batch2, wd);
    const r2 = await trainer.trainStep([batch2]);
    const lr1 = lr * (1 - 1 / 10) ** 0.9;
    expect(r2.learningRate).toBeCloseTo(lr1, 12);
    const after2 = await net.values();
    for (const name of Object.keys(grad2)) {
      const delta = after2[name]!.map((v, i) => v - after[name]![i]!);
      const expected = grad2[name]!.map((g, i) => -lr1 * MULT(name) * (0.9 * grad[name]![i]! + g));
      expect(relativeError(delta, expected), name).toBeLessThan(1e-3);
    }
  });

  it('K accumulated batches of 1 give the same update as one batch of K (frozen BN)', async () => {
    const a = new TinyNet(TINY, 5);
    const b = new TinyNet(TINY, 5);
    const config = { numClasses: 3, learningRate: 0.02, weightDecay: 0.01, numSteps: 5 };
    const accumulated = new Trainer(a, { ...config, gradUpdateEvery: 3 });
    const whole = new Trainer(b, config);
    disposables.push(a, b, accumulated, whole);
    for (let step = 0; step < 2; step++) {
      const batch = makeBatch(3, 8, 100 + step, false); // no ignored pixels: equal counts per image
      const ra = await accumulated.trainStep([0, 1, 2].map((i) => slice(batch, i)));
      const rb = await whole.trainStep([batch]);
      expect(Math.abs(ra.loss - rb.loss) / rb.loss).toBeLessThan(1e-6);
      expect(ra.images).toBe(3);
    }
    const va = await a.values();
    const vb = await b.values();
    for (const name of Object.keys(va)) expect(relativeError(va[name]!, vb[name]!), name).toBeLessThan(1e-5);
  });

  it('asks for exactly gradUpdateEvery batches', async () => {
    const net = new TinyNet();
    const trainer = new Trainer(net, { numClasses: 3, gradUpdateEvery: 2 });
    disposables.push(net, trainer);
    await expect(trainer.trainStep([makeBatch(1, 8, 1)])).rejects.toThrow(/takes 2 batch/);
  });

  it('multi-scale loss is CE(max-fused) + CE(each scale, own labels)', async () => {
    const net = new TinyNet(TINY, 9);
    const trainer = new Trainer(net, { numClasses: 3, weightDecay: 0, scales: [1, 0.5], learningRate: 0 });
    disposables.push(net, trainer);
    const batch = makeBatch(1, 12, 21);
    const p = await net.values();
    const x = Float64Array.from(batch.images);
    const full = tinyForwardRef(p, x, [1, 12, 12, 3]); // 6x6 logits
    // The half-scale input as TF resizes it: bilinear, align_corners=false (12 → 6 samples every other pixel exactly).
    const half = new Float64Array(6 * 6 * 3);
    for (let r = 0; r < 6; r++)
      for (let c = 0; c < 6; c++) for (let k = 0; k < 3; k++) half[(r * 6 + c) * 3 + k] = x[(2 * r * 12 + 2 * c) * 3 + k]!;
    const small = tinyForwardRef(p, half, [1, 6, 6, 3]); // 3x3 logits
    // 3x3 → 6x6 bilinear (align_corners=false): src = dst * 0.5, clamped at the last row/column.
    const up = new Float64Array(6 * 6 * 3);
    for (let r = 0; r < 6; r++)
      for (let c = 0; c < 6; c++) {
        const sy = r * 0.5;
        const sx = c * 0.5;
        const y0 = Math.floor(sy);
        const x0 = Math.floor(sx);
        const y1 = Math.min(y0 + 1, 2);
        const x1 = Math.min(x0 + 1, 2);
        const fy = sy - y0;
        const fx = sx - x0;
        for (let k = 0; k < 3; k++) {
          const at = (yy: number, xx: number) => small.y[(yy * 3 + xx) * 3 + k]!;
          up[(r * 6 + c) * 3 + k] = (1 - fy) * ((1 - fx) * at(y0, x0) + fx * at(y0, x1)) + fy * ((1 - fx) * at(y1, x0) + fx * at(y1, x1));
        }
      }
    const fused = full.y.map((v, i) => Math.max(v, up[i]!));
    const labelsAt = (size: number) => {
      const out: number[] = [];
      for (let r = 0; r < size; r++)
        for (let c = 0; c < size; c++) out.push(batch.labels[Math.floor((r * 12) / size) * 12 + Math.floor((c * 12) / size)]!);
      return out;
    };
    const expected =
      crossEntropyRef(fused, labelsAt(6), 3) + crossEntropyRef(full.y, labelsAt(6), 3) + crossEntropyRef(small.y, labelsAt(3), 3);
    const result = await trainer.trainStep([batch]);
    expect(result.loss).toBeCloseTo(expected, 4);
  });

  it('--is-training updates the moving statistics with decay: m -= (1 - d) * (m - batch)', async () => {
    const net = new TinyNet(TINY, 4);
    const trainer = new Trainer(net, { numClasses: 3, trainBatchNorm: true, bnDecay: 0.9, learningRate: 0 });
    disposables.push(net, trainer);
    const batch = makeBatch(2, 8, 31);
    const before = await net.values();
    const stats = tf.tidy(() => {
      const y = tf.conv2d(tf.tensor4d(batch.images, [2, 8, 8, 3]), net.variables.get('conv1/weights') as tf.Tensor4D, 2, 'same');
      const m = tf.moments(y, [0, 1, 2]);
      return [m.mean, m.variance];
    });
    const [mean, variance] = (await Promise.all(stats.map((t) => t.data()))) as [Float32Array, Float32Array];
    tf.dispose(stats);
    await trainer.trainStep([batch]);
    const after = await net.values();
    for (let c = 0; c < TINY.hidden; c++) {
      const m = before['bn_conv1/moving_mean']![c]!;
      const v = before['bn_conv1/moving_variance']![c]!;
      expect(after['bn_conv1/moving_mean']![c]! - (m - 0.1 * (m - mean[c]!))).toBeCloseTo(0, 4);
      expect(Math.abs(after['bn_conv1/moving_variance']![c]! / (v - 0.1 * (v - variance[c]!)) - 1)).toBeLessThan(1e-6);
    }
    // gamma and beta stay frozen even with --is-training (train.py drops them from the optimiser).
    expect([...after['bn_conv1/gamma']!]).toEqual([...before['bn_conv1/gamma']!]);
    expect([...after['bn_conv1/beta']!]).toEqual([...before['bn_conv1/beta']!]);
  });

  it('fine-tuning: Adam on fc1_voc12* only; the first step moves each weight by about lr * sign(grad)', async () => {
    const net = new TinyNet(TINY, 6);
    const trainer = new Trainer(net, {
      numClasses: 3,
      optimizer: 'adam',
      schedule: 'constant',
      learningRate: 1e-3,
      trainable: 'last-layers',
      lrMultipliers: false,
      weightDecay: 0,
      ignore: 'zero',
    });
    disposables.push(net, trainer);
    expect(trainer.trainedNames.sort()).toEqual([
      'fc1_voc12_c0/biases',
      'fc1_voc12_c0/weights',
      'fc1_voc12_c1/biases',
      'fc1_voc12_c1/weights',
    ]);
    const batch = makeBatch(1, 9, 41);
    const before = await net.values();
    const grad = numericGradient(structuredClone(before), { ...batch, labels: batch.labels }, 0);
    await trainer.trainStep([batch]);
    const after = await net.values();
    expect([...after['conv1/weights']!]).toEqual([...before['conv1/weights']!]);
    for (const name of trainer.trainedNames) {
      after[name]!.forEach((v, i) => {
        // the reference gradient uses 'drop' (mean over kept pixels); 'zero' scales it by a positive factor, so signs agree.
        const g = grad[name]![i]!;
        if (Math.abs(g) > 1e-4) expect(v - before[name]![i]!).toBeCloseTo(-1e-3 * Math.sign(g), 5);
      });
    }
    const r2 = await trainer.trainStep([batch]);
    expect(r2.learningRate).toBe(1e-3);
  });

  it('a NaN loss throws non-finite-loss and changes nothing', async () => {
    const net = new TinyNet(TINY, 7);
    const trainer = new Trainer(net, { numClasses: 3 });
    disposables.push(net, trainer);
    await trainer.trainStep([makeBatch(1, 8, 1)]);
    const bad = makeBatch(1, 8, 2);
    bad.images[5] = Number.NaN;
    const before = await net.values();
    const before2 = await trainer.state();
    const error = await trainer.trainStep([bad]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DeeplabError);
    expect((error as DeeplabError).code).toBe('non-finite-loss');
    expect((error as DeeplabError).message).toMatch(/loss is NaN at step 1/);
    expect(trainer.step).toBe(1);
    const after = await net.values();
    for (const name of Object.keys(before)) expect([...after[name]!]).toEqual([...before[name]!]);
    const after2 = await trainer.state();
    after2.entries.forEach((e, i) => {
      expect([...e.data]).toEqual([...before2.entries[i]!.data]);
    });
  });

  it('returns prediction maps for the pictures, at the image size', async () => {
    const net = new TinyNet(TINY, 8);
    const trainer = new Trainer(net, { numClasses: 3 });
    disposables.push(net, trainer);
    const r = await trainer.trainStep([makeBatch(3, 10, 5)], { predictions: 2 });
    expect(r.predictions).toHaveLength(2);
    expect(r.predictions![0]!.width).toBe(10);
    expect(r.predictions![0]!.data.length).toBe(100);
    expect(Math.max(...r.predictions![0]!.data)).toBeLessThan(3);
  });

  it('no tensor survives 50 steps (single- and multi-scale, frozen and training BN, accumulation, pictures)', async () => {
    const net = new TinyNet(TINY, 10);
    const trainers = [
      new Trainer(net, { numClasses: 3, learningRate: 1e-3 }),
      new Trainer(net, { numClasses: 3, learningRate: 1e-3, scales: [1, 0.75, 0.5], trainBatchNorm: true, gradUpdateEvery: 2 }),
    ];
    disposables.push(net, ...trainers);
    for (const trainer of trainers) {
      const k = trainer.config.gradUpdateEvery;
      await trainer.trainStep(
        Array.from({ length: k }, (_, i) => makeBatch(2, 12, i)),
        { predictions: 1 },
      );
      const start = tf.memory().numTensors;
      for (let s = 0; s < 50; s++)
        await trainer.trainStep(
          Array.from({ length: k }, (_, i) => makeBatch(2, 12, s * 10 + i)),
          { predictions: s % 10 === 0 ? 1 : 0 },
        );
      expect(tf.memory().numTensors).toBe(start);
    }
    const before = tf.memory().numTensors;
    const bad = makeBatch(1, 8, 3);
    bad.images.fill(Number.NaN);
    await trainers[0]!.trainStep([bad]).catch(() => undefined);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('names every trained variable and none of BatchNorm', () => {
    const net = new TinyNet();
    const trainer = new Trainer(net, { numClasses: 3 });
    disposables.push(net, trainer);
    expect(trainer.trainedNames.sort()).toEqual(
      Object.keys(tinyShapes())
        .filter((n) => !n.startsWith('bn_'))
        .sort(),
    );
  });
});
