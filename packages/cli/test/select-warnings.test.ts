/**
 * `objsel train --interactive` records what the network was trained on (model.json `objsel.domain`),
 * and `objsel select` warns in one line, without failing, when the image is far from it or when
 * the selection is empty or tiny.
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { decodeImage, imageDomain, imageStatistics, makeSyntheticDataset, parseList } from '@objsel/voc-data';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixture } from '../../../tools/test/fixtures';
import { tinySelectionWarning } from '../src/selection-warnings';
import { run } from './capture';

let root: string;
let data: string;
let snap: string;

beforeAll(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'objsel-select-warnings-'));
  data = path.join(root, 'data');
  await makeSyntheticDataset(
    { count: 6, seed: 3, width: 48, height: 40, classes: 2, minSize: 14, maxSize: 24, sbd: false },
    async (p, bytes) => {
      await fs.mkdir(path.dirname(path.join(data, p)), { recursive: true });
      await fs.writeFile(path.join(data, p), bytes);
    },
  );
  snap = path.join(root, 'snap');
  const trained = await run(
    '--backend',
    'wasm',
    '--quiet',
    'train',
    '--interactive',
    '--data-dir',
    data,
    '--data-list',
    path.join(data, 'train.txt'),
    '--snapshot-dir',
    snap,
    '--from-scratch',
    '--depth',
    '50',
    '--blocks',
    '1,1,1,1',
    '--width-multiplier',
    '0.0625',
    '--aspp-rates',
    '1,2',
    '--input-size',
    '32,32',
    '--batch-size',
    '2',
    '--num-steps',
    '1',
  );
  expect(trained.code, trained.err).toBe(0);
});
afterAll(() => fs.rm(root, { recursive: true, force: true }));

const warnings = (err: string) => err.split('\n').filter((l) => l.startsWith('warning: '));

describe('select: honest output', () => {
  it('train --interactive writes the training domain: the list, and the statistics of its images', async () => {
    const modelJson = JSON.parse(await fs.readFile(path.join(snap, 'ckpt-1', 'model.json'), 'utf8'));
    const list = path.join(data, 'train.txt');
    const entries = parseList(await fs.readFile(list, 'utf8'), { file: list, dataDir: data });
    const expected = imageDomain(
      `${list} (${data})`,
      await Promise.all(entries.map(async (e) => imageStatistics(await decodeImage(await fs.readFile(e.image))))),
    );
    expect(entries.length).toBeLessThanOrEqual(32); // all of them are sampled
    expect(modelJson.objsel.domain).toEqual(expected);
  });

  it('warns when the image is far from the training domain, not when it is one of its kind', async () => {
    const inDomain = path.join(data, 'JPEGImages', 'synth_000005.jpg');
    const photo = fixture('deeplab/2007_000129.jpg');
    const select = (image: string, out: string) =>
      run(
        '--backend',
        'wasm',
        'select',
        image,
        '--weights',
        snap,
        '--click',
        '10,10,+',
        '--threshold',
        '0',
        '--refine',
        'none',
        '--out',
        out,
      );
    const near = await select(inDomain, path.join(root, 'near.png'));
    expect(near.code).toBe(0);
    expect(warnings(near.err)).toEqual([]);
    const far = await select(photo, path.join(root, 'far.png'));
    expect(far.code).toBe(0);
    expect(warnings(far.err)).toHaveLength(1);
    expect(warnings(far.err)[0]).toMatch(
      /^warning: .*2007_000129\.jpg is far from what the network was trained on \(.*train\.txt .*\): its \w+ [\d.]+ is [\d.]+ spreads from the training images' [\d.]+ ± [\d.]+ \(over 4 counts as far\); expect a poor selection$/,
    );
    await fs.access(path.join(root, 'far.png')); // a warning, not an error: the mask is written
  });

  it('warns when the selection is empty, stating the tiny threshold otherwise', async () => {
    const image = path.join(data, 'JPEGImages', 'synth_000005.jpg');
    // Probabilities never exceed 1: only the clicked pixel, kept by click consistency, is selected.
    const r = await run(
      '--backend',
      'wasm',
      'select',
      image,
      '--weights',
      snap,
      '--click',
      '10,10,+',
      '--threshold',
      '1',
      '--refine',
      'none',
      '--out',
      path.join(root, 'empty.png'),
      '--json',
    );
    expect(r.code).toBe(0);
    const lines = r.out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string; message?: string; area?: number });
    expect(lines.find((l) => l.type === 'result')?.area).toBe(1);
    expect(lines.filter((l) => l.type === 'warning').map((l) => l.message)).toEqual([
      'the selection is tiny: 1 of 1920 pixels (under 0.1% of the image); check the clicks and the weights',
    ]);
    expect(tinySelectionWarning(0, 48, 40)).toBe(
      'the selection is empty (0 of 1920 pixels): nothing under the clicks was taken for the object',
    );
    expect(tinySelectionWarning(1, 500, 334)).toBe(
      'the selection is tiny: 1 of 167000 pixels (under 0.1% of the image); check the clicks and the weights',
    );
    expect(tinySelectionWarning(166, 500, 334)).toMatch(/^the selection is tiny: 166 of 167000/);
    expect(tinySelectionWarning(167, 500, 334)).toBeUndefined(); // exactly 0.1% is not under it
  });
});
