import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { DeepLabResNet, DeeplabError, loadBackend, resnetConfig } from '../src/index';
import { variableSpecs, networkSpec } from '../src/model/architecture';

const tiny = resnetConfig(101, { widthMultiplier: 1 / 16, blocks: [1, 2, 2, 1], numClasses: 3 });

describe('DeepLabResNet API', () => {
  beforeAll(async () => {
    await loadBackend('wasm');
  });

  it('names ResNet-101 variables as the TF port does', () => {
    const names = variableSpecs(networkSpec(resnetConfig(101))).map((v) => v.name);
    for (const n of [
      'conv1/weights',
      'bn_conv1/moving_mean',
      'bn_conv1/moving_variance',
      'bn_conv1/gamma',
      'bn_conv1/beta',
      'res2a_branch1/weights',
      'bn2a_branch1/gamma',
      'res2c_branch2c/weights',
      'res3a_branch2a/weights',
      'res3b3_branch2b/weights',
      'bn4b22_branch2c/beta',
      'res5c_branch2b/weights',
      'fc1_voc12_c0/weights',
      'fc1_voc12_c3/biases',
    ]) {
      expect(names).toContain(n);
    }
    expect(names).not.toContain('res3b_branch2a/weights');
    expect(names).not.toContain('res4b23_branch2a/weights');
    // 108 convolutions (104 with BN: 4 params each) + 4 ASPP biases.
    expect(names.length).toBe(108 + 104 * 4 + 4);
  });

  it('uses letters for ResNet-50 and b1.. numbering in res3/res4 of ResNet-152', () => {
    const r50 = variableSpecs(networkSpec(resnetConfig(50))).map((v) => v.name);
    expect(r50).toContain('res3d_branch2c/weights');
    expect(r50).toContain('res4f_branch2c/weights');
    const r152 = variableSpecs(networkSpec(resnetConfig(152))).map((v) => v.name);
    expect(r152).toContain('res3b7_branch2c/weights');
    expect(r152).toContain('res4b35_branch2c/weights');
    expect(r152).toContain('res5c_branch2c/weights');
  });

  it('runs forward at output stride 8 without leaking, and returns batch stats in training mode', () => {
    const model = DeepLabResNet.create(tiny, { seed: 3 });
    const before = tf.memory().numTensors;
    const x = tf.randomNormal([2, 33, 30, 3], 0, 50, 'float32', 1) as tf.Tensor4D;
    const { logits } = model.forward(x);
    expect(logits.shape).toEqual([2, 5, 4, 3]);
    const train = model.forward(x, { trainBatchNorm: true });
    expect(train.batchStats?.length).toBe(1 + 4 + 7 + 7 + 4);
    expect(train.batchStats?.[0]?.layer).toBe('bn_conv1');
    tf.dispose([x, logits, train.logits, ...train.batchStats!.flatMap((s) => [s.mean, s.variance])]);
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });

  it('is differentiable w.r.t. every trainable variable on wasm', () => {
    const model = DeepLabResNet.create(tiny, { seed: 4 });
    const x = tf.randomNormal([1, 17, 19, 3], 0, 50, 'float32', 2) as tf.Tensor4D;
    const trainable = [...model.variables.values()].filter((v) => v.trainable);
    const { value, grads } = tf.variableGrads(
      () => tf.mean(tf.square(model.forward(x, { trainBatchNorm: true }).logits)) as tf.Scalar,
      trainable,
    );
    expect(Object.keys(grads).length).toBe(trainable.length);
    for (const v of trainable) expect(grads[v.name]!.shape).toEqual(v.shape);
    tf.dispose([x, value, ...Object.values(grads)]);
    model.dispose();
  });

  it('round-trips through weight entries and meta, and names bad variables', async () => {
    const model = DeepLabResNet.create(tiny, { seed: 5 });
    const entries = await model.toWeightEntries();
    const meta = model.meta();
    const again = DeepLabResNet.fromWeights(entries, meta);
    const x = tf.randomNormal([1, 21, 21, 3], 0, 50, 'float32', 3) as tf.Tensor4D;
    const a = model.forward(x).logits;
    const b = again.forward(x).logits;
    expect(Array.from(await a.data())).toEqual(Array.from(await b.data()));
    const missing = entries.filter((e) => e.name !== 'bn3a_branch1/gamma');
    expect(() => DeepLabResNet.fromWeights(missing, meta)).toThrow(/missing bn3a_branch1\/gamma/);
    const extra = [...entries, { name: 'fc8/weights', shape: [1], data: new Float32Array(1) }];
    expect(() => DeepLabResNet.fromWeights(extra, meta)).toThrow(/unexpected fc8\/weights/);
    const bad = entries.map((e) => (e.name === 'conv1/weights' ? { ...e, shape: [7, 7, 4, e.shape[3]!] } : e));
    const error = (() => {
      try {
        DeepLabResNet.fromWeights(bad, meta);
      } catch (e) {
        return e;
      }
    })() as DeeplabError;
    expect(error).toBeInstanceOf(DeeplabError);
    expect(error.code).toBe('bad-weights');
    expect(error.message).toMatch(/mis-shaped conv1\/weights \[7,7,4,4\]/);
    const eps = DeepLabResNet.fromWeights(entries, meta, { bnEpsilon: 1e-3 });
    expect(eps.config.bnEpsilon).toBe(1e-3);
    tf.dispose([x, a, b]);
    for (const m of [model, again, eps]) m.dispose();
  });
});
