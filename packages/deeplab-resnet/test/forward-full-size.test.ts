import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeepLabResNet, FoldedDeepLab, loadBackend, resnetConfig } from '../src/index';
import { randomiseStatistics, referenceForward, relativeL2 } from './reference/deeplab-reference';

/**
 * The bar at full size: random full-width ResNet-101 weights (random BN statistics too)
 * at 321x321 and 500x334 against the independent reference (run on wasm here, for speed; the
 * reduced-width comparison in forward-reference.test.ts runs it on cpu). Several minutes on 2
 * cores, so opt-in: OBJSEL_FULL_SIZE=1 npx vitest run --project deeplab-resnet test/forward-full-size.test.ts
 */
const ENABLED = process.env.OBJSEL_FULL_SIZE === '1';

describe.skipIf(!ENABLED)('full-size ResNet-101 against the reference (OBJSEL_FULL_SIZE=1)', () => {
  let model: DeepLabResNet;
  let weights: Map<string, { shape: number[]; data: Float32Array }>;

  beforeAll(async () => {
    await loadBackend('wasm');
    const random = DeepLabResNet.create(resnetConfig(101), { seed: 101 });
    const entries = randomiseStatistics(await random.toWeightEntries(), 102);
    model = DeepLabResNet.fromWeights(entries, random.meta());
    random.dispose();
    weights = new Map(entries.map((e) => [e.name, e]));
  }, 600_000);
  afterAll(() => model?.dispose());

  it.each([
    [321, 321],
    [500, 334],
  ])('%ix%i: forward and folded inference within 1e-4 (relative L2)', { timeout: 1_200_000 }, async (h, w) => {
    const x = tf.randomNormal([1, h, w, 3], 0, 60, 'float32', h + w) as tf.Tensor4D;
    const ref = referenceForward(weights, x, { blocks: [3, 4, 23, 3], bnEpsilon: 1e-5, asppRates: [6, 12, 18, 24], numbered: true });
    const expected = (await ref.data()) as Float32Array;
    const errors: Record<string, number> = {};
    const { logits } = model.forward(x);
    expect(logits.shape).toEqual([1, Math.ceil(h / 8), Math.ceil(w / 8), 21]);
    errors.forward = relativeL2((await logits.data()) as Float32Array, expected);
    for (const atrous of ['native', 'space-to-batch'] as const) {
      const folded = FoldedDeepLab.fromModel(model, { atrous });
      const y = folded.predict(x);
      errors[`folded-${atrous}`] = relativeL2((await y.data()) as Float32Array, expected);
      tf.dispose(y);
      folded.dispose();
    }
    tf.dispose([x, ref, logits]);
    console.info(`full-size ${h}x${w} relative L2 vs reference: ${JSON.stringify(errors)}`);
    for (const [path, error] of Object.entries(errors)) expect(error, path).toBeLessThan(1e-4);
  });
});
