import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { distanceMaps, graphCut, nextClick, objectIds } from '@objsel/clicks';
import { decodeImage, decodeLabel, encodePng, makeSyntheticDataset, readNpy, writeNpy } from '@objsel/voc-data';
import { main } from '../src/index';
import { fixture } from '../../../tools/test/fixtures';

async function run(args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  process.exitCode = 0;
  const code = await main(['node', 'objsel', ...args], {
    stdout: { write: (s: string) => out.push(s), isTTY: false },
    stderr: { write: (s: string) => err.push(s), isTTY: false },
  });
  process.exitCode = 0;
  return { code, out: out.join(''), err: err.join('') };
}

const lastJson = (text: string) => JSON.parse(text.trim().split('\n').pop()!);

let tmp: string;
beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'objsel-clicks-'));
  await makeSyntheticDataset({ count: 4, seed: 11, width: 96, height: 72, minSize: 30, maxSize: 50, sbd: false }, (rel, bytes) => {
    const file = path.join(tmp, 'synth', rel);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, bytes);
  });
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('objsel clicks sample', () => {
  it('writes one JSON per sample in the issue shape, clicks on the right pixels, and a list; reproducible', async () => {
    const data = path.join(tmp, 'synth');
    const list = path.join(data, 'ImageSets/Segmentation/trainval.txt');
    const outDir = path.join(tmp, 'clicks-a');
    const r = await run([
      'clicks',
      'sample',
      '--data-dir',
      data,
      '--data-list',
      list,
      '--out-dir',
      outDir,
      '--seed',
      '5',
      '--d-margin',
      '3',
      '--d',
      '12',
      '--pairs-per-object',
      '2',
      '--json',
    ]);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const result = lastJson(r.out);
    expect(result).toMatchObject({ type: 'result', images: 4, missing: [] });
    const names = fs.readFileSync(path.join(outDir, 'clicks.txt'), 'utf8').trim().split('\n');
    expect(names.length).toBe(result.samples);
    let objects = 0;
    for (const id of fs.readFileSync(list, 'utf8').trim().split('\n')) {
      const label = decodeLabel(new Uint8Array(fs.readFileSync(path.join(data, 'SegmentationObject', `${id}.png`))));
      const ids = objectIds(label.data);
      objects += ids.length;
      // Strategy 2 needs another object: 2 pairs x (2 or 3 strategies) per object.
      expect(names.filter((n) => n.startsWith(`${id}_`)).length).toBe(ids.length * 2 * (ids.length > 1 ? 3 : 2));
      for (const name of names.filter((n) => n.startsWith(`${id}_`))) {
        const json = JSON.parse(fs.readFileSync(path.join(outDir, name), 'utf8'));
        expect(Object.keys(json)).toEqual(['image', 'object', 'strategy', 'positive', 'negative', 'params']);
        expect(json.image).toBe(id);
        expect(json.params).toMatchObject({ dMargin: 3, d: 12, seed: 5, nPositive: 5, nNegative: 30 });
        expect(json.params.class).toBeGreaterThan(0);
        expect(json.positive.length).toBeGreaterThan(0);
        for (const [x, y] of json.positive) expect(label.data[y * label.width + x]).toBe(json.object);
        for (const [x, y] of json.negative) {
          const v = label.data[y * label.width + x];
          expect(v).not.toBe(json.object);
          expect(v).not.toBe(255);
          if (json.strategy === 2) expect(v).toBeGreaterThan(0);
        }
      }
    }
    expect(result.objects).toBe(objects);
    const again = await run([
      'clicks',
      'sample',
      '--data-dir',
      data,
      '--data-list',
      list,
      '--out-dir',
      path.join(tmp, 'clicks-b'),
      '--seed',
      '5',
      '--d-margin',
      '3',
      '--d',
      '12',
      '--pairs-per-object',
      '2',
      '--json',
    ]);
    expect(again.code).toBe(0);
    for (const name of names)
      expect(fs.readFileSync(path.join(tmp, 'clicks-b', name), 'utf8')).toBe(fs.readFileSync(path.join(outDir, name), 'utf8'));
  });

  it('rejects bad flags with one line and exit 2', async () => {
    const r = await run(['clicks', 'sample', '--data-dir', tmp, '--data-list', 'x.txt', '--out-dir', tmp, '--strategies', '1,4']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--strategies/);
  });
});

describe('help', () => {
  it('every clicks command and graphcut has --help with examples', async () => {
    for (const args of [
      ['clicks', '--help'],
      ['clicks', 'sample', '--help'],
      ['clicks', 'maps', '--help'],
      ['clicks', 'next', '--help'],
      ['graphcut', '--help'],
    ]) {
      const r = await run(args);
      expect(r.code).toBe(0);
      expect(r.out).toMatch(/Examples:/);
    }
    const sample = await run(['clicks', 'sample', '--help']);
    for (const flag of [
      '--data-dir',
      '--data-list',
      '--out-dir',
      '--strategies',
      '--pairs-per-object',
      '--d-margin',
      '--d-step',
      '--d ',
      '--seed',
    ])
      expect(sample.out).toContain(flag);
    const gc = await run(['graphcut', '--help']);
    for (const flag of ['--image', '--probs', '--clicks', '--lambda', '--sigma', '--connectivity', '--out']) expect(gc.out).toContain(flag);
  });
});

describe('objsel clicks maps', () => {
  it('writes the float32 [H, W, 2] distance maps of a click file', async () => {
    const clicks = path.join(tmp, 'c.json');
    fs.writeFileSync(
      clicks,
      JSON.stringify({
        positive: [
          [3, 4],
          [20, 10],
        ],
        negative: [[30, 2]],
      }),
    );
    const out = path.join(tmp, 'maps.npy');
    const r = await run(['clicks', 'maps', '--clicks', clicks, '--width', '40', '--height', '25', '--scale', '6', '--out', out, '--json']);
    expect(r.code).toBe(0);
    expect(lastJson(r.out)).toMatchObject({ positive: 2, negative: 1, width: 40, height: 25 });
    const npy = readNpy(new Uint8Array(fs.readFileSync(out)));
    expect(npy.shape).toEqual([25, 40, 2]);
    expect(npy.dtype).toBe('float32');
    expect(Array.from(npy.data as Float32Array)).toEqual(
      Array.from(
        distanceMaps(
          40,
          25,
          [
            { x: 3, y: 4 },
            { x: 20, y: 10 },
          ],
          [{ x: 30, y: 2 }],
          { scale: 6 },
        ),
      ),
    );
  });

  it('names the file when a click is outside the image', async () => {
    const clicks = path.join(tmp, 'bad.json');
    fs.writeFileSync(clicks, JSON.stringify([{ x: 50, y: 1, positive: true }]));
    const r = await run(['clicks', 'maps', '--clicks', clicks, '--width', '40', '--height', '25', '--out', path.join(tmp, 'x.npy')]);
    expect(r.code).toBe(2);
    expect(r.err.trim().split('\n')).toHaveLength(1);
    expect(r.err).toMatch(/click 0 at \(50, 1\)/);
  });
});

describe('objsel clicks next', () => {
  it('prints the robot click as JSON {x, y, positive}', async () => {
    const width = 30;
    const height = 20;
    const gt = new Uint8Array(width * height);
    const pred = new Uint8Array(width * height);
    for (let y = 3; y < 15; y++) for (let x = 4; x < 20; x++) gt[y * width + x] = 255;
    for (let y = 3; y < 15; y++) for (let x = 4; x < 10; x++) pred[y * width + x] = 255;
    const gtFile = path.join(tmp, 'gt.png');
    const predFile = path.join(tmp, 'pred.png');
    fs.writeFileSync(gtFile, encodePng({ width, height, channels: 1, data: gt }));
    fs.writeFileSync(predFile, encodePng({ width, height, channels: 1, data: pred }));
    const r = await run(['clicks', 'next', '--gt', gtFile, '--pred', predFile]);
    expect(r.code).toBe(0);
    const click = JSON.parse(r.out);
    expect(click).toEqual(nextClick(gt, pred, width, height));
    expect(click.positive).toBe(true);
    expect(Object.keys(click)).toEqual(['x', 'y', 'positive']);
    const same = await run(['clicks', 'next', '--gt', gtFile, '--pred', gtFile]);
    expect(same.out.trim()).toBe('null');
  });
});

describe('objsel graphcut', () => {
  it('writes the 0/255 mask graphCut computes, with clicks as hard constraints', async () => {
    const imageFile = fixture('pydensecrf/im1.png');
    const image = await decodeImage(new Uint8Array(fs.readFileSync(imageFile)));
    const { width, height } = image;
    const probs = new Float32Array(width * height);
    for (let y = 0; y < height; y++)
      for (let x = 0; x < width; x++)
        probs[y * width + x] = Math.min(0.95, Math.max(0.05, 0.5 + 0.4 * Math.sin(x / 17) * Math.cos(y / 13)));
    const probsFile = path.join(tmp, 'p.npy');
    fs.writeFileSync(probsFile, writeNpy({ shape: [height, width], data: probs }));
    const clicks = [
      { x: 10, y: 10, positive: true },
      { x: 200, y: 100, positive: false },
    ];
    const clicksFile = path.join(tmp, 'gc-clicks.json');
    fs.writeFileSync(clicksFile, JSON.stringify(clicks));
    const out = path.join(tmp, 'mask.png');
    const r = await run([
      'graphcut',
      '--image',
      imageFile,
      '--probs',
      probsFile,
      '--clicks',
      clicksFile,
      '--lambda',
      '3',
      '--connectivity',
      '8',
      '--out',
      out,
      '--json',
    ]);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const result = lastJson(r.out);
    const expected = graphCut({ probs, image: image.data, width, height, clicks, lambda: 3, connectivity: 8 });
    expect(result).toMatchObject({ width, height, lambda: 3, connectivity: 8, clicks: 2 });
    expect(result.energy).toBeCloseTo(expected.energy, 6);
    expect(Math.abs(result.flow - result.energy)).toBeLessThan(1e-6 * result.energy);
    const mask = decodeLabel(new Uint8Array(fs.readFileSync(out)));
    expect(Array.from(mask.data)).toEqual(Array.from(expected.mask, (v) => (v ? 255 : 0)));
    expect(mask.data[10 * width + 10]).toBe(255);
    expect(mask.data[100 * width + 200]).toBe(0);
  });

  it('rejects probabilities of the wrong shape and bad flags', async () => {
    const probsFile = path.join(tmp, 'p3.npy');
    fs.writeFileSync(probsFile, writeNpy({ shape: [2, 3], data: new Float32Array(6) }));
    const r = await run(['graphcut', '--image', fixture('pydensecrf/im1.png'), '--probs', probsFile, '--out', path.join(tmp, 'm.png')]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/probabilities must be \[H, W\]/);
    const bad = await run(['graphcut', '--image', 'a.png', '--probs', 'p.npy', '--connectivity', '6', '--out', 'm.png']);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/connectivity/);
  });
});
