import * as tf from '@tensorflow/tfjs-core';
import { filesFromMap, type WeightEntry } from '@objsel/caffe-import';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { snappyCompress } from '../../../tools/tf-checkpoint/snappy-compress';
import { writeV1 } from '../../../tools/tf-checkpoint/v1-writer';
import { writeV2, type V2WriterOptions } from '../../../tools/tf-checkpoint/v2-writer';
import { DeepLabResNet, DeeplabError, loadSegmentationNetwork, resnetConfig, resolveWeights } from '../src/index';
import { glorotUniformLimit, initializeHeadLikeTfPort, tfFans } from '../src/train/index';

// ASPP rates 6 and 12: the TF port's first two, which a checkpoint of two branches implies.
const config = resnetConfig(50, { blocks: [1, 1, 1, 1], widthMultiplier: 1 / 16, numClasses: 3, asppRates: [6, 12] });

let original: DeepLabResNet;
let entries: WeightEntry[];
/** What TF training leaves beside the variables: Momentum slots and the step counter. */
let extras: Array<{ name: string; shape: number[]; data: Float32Array | BigInt64Array }>;

beforeAll(async () => {
  original = DeepLabResNet.create(config, { seed: 17 });
  entries = await original.toWeightEntries();
  extras = [
    { name: 'global_step', shape: [], data: BigInt64Array.of(20000n) },
    { name: 'conv1/weights/Momentum', shape: entries[0]!.shape, data: new Float32Array(entries[0]!.data.length).fill(0.5) },
    { name: 'fc1_voc12_c0/biases/Momentum', shape: [3], data: new Float32Array(3) },
  ];
});
afterAll(() => original.dispose());

function v2(prefix: string, list: typeof extras | WeightEntry[], options: V2WriterOptions = {}): Record<string, Uint8Array> {
  const { index, shards } = writeV2(list, options);
  const n = shards.length;
  const files: Record<string, Uint8Array> = { [`${prefix}.index`]: index };
  shards.forEach((s, k) => {
    files[`${prefix}.data-${String(k).padStart(5, '0')}-of-${String(n).padStart(5, '0')}`] = s;
  });
  return files;
}

function sameValues(got: WeightEntry[], want: WeightEntry[]): void {
  expect(got.map((e) => e.name).sort()).toEqual(want.map((e) => e.name).sort());
  const byName = new Map(got.map((e) => [e.name, e]));
  for (const w of want) {
    const g = byName.get(w.name)!;
    expect(g.shape).toEqual(w.shape);
    expect(
      Buffer.from(g.data.buffer, g.data.byteOffset, g.data.byteLength).equals(
        Buffer.from(w.data.buffer, w.data.byteOffset, w.data.byteLength),
      ),
    ).toBe(true);
  }
}

describe('resolveWeights on TensorFlow checkpoints', () => {
  const variants: Array<[string, () => Record<string, Uint8Array>, string]> = [
    ['a V2 prefix', () => v2('run/model.ckpt-20000', [...entries, ...extras]), 'run/model.ckpt-20000'],
    [
      'a V2 prefix with Snappy blocks and two data shards',
      () =>
        v2('run/model.ckpt-5', [...entries.map((e, i) => ({ ...e, shard: i % 2 })), ...extras], {
          shards: 2,
          blockSize: 256,
          compress: (b) => snappyCompress(b),
        }),
      'run/model.ckpt-5',
    ],
    ['a V1 file', () => ({ 'deeplab_resnet.ckpt': writeV1([...entries, ...extras]) }), 'deeplab_resnet.ckpt'],
    [
      'a Snappy V1 file',
      () => ({ 'deeplab_resnet.ckpt': writeV1([...entries, ...extras], { blockSize: 512, compress: (b) => snappyCompress(b) }) }),
      'deeplab_resnet.ckpt',
    ],
    [
      "a directory with TensorFlow's checkpoint file",
      () => ({
        ...v2('snapshots/model.ckpt-1000', [...entries, ...extras]),
        'snapshots/checkpoint': new TextEncoder().encode(
          'model_checkpoint_path: "model.ckpt-1000"\nall_model_checkpoint_paths: "model.ckpt-1000"\n',
        ),
      }),
      'snapshots',
    ],
  ];
  for (const [what, make, path] of variants) {
    it(`reads ${what}: the variables bit-exactly, BN epsilon 0.001, slots and counters listed`, async () => {
      const r = await resolveWeights(filesFromMap(make()), path);
      expect(r.source).toBe('tf-checkpoint');
      sameValues(r.entries, entries);
      expect(r.meta).toMatchObject({ numClasses: 3, blocks: [1, 1, 1, 1], widthMultiplier: 1 / 16, bnEpsilon: 0.001, inputChannels: 3 });
      expect(r.network).toEqual({ kind: 'semantic', inputChannels: 3, numClasses: 3 });
      expect(r.tfCheckpoint?.counters.map((t) => t.name)).toEqual(['global_step']);
      expect(r.tfCheckpoint?.optimizerSlots.map((t) => t.name).sort()).toEqual(['conv1/weights/Momentum', 'fc1_voc12_c0/biases/Momentum']);
    });
  }

  it('loads a checkpoint as the network the TF port runs (its dilations and ASPP rates, BN epsilon 0.001)', async () => {
    const { network } = await loadSegmentationNetwork(filesFromMap(v2('m', entries)), 'm');
    const reference = DeepLabResNet.fromWeights(entries, original.meta(), { bnEpsilon: 0.001 });
    const input = tf.randomNormal([1, 33, 33, 3], 0, 50, 'float32', 3) as tf.Tensor4D;
    const before = tf.memory().numTensors;
    const a = network.forward(input).logits;
    const b = reference.forward(input).logits;
    expect(Array.from(await a.data())).toEqual(Array.from(await b.data()));
    tf.dispose([a, b]);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([input]);
    network.dispose();
    reference.dispose();
  });

  it('reads a checkpoint without fc1_voc12_c* as a backbone, which inference refuses (no head)', async () => {
    const backbone = entries.filter((e) => !e.name.startsWith('fc'));
    const files = filesFromMap(v2('init/model.ckpt', backbone));
    const r = await resolveWeights(files, 'init/model.ckpt');
    expect(r.meta).toMatchObject({ numClasses: 0, backboneOnly: true });
    await expect(loadSegmentationNetwork(files, 'init/model.ckpt')).rejects.toThrow(/backbone without the ASPP head/);
  });

  it('names the missing data shard in a DeeplabError', async () => {
    const files = v2(
      'x/model.ckpt',
      entries.map((e, i) => ({ ...e, shard: i % 2 })),
      { shards: 2 },
    );
    delete files['x/model.ckpt.data-00001-of-00002'];
    const error = await resolveWeights(filesFromMap(files), 'x/model.ckpt').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DeeplabError);
    expect((error as DeeplabError).message).toMatch(/x\/model\.ckpt\.data-00001-of-00002: data shard 1 of 2 is missing/);
  });

  it('keeps the old message for a path that holds nothing', async () => {
    const error = await resolveWeights(filesFromMap({ 'a/b': new Uint8Array(1) }), 'nothing/here').catch((e: unknown) => e);
    expect((error as DeeplabError).code).toBe('io');
    expect((error as Error).message).toMatch(/^nothing\/here: no such file or directory/);
  });
});

describe('the head created on a backbone (TF port: glorot_uniform_initializer)', () => {
  it("computes TensorFlow's fans and Glorot limits", () => {
    expect(tfFans([3, 3, 2048, 21])).toEqual({ fanIn: 9 * 2048, fanOut: 9 * 21 });
    expect(tfFans([21])).toEqual({ fanIn: 21, fanOut: 21 });
    expect(glorotUniformLimit([3, 3, 2048, 21])).toBeCloseTo(Math.sqrt(6 / (18432 + 189)), 12);
    expect(glorotUniformLimit([21])).toBeCloseTo(Math.sqrt(3 / 21), 12);
  });

  it('fills weights and biases uniformly within ±limit with the uniform variance limit²/3, seeded', async () => {
    const a = DeepLabResNet.create(config, { seed: 1 });
    const b = DeepLabResNet.create(config, { seed: 2 });
    initializeHeadLikeTfPort(a, 9);
    initializeHeadLikeTfPort(b, 9);
    for (const [name, v] of a.variables) {
      if (!name.startsWith('fc')) continue;
      const values = Float64Array.from(await v.data());
      const limit = glorotUniformLimit(v.shape);
      expect(Math.max(...values.map(Math.abs))).toBeLessThanOrEqual(limit);
      expect(Array.from(await b.variables.get(name)!.data())).toEqual(Array.from(values));
      if (values.length > 1000) {
        const mean = values.reduce((s, x) => s + x, 0) / values.length;
        const variance = values.reduce((s, x) => s + (x - mean) ** 2, 0) / values.length;
        expect(Math.abs(mean)).toBeLessThan(0.05 * limit);
        expect(variance / ((limit * limit) / 3)).toBeGreaterThan(0.93);
        expect(variance / ((limit * limit) / 3)).toBeLessThan(1.07);
      }
    }
    a.dispose();
    b.dispose();
  });
});
