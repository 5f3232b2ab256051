// One-call loading from every kind of source (a directory path, a URL served over HTTP, a
// read-only { readFile }, a tf.io IOHandler) gives the existing inference path's answers.
import { promises as fsp } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { encodeWeights, type ObjselNetworkMeta, type WeightEntry } from '@objsel/caffe-import';
import { writeWeightsDir } from '@objsel/caffe-import/node';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeepLabResNet, DeepLabSegmenter, DeeplabError, loadBackend, loadSegmenter, readModelSource, resnetConfig } from '../src/index';
import { InteractiveSegmenter, createInteractiveSession, loadInteractive } from '../src/interactive/index';

const tiny = (extra: { inputChannels?: number; numClasses?: number } = {}) =>
  resnetConfig(50, { blocks: [1, 1, 1, 1], widthMultiplier: 1 / 16, numClasses: 3, asppRates: [2], ...extra });

interface Weights {
  entries: WeightEntry[];
  meta: ObjselNetworkMeta;
}

let rgb: Weights;
let interactive: Weights;
let root: string;
let server: http.Server;
let baseUrl: string;
const requests: string[] = [];

/** An RGBA image (as ImageData holds it) with a bright square on a dark, textured background. */
function rgbaImage(width: number, height: number): { width: number; height: number; data: Uint8ClampedArray } {
  const data = new Uint8ClampedArray(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = 4 * (y * width + x);
      const inside = x >= 8 && x < 24 && y >= 6 && y < 20;
      data[i] = inside ? 220 : (x * 7) % 90;
      data[i + 1] = inside ? 200 : (y * 11) % 90;
      data[i + 2] = inside ? 40 : 60;
      data[i + 3] = 255;
    }
  }
  return { width, height, data };
}

function rgbOf(image: { width: number; height: number; data: Uint8ClampedArray }) {
  const out = new Uint8Array(image.width * image.height * 3);
  for (let i = 0; i < image.width * image.height; i++) for (let c = 0; c < 3; c++) out[3 * i + c] = image.data[4 * i + c]!;
  return { width: image.width, height: image.height, data: out };
}

async function weightsOf(config: ReturnType<typeof tiny>, seed: number): Promise<Weights> {
  const net = DeepLabResNet.create(config, { seed });
  const weights = { entries: await net.toWeightEntries(), meta: net.meta() };
  net.dispose();
  return weights;
}

/** The existing inference path on the same weights: DeepLabSegmenter over DeepLabResNet.fromWeights. */
async function reference(image: ReturnType<typeof rgbaImage>) {
  const net = DeepLabResNet.fromWeights(rgb.entries, rgb.meta);
  const segmenter = DeepLabSegmenter.fromModel(net);
  try {
    return await segmenter.segment(rgbOf(image), { probabilities: true });
  } finally {
    segmenter.dispose();
    net.dispose();
  }
}

beforeAll(async () => {
  await loadBackend('cpu');
  rgb = await weightsOf(tiny(), 1);
  interactive = await weightsOf(tiny({ inputChannels: 5, numClasses: 1 }), 2);
  root = await fsp.mkdtemp(path.join(os.tmpdir(), 'objsel-load-source-'));
  // Small shards, so that a model has several and every one must be found.
  await writeWeightsDir(path.join(root, 'rgb'), rgb.entries, rgb.meta, { shardBytes: 64 * 1024 });
  await writeWeightsDir(path.join(root, 'interactive'), interactive.entries, interactive.meta, { shardBytes: 64 * 1024 });
  server = http.createServer((req, res) => {
    requests.push(req.url ?? '');
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname.startsWith('/private/') && url.searchParams.get('token') !== 'ok' && url.pathname.endsWith('.json')) {
      res.writeHead(403).end();
      return;
    }
    const file = path.join(root, url.pathname.replace(/^\/(private\/)?/, ''));
    fsp.readFile(file).then(
      (bytes) => res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(bytes),
      () => res.writeHead(404).end(),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await fsp.rm(root, { recursive: true, force: true });
});

describe('loadSegmenter', () => {
  it('from a directory path: segment() equals the existing inference path, RGBA in; dispose frees every tensor', async () => {
    const image = rgbaImage(32, 24);
    const expected = await reference(image);
    const before = tf.memory().numTensors;
    const segmenter = await loadSegmenter(path.join(root, 'rgb'), { backend: 'cpu' });
    expect(segmenter.backend).toBe('cpu');
    expect(segmenter.numClasses).toBe(3);
    const result = await segmenter.segment(image, { probabilities: true });
    expect({ width: result.width, height: result.height }).toEqual({ width: 32, height: 24 });
    expect(Array.from(result.labels)).toEqual(Array.from(expected.labels));
    expect(Array.from(result.probabilities!)).toEqual(Array.from(expected.probabilities!));
    // RGB in gives the same answer as RGBA.
    expect(Array.from((await segmenter.segment(rgbOf(image))).labels)).toEqual(Array.from(expected.labels));
    segmenter.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('from a URL served over HTTP: model.json fetched with its query, the shards beside it', async () => {
    const image = rgbaImage(20, 16);
    const expected = await reference(image);
    requests.length = 0;
    const before = tf.memory().numTensors;
    const segmenter = await loadSegmenter(`${baseUrl}/private/rgb/model.json?token=ok`, { backend: 'cpu' });
    expect(segmenter.origin).toBe(`${baseUrl}/private/rgb/model.json?token=ok`);
    expect(requests[0]).toBe('/private/rgb/model.json?token=ok');
    expect(requests.length).toBeGreaterThan(2);
    expect(requests.slice(1).every((r) => /^\/private\/rgb\/group1-shard\d+of\d+\.bin$/.test(r))).toBe(true);
    expect(Array.from((await segmenter.segment(image)).labels)).toEqual(Array.from(expected.labels));
    segmenter.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('a missing URL or shard names the URL, never a folded http:/ path', async () => {
    const missing = `${baseUrl}/nowhere/model.json`;
    await expect(loadSegmenter(missing, { backend: 'cpu' })).rejects.toThrow(`${missing}: not found`);
    const forbidden = loadSegmenter(`${baseUrl}/private/rgb/model.json`, { backend: 'cpu' });
    await expect(forbidden).rejects.toThrow(/HTTP 403/);
    await expect(forbidden).rejects.toBeInstanceOf(DeeplabError);
    // A model.json whose shards are gone: the error names the shard's URL.
    await fsp.mkdir(path.join(root, 'no-shards'));
    await fsp.copyFile(path.join(root, 'rgb', 'model.json'), path.join(root, 'no-shards', 'model.json'));
    await expect(loadSegmenter(`${baseUrl}/no-shards/model.json`)).rejects.toThrow(
      new RegExp(`^${baseUrl.replace(/[.]/g, '\\.')}/no-shards/group1-shard1of\\d+\\.bin: shard listed in model.json is missing`),
    );
  });

  it('from a read-only { readFile }: model.json and the shards by their names', async () => {
    const image = rgbaImage(16, 16);
    const expected = await reference(image);
    const asked: string[] = [];
    const store = {
      readFile: async (name: string) => {
        asked.push(name);
        return new Uint8Array(await fsp.readFile(path.join(root, 'rgb', name)));
      },
    };
    const segmenter = await loadSegmenter(store, { backend: 'cpu' });
    expect(asked[0]).toBe('model.json');
    expect(asked.slice(1).every((n) => /^group1-shard\d+of\d+\.bin$/.test(n))).toBe(true);
    expect(Array.from((await segmenter.segment(image)).labels)).toEqual(Array.from(expected.labels));
    segmenter.dispose();
  });

  it('from a tf.io IOHandler: the artifacts with userDefinedMetadata.objsel, or { meta }', async () => {
    const image = rgbaImage(16, 12);
    const expected = await reference(image);
    const { modelJson, shards } = encodeWeights(rgb.entries, rgb.meta);
    const weightSpecs = modelJson.weightsManifest[0]!.weights;
    const weightData = shards.map((s) => s.data.slice().buffer);
    const withMeta = tf.io.fromMemory({ weightSpecs, weightData, userDefinedMetadata: { objsel: rgb.meta } });
    const segmenter = await loadSegmenter(withMeta, { backend: 'cpu' });
    expect(segmenter.origin).toBe('IOHandler');
    expect(Array.from((await segmenter.segment(image)).labels)).toEqual(Array.from(expected.labels));
    segmenter.dispose();
    // tf.io.http drops model.json's objsel section: the network description comes as { meta }.
    const viaHttp = tf.io.http(`${baseUrl}/rgb/model.json`);
    await expect(loadSegmenter(viaHttp)).rejects.toThrow(/no objsel network description.*pass \{ meta \}/);
    const withOption = await loadSegmenter(tf.io.http(`${baseUrl}/rgb/model.json`), { backend: 'cpu', meta: rgb.meta });
    expect(Array.from((await withOption.segment(image)).labels)).toEqual(Array.from(expected.labels));
    withOption.dispose();
  });

  it('interactive weights are refused with a pointer to loadInteractive; bad sources say what a source is', async () => {
    await expect(loadSegmenter(path.join(root, 'interactive'))).rejects.toThrow(/not an RGB segmentation network/);
    await expect(loadSegmenter(42 as never)).rejects.toThrow(/a model source is a URL or path string/);
    await expect(readModelSource(`${baseUrl}/rgb/`)).rejects.toThrow(/names the model\.json file/);
  });
});

describe('loadInteractive', () => {
  it('clicks, undo and mask() equal createInteractiveSession on the same network; dispose frees every tensor', async () => {
    const image = rgbaImage(32, 24);
    const net = DeepLabResNet.fromWeights(interactive.entries, interactive.meta);
    const segmenter = InteractiveSegmenter.fromModel(net);
    const expected = createInteractiveSession(segmenter, rgbOf(image));
    const first = Array.from(await expected.addClick({ x: 12, y: 10, positive: true }));
    const second = Array.from(await expected.addClick({ x: 2, y: 2, positive: false }));
    const expectedProbability = Array.from(expected.probability!);
    segmenter.dispose();
    net.dispose();

    const before = tf.memory().numTensors;
    const selection = await loadInteractive(`${baseUrl}/interactive/model.json`, { backend: 'cpu', image });
    expect(Array.from(selection.mask())).toEqual(new Array(32 * 24).fill(0));
    expect(Array.from(await selection.addClick(12, 10, true))).toEqual(first);
    expect(Array.from(await selection.addClick(2, 2, false))).toEqual(second);
    expect(Array.from(selection.probability()!)).toEqual(expectedProbability);
    expect(selection.clicks).toEqual([
      { x: 12, y: 10, positive: true },
      { x: 2, y: 2, positive: false },
    ]);
    expect(Array.from(await selection.undo())).toEqual(first);
    expect(Array.from(selection.mask())).toEqual(first);
    // A new image starts over.
    selection.setImage(rgbaImage(16, 16));
    expect(selection.clicks).toEqual([]);
    expect(selection.mask().length).toBe(256);
    selection.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('from a directory and from { readFile }; without an image, addClick says to call setImage', async () => {
    const image = rgbaImage(16, 12);
    const fromDir = await loadInteractive(path.join(root, 'interactive'), { backend: 'cpu', refine: 'graphcut' });
    await expect(fromDir.addClick(3, 3)).rejects.toThrow(/call setImage\(image\) first/);
    fromDir.setImage(image);
    const viaDir = Array.from(await fromDir.addClick(8, 8));
    fromDir.dispose();
    const store = { readFile: async (name: string) => new Uint8Array(await fsp.readFile(path.join(root, 'interactive', name))) };
    const fromStore = await loadInteractive(store, { refine: 'graphcut', image });
    expect(Array.from(await fromStore.addClick(8, 8))).toEqual(viaDir);
    fromStore.dispose();
    await expect(loadInteractive(path.join(root, 'rgb'))).rejects.toThrow(/not an interactive network/);
  });
});
