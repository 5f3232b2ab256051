import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { writeWeightsDirWith, type ObjselNetworkMeta, type WeightEntry, type WritableFiles } from '@objsel/caffe-import';
import { nodeFileSystem, writeWeightsDir } from '@objsel/caffe-import/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { memoryFiles } from '../../../tools/test/memory-files';
import {
  DeepLabResNet,
  DeeplabError,
  describeNetwork,
  loadSegmentationNetwork,
  locateWeights,
  resnetConfig,
  resolveWeights,
  type CheckpointContents,
} from '../src/index';
import { CHECKPOINT_INDEX, saveCheckpoint } from '../src/train/index';

const tiny = (extra: { inputChannels?: number; numClasses?: number } = {}) =>
  resnetConfig(50, { blocks: [1, 1, 1, 1], widthMultiplier: 1 / 16, numClasses: 3, asppRates: [2], ...extra });

interface Weights {
  entries: WeightEntry[];
  meta: ObjselNetworkMeta;
}

let rgb: Weights;
let interactive: Weights;
let dcsp: Weights;
let root: string;

async function weightsOf(config: ReturnType<typeof tiny>, seed: number): Promise<Weights> {
  const net = DeepLabResNet.create(config, { seed });
  const weights = { entries: await net.toWeightEntries(), meta: net.meta() };
  net.dispose();
  return weights;
}

/** A checkpoint of `weights` at `step` whose first conv1 value is `step`, to tell checkpoints apart. */
function checkpointAt(weights: Weights, step: number): CheckpointContents {
  const entries = weights.entries.map((e) =>
    e.name === 'conv1/weights' ? { ...e, data: Float32Array.from(e.data, (v, i) => (i ? v : step)) } : e,
  );
  return {
    network: { entries, meta: weights.meta },
    optimizer: [],
    state: { format: 'objsel-trainer-state', version: 1, step, optimizerScalars: {}, data: {}, run: {}, savedAt: '' },
  };
}

const firstConv = (entries: WeightEntry[]) => entries.find((e) => e.name === 'conv1/weights')!.data[0];

async function write(files: WritableFiles, dir: string, weights: Weights): Promise<void> {
  await writeWeightsDirWith(files, dir, weights.entries, weights.meta);
}

beforeAll(async () => {
  await tf.setBackend('cpu');
  rgb = await weightsOf(tiny(), 1);
  interactive = await weightsOf(tiny({ inputChannels: 5, numClasses: 1 }), 2);
  const base = await weightsOf(tiny(), 3);
  // DCSP's layout (dcsp's DcspNetwork.meta/toWeightEntries): DeepLab plus a 1x1 attention head on the class scores.
  dcsp = {
    entries: [
      ...base.entries,
      { name: 'fc1_voc12_d0/weights', shape: [1, 1, 3, 2], data: new Float32Array(6).fill(0.5) },
      { name: 'fc1_voc12_d0/biases', shape: [2], data: new Float32Array(2) },
    ],
    meta: { ...base.meta, dcsp: { attentionLayer: 'fc1_voc12_d0' } },
  };
  root = await fsp.mkdtemp(path.join(os.tmpdir(), 'objsel-resolve-'));
});

afterAll(async () => {
  await fsp.rm(root, { recursive: true, force: true });
});

describe('resolveWeights: where the weights are', () => {
  it('a weights directory is read as itself, also when it holds checkpoint.json too', async () => {
    const { files } = memoryFiles();
    await write(files, 'w', rgb);
    const found = await resolveWeights(files, 'w');
    expect(found).toMatchObject({ path: 'w', source: 'weights-dir', weightsPath: 'w' });
    expect(found.step).toBeUndefined();
    expect(found.entries.map((e) => e.name)).toEqual(rgb.entries.map((e) => e.name));
    await files.writeFile(`w/${CHECKPOINT_INDEX}`, '{"format":"objsel-checkpoints","latest":"ckpt-1","step":1,"checkpoints":["ckpt-1"]}');
    expect((await locateWeights(files, 'w')).source).toBe('weights-dir');
  });

  it('a checkpoint directory is a weights directory with its step', async () => {
    const { files } = memoryFiles();
    await saveCheckpoint(files, 'snap', checkpointAt(rgb, 7));
    expect(await locateWeights(files, 'snap/ckpt-7')).toEqual({
      path: 'snap/ckpt-7',
      source: 'checkpoint',
      weightsPath: 'snap/ckpt-7',
      step: 7,
    });
    // A trainer.json that cannot be read leaves the step unknown; the weights still load.
    await files.writeFile('snap/ckpt-7/trainer.json', 'garbage');
    const found = await resolveWeights(files, 'snap/ckpt-7');
    expect(found.source).toBe('checkpoint');
    expect(found.step).toBeUndefined();
    expect(firstConv(found.entries)).toBe(7);
  });

  it("a snapshot directory gives checkpoint.json's latest, else the highest complete ckpt-<step>", async () => {
    const mem = memoryFiles();
    const { files } = mem;
    for (const step of [2, 4, 6]) await saveCheckpoint(files, 'snap', checkpointAt(rgb, step));
    const found = await resolveWeights(files, 'snap/');
    expect(found).toMatchObject({ source: 'snapshot-dir', weightsPath: 'snap/ckpt-6', step: 6 });
    expect(firstConv(found.entries)).toBe(6);
    // The index names an older checkpoint: it wins (train.py's `checkpoint` file semantics).
    await files.writeFile(`snap/${CHECKPOINT_INDEX}`, '{"format":"objsel-checkpoints","latest":"ckpt-4","step":4,"checkpoints":[]}');
    expect((await locateWeights(files, 'snap')).step).toBe(4);
    // No index: the scan finds the highest complete one.
    await files.rm(`snap/${CHECKPOINT_INDEX}`);
    expect((await locateWeights(files, 'snap')).step).toBe(6);
  });

  it('ignores stale temporary directories and incomplete checkpoints in a snapshot directory', async () => {
    const { files } = memoryFiles();
    await saveCheckpoint(files, 'snap', checkpointAt(rgb, 3));
    // Leftovers of interrupted saves (complete-looking inside) and a checkpoint without trainer.json.
    await saveCheckpoint(files, 'other', checkpointAt(rgb, 9));
    await files.rename('other/ckpt-9', 'snap/.ckpt-9.tmp-abc');
    await write(files, 'snap/.ckpt-8.old-abc', rgb);
    await write(files, 'snap/ckpt-12', rgb);
    await files.writeFile(`snap/${CHECKPOINT_INDEX}`, '{"latest": "ckpt-');
    const found = await resolveWeights(files, 'snap');
    expect(found).toMatchObject({ source: 'snapshot-dir', weightsPath: 'snap/ckpt-3', step: 3 });
    expect(firstConv(found.entries)).toBe(3);
  });

  it('a model.json file names its directory', async () => {
    const { files } = memoryFiles();
    await write(files, 'out/w', rgb);
    expect(await locateWeights(files, 'out/w/model.json')).toEqual({
      path: 'out/w/model.json',
      source: 'model-json',
      weightsPath: 'out/w',
    });
  });

  it('says clearly when there is nothing to read, and names the file when the weights are bad', async () => {
    const { files } = memoryFiles({ 'empty/readme.txt': 'x', 'garbage/model.json': '{"format": ' });
    await expect(resolveWeights(files, 'nope')).rejects.toMatchObject({
      name: 'DeeplabError',
      code: 'io',
      message: expect.stringMatching(/^nope: no such file or directory \(weights are a directory with model\.json/),
    });
    const empty = await resolveWeights(files, 'empty').catch((e: unknown) => e);
    expect(empty).toBeInstanceOf(DeeplabError);
    expect(empty).toMatchObject({ code: 'bad-weights', file: 'empty' });
    expect((empty as Error).message).toMatch(/^empty: no weights here: not a weights directory \(no model\.json\)/);
    await expect(resolveWeights(files, 'garbage')).rejects.toMatchObject({
      name: 'DeeplabError',
      code: 'bad-weights',
      message: expect.stringMatching(/^garbage\/model\.json: not valid JSON/),
    });
    await files.writeFile('garbage/model.json', '{"format": "objsel-weights"}');
    await expect(resolveWeights(files, 'garbage')).rejects.toMatchObject({
      name: 'DeeplabError',
      code: 'bad-weights',
      file: 'garbage/model.json',
    });
    await write(files, 'short', rgb);
    await files.rm('short/group1-shard1of1.bin');
    await expect(resolveWeights(files, 'short')).rejects.toThrow(/^short\/group1-shard1of1\.bin: shard listed in model\.json is missing/);
  });

  it('a snapshot directory without a complete checkpoint is an error, not an empty weights directory', async () => {
    const { files } = memoryFiles({ [`a/${CHECKPOINT_INDEX}`]: '{"format":"objsel-checkpoints","latest":"ckpt-5","step":5}' });
    await expect(locateWeights(files, 'a')).rejects.toMatchObject({
      code: 'bad-weights',
      message: 'a: snapshot directory without a complete checkpoint (ckpt-<step>/ with trainer.json)',
    });
    await write(files, 'b/ckpt-5', rgb); // no trainer.json: incomplete
    await expect(locateWeights(files, 'b')).rejects.toThrow(/without a complete checkpoint/);
  });

  it("works on Node's file system, where a file is not a directory", async () => {
    const snap = path.join(root, 'snap');
    await saveCheckpoint(nodeFileSystem, snap, checkpointAt(rgb, 11));
    const found = await resolveWeights(nodeFileSystem, snap);
    expect(found).toMatchObject({ source: 'snapshot-dir', step: 11 });
    expect(found.weightsPath).toBe(`${snap}/ckpt-11`);
    const file = path.join(snap, 'ckpt-11', 'trainer.json');
    await expect(resolveWeights(nodeFileSystem, file)).rejects.toMatchObject({ name: 'DeeplabError', code: 'bad-weights' });
    expect((await locateWeights(nodeFileSystem, path.join(snap, 'ckpt-11', 'model.json'))).source).toBe('model-json');
  });
});

describe('resolveWeights: what network they hold', () => {
  it('semantic (3 input channels), DCSP (names its attention layer), other (e.g. 5-channel interactive)', async () => {
    const { files } = memoryFiles();
    await write(files, 'rgb', rgb);
    await write(files, 'dcsp', dcsp);
    await write(files, 'interactive', interactive);
    expect((await resolveWeights(files, 'rgb')).network).toEqual({ kind: 'semantic', inputChannels: 3, numClasses: 3 });
    expect((await resolveWeights(files, 'dcsp')).network).toEqual({
      kind: 'dcsp',
      inputChannels: 3,
      numClasses: 3,
      attentionLayer: 'fc1_voc12_d0',
    });
    expect((await resolveWeights(files, 'interactive')).network).toEqual({ kind: 'other', inputChannels: 5, numClasses: 1 });
    expect(describeNetwork({ ...rgb.meta, dcsp: { attentionLayer: 7 } }).kind).toBe('semantic');
  });
});

describe('loadSegmentationNetwork', () => {
  it('loads a semantic network and a DCSP one without its attention head; refuses interactive weights clearly', async () => {
    const { files } = memoryFiles();
    await write(files, 'rgb', rgb);
    await saveCheckpoint(files, 'dcsp', checkpointAt(dcsp, 5));
    await write(files, 'interactive', interactive);
    const before = tf.memory().numTensors;

    const a = await loadSegmentationNetwork(files, 'rgb', { bnEpsilon: 1e-3 });
    expect(a.weightsDir).toBe('rgb');
    expect(a.network.config).toMatchObject({ numClasses: 3, inputChannels: 3, bnEpsilon: 1e-3 });
    a.network.dispose();

    const b = await loadSegmentationNetwork(files, 'dcsp');
    expect(b.weightsDir).toBe('dcsp/ckpt-5');
    expect(b.weights).toMatchObject({ source: 'snapshot-dir', step: 5, network: { kind: 'dcsp' } });
    expect([...b.network.variables.keys()].some((n) => n.startsWith('fc1_voc12_d0/'))).toBe(false);
    b.network.dispose();
    // Without the DCSP metadata the head is an unexpected variable.
    await write(files, 'plain', { entries: dcsp.entries, meta: rgb.meta });
    await expect(loadSegmentationNetwork(files, 'plain')).rejects.toBeInstanceOf(DeeplabError);

    const error = await loadSegmentationNetwork(files, 'interactive').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DeeplabError);
    expect(error).toMatchObject({ code: 'bad-weights', file: 'interactive' });
    expect((error as Error).message).toMatch(/not an RGB segmentation network: it takes 5 input channels \(RGB is 3\) and has 1 output;/);
    expect((error as Error).message).not.toMatch(/segmentPreprocessed/);
    expect(tf.memory().numTensors).toBe(before);
  });

  it("reads Node's file system (the CLI's evaluate and infer)", async () => {
    const dir = path.join(root, 'converted');
    await writeWeightsDir(dir, rgb.entries, rgb.meta);
    const { network, weightsDir } = await loadSegmentationNetwork(nodeFileSystem, dir);
    expect(weightsDir).toBe(dir);
    expect(network.config.numClasses).toBe(3);
    network.dispose();
  });
});
