import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeepLabResNet, FoldedDeepLab, loadBackend, resnetConfig, type DeepLabConfig } from '../src/index';
import { randomiseStatistics, referenceForward, relativeL2, type WeightMap } from './reference/deeplab-reference';

/**
 * The network against an independent reference (native dilated convolutions with explicit TF
 * 'SAME' pads, BN as a formula, -inf padded pooling) computed on the cpu backend, while the
 * network runs on wasm. Full ResNet-101 depth at 1/16 width so the cpu reference stays fast; the
 * full-size comparison is in forward-full-size.test.ts (opt-in) and the benchmark.
 */
const TOLERANCE = 1e-4;

async function reference(
  weights: WeightMap,
  input: Float32Array,
  shape: [number, number, number, number],
  config: DeepLabConfig,
  numbered: boolean,
): Promise<Float32Array> {
  await loadBackend('cpu');
  const x = tf.tensor4d(input, shape);
  const y = referenceForward(weights, x, { blocks: config.blocks, bnEpsilon: config.bnEpsilon, asppRates: config.asppRates, numbered });
  const data = (await y.data()) as Float32Array;
  tf.dispose([x, y]);
  await loadBackend('wasm');
  return data;
}

function randomInput(shape: number[], seed: number): Float32Array {
  return tf.tidy(() => tf.randomNormal(shape, 0, 60, 'float32', seed).dataSync() as Float32Array);
}

describe.each([
  {
    name: 'ResNet-101 layout, 1/16 width, 3 channels',
    depth: 101 as const,
    overrides: { widthMultiplier: 1 / 16 },
    numbered: true,
    // 81 = 8k+1 (odd, like 321); 100x66 is even on both axes (like 500x334 at 1/5).
    sizes: [
      [81, 81],
      [100, 66],
    ],
  },
  {
    name: 'ResNet-50 layout, 1/16 width, 5 channels, 2 classes',
    depth: 50 as const,
    overrides: { widthMultiplier: 1 / 16, inputChannels: 5, numClasses: 2 },
    numbered: false,
    sizes: [[57, 43]],
  },
])('$name', ({ depth, overrides, numbered, sizes }) => {
  let model: DeepLabResNet;
  let weights: WeightMap;

  beforeAll(async () => {
    await loadBackend('wasm');
    const random = DeepLabResNet.create(resnetConfig(depth, overrides), { seed: 11 });
    const entries = randomiseStatistics(await random.toWeightEntries(), 12);
    model = DeepLabResNet.fromWeights(entries, random.meta());
    random.dispose();
    weights = new Map(entries.map((e) => [e.name, e]));
  });

  afterAll(() => model.dispose());

  it.each(sizes)('forward, folded (native and space-to-batch) match the reference at %ix%i', async (h, w) => {
    const c = model.config.inputChannels;
    const input = randomInput([1, h, w, c], h * 1000 + w);
    const expected = await reference(weights, input, [1, h, w, c], model.config, numbered);
    const before = tf.memory().numTensors;
    const x = tf.tensor4d(input, [1, h, w, c]);
    const { logits } = model.forward(x);
    expect(logits.shape).toEqual([1, Math.ceil(h / 8), Math.ceil(w / 8), model.config.numClasses]);
    const forwardError = relativeL2((await logits.data()) as Float32Array, expected);
    const errors: Record<string, number> = { forward: forwardError };
    for (const atrous of ['native', 'space-to-batch'] as const) {
      const folded = FoldedDeepLab.fromModel(model, { atrous });
      const y = folded.predict(x);
      errors[atrous] = relativeL2((await y.data()) as Float32Array, expected);
      tf.dispose(y);
      folded.dispose();
    }
    tf.dispose([x, logits]);
    expect(tf.memory().numTensors).toBe(before);
    console.info(`relative L2 vs reference at ${h}x${w}:`, errors);
    for (const [path, error] of Object.entries(errors)) expect(error, `${path} relative L2 error`).toBeLessThan(TOLERANCE);
  });

  it('honours an overridden BN epsilon (0.001, the TF port default) and differs from 1e-5', async () => {
    const c = model.config.inputChannels;
    const input = randomInput([1, 33, 35, c], 5);
    const eps = DeepLabResNet.fromWeights(
      [...weights.entries()].map(([name, e]) => ({ name, ...e })),
      model.meta(),
      { bnEpsilon: 1e-3 },
    );
    const expected = await reference(weights, input, [1, 33, 35, c], eps.config, numbered);
    const other = await reference(weights, input, [1, 33, 35, c], model.config, numbered);
    const x = tf.tensor4d(input, [1, 33, 35, c]);
    const { logits } = eps.forward(x);
    const got = (await logits.data()) as Float32Array;
    expect(relativeL2(got, expected)).toBeLessThan(TOLERANCE);
    expect(relativeL2(other, expected)).toBeGreaterThan(10 * TOLERANCE);
    tf.dispose([x, logits]);
    eps.dispose();
  });
});
