/**
 * `--shard INDEX/COUNT` and `objsel merge evaluate`: shards of a run merged give the run's result
 * (the confusion matrices are integer counts: the mean IoU is the same to the last digit), and
 * the scheduler's environment (Kubernetes Indexed Job, Slurm array) picks the shard by default.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { encodeCaffemodel, parsePrototxt, syntheticLayers } from '@objsel/caffe-import';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixture } from '../../../tools/test/fixtures';
import { shardFromFlag, shardItems } from '../src/jobs/shard';
import { lastJson, run } from './capture';

const reduced = fs
  .readFileSync(fixture('deeplab/deploy.prototxt'), 'utf8')
  .replace(/num_output:\s*(\d+)/g, (m, n: string) => (n === '21' ? m : `num_output: ${Number(n) / 16}`));

let dir: string;
let data: string;
let list: string;
let weights: string;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'objsel-shard-'));
  data = path.join(dir, 'synth');
  const made = await run(
    'data',
    'make-synthetic',
    '--out',
    data,
    '--count',
    '5',
    '--width',
    '40',
    '--height',
    '32',
    '--min-size',
    '10',
    '--max-size',
    '20',
    '--no-sbd',
    '-q',
  );
  expect(made.code).toBe(0);
  list = path.join(dir, 'all.txt');
  fs.writeFileSync(list, fs.readFileSync(path.join(data, 'train.txt'), 'utf8') + fs.readFileSync(path.join(data, 'val.txt'), 'utf8'));
  const prototxt = path.join(dir, 'deploy.prototxt');
  fs.writeFileSync(prototxt, reduced);
  const caffemodel = path.join(dir, 'model.caffemodel');
  fs.writeFileSync(caffemodel, encodeCaffemodel(syntheticLayers(parsePrototxt(reduced), { seed: 7 }), { name: 'small' }));
  weights = path.join(dir, 'weights');
  expect((await run('convert', '--prototxt', prototxt, '--caffemodel', caffemodel, '--out', weights, '-q')).code).toBe(0);
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('shards', () => {
  it('shares are contiguous, balanced and cover every item once, for any count', () => {
    for (let n = 0; n < 30; n++)
      for (let count = 1; count <= 7; count++) {
        const all = Array.from({ length: n }, (_, i) => i);
        const parts = Array.from({ length: count }, (_, index) => shardItems(all, { index, count }).items);
        expect(parts.flat()).toEqual(all);
        const sizes = parts.map((p) => p.length);
        expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
      }
  });

  it('defaults from a Kubernetes Indexed Job or a Slurm array; --shard wins', () => {
    expect(shardFromFlag(undefined, {})).toBeUndefined();
    expect(shardFromFlag(undefined, { JOB_COMPLETION_INDEX: '2', JOB_COMPLETIONS: '5' })).toEqual({ index: 2, count: 5 });
    expect(shardFromFlag(undefined, { SLURM_ARRAY_TASK_ID: '0', SLURM_ARRAY_TASK_COUNT: '3' })).toEqual({ index: 0, count: 3 });
    expect(shardFromFlag('1/2', { JOB_COMPLETION_INDEX: '2', JOB_COMPLETIONS: '5' })).toEqual({ index: 1, count: 2 });
    expect(() => shardFromFlag('2/2')).toThrow(/--shard/);
    expect(() => shardFromFlag(undefined, { JOB_COMPLETION_INDEX: '7', JOB_COMPLETIONS: '5' })).toThrow(/JOB_COMPLETION_INDEX/);
  });

  it('evaluate --shard 0/2 and 1/2 merged: the single run, mean IoU to the last digit; a shard given twice is refused', async () => {
    const args = ['evaluate', '--data-dir', data, '--data-list', list, '--weights', weights, '--backend', 'cpu', '--json'];
    const single = lastJson((await run(...args)).out);
    const files = [];
    for (const shard of ['0/2', '1/2']) {
      const r = await run(...args, '--shard', shard);
      expect(r.code).toBe(0);
      const file = path.join(dir, `shard-${shard.replace('/', 'of')}.json`);
      fs.writeFileSync(file, r.out);
      files.push(file);
    }
    expect((lastJson(fs.readFileSync(files[0]!, 'utf8')) as { images: number }).images).toBe(2);
    const merged = await run('merge', 'evaluate', ...files, '--json');
    expect(merged.code).toBe(0);
    const m = lastJson(merged.out);
    expect(m.miou).toBe(single.miou);
    expect(m.confusionMatrix).toEqual(single.confusionMatrix);
    expect(m.perClassIoU).toEqual(single.perClassIoU);
    expect(m.images).toBe(5);
    const twice = await run('merge', 'evaluate', files[0]!, files[0]!);
    expect(twice.code).toBe(2);
    expect(twice.err).toContain('given twice');
  });

  it('more shards than images: the empty shards report zero counts and the merge is still the single run', async () => {
    const two = path.join(dir, 'two.txt');
    fs.writeFileSync(two, `${fs.readFileSync(list, 'utf8').trim().split('\n').slice(0, 2).join('\n')}\n`);
    const args = ['evaluate', '--data-dir', data, '--data-list', two, '--weights', weights, '--backend', 'cpu', '--json'];
    const single = lastJson((await run(...args)).out);
    const files = [];
    for (let i = 0; i < 4; i++) {
      const r = await run(...args, '--shard', `${i}/4`);
      expect(r.code, r.err).toBe(0);
      const file = path.join(dir, `four-${i}.json`);
      fs.writeFileSync(file, r.out);
      files.push(file);
    }
    const images = files.map((f) => (lastJson(fs.readFileSync(f, 'utf8')) as { images: number }).images);
    expect(images.sort()).toEqual([0, 0, 1, 1]);
    const m = lastJson((await run('merge', 'evaluate', ...files, '--json')).out);
    expect(m.miou).toBe(single.miou);
    expect(m.confusionMatrix).toEqual(single.confusionMatrix);
    expect(m.images).toBe(2);
  });

  it('infer --shard writes only its share of the images', async () => {
    const images = fs
      .readdirSync(path.join(data, 'JPEGImages'))
      .sort()
      .map((f) => path.join(data, 'JPEGImages', f));
    const out = path.join(dir, 'masks');
    const r = await run('infer', ...images, '--weights', weights, '--save-dir', out, '--backend', 'cpu', '--shard', '1/2', '--json');
    expect(r.code).toBe(0);
    const result = lastJson(r.out) as { images: Array<{ image: string }>; shard: { index: number; count: number } };
    expect(result.images.map((i) => i.image)).toEqual(images.slice(2, 5));
    expect(result.shard).toMatchObject({ index: 1, count: 2 });
    expect(fs.readdirSync(out).sort()).toEqual(
      images.slice(2, 5).flatMap((f) => [`${path.basename(f, '.jpg')}_mask.png`, `${path.basename(f, '.jpg')}_overlay.png`]),
    );
  });
});
