/**
 * Issue 15, defect 2: a run that fails part-way leaves nothing behind — not the outputs of the
 * items before the bad one, not the directory it created, not a temporary. Each case snapshots
 * the directory tree, runs a command that fails after real work, and compares.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { encodeCaffemodel, parsePrototxt, syntheticLayers } from '@objsel/caffe-import';
import { encodePng, makeSyntheticDataset } from '@objsel/voc-data';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixture } from '../../../tools/test/fixtures';
import { main } from '../src/index';
import { capture, TINY_NETWORK } from './capture';
import { treeSnapshot } from './tree-snapshot';

async function run(...args: string[]) {
  const io = capture();
  // -q: progress and notes off, so stderr holds only the error line.
  const code = await main(['node', 'objsel', '--backend', 'wasm', '-q', ...args], io.streams);
  process.exitCode = 0;
  return { code, out: io.out(), err: io.err() };
}

/** Runs `args` in `root`'s tree and expects exit 2 with one stderr line containing `mentions`, and the tree unchanged. */
async function expectNothingLeft(args: string[], mentions: string): Promise<string> {
  const before = treeSnapshot(root);
  const r = await run(...args);
  const context = `objsel ${args.join(' ')}\n${r.err}`;
  expect(r.code, context).toBe(2);
  expect(r.err.trim().split('\n'), context).toHaveLength(1);
  expect(r.err, context).toContain(mentions);
  expect(treeSnapshot(root), context).toEqual(before);
  return r.err;
}

const reduced = fs
  .readFileSync(fixture('deeplab/deploy.prototxt'), 'utf8')
  .replace(/num_output:\s*(\d+)/g, (m, n: string) => (n === '21' ? m : `num_output: ${Number(n) / 16}`));

let root: string;
let weights: string;
let data: string;
const W = 40;
const H = 30;

beforeAll(async () => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'objsel-failed-runs-'));
  const prototxt = path.join(root, 'deploy.prototxt');
  fs.writeFileSync(prototxt, reduced);
  const caffemodel = path.join(root, 'model.caffemodel');
  fs.writeFileSync(caffemodel, encodeCaffemodel(syntheticLayers(parsePrototxt(reduced), { seed: 5 }), { name: 'small' }));
  weights = path.join(root, 'weights');
  expect((await run('convert', '--prototxt', prototxt, '--caffemodel', caffemodel, '--out', weights)).code).toBe(0);
  const rgb = new Uint8Array(W * H * 3).map((_, i) => (i * 37) % 256);
  const png = encodePng({ width: W, height: H, channels: 3, data: rgb });
  fs.writeFileSync(path.join(root, 'a.png'), png);
  fs.writeFileSync(path.join(root, 'c.png'), png);
  fs.writeFileSync(path.join(root, 'b.png'), png.subarray(0, png.length >> 1)); // a valid PNG cut in half
  data = path.join(root, 'data');
  await makeSyntheticDataset(
    { count: 4, seed: 2, width: 40, height: 36, classes: 2, minSize: 14, maxSize: 22, sbd: false },
    async (p, bytes) => {
      fs.mkdirSync(path.dirname(path.join(data, p)), { recursive: true });
      fs.writeFileSync(path.join(data, p), bytes);
    },
  );
});
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

describe('a failed run leaves the tree as it was', () => {
  it('infer: a truncated image between two good ones: no mask of the first, no --save-dir, no logits', async () => {
    const images = ['a.png', 'b.png', 'c.png'].map((f) => path.join(root, f));
    const args = [
      'infer',
      ...images,
      '--weights',
      weights,
      '--save-dir',
      path.join(root, 'o'),
      '--save-logits',
      path.join(root, 'lg', 'x.npy'),
    ];
    await expectNothingLeft(args, images[1]!);
    // The same into an existing --save-dir: it stays as it was (empty).
    fs.mkdirSync(path.join(root, 'o'));
    await expectNothingLeft(args, images[1]!);
    fs.rmdirSync(path.join(root, 'o'));
    // And the good images alone succeed, every output in place.
    const ok = await run('infer', images[0]!, images[2]!, '--weights', weights, '--save-dir', path.join(root, 'ok'));
    expect(ok.code, ok.err).toBe(0);
    expect(fs.readdirSync(path.join(root, 'ok')).sort()).toEqual(['a_mask.png', 'a_overlay.png', 'c_mask.png', 'c_overlay.png']);
    fs.rmSync(path.join(root, 'ok'), { recursive: true });
  });

  it('infer: weights that fail to load leave no --save-dir', async () => {
    await expectNothingLeft(
      ['infer', path.join(root, 'a.png'), '--weights', path.join(root, 'nope'), '--save-dir', path.join(root, 'o')],
      'nope',
    );
  });

  it('select: --probs in a directory that cannot be made leaves no mask and no overlay', async () => {
    const args = ['select', path.join(root, 'a.png'), '--method', 'random-walker', '--click', '3,4,+', '--click', '30,20,-'];
    await expectNothingLeft([...args, '--out', path.join(root, 's.png'), '--probs', '/proc/nope/p.npy'], '/proc/nope');
    await expectNothingLeft([...args, '--out', path.join(root, 's.png'), '--probs', path.join(root, 'a.png', 'p.npy')], 'a.png');
  });

  it('crf: --save-probs that cannot be written leaves no --out', async () => {
    const X = (f: string) => fixture(`pydensecrf/${f}`);
    await expectNothingLeft(
      [
        'crf',
        '--image',
        X('im1.png'),
        '--labels',
        X('anno1.png'),
        '--out',
        path.join(root, 'r.png'),
        '--iterations',
        '1',
        '--save-probs',
        '/proc/nope/p.npy',
      ],
      '/proc/nope',
    );
  });

  it('train: a corrupt image in the list fails the run and leaves no snapshot directory it created', async () => {
    const list = path.join(root, 'bad-list.txt');
    const corrupt = path.join(data, 'JPEGImages', 'corrupt.jpg');
    const label = fs.readdirSync(path.join(data, 'SegmentationClassAug'))[0]!;
    fs.writeFileSync(
      corrupt,
      fs.readFileSync(path.join(data, 'JPEGImages', fs.readdirSync(path.join(data, 'JPEGImages'))[0]!)).subarray(0, 100),
    );
    fs.writeFileSync(list, `/JPEGImages/corrupt.jpg /SegmentationClassAug/${label}\n`);
    try {
      await expectNothingLeft(
        [
          'train',
          '--data-dir',
          data,
          '--data-list',
          list,
          '--snapshot-dir',
          path.join(root, 'snap'),
          ...TINY_NETWORK,
          '--input-size',
          '32,32',
          '--batch-size',
          '1',
          '--num-steps',
          '2',
        ],
        'corrupt.jpg',
      );
    } finally {
      fs.rmSync(corrupt);
      fs.rmSync(list);
    }
  });

  it('train: a listed file that does not exist stops the run before the first update, naming it and its line', async () => {
    const list = path.join(root, 'missing-list.txt');
    const jpg = fs.readdirSync(path.join(data, 'JPEGImages')).sort()[0]!;
    fs.writeFileSync(
      list,
      `/JPEGImages/${jpg} /SegmentationClassAug/${jpg.replace(/\.jpg$/, '.png')}\n/JPEGImages/${jpg} /SegmentationClassAug/gone.png\n`,
    );
    try {
      const err = await expectNothingLeft(
        [
          'train',
          '--data-dir',
          data,
          '--data-list',
          list,
          '--snapshot-dir',
          path.join(root, 'snap'),
          ...TINY_NETWORK,
          '--input-size',
          '32,32',
          '--batch-size',
          '1',
          '--num-steps',
          '2',
        ],
        'gone.png',
      );
      expect(err).toContain(`line 2 of ${list}`);
    } finally {
      fs.rmSync(list);
    }
  });

  it('train: failing after its first checkpoint keeps its last complete one and says how to resume', async () => {
    const list = path.join(root, 'late-bad-list.txt');
    const images = fs.readdirSync(path.join(data, 'JPEGImages')).sort();
    const corrupt = path.join(data, 'JPEGImages', 'corrupt.jpg');
    fs.writeFileSync(corrupt, fs.readFileSync(path.join(data, 'JPEGImages', images[0]!)).subarray(0, 100));
    const label = (jpg: string) => `/SegmentationClassAug/${jpg.replace(/\.jpg$/, '.png')}`;
    // Four good images and the corrupt one (with a good label): with batch size 1 and this seed, the
    // corrupt one comes after at least one update (the first epoch's order is a seeded permutation).
    const lines = images.slice(0, 4).map((jpg) => `/JPEGImages/${jpg} ${label(jpg)}`);
    fs.writeFileSync(list, `${[...lines, `/JPEGImages/corrupt.jpg ${label(images[0]!)}`].join('\n')}\n`);
    const snap = path.join(root, 'late-snap');
    try {
      const r = await run(
        'train',
        '--data-dir',
        data,
        '--data-list',
        list,
        '--snapshot-dir',
        snap,
        ...TINY_NETWORK,
        '--input-size',
        '32,32',
        '--batch-size',
        '1',
        '--save-pred-every',
        '1',
        '--random-seed',
        '7',
        '--num-steps',
        '6',
      );
      expect(r.code, r.err).toBe(2);
      expect(r.err.trim().split('\n'), r.err).toHaveLength(1);
      expect(r.err).toContain('corrupt.jpg');
      const latest = JSON.parse(fs.readFileSync(path.join(snap, 'checkpoint.json'), 'utf8')).latest as string;
      expect(latest).toMatch(/^ckpt-[1-4]$/);
      expect(r.err).toContain(`stopped after checkpoint ${latest}, kept in ${snap} (continue with --resume --snapshot-dir ${snap}): `);
      expect(fs.readdirSync(snap).filter((n) => n.startsWith('.'))).toEqual([]);
    } finally {
      fs.rmSync(corrupt);
      fs.rmSync(list);
      fs.rmSync(snap, { recursive: true, force: true });
    }
  });

  it('data make-synthetic refuses an existing directory of other files (unless --force), and writes into its own earlier output', async () => {
    const other = path.join(root, 'other');
    fs.mkdirSync(other);
    fs.writeFileSync(path.join(other, 'notes.txt'), 'mine');
    await expectNothingLeft(
      ['data', 'make-synthetic', '--out', other, '--count', '2', '--width', '16', '--height', '16', '--min-size', '4', '--max-size', '8'],
      '--out',
    );
    const small = ['--count', '2', '--width', '16', '--height', '16', '--min-size', '4', '--max-size', '8'];
    expect((await run('data', 'make-synthetic', '--out', path.join(root, 'synth'), ...small)).code).toBe(0);
    expect((await run('data', 'make-synthetic', '--out', path.join(root, 'synth'), ...small)).code).toBe(0);
    expect((await run('data', 'make-synthetic', '--out', other, ...small, '--force')).code).toBe(0);
    expect(fs.readFileSync(path.join(other, 'notes.txt'), 'utf8')).toBe('mine');
    expect(fs.existsSync(path.join(other, 'dataset.json'))).toBe(true);
    fs.rmSync(other, { recursive: true });
    fs.rmSync(path.join(root, 'synth'), { recursive: true });
  });
});
