import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { decodeImage, decodeLabel, makeSyntheticDataset, parseList } from '@objsel/voc-data';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nodeFileSystem, writeWeightsDir } from '@objsel/caffe-import/node';
import { loadBackend, loadCheckpoint } from '../src/index';
import {
  INTERACTIVE_MEAN,
  InteractiveListData,
  interactiveConfig,
  trainInteractive,
  type ClickEncoder,
  type InteractiveFeedBatch,
  type InteractiveSampleSpec,
  type InteractiveTrainOptions,
} from '../src/interactive/index';

const fs = nodeFileSystem;
let root: string;
let data: string;
let specs: InteractiveSampleSpec[];

beforeAll(async () => {
  await loadBackend('wasm');
  root = await fsp.mkdtemp(path.join(os.tmpdir(), 'objsel-interactive-'));
  data = path.join(root, 'data');
  await makeSyntheticDataset(
    { count: 5, seed: 4, width: 36, height: 32, classes: 2, minSize: 10, maxSize: 18, sbd: false },
    async (p, bytes) => {
      await fsp.mkdir(path.dirname(path.join(data, p)), { recursive: true });
      await fsp.writeFile(path.join(data, p), bytes);
    },
  );
  const entries = parseList(await fsp.readFile(path.join(data, 'train.txt'), 'utf8'), { dataDir: data });
  specs = [];
  for (const e of entries) {
    const objects = path.join(data, 'SegmentationObject', `${e.id}.png`);
    const label = decodeLabel(new Uint8Array(await fsp.readFile(objects)));
    const ids = [...new Set(label.data)].filter((v) => v !== 0 && v !== 255).sort((a, b) => a - b);
    for (const object of ids) specs.push({ id: `${e.id}#${object}`, image: e.image, objects, object });
  }
});

afterAll(async () => {
  await fsp.rm(root, { recursive: true, force: true });
});

/** A stand-in for the clicks package: positive map = |x - a| + |y - b| from a seeded pixel (a, b), negative map = the seed's low byte. */
const encoder: ClickEncoder = ({ width, height, seed }) => {
  const a = seed % width;
  const b = (seed >>> 8) % height;
  const maps = new Float32Array(width * height * 2);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      maps[(y * width + x) * 2] = Math.min(255, Math.abs(x - a) + Math.abs(y - b));
      maps[(y * width + x) * 2 + 1] = seed & 255;
    }
  return maps;
};

const read = (p: string) => fsp.readFile(p).then((b) => new Uint8Array(b));

describe('InteractiveListData', () => {
  it('builds BGR - mean, click maps - 131 and the object label (void kept) at the native size', async () => {
    const feed = new InteractiveListData(specs, read, encoder, { batchSize: 2, inputSize: [32, 36], seed: 3, shuffle: false });
    const batch = await feed.next();
    expect(batch.ids).toEqual([specs[0]!.id, specs[1]!.id]);
    const spec = specs[0]!;
    const image = await decodeImage(await read(spec.image));
    const instances = decodeLabel(await read(spec.objects)).data;
    const n = 32 * 36;
    let labelled = 0;
    for (let i = 0; i < n; i++) {
      const o = i * 5;
      expect(batch.images[o]).toBeCloseTo(image.data[i * 3 + 2]! - INTERACTIVE_MEAN[0], 3);
      expect(batch.images[o + 1]).toBeCloseTo(image.data[i * 3 + 1]! - INTERACTIVE_MEAN[1], 3);
      expect(batch.images[o + 2]).toBeCloseTo(image.data[i * 3]! - INTERACTIVE_MEAN[2], 3);
      const v = instances[i]!;
      const want = v === spec.object ? 1 : v === 255 ? 255 : 0;
      expect(batch.labels[i]).toBe(want);
      if (want === 1) labelled++;
    }
    expect(labelled).toBeGreaterThan(0);
    // The negative map carries the sample's seed: the two samples got different click seeds.
    const seedByte = (k: number) => batch.images[k * n * 5 + 4]! + INTERACTIVE_MEAN[4];
    expect(seedByte(0)).not.toBe(seedByte(1));
  });

  it('gives fresh clicks every epoch and resumes exactly from a position', async () => {
    const options = { batchSize: 2, inputSize: [24, 24] as [number, number], seed: 5, randomMirror: true };
    const feed = new InteractiveListData(specs, read, encoder, options);
    const n = specs.length;
    const batches: InteractiveFeedBatch[] = [];
    // Two whole epochs (batch 2), and at least 4 batches for the resume check.
    for (let k = 0; k < Math.max(4, n); k++) batches.push(await feed.next());
    const resumed = new InteractiveListData(specs, read, encoder, options, 6);
    const again = await resumed.next();
    expect(again.ids).toEqual(batches[3]!.ids);
    expect(again.images).toEqual(batches[3]!.images);
    expect(again.labels).toEqual(batches[3]!.labels);
    // Over epochs 0 and 1 the same object gets different click seeds (negative-map value).
    const seedsOf = (id: string, epoch: number): number[] => {
      const out: number[] = [];
      batches.forEach((b, bi) => {
        b.ids.forEach((sid, k) => {
          const i = bi * 2 + k;
          if (sid === id && Math.floor(i / n) === epoch) out.push(b.images[k * 24 * 24 * 5 + 4]!);
        });
      });
      return out;
    };
    const id = batches[0]!.ids[0]!;
    expect(seedsOf(id, 0)).toHaveLength(1);
    expect(seedsOf(id, 1)).toHaveLength(1);
    expect(seedsOf(id, 0)[0]).not.toBe(seedsOf(id, 1)[0]);
  });

  it('crop mode pads labels with 255 and click maps with 255', async () => {
    const feed = new InteractiveListData(specs, read, encoder, { batchSize: 1, inputSize: [40, 44], mode: 'crop', seed: 1 });
    const batch = await feed.next();
    // Bottom-right corner lies in the padding (image is 36x32).
    const i = 40 * 44 - 1;
    expect(batch.labels[i]).toBe(255);
    expect(batch.images[i * 5 + 3]! + INTERACTIVE_MEAN[3]).toBeCloseTo(255, 4);
  });
});

describe('trainInteractive', () => {
  const MODEL = interactiveConfig(50, { blocks: [1, 1, 1, 1], widthMultiplier: 1 / 16, asppRates: [1, 2] });
  function options(snapshotDir: string, extra: Partial<InteractiveTrainOptions> = {}): InteractiveTrainOptions {
    return {
      fs,
      data: {
        dataDir: data,
        dataList: path.join(data, 'train.txt'),
        objectDir: 'SegmentationObject',
        batchSize: 2,
        inputSize: [24, 24],
        mode: 'resize',
        randomScale: false,
        randomMirror: true,
        seed: 9,
        ignoreLabel: 255,
        strategies: [1, 2, 3],
        sampling: {},
        clickScale: 1,
      },
      model: MODEL,
      snapshotDir,
      seed: 2,
      savePredEvery: 2,
      saveNumImages: 2,
      trainer: { numSteps: 4, learningRate: 0.01, trainBatchNorm: true, bnDecay: 0.9, lossScale: 1 },
      ...extra,
    };
  }

  it('checkpoints, pictures and metrics; resuming gives the uninterrupted run bit for bit; no tensor growth', async () => {
    const tensors = tf.memory().numTensors;
    const straight = await trainInteractive(options(path.join(root, 'a')));
    expect(straight.steps).toBe(4);
    straight.network.dispose();
    expect(tf.memory().numTensors).toBe(tensors);
    const metrics = (await fsp.readFile(path.join(root, 'a', 'metrics.jsonl'), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(metrics.map((m) => m.step)).toEqual([1, 2, 3, 4]);
    expect(new Set(metrics.map((m) => m.tensors)).size).toBe(1);
    expect((await fsp.readdir(path.join(root, 'a', 'images'))).sort()).toEqual(['step-2.png', 'step-4.png']);

    await fsp.cp(path.join(root, 'a'), path.join(root, 'b'), { recursive: true });
    await fsp.rm(path.join(root, 'b', 'ckpt-4'), { recursive: true });
    const resumed = await trainInteractive(options(path.join(root, 'b'), { resume: true }));
    expect(resumed.resumedFrom).toMatch(/ckpt-2$/);
    expect(resumed.stepsThisRun).toBe(2);
    resumed.network.dispose();
    const a = await loadCheckpoint(fs, path.join(root, 'a', 'ckpt-4'));
    const b = await loadCheckpoint(fs, path.join(root, 'b', 'ckpt-4'));
    expect(b.network.meta.inputChannels).toBe(5);
    expect(b.network.meta.numClasses).toBe(1);
    a.network.entries.forEach((e, k) => {
      expect(b.network.entries[k]!.data).toEqual(e.data);
    });
    a.optimizer.forEach((e, k) => {
      expect(b.optimizer[k]!.data).toEqual(e.data);
    });
  });

  it('widens RGB weights given as restoreFrom', async () => {
    const { DeepLabResNet, resnetConfig } = await import('../src/index');
    const rgb = DeepLabResNet.create(
      resnetConfig(50, { blocks: [1, 1, 1, 1], widthMultiplier: 1 / 16, numClasses: 3, asppRates: [1, 2] }),
      { seed: 1 },
    );
    await writeWeightsDir(path.join(root, 'rgb'), await rgb.toWeightEntries(), rgb.meta());
    rgb.dispose();
    const info: string[] = [];
    const run = await trainInteractive(
      options(path.join(root, 'c'), {
        model: undefined,
        restoreFrom: path.join(root, 'rgb'),
        trainer: { numSteps: 1, lossScale: 1 },
        onInfo: (m) => info.push(m),
      }),
    );
    expect(info.join('\n')).toMatch(/widened/);
    expect(run.network.config.inputChannels).toBe(5);
    run.network.dispose();
  });
});
