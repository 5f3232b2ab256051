import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { preprocess } from '@objsel/voc-data';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DeepLabSegmenter,
  DeeplabError,
  MSC_SCALES,
  ONNX_RUNTIME_MISSING,
  OnnxSegmenter,
  exportOnnx,
  loadBackend,
  loadOnnxRuntime,
  readOnnxInfo,
  resnetConfig,
  type DeepLabResNet,
} from '../src/index';
import { resizeBilinearHwc } from '../src/onnx/upsample';
import { InteractiveSegmenter, exportInteractiveOnnx, interactiveConfig, onnxProbability } from '../src/interactive/index';
import { ort, randomNetwork } from './helpers/onnx';
import { relativeL2, rng } from './reference/deeplab-reference';

beforeAll(async () => {
  await loadBackend('wasm');
});

function randomImage(width: number, height: number, seed: number) {
  const r = rng(seed);
  const data = new Uint8Array(width * height * 3);
  for (let i = 0; i < data.length; i++) data[i] = Math.floor(r() * 256);
  return { width, height, channels: 3 as const, data };
}

describe('loadOnnxRuntime', () => {
  it('loads onnxruntime-node', async () => {
    const runtime = await loadOnnxRuntime();
    expect(typeof runtime.InferenceSession.create).toBe('function');
    expect(await loadOnnxRuntime()).toBe(runtime);
  });

  it('says in one line what to install when the package is missing', async () => {
    const missing = async (specifier: string) => {
      throw Object.assign(new Error(`Cannot find package '${specifier}' imported from /app/index.js`), { code: 'ERR_MODULE_NOT_FOUND' });
    };
    const error = await loadOnnxRuntime(missing).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DeeplabError);
    expect((error as DeeplabError).code).toBe('backend-unavailable');
    expect((error as DeeplabError).message).toBe(ONNX_RUNTIME_MISSING);
    expect(ONNX_RUNTIME_MISSING).not.toContain('\n');
    expect(ONNX_RUNTIME_MISSING).toContain('npm install onnxruntime-node');
  });

  it('reports a runtime that fails to load for another reason as such', async () => {
    const broken = async () => {
      throw new Error('libonnxruntime.so.1: cannot open shared object file');
    };
    await expect(loadOnnxRuntime(broken)).rejects.toMatchObject({
      code: 'backend-init-failed',
      message: expect.stringContaining('libonnxruntime'),
    });
    await expect(loadOnnxRuntime(async () => ({ default: {} }))).rejects.toMatchObject({ code: 'backend-init-failed' });
    expect(await loadOnnxRuntime(async () => ({ default: ort }))).toBe(ort);
  });
});

describe('OnnxSegmenter on a semantic network', () => {
  let model: DeepLabResNet;
  let tfSegmenter: DeepLabSegmenter;
  let withUp: OnnxSegmenter;
  let withoutUp: OnnxSegmenter;

  beforeAll(async () => {
    model = await randomNetwork(resnetConfig(50, { blocks: [1, 1, 2, 1], widthMultiplier: 0.125, numClasses: 6 }), 21, 0.2);
    tfSegmenter = DeepLabSegmenter.fromModel(model);
    withUp = await OnnxSegmenter.create(exportOnnx(model, { withUpsampled: true, sourceWeights: 'test' }), {
      session: { intraOpNumThreads: 1 },
    });
    withoutUp = await OnnxSegmenter.create(exportOnnx(model), { runtime: ort, session: { intraOpNumThreads: 1 } });
  });
  afterAll(async () => {
    await withUp?.dispose();
    await withoutUp?.dispose();
    tfSegmenter?.dispose();
    model?.dispose();
  });

  it('knows the model from its metadata', () => {
    expect(withUp.numClasses).toBe(6);
    expect(withUp.inputChannels).toBe(3);
    expect(withUp.hasUpsampled).toBe(true);
    expect(withoutUp.hasUpsampled).toBe(false);
    expect(withUp.info.sourceWeights).toBe('test');
  });

  it.each([
    [53, 41],
    [64, 48],
  ])('%ix%i: same labels, probabilities and logits as DeepLabSegmenter (the TF.js folded path)', async (width, height) => {
    const image = randomImage(width, height, width + height);
    const expected = await tfSegmenter.segment(image, { probabilities: true, logits: true });
    for (const segmenter of [withUp, withoutUp]) {
      const got = await segmenter.segment(image, { probabilities: true, logits: true });
      expect(got.width).toBe(width);
      expect(got.height).toBe(height);
      expect(got.scales).toEqual([1]);
      expect(got.logits?.shape).toEqual(expected.logits?.shape);
      expect(relativeL2(got.logits!.data, expected.logits!.data)).toBeLessThan(1e-5);
      expect(relativeL2(got.probabilities!, expected.probabilities!)).toBeLessThan(1e-5);
      expect(got.labels).toEqual(expected.labels);
    }
    const tensorsBefore = tf.memory().numTensors;
    await withUp.segmentPreprocessed(preprocess(image), height, width);
    expect(tf.memory().numTensors).toBe(tensorsBefore);
  });

  it('multi-scale inference (MSC_SCALES) fuses as DeepLabSegmenter does', async () => {
    const image = randomImage(67, 50, 3);
    const expected = await tfSegmenter.segment(image, { scales: MSC_SCALES, probabilities: true, logits: true });
    const got = await withUp.segment(image, { scales: MSC_SCALES, probabilities: true, logits: true });
    expect(got.scales).toEqual([...MSC_SCALES]);
    expect(relativeL2(got.logits!.data, expected.logits!.data)).toBeLessThan(1e-5);
    expect(relativeL2(got.probabilities!, expected.probabilities!)).toBeLessThan(1e-5);
    expect(got.labels).toEqual(expected.labels);
    await expect(withUp.segment(image, { scales: [0.001] })).rejects.toMatchObject({ code: 'bad-input' });
    await expect(withUp.segment(image, { scales: [] })).rejects.toMatchObject({ code: 'bad-config' });
  });

  it('rejects input of the wrong size, and runs nothing after dispose', async () => {
    await expect(withUp.segmentPreprocessed(new Float32Array(10), 4, 4)).rejects.toMatchObject({ code: 'bad-input' });
    const temporary = await OnnxSegmenter.create(exportOnnx(model), { runtime: ort });
    await temporary.dispose();
    await expect(temporary.run(new Float32Array(48), 4, 4)).rejects.toMatchObject({ code: 'backend-init-failed' });
  });

  it('loads from a file path with the metadata read from the first 64 KiB', async () => {
    const bytes = exportOnnx(model, { withUpsampled: true, sourceWeights: 'from-path' });
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'objsel-onnx-path-'));
    const file = path.join(dir, 'model.onnx');
    await fs.writeFile(file, bytes);
    try {
      const info = readOnnxInfo(bytes.subarray(0, 65536));
      expect(info).toEqual(readOnnxInfo(bytes));
      const segmenter = await OnnxSegmenter.create(file, { runtime: ort, info, session: { intraOpNumThreads: 1 } });
      const image = randomImage(40, 30, 1);
      const expected = await tfSegmenter.segment(image);
      expect((await segmenter.segment(image)).labels).toEqual(expected.labels);
      expect(segmenter.info.sourceWeights).toBe('from-path');
      await segmenter.dispose();
      await expect(OnnxSegmenter.create(file, { runtime: ort })).rejects.toMatchObject({ code: 'bad-config' });
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });

  it('refuses bytes that are not an objsel ONNX model', async () => {
    await expect(OnnxSegmenter.create(new Uint8Array([8, 1, 0xff]), { runtime: ort })).rejects.toMatchObject({ code: 'bad-weights' });
  });
});

describe('OnnxSegmenter on the interactive network', () => {
  it('gives the probability InteractiveSegmenter gives', async () => {
    const model = await randomNetwork(interactiveConfig(50, { blocks: [1, 1, 1, 1], widthMultiplier: 0.125 }), 31, 0.2);
    const tfSegmenter = InteractiveSegmenter.fromModel(model);
    const onnx = await OnnxSegmenter.create(exportInteractiveOnnx(model, { withUpsampled: true }), {
      runtime: ort,
      session: { intraOpNumThreads: 1 },
    });
    const [width, height] = [45, 38];
    const r = rng(5);
    const raw = new Float32Array(width * height * 5);
    for (let i = 0; i < raw.length; i++) raw[i] = i % 5 < 3 ? Math.floor(r() * 256) : Math.min(255, r() * 300);
    const expected = await tfSegmenter.segment(raw, width, height);
    const got = await onnxProbability(onnx, raw, width, height);
    expect(got.length).toBe(width * height);
    expect(relativeL2(got, expected)).toBeLessThan(1e-5);
    expect(Array.from(got, (p) => p > 0.5)).toEqual(Array.from(expected, (p) => p > 0.5));
    await onnx.dispose();
    tfSegmenter.dispose();
    model.dispose();
  });
});

describe('resizeBilinearHwc', () => {
  it.each([
    [41, 41, 321, 321],
    [63, 42, 500, 334],
    [5, 7, 33, 50],
    [6, 6, 6, 6],
    [9, 4, 3, 2],
  ])('%ix%i → %ix%i equals tf.image.resizeBilinear(x, size, false, false)', (h, w, outH, outW) => {
    const x = tf.randomNormal([1, h, w, 3], 0, 10, 'float32', h * w) as tf.Tensor4D;
    const expected = tf.image.resizeBilinear(x, [outH, outW], false, false);
    const got = resizeBilinearHwc(x.dataSync() as Float32Array, h, w, 3, outH, outW);
    expect(relativeL2(got, expected.dataSync())).toBeLessThan(1e-6);
    tf.dispose([x, expected]);
  });
});
