import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { encodeCaffemodel, parsePrototxt, syntheticLayers } from '@objsel/caffe-import';
import { readWeightsDir, writeWeightsDir } from '@objsel/caffe-import/node';
import { DeepLabResNet, DeepLabSegmenter, loadBackend, resnetConfig } from '@objsel/deeplab-resnet';
import { decodeImage, encodePng, readNpy, readPng } from '@objsel/voc-data';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixture } from '../../../tools/test/fixtures';
import { main } from '../src/index';
import { capture, lastJson } from './capture';

async function run(...args: string[]) {
  const io = capture();
  const code = await main(['node', 'objsel', ...args], io.streams);
  process.exitCode = 0;
  return { code, out: io.out(), err: io.err() };
}

/** The real deploy.prototxt with 1/16 of the channels: same layers and names, fast to run. */
const reduced = fs
  .readFileSync(fixture('deeplab/deploy.prototxt'), 'utf8')
  .replace(/num_output:\s*(\d+)/g, (m, n: string) => (n === '21' ? m : `num_output: ${Number(n) / 16}`));

let dir: string;
let weights: string;
const photo = fixture('deeplab/2007_000129.jpg');

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'objsel-cli-infer-'));
  const prototxt = path.join(dir, 'deploy.prototxt');
  fs.writeFileSync(prototxt, reduced);
  const caffemodel = path.join(dir, 'model.caffemodel');
  fs.writeFileSync(caffemodel, encodeCaffemodel(syntheticLayers(parsePrototxt(reduced), { seed: 5 }), { name: 'small' }));
  weights = path.join(dir, 'weights');
  const r = await run('convert', '--prototxt', prototxt, '--caffemodel', caffemodel, '--out', weights);
  expect(r.code).toBe(0);
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('objsel infer', () => {
  it('converted weights → palettised mask, overlay and raw logits equal to the library, on wasm', async () => {
    const out = path.join(dir, 'out');
    const logitsFile = path.join(dir, 'logits', 'photo.npy');
    const r = await run(
      'infer',
      photo,
      '--weights',
      weights,
      '--save-dir',
      out,
      '--save-logits',
      logitsFile,
      '--backend',
      'wasm',
      '--json',
    );
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const result = lastJson(r.out) as {
      backend: string;
      images: Array<{ mask: string; overlay: string; width: number; height: number; logits: string; classes: Record<string, number> }>;
    };
    expect(result.backend).toBe('wasm');
    const [info] = result.images;
    expect(info).toMatchObject({
      width: 334,
      height: 500,
      mask: path.join(out, '2007_000129_mask.png'),
      overlay: path.join(out, '2007_000129_overlay.png'),
      logits: logitsFile,
    });

    const mask = readPng(fs.readFileSync(info!.mask));
    expect(mask).toMatchObject({ width: 334, height: 500, channels: 1, depth: 8 });
    expect(mask.palette?.length).toBe(256 * 3);
    expect(Array.from(mask.palette!.slice(0, 9))).toEqual([0, 0, 0, 128, 0, 0, 0, 128, 0]);
    const overlay = readPng(fs.readFileSync(info!.overlay));
    expect(overlay).toMatchObject({ width: 334, height: 500, channels: 3 });
    expect(overlay.palette).toBeUndefined();

    // The same network through the library: identical logits and labels.
    await loadBackend('wasm');
    const { entries, modelJson } = await readWeightsDir(weights);
    const model = DeepLabResNet.fromWeights(entries, modelJson.objsel);
    const segmenter = DeepLabSegmenter.fromModel(model);
    model.dispose();
    const expected = await segmenter.segment(await decodeImage(fs.readFileSync(photo)), { logits: true });
    segmenter.dispose();
    const npy = readNpy(fs.readFileSync(logitsFile));
    expect(npy.shape).toEqual([63, 42, 21]);
    expect(npy.dtype).toBe('float32');
    expect(Array.from(npy.data as Float32Array)).toEqual(Array.from(expected.logits!.data));
    expect(Array.from(mask.samples)).toEqual(Array.from(expected.labels));
    const total = Object.values(info!.classes).reduce((a, b) => a + b, 0);
    expect(total).toBe(334 * 500);
  });

  it('runs multi-scale with a dense CRF and writes one logits file per image', async () => {
    const out = path.join(dir, 'msc');
    // A 90x120 crop of the photo keeps the CRF quick.
    const image = await decodeImage(fs.readFileSync(photo));
    const crop = new Uint8Array(90 * 120 * 3);
    for (let y = 0; y < 90; y++) crop.set(image.data.subarray((y + 200) * 334 * 3 + 100 * 3, (y + 200) * 334 * 3 + 220 * 3), y * 120 * 3);
    const small = path.join(dir, 'crop.png');
    fs.writeFileSync(small, encodePng({ width: 120, height: 90, channels: 3, data: crop }));
    const second = path.join(dir, 'copy.png');
    fs.copyFileSync(small, second);
    const r = await run(
      'infer',
      small,
      second,
      '--weights',
      weights,
      '--save-dir',
      out,
      '--scales',
      '1,0.75,0.5',
      '--crf',
      '--save-logits',
      path.join(dir, 'l.npy'),
      '--json',
    );
    expect(r.code).toBe(0);
    const result = lastJson(r.out) as { crf: boolean; scales: number[]; images: Array<{ logits: string }> };
    expect(result.crf).toBe(true);
    expect(result.scales).toEqual([1, 0.75, 0.5]);
    expect(result.images.map((i) => path.basename(i.logits))).toEqual(['l_crop.npy', 'l_copy.npy']);
    expect(fs.existsSync(path.join(out, 'copy_mask.png'))).toBe(true);
  });

  it('fails in one line with exit code 2 on missing weights, bad flags and unreadable images', async () => {
    const noWeights = await run('infer', photo);
    expect(noWeights.code).toBe(2);
    expect(noWeights.err).toMatch(/--weights/);
    const badScale = await run('infer', photo, '--weights', weights, '--scales', '1,zero');
    expect(badScale.code).toBe(2);
    expect(badScale.err).toMatch(/--scales/);
    const missing = await run('infer', path.join(dir, 'nope.jpg'), '--weights', weights, '--save-dir', path.join(dir, 'x'));
    expect(missing.code).toBe(2);
    expect(
      missing.err
        .trim()
        .split('\n')
        .filter((l) => !l.startsWith('{')),
    ).toHaveLength(1);
    expect(missing.err).toMatch(/nope\.jpg/);
  });

  it('refuses interactive (5-channel) weights in one line that names the weights, for infer and evaluate', async () => {
    await loadBackend('wasm');
    const net = DeepLabResNet.create(
      resnetConfig(50, { blocks: [1, 1, 1, 1], widthMultiplier: 1 / 16, numClasses: 1, inputChannels: 5, asppRates: [2] }),
      { seed: 1 },
    );
    const interactive = path.join(dir, 'interactive');
    await writeWeightsDir(interactive, await net.toWeightEntries(), net.meta());
    net.dispose();
    const inferred = await run('--backend', 'wasm', 'infer', photo, '--weights', interactive, '--save-dir', path.join(dir, 'y'));
    const evaluated = await run('--backend', 'wasm', 'evaluate', '--data-list', 'x.txt', '--weights', path.join(interactive, 'model.json'));
    for (const r of [inferred, evaluated]) {
      expect(r.code).toBe(2);
      const lines = r.err
        .trim()
        .split('\n')
        .filter((l) => !l.startsWith('{'));
      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain(`${interactive}: objsel.inputChannels: not an RGB segmentation network: it takes 5 input channels`);
      expect(lines[0]).not.toMatch(/segmentPreprocessed/);
    }
  });
});
