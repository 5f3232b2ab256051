import * as tf from '@tensorflow/tfjs-core';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadBackend } from '../src/index';
import { atrousConv2d } from '../src/ops/atrous';
import { atrousDimPlan, atrousPlan, samePadding } from '../src/ops/padding';
import { batchToSpace2d, spaceToBatch2d } from '../src/ops/space-to-batch';

/** Max |a - b| over two tensors, read asynchronously. */
async function maxAbsDiff(a: tf.Tensor, b: tf.Tensor): Promise<number> {
  expect(a.shape).toEqual(b.shape);
  const [x, y] = await Promise.all([a.data(), b.data()]);
  let m = 0;
  for (let i = 0; i < x.length; i++) m = Math.max(m, Math.abs(x[i]! - y[i]!));
  return m;
}

describe('samePadding (TF SAME)', () => {
  it('matches the documented cases: 321 and 320 through conv1 7x7/2, pool 3x3/2, 1x1/2', () => {
    expect(samePadding(321, 7, 2)).toEqual({ before: 3, after: 3, outSize: 161 });
    expect(samePadding(320, 7, 2)).toEqual({ before: 2, after: 3, outSize: 160 });
    expect(samePadding(161, 3, 2)).toEqual({ before: 1, after: 1, outSize: 81 });
    expect(samePadding(160, 3, 2)).toEqual({ before: 0, after: 1, outSize: 80 });
    expect(samePadding(81, 1, 2)).toEqual({ before: 0, after: 0, outSize: 41 });
    expect(samePadding(41, 3, 1, 24)).toEqual({ before: 24, after: 24, outSize: 41 });
  });

  it('pads so that output i starts at input i*stride - before, and the last window fits exactly', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 600 }),
        fc.integer({ min: 1, max: 7 }),
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 6 }),
        (n, k, s, d) => {
          const p = samePadding(n, k, s, d);
          const eff = (k - 1) * d + 1;
          expect(p.outSize).toBe(Math.ceil(n / s));
          // Floor half before, the odd one after.
          expect(p.after - p.before === 0 || p.after - p.before === 1).toBe(true);
          // The last window ends inside the padded input, and no more padding than needed.
          expect((p.outSize - 1) * s + eff).toBeLessThanOrEqual(p.before + n + p.after);
          expect(p.before + p.after).toBe(Math.max(0, (p.outSize - 1) * s + eff - n));
        },
      ),
    );
  });
});

describe('atrousDimPlan (space-to-batch paddings)', () => {
  it('pads to a multiple of the rate and crops back to the input size', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 200 }), fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 30 }), (n, k, r) => {
        const { pad, crop } = atrousDimPlan(n, k, r);
        const padded = n + pad.before + pad.after;
        expect(padded % r).toBe(0);
        // Base padding is exactly TF SAME for the dilated kernel.
        const same = samePadding(n, k, 1, r);
        expect(pad.before).toBe(same.before);
        expect(pad.after - crop.after).toBe(same.after);
        expect(crop.before).toBe(0);
        expect(crop.after).toBeLessThan(r);
        // VALID conv on each of the r phases, interleaved back, minus the crop = n outputs.
        const perPhase = padded / r - (k - 1);
        expect(perPhase * r - crop.after).toBe(n);
      }),
    );
  });

  it('rejects non-positive sizes', () => {
    expect(() => atrousDimPlan(0, 3, 2)).toThrow(RangeError);
    expect(() => atrousPlan([5, 5], [3, 3], 0)).toThrow(RangeError);
  });
});

describe.each(['cpu', 'wasm'] as const)('space-to-batch ops on %s', (backend) => {
  beforeAll(async () => {
    await loadBackend(backend);
  });

  it('spaceToBatch2d / batchToSpace2d equal TF.js spaceToBatchND / batchToSpaceND exactly', async () => {
    for (const [n, h, w, c, r] of [
      [1, 9, 9, 2, 2],
      [2, 17, 14, 3, 3],
      [1, 41, 41, 5, 24],
      [3, 8, 12, 1, 4],
    ] as const) {
      const x = tf.randomNormal([n, h, w, c], 0, 1, 'float32', h * w) as tf.Tensor4D;
      const plan = atrousPlan([h, w], [3, 3], r);
      const ours = spaceToBatch2d(x, r, plan.paddings);
      const theirs = tf.spaceToBatchND(x, [r, r], plan.paddings);
      expect(await maxAbsDiff(ours, theirs)).toBe(0);
      const back = batchToSpace2d(ours, r, plan.crops);
      const theirsBack = tf.batchToSpaceND(theirs, [r, r], plan.crops);
      expect(await maxAbsDiff(back, theirsBack)).toBe(0);
      const crops: [[number, number], [number, number]] = [
        [plan.paddings[0][0], plan.paddings[0][1]],
        [plan.paddings[1][0], plan.paddings[1][1]],
      ];
      expect(await maxAbsDiff(batchToSpace2d(ours, r, crops), x)).toBe(0);
      tf.dispose([x, ours, theirs, back, theirsBack]);
    }
  });

  it('atrousConv2d equals dilated conv2d forward at odd and even sizes, without leaks', async () => {
    const before = tf.memory().numTensors;
    for (const [h, w, k, r] of [
      [17, 17, 3, 2],
      [33, 30, 3, 6],
      [20, 20, 1, 4],
      [21, 19, 5, 3],
      [6, 5, 3, 24],
      [41, 41, 3, 12],
    ] as const) {
      const x = tf.randomNormal([2, h, w, 4], 0, 1, 'float32', 1) as tf.Tensor4D;
      const f = tf.randomNormal([k, k, 4, 3], 0, 1, 'float32', 2) as tf.Tensor4D;
      const ours = atrousConv2d(x, f, r);
      const dilated = tf.conv2d(x, f, 1, 'same', 'NHWC', [r, r]);
      expect(await maxAbsDiff(ours, dilated)).toBeLessThan(1e-4);
      tf.dispose([x, f, ours, dilated]);
    }
    expect(tf.memory().numTensors).toBe(before);
  });

  it('atrousConv2d gradients equal those of a dense conv with the zero-dilated filter', async () => {
    for (const [h, w, k, r] of [
      [17, 16, 3, 2],
      [13, 15, 3, 4],
      [9, 11, 3, 6],
    ] as const) {
      const x = tf.randomNormal([1, h, w, 3], 0, 1, 'float32', 3) as tf.Tensor4D;
      const f = tf.randomNormal([k, k, 3, 2], 0, 1, 'float32', 4) as tf.Tensor4D;
      const dy = tf.randomNormal([1, h, w, 2], 0, 1, 'float32', 5) as tf.Tensor4D;
      // Dense filter of size (k-1)r+1 with the taps at multiples of r and zeros in between.
      const kd = (k - 1) * r + 1;
      const fv = await f.array();
      const dense = tf.tensor4d(
        Array.from({ length: kd }, (_, i) =>
          Array.from({ length: kd }, (_, j) => (i % r === 0 && j % r === 0 ? fv[i / r]![j / r]! : Array.from({ length: 3 }, () => [0, 0]))),
        ),
      );
      const [gxA, gfA] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(atrousConv2d(a as tf.Tensor4D, b as tf.Tensor4D, r), dy)))([
        x,
        f,
      ]);
      const [gxB, gdB] = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
        tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 1, 'same'), dy)),
      )([x, dense]);
      expect(await maxAbsDiff(gxA!, gxB!)).toBeLessThan(1e-4);
      // The dense filter's gradient at the taps is the atrous filter's gradient.
      const gd = (await gdB!.array()) as number[][][][];
      const gfDense = tf.tensor4d(Array.from({ length: k }, (_, i) => Array.from({ length: k }, (_, j) => gd[i * r]![j * r]!)));
      const scale = Math.max(1, ...(await gfDense.abs().data()));
      expect((await maxAbsDiff(gfA!, gfDense)) / scale).toBeLessThan(1e-5);
      tf.dispose([x, f, dy, dense, gxA!, gfA!, gxB!, gdB!, gfDense]);
    }
  });
});
