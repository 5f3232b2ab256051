import * as tf from '@tensorflow/tfjs-core';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { l2Penalty, segmentationCrossEntropy } from '../src/train/loss';
import { nearestSourceIndices, resizeLabelsNearest } from '../src/train/labels';
import { isLastLayer, isTrainable, isWeightDecayed, learningRateMultiplier } from '../src/train/param-groups';
import { polyLearningRate } from '../src/train/schedule';
import { crossEntropyRef } from './helpers/tiny-net';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

async function value(t: tf.Tensor): Promise<number> {
  const v = (await t.data())[0]!;
  t.dispose();
  return v;
}

describe('nearest label resize (TF1 resize_nearest_neighbor, align_corners=false)', () => {
  it('maps output rows to floor(dst * in / out)', () => {
    expect([...nearestSourceIndices(5, 3)]).toEqual([0, 1, 3]); // scale 5/3: 0, 1.67, 3.33
    expect([...nearestSourceIndices(4, 8)]).toEqual([0, 0, 1, 1, 2, 2, 3, 3]);
    expect([...nearestSourceIndices(3, 3)]).toEqual([0, 1, 2]);
    const i321 = nearestSourceIndices(321, 41); // the TF port's 321 crop to 41x41 logits
    expect(i321[0]).toBe(0);
    expect(i321[1]).toBe(7); // 7.83
    expect(i321[40]).toBe(313); // 40 * 7.829 = 313.17
  });

  it('agrees with the exact rational floor wherever float32 cannot matter, and stays in range', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 600 }), fc.integer({ min: 1, max: 600 }), (inSize, outSize) => {
        const idx = nearestSourceIndices(inSize, outSize);
        for (let d = 0; d < outSize; d++) {
          const exact = Math.floor((d * inSize) / outSize);
          const i = idx[d]!;
          if (i < 0 || i >= inSize) return false;
          // float32 rounding can only move an exact integer product by one, downwards or not at all.
          if ((d * inSize) % outSize !== 0 ? i !== Math.min(exact, inSize - 1) : exact - i > 1 || exact < i) return false;
        }
        return true;
      }),
      { numRuns: 200 },
    );
  });

  it('resizes a batch of label maps by picking source pixels', () => {
    // two 2x4 maps → 1x2: rows [0], cols [0, 2]
    const labels = Int32Array.from([1, 2, 3, 4, 5, 6, 7, 8, 10, 20, 30, 40, 50, 60, 70, 80]);
    expect([...resizeLabelsNearest(labels, 2, 2, 4, 1, 2)]).toEqual([1, 3, 10, 30]);
    expect(() => resizeLabelsNearest(labels, 2, 2, 3, 1, 1)).toThrow(/labels hold 16/);
  });
});

describe('segmentation cross-entropy', () => {
  it('is ln(C) for zero logits', async () => {
    const logits = tf.zeros([1, 2, 2, 4]) as tf.Tensor4D;
    expect(await value(segmentationCrossEntropy(logits, [0, 1, 2, 3], 4))).toBeCloseTo(Math.log(4), 6);
    logits.dispose();
  });

  it('matches a hand computation on two pixels', async () => {
    // pixel 0: logits (2, 0), label 0 → ln(1 + e^-2); pixel 1: logits (0, 1), label 0 → ln(1 + e) - 0
    const logits = tf.tensor4d([2, 0, 0, 1], [1, 1, 2, 2]);
    const expected = (Math.log(1 + Math.exp(-2)) + Math.log(1 + Math.E)) / 2;
    expect(await value(segmentationCrossEntropy(logits, [0, 0], 2))).toBeCloseTo(expected, 6);
    logits.dispose();
  });

  it('drops labels >= numClasses (255) from the mean; fine_tune.py mode counts them as zero', async () => {
    const values = [2, 0, 0, 1, 5, -5, 0.3, 0.2];
    const logits = tf.tensor4d(values, [1, 2, 2, 2]);
    const labels = [0, 255, 2, 1]; // 2 >= numClasses=2 is ignored too
    const ce0 = Math.log(1 + Math.exp(-2));
    const ce3 = Math.log(Math.exp(0.3) + Math.exp(0.2)) - 0.2;
    expect(await value(segmentationCrossEntropy(logits, labels, 2))).toBeCloseTo((ce0 + ce3) / 2, 6);
    expect(await value(segmentationCrossEntropy(logits, labels, 2, 'zero'))).toBeCloseTo((ce0 + ce3) / 4, 6);
    expect(crossEntropyRef(Float64Array.from(values), labels, 2)).toBeCloseTo((ce0 + ce3) / 2, 12);
    logits.dispose();
  });

  it('its gradient is (softmax - onehot) / kept on kept pixels and 0 on ignored ones', async () => {
    const logits = tf.tensor4d([2, 0, 0, 1, 5, -5], [1, 1, 3, 2]);
    const g = tf.grad((x: tf.Tensor) => segmentationCrossEntropy(x as tf.Tensor4D, [0, 255, 1], 2))(logits);
    const d = await g.data();
    const s = (a: number, b: number) => Math.exp(a) / (Math.exp(a) + Math.exp(b));
    const expected = [(s(2, 0) - 1) / 2, s(0, 2) / 2, 0, 0, s(5, -5) / 2, (s(-5, 5) - 1) / 2];
    expected.forEach((e, i) => {
      expect(d[i]).toBeCloseTo(e, 6);
    });
    g.dispose();
    logits.dispose();
  });

  it('is 0 (not NaN) when every pixel is ignored', async () => {
    const logits = tf.ones([1, 2, 2, 3]) as tf.Tensor4D;
    expect(await value(segmentationCrossEntropy(logits, [255, 255, 255, 255], 3))).toBeCloseTo(0, 12);
    logits.dispose();
  });

  it('rejects a label count that does not fit the logits', () => {
    const logits = tf.ones([1, 2, 2, 3]) as tf.Tensor4D;
    expect(() => segmentationCrossEntropy(logits, [0, 1], 3)).toThrow(/2 labels/);
    expect(() => segmentationCrossEntropy(logits, [0, 1, 1, 1], 4)).toThrow(/3 classes/);
    logits.dispose();
  });

  it('L2 is weight_decay * sum(w^2) / 2', async () => {
    const a = tf.tensor1d([1, 2]);
    const b = tf.tensor2d([[3], [-1]]);
    expect(await value(l2Penalty([a, b], 0.1))).toBeCloseTo(0.1 * 0.5 * (1 + 4 + 9 + 1), 6);
    tf.dispose([a, b]);
  });
});

describe('poly learning rate', () => {
  it('is base * (1 - step/numSteps)^power', () => {
    expect(polyLearningRate(2.5e-4, 0, 20001, 0.9)).toBe(2.5e-4);
    expect(polyLearningRate(1, 50, 100, 0.9)).toBeCloseTo(0.5 ** 0.9, 12);
    expect(polyLearningRate(0.01, 75, 100, 2)).toBeCloseTo(0.01 * 0.0625, 12);
    expect(polyLearningRate(1, 100, 100, 0.9)).toBe(0);
    expect(polyLearningRate(1, 150, 100, 0.9)).toBe(0);
  });
});

describe('parameter groups (train.py substring rules)', () => {
  it('multipliers: 1 backbone, 10 fc weights, 20 fc biases', () => {
    expect(learningRateMultiplier('conv1/weights')).toBe(1);
    expect(learningRateMultiplier('res4b22_branch2b/weights')).toBe(1);
    expect(learningRateMultiplier('fc1_voc12_c0/weights')).toBe(10);
    expect(learningRateMultiplier('fc1_voc12_c3/biases')).toBe(20);
  });

  it('BatchNorm is never trained; fine-tuning trains only fc1_voc12*', () => {
    for (const n of ['bn_conv1/gamma', 'bn2a_branch1/beta', 'bn_conv1/moving_mean', 'bn5c_branch2c/moving_variance']) {
      expect(isTrainable(n, 'full')).toBe(false);
      expect(isTrainable(n, 'last-layers')).toBe(false);
    }
    expect(isTrainable('res2a_branch1/weights', 'full')).toBe(true);
    expect(isTrainable('res2a_branch1/weights', 'last-layers')).toBe(false);
    expect(isTrainable('fc1_voc12_c2/biases', 'last-layers')).toBe(true);
  });

  it('weight decay covers weights only; --not-restore-last covers fc*', () => {
    expect(isWeightDecayed('fc1_voc12_c0/weights')).toBe(true);
    expect(isWeightDecayed('fc1_voc12_c0/biases')).toBe(false);
    expect(isWeightDecayed('bn_conv1/gamma')).toBe(false);
    expect(isLastLayer('fc1_voc12_c0/biases')).toBe(true);
    expect(isLastLayer('res5c_branch2c/weights')).toBe(false);
  });
});
