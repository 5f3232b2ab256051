import * as tf from '@tensorflow/tfjs-core';
import { writeWeightsDirWith } from '@objsel/caffe-import';
import { DeepLabResNet, loadBackend, resnetConfig } from '@objsel/deeplab-resnet';
import { glorotUniformLimit, saveCheckpoint } from '@objsel/deeplab-resnet/train';
import { beforeAll, describe, expect, it } from 'vitest';
import { memoryFiles } from '../../../tools/test/memory-files';
import { ATTENTION_WEIGHTS, DcspError, DcspNetwork, loadDcspNetwork } from '../src/index';

beforeAll(async () => {
  await loadBackend('cpu');
});

const tiny = (extra: { inputChannels?: number; numClasses?: number } = {}) =>
  resnetConfig(50, { widthMultiplier: 1 / 16, blocks: [1, 1, 1, 1], numClasses: 3, asppRates: [2], ...extra });

describe('loadDcspNetwork (over the weights resolver)', () => {
  it('restores both heads from a snapshot directory, a fresh head for plain DeepLab weights, and refuses non-RGB weights', async () => {
    const { files } = memoryFiles();
    const before = tf.memory().numTensors;
    const net = DcspNetwork.create(tiny(), { seed: 4 });
    await saveCheckpoint(files, 'seg', {
      network: { entries: await net.toWeightEntries(), meta: net.meta() },
      optimizer: [],
      state: { format: 'objsel-trainer-state', version: 1, step: 3, optimizerScalars: {}, data: {}, run: {}, savedAt: '' },
    });
    const head = Array.from((await net.toWeightEntries()).find((e) => e.name === ATTENTION_WEIGHTS)!.data);
    net.dispose();
    const restored = await loadDcspNetwork(files, 'seg');
    expect(restored.weightsDir).toBe('seg/ckpt-3');
    expect(Array.from((await restored.network.toWeightEntries()).find((e) => e.name === ATTENTION_WEIGHTS)!.data)).toEqual(head);
    restored.network.dispose();

    const plain = DeepLabResNet.create(tiny(), { seed: 5 });
    await writeWeightsDirWith(files, 'plain', await plain.toWeightEntries(), plain.meta());
    plain.dispose();
    const fresh = await loadDcspNetwork(files, 'plain/model.json', { seed: 1 });
    expect(fresh.weightsDir).toBe('plain');
    expect(fresh.network.numClasses).toBe(3);
    fresh.network.dispose();

    const interactive = DeepLabResNet.create(tiny({ inputChannels: 5, numClasses: 1 }), { seed: 6 });
    await writeWeightsDirWith(files, 'interactive', await interactive.toWeightEntries(), interactive.meta());
    interactive.dispose();
    const error = await loadDcspNetwork(files, 'interactive').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DcspError);
    expect(error).toMatchObject({ code: 'bad-input', file: 'interactive' });
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('loadDcspNetwork on a ResNet backbone (no fc1_voc12_c*)', () => {
  it('builds the numClasses head with Glorot-uniform values (the TF port) and keeps the backbone exactly', async () => {
    const { files } = memoryFiles();
    const source = DeepLabResNet.create(tiny(), { seed: 7 });
    const backbone = (await source.toWeightEntries()).filter((e) => !e.name.startsWith('fc'));
    await writeWeightsDirWith(files, 'resnet', backbone, { ...source.meta(), numClasses: 0, backboneOnly: true });
    source.dispose();
    const before = tf.memory().numTensors;
    const { network } = await loadDcspNetwork(files, 'resnet', { seed: 2, numClasses: 5 });
    expect(network.numClasses).toBe(5);
    const got = new Map((await network.toWeightEntries()).map((e) => [e.name, e]));
    for (const e of backbone) expect(Array.from(got.get(e.name)!.data)).toEqual(Array.from(e.data));
    const w = got.get('fc1_voc12_c0/weights')!;
    expect(w.shape).toEqual([3, 3, 128, 5]);
    const limit = glorotUniformLimit(w.shape);
    expect(Math.max(...Array.from(w.data, Math.abs))).toBeLessThanOrEqual(limit);
    expect(Math.max(...Array.from(w.data, Math.abs))).toBeGreaterThan(0.9 * limit);
    network.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});
