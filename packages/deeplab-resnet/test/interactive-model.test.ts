import * as tf from '@tensorflow/tfjs-core';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { DeepLabResNet, loadBackend, resnetConfig } from '../src/index';
import { resizeLabelsNearest } from '../src/train/index';
import {
  INTERACTIVE_MEAN,
  InteractiveSegmenter,
  InteractiveTrainer,
  adaptToClicks,
  clickDiskLabels,
  createSegmentFunction,
  expandInputChannels,
  interactiveConfig,
  interactiveFromPretrained,
  interactiveLearningRateMultiplier,
  preprocessInteractive,
  weightedSigmoidCrossEntropy,
} from '../src/interactive/index';
import { seededValues } from './helpers/tiny-net';

beforeAll(async () => {
  await loadBackend('wasm');
});

/** A small interactive net (1/16 width, one unit per stage). */
const SMALL = interactiveConfig(50, { blocks: [1, 1, 1, 1], widthMultiplier: 1 / 16, asppRates: [1, 2] });

/** A raw 5-channel input: random RGB 0..255 and distance maps 0..255. */
function rawInput(h: number, w: number, seed: number): Float32Array {
  const v = seededValues(h * w * 5, seed);
  return Float32Array.from(v, (x) => (x + 1) * 127.5);
}

/** -q z log σ(x) - (1 - z) log(1 - σ(x)) in float64, mean over labels != 255. */
function referenceLoss(x: Float32Array, z: ArrayLike<number>, q: number): number {
  let sum = 0;
  let n = 0;
  for (let i = 0; i < x.length; i++) {
    if (z[i] === 255) continue;
    const xi = x[i]!;
    // log σ(x) = -softplus(-x), log(1 - σ(x)) = -softplus(x), each computed stably.
    const softplus = (t: number) => Math.max(t, 0) + Math.log1p(Math.exp(-Math.abs(t)));
    sum += q * z[i]! * softplus(-xi) + (1 - z[i]!) * softplus(xi);
    n++;
  }
  return n ? sum / n : 0;
}

describe('weighted sigmoid cross-entropy', () => {
  it('equals the direct formula (pos_weight 5, 255 dropped), also for large logits', async () => {
    const shape: [number, number, number, number] = [2, 5, 7, 1];
    const n = 2 * 5 * 7;
    for (const [seed, scale] of [
      [1, 3],
      [2, 40],
    ] as const) {
      const x = Float32Array.from(seededValues(n, seed), (v) => v * scale);
      const z = Array.from(seededValues(n, seed + 10), (v) => (v < -0.6 ? 255 : v < 0.1 ? 0 : 1));
      const loss = tf.tidy(() => weightedSigmoidCrossEntropy(tf.tensor4d(x, shape), z, { posWeight: 5 }));
      const got = (await loss.data())[0]!;
      loss.dispose();
      const want = referenceLoss(x, z, 5);
      expect(Math.abs(got - want) / want).toBeLessThan(1e-5);
    }
  });

  it('is 0 with every pixel ignored, rejects labels outside {0, 1, 255}, and its gradient is (σ(x)(1 + (q-1)z) - qz) / n', async () => {
    const x = tf.tensor4d([0.3, -1.2, 2, 0.5], [1, 2, 2, 1]);
    const zero = weightedSigmoidCrossEntropy(x, [255, 255, 255, 255]);
    expect((await zero.data())[0]).toBe(0);
    expect(() => weightedSigmoidCrossEntropy(x, [0, 1, 2, 255])).toThrow(/label 2/);
    const z = [1, 0, 1, 255];
    const g = tf.grad((t: tf.Tensor) => weightedSigmoidCrossEntropy(t as tf.Tensor4D, z, { posWeight: 3 }))(x);
    const gv = await g.data();
    const xs = [0.3, -1.2, 2, 0.5];
    xs.forEach((xi, i) => {
      const s = 1 / (1 + Math.exp(-xi));
      const want = z[i] === 255 ? 0 : (s * (1 + 2 * z[i]!) - 3 * z[i]!) / 3;
      expect(gv[i]).toBeCloseTo(want, 6);
    });
    tf.dispose([x, zero, g]);
  });
});

describe('conv1 widening', () => {
  it('the widened kernel gives the 3-channel response when the new channels are zero (any init)', async () => {
    const w3 = { name: 'conv1/weights', shape: [3, 3, 3, 4], data: seededValues(3 * 3 * 3 * 4, 5) };
    for (const init of ['zeros', 'gaussian'] as const) {
      const w5 = expandInputChannels(w3, 2, { init, seed: 3 });
      expect(w5.shape).toEqual([3, 3, 5, 4]);
      const [a, b] = tf.tidy(() => {
        const x3 = tf.tensor4d(seededValues(9 * 9 * 3, 8), [1, 9, 9, 3]);
        const x5 = tf.concat([x3, tf.zeros([1, 9, 9, 2])], 3);
        return [
          tf.conv2d(x3, tf.tensor4d(w3.data, [3, 3, 3, 4]), 2, 'same'),
          tf.conv2d(x5 as tf.Tensor4D, tf.tensor4d(w5.data, [3, 3, 5, 4]), 2, 'same'),
        ];
      });
      const [av, bv] = [await a.data(), await b.data()];
      av.forEach((v, i) => {
        expect(Math.abs(v - bv[i]!)).toBeLessThan(1e-5);
      });
      tf.dispose([a, b]);
      if (init === 'zeros') expect([...w5.data].filter((_, i) => Math.floor(i / 4) % 5 >= 3).every((v) => v === 0)).toBe(true);
      else expect([...w5.data].filter((_, i) => Math.floor(i / 4) % 5 >= 3).some((v) => v !== 0)).toBe(true);
    }
  });

  it('interactiveFromPretrained keeps the backbone: features of [RGB, 0, 0] equal the RGB network features; head is new with one output', async () => {
    const rgb = DeepLabResNet.create(
      resnetConfig(50, { blocks: [1, 1, 1, 1], widthMultiplier: 1 / 16, numClasses: 4, asppRates: [1, 2] }),
      { seed: 4 },
    );
    // Non-trivial BN statistics, to see that they are carried over.
    tf.tidy(() => rgb.variables.get('bn_conv1/moving_mean')!.assign(tf.randomNormal([4], 0, 1, 'float32', 2)));
    const net = interactiveFromPretrained(await rgb.toWeightEntries(), rgb.meta(), { init: 'gaussian', seed: 9 });
    expect(net.config.inputChannels).toBe(5);
    expect(net.config.numClasses).toBe(1);
    const features = (model: DeepLabResNet, x: tf.Tensor4D): tf.Tensor4D => {
      let f: tf.Tensor4D | undefined;
      tf.dispose(model.forward(x, { transformFeatures: (t) => ((f = tf.keep(tf.clone(t))), t) }).logits);
      return f!;
    };
    const x3 = tf.tensor4d(
      Float32Array.from(seededValues(17 * 17 * 3, 1), (v) => v * 100),
      [1, 17, 17, 3],
    );
    const x5 = tf.concat([x3, tf.zeros([1, 17, 17, 2])], 3) as tf.Tensor4D;
    const fa = features(rgb, x3);
    const fb = features(net, x5);
    const [av, bv] = [await fa.data(), await fb.data()];
    let maxAbs = 0;
    let maxDiff = 0;
    av.forEach((v, i) => {
      (maxAbs = Math.max(maxAbs, Math.abs(v))), (maxDiff = Math.max(maxDiff, Math.abs(v - bv[i]!)));
    });
    expect(maxAbs).toBeGreaterThan(0);
    expect(maxDiff / maxAbs).toBeLessThan(1e-5);
    expect(net.variables.get('fc1_voc12_c0/weights')!.shape).toEqual([3, 3, 128, 1]);
    tf.dispose([x3, x5, fa, fb]);
    // Non-zero click channels change the features (the widened filters are used).
    const again = interactiveFromPretrained(await net.toWeightEntries(), net.meta());
    expect(again.config.inputChannels).toBe(5);
    again.dispose();
    rgb.dispose();
    net.dispose();
  });

  it('adaptToClicks (head only, features computed once) makes the same updates as InteractiveTrainer on the head', async () => {
    const a = DeepLabResNet.create(SMALL, { seed: 17 });
    const b = DeepLabResNet.create(SMALL, { seed: 17 });
    const h = 24;
    const w = 24;
    const clicks = [
      { x: 6, y: 6, positive: true },
      { x: 17, y: 17, positive: false },
    ];
    const input = rawInput(h, w, 12);
    const result = await adaptToClicks(a, [{ input, width: w, height: h, clicks }], { steps: 3, learningRate: 0.01, radius: 6 });
    // The plain autodiff path, as adaptToClicks (the lean path agrees to float32 rounding: train-checkpointed.test.ts).
    const trainer = new InteractiveTrainer(b, {
      learningRate: 0.01,
      optimizer: 'adam',
      weightDecay: 0,
      posWeight: 1,
      lossScale: 1,
      trainable: 'last-layers',
      lrMultipliers: false,
      checkpoint: false,
    });
    const batch = {
      images: preprocessInteractive(input, h, w),
      labels: clickDiskLabels(w, h, clicks, 6),
      batchSize: 1,
      height: h,
      width: w,
    };
    for (let k = 0; k < 3; k++) expect((await trainer.trainStep(batch)).loss).toBeCloseTo(result.losses[k]!, 5);
    trainer.dispose();
    const [ea, eb] = [await a.toWeightEntries(), await b.toWeightEntries()];
    ea.forEach((e, k) => {
      e.data.forEach((v, i) => {
        expect(Math.abs(v - eb[k]!.data[i]!)).toBeLessThan(1e-5);
      });
    });
    a.dispose();
    b.dispose();
  });
});

describe('input encoding', () => {
  it('preprocessInteractive swaps RGB to BGR and subtracts (104, 116.7, 122.7, 131, 131)', () => {
    const out = preprocessInteractive([10, 20, 30, 40, 50, 1, 2, 3, 4, 5], 1, 2);
    expect([...out.slice(0, 5)].map((v) => Number(v.toFixed(3)))).toEqual(
      [30 - 104, 20 - 116.7, 10 - 122.7, 40 - 131, 50 - 131].map((v) => Number(v.toFixed(3))),
    );
    expect(INTERACTIVE_MEAN).toEqual([104.0, 116.7, 122.7, 131.0, 131.0]);
    expect(() => preprocessInteractive([1, 2, 3], 1, 1)).toThrow(/values/);
  });

  it('clickDiskLabels: label of the last click within the radius, 255 elsewhere (brute force)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 1, max: 12 }),
        fc.array(fc.record({ x: fc.nat(11), y: fc.nat(11), positive: fc.boolean() }), { maxLength: 4 }),
        fc.double({ min: 0, max: 4, noNaN: true }),
        (w, h, raw, r) => {
          const clicks = raw.filter((c) => c.x < w && c.y < h);
          const labels = clickDiskLabels(w, h, clicks, r);
          for (let y = 0; y < h; y++)
            for (let x = 0; x < w; x++) {
              let want = 255;
              for (const c of clicks) if ((x - c.x) ** 2 + (y - c.y) ** 2 <= r * r) want = c.positive ? 1 : 0;
              if (labels[y * w + x] !== want) return false;
            }
          return true;
        },
      ),
      { numRuns: 60 },
    );
  });
});

describe('interactive training step', () => {
  it("learning-rate multipliers are the seed's: conv1 x5, fc x5, backbone x1", () => {
    expect(interactiveLearningRateMultiplier('conv1/weights')).toBe(5);
    expect(interactiveLearningRateMultiplier('fc1_voc12_c0/weights')).toBe(5);
    expect(interactiveLearningRateMultiplier('fc1_voc12_c3/biases')).toBe(5);
    expect(interactiveLearningRateMultiplier('res2a_branch2a/weights')).toBe(1);
  });

  it('one update is -lr * multiplier * gradient of 20 * CE (gradients flow to conv1 click channels, backbone and head); no tensor leaks', async () => {
    const net = DeepLabResNet.create(SMALL, { seed: 11 });
    const h = 25;
    const w = 25;
    const batch = {
      images: preprocessInteractive(rawInput(h, w, 3), h, w),
      labels: Uint8Array.from(seededValues(h * w, 4), (v) => (v < -0.8 ? 255 : v < 0 ? 0 : 1)),
      batchSize: 1,
      height: h,
      width: w,
    };
    // Independent gradient: the objective written out with TF.js ops.
    const names = ['conv1/weights', 'res3a_branch2b/weights', 'fc1_voc12_c1/weights', 'fc1_voc12_c0/biases'];
    const vars = names.map((n) => net.variables.get(n)!);
    const { grads, value } = tf.variableGrads(() => {
      const logits = net.forward(tf.tensor4d(batch.images, [1, h, w, 5])).logits;
      const labels = resizeLabelsNearest(batch.labels, 1, h, w, logits.shape[1], logits.shape[2]);
      return tf.mul(weightedSigmoidCrossEntropy(logits, labels, { posWeight: 5 }), 20) as tf.Scalar;
    }, vars);
    const before = await Promise.all(vars.map(async (v) => new Float32Array((await v.data()) as Float32Array)));
    const g = await Promise.all(vars.map(async (v) => (await grads[v.name]!.data()) as Float32Array));
    const expectedLoss = (await value.data())[0]!;
    tf.dispose([value, ...Object.values(grads)]);

    const trainer = new InteractiveTrainer(net, { learningRate: 0.01, momentum: 0, weightDecay: 0 });
    const tensors = tf.memory().numTensors;
    const result = await trainer.trainStep(batch);
    expect(tf.memory().numTensors).toBe(tensors);
    expect(Math.abs(result.loss / expectedLoss - 1)).toBeLessThan(1e-6); // the trainer's lean path: float32 rounding apart
    for (const [k, v] of vars.entries()) {
      const after = (await v.data()) as Float32Array;
      const mult = interactiveLearningRateMultiplier(names[k]!);
      let num = 0;
      let den = 0;
      let err = 0;
      after.forEach((a, i) => {
        const want = -0.01 * mult * g[k]![i]!;
        const got = a - before[k]![i]!;
        err += (got - want) ** 2;
        den += want * want;
        num += Math.abs(got);
      });
      expect(num).toBeGreaterThan(0);
      expect(Math.sqrt(err / den)).toBeLessThan(2e-3);
    }
    // The click channels of conv1 (input channels 3 and 4) received a gradient.
    const c1 = g[0]!;
    const out = net.variables.get('conv1/weights')!.shape[3]!;
    let clickGrad = 0;
    c1.forEach((v, i) => {
      Math.floor(i / out) % 5 >= 3 ? (clickGrad += Math.abs(v)) : 0;
    });
    expect(clickGrad).toBeGreaterThan(0);
    trainer.dispose();
    net.dispose();
  });

  it('repeated updates on one batch lower the loss', async () => {
    const net = DeepLabResNet.create(SMALL, { seed: 12 });
    const h = 17;
    const w = 17;
    const labels = new Uint8Array(h * w);
    for (let y = 4; y < 13; y++) for (let x = 4; x < 13; x++) labels[y * w + x] = 1;
    const batch = { images: preprocessInteractive(rawInput(h, w, 5), h, w), labels, batchSize: 1, height: h, width: w };
    const trainer = new InteractiveTrainer(net, { learningRate: 1e-3, momentum: 0.9, trainBatchNorm: true, bnDecay: 0.9 });
    const losses: number[] = [];
    for (let k = 0; k < 5; k++) losses.push((await trainer.trainStep(batch)).loss);
    expect(losses[4]!).toBeLessThan(losses[0]! * 0.8);
    trainer.dispose();
    net.dispose();
  });
});

describe('InteractiveSegmenter, BRS and adapting', () => {
  it('segment() is the sigmoid of bilinearly upsampled logits, folded or not', async () => {
    const net = DeepLabResNet.create(SMALL, { seed: 13 });
    const h = 21;
    const w = 19;
    const raw = rawInput(h, w, 7);
    const manual = tf.tidy(() =>
      tf.sigmoid(
        tf.image.resizeBilinear(net.forward(tf.tensor4d(preprocessInteractive(raw, h, w), [1, h, w, 5])).logits, [h, w], false, false),
      ),
    );
    const want = (await manual.data()) as Float32Array;
    manual.dispose();
    const tensors = tf.memory().numTensors;
    for (const fold of [true, false]) {
      const seg = InteractiveSegmenter.fromModel(net, { fold });
      const p = await seg.segment(raw, w, h);
      expect(p.length).toBe(h * w);
      p.forEach((v, i) => {
        expect(Math.abs(v - want[i]!)).toBeLessThan(1e-4);
      });
      seg.dispose();
    }
    expect(tf.memory().numTensors).toBe(tensors);
    net.dispose();
  });

  it('f-BRS: 0 steps = the plain network; with steps, the clicked disks move towards their labels, weights untouched, no leaks', async () => {
    const net = DeepLabResNet.create(SMALL, { seed: 14 });
    const h = 24;
    const w = 24;
    const raw = rawInput(h, w, 9);
    const seg = InteractiveSegmenter.fromModel(net, { fold: false });
    const plain = await seg.segment(raw, w, h);
    // Clicks that contradict the plain prediction: positive where it is least sure of the object, negative where most.
    let lo = 0;
    let hi = 0;
    plain.forEach((p, i) => {
      (lo = p < plain[lo]! ? i : lo), (hi = p > plain[hi]! ? i : hi);
    });
    const clicks = [
      { x: lo % w, y: Math.floor(lo / w), positive: true },
      { x: hi % w, y: Math.floor(hi / w), positive: false },
    ];
    const weightsBefore = await net.toWeightEntries();
    const tensors = tf.memory().numTensors;
    const none = await seg.segmentWithBrs(raw, w, h, clicks, { steps: 0 });
    expect(none.steps).toBe(0);
    none.probability.forEach((v, i) => {
      expect(Math.abs(v - plain[i]!)).toBeLessThan(1e-5);
    });
    const refined = await seg.segmentWithBrs(raw, w, h, clicks, { steps: 15, learningRate: 0.1, earlyStop: false });
    expect(tf.memory().numTensors).toBe(tensors);
    expect(refined.steps).toBe(15);
    expect(refined.losses[refined.losses.length - 1]!).toBeLessThan(refined.losses[0]! * 0.7);
    expect(refined.probability[lo]!).toBeGreaterThan(none.probability[lo]!);
    expect(refined.probability[hi]!).toBeLessThan(none.probability[hi]!);
    expect([...refined.scale].some((s) => s !== 1)).toBe(true);
    const weightsAfter = await net.toWeightEntries();
    weightsAfter.forEach((e, k) => {
      expect(e.data).toEqual(weightsBefore[k]!.data);
    });
    seg.dispose();
    net.dispose();
  });

  it('createSegmentFunction(): plain = segment(); with brs, f-BRS at the clicks of the request', async () => {
    const net = DeepLabResNet.create(SMALL, { seed: 16 });
    const h = 20;
    const w = 22;
    const clicks = [
      { x: 3, y: 4, positive: true },
      { x: 15, y: 2, positive: true },
      { x: 9, y: 17, positive: false },
    ];
    const raw = rawInput(h, w, 21);
    const request = { input: raw, width: w, height: h, clicks, previousMask: null };
    const seg = InteractiveSegmenter.fromModel(net, { fold: false });
    const plain = await createSegmentFunction(seg)(request);
    expect(plain).toEqual(await seg.segment(raw, w, h));
    const results: Array<{ steps: number; satisfied: boolean } | undefined> = [];
    const viaFunction = await createSegmentFunction(seg, {
      brs: { steps: 3, earlyStop: false },
      onResult: (r) => results.push(r.brs),
    })(request);
    const direct = await seg.segmentWithBrs(raw, w, h, clicks, { steps: 3, earlyStop: false });
    viaFunction.forEach((v, i) => {
      expect(Math.abs(v - direct.probability[i]!)).toBeLessThan(1e-6);
    });
    expect(results).toEqual([{ steps: 3, satisfied: direct.satisfied }]);
    seg.dispose();
    net.dispose();
  });

  it('adaptToClicks lowers the click loss and changes only the head (last-layers)', async () => {
    const net = DeepLabResNet.create(SMALL, { seed: 15 });
    const h = 24;
    const w = 24;
    const clicks = [
      { x: 6, y: 6, positive: true },
      { x: 17, y: 17, positive: false },
    ];
    const before = await net.toWeightEntries();
    const result = await adaptToClicks(net, [{ input: rawInput(h, w, 11), width: w, height: h, clicks }], {
      steps: 12,
      learningRate: 0.01,
    });
    expect(result.losses[11]!).toBeLessThan(result.losses[0]!);
    const after = await net.toWeightEntries();
    after.forEach((e, k) => {
      const same = e.data.every((v, i) => v === before[k]!.data[i]);
      expect(same).toBe(!e.name.startsWith('fc1_voc12'));
    });
    net.dispose();
  });
});
