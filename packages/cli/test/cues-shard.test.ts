/**
 * `objsel dcsp cues --data-list ... --shard I/N`: the shards of a cue list write exactly the files
 * the single run writes (byte for byte), each line in exactly one shard, and a list line's cues
 * are the one-image form's cues.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { encodePng, writeNpy } from '@objsel/voc-data';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lastJson, run } from './capture';

let dir: string;
const W = 20;
const H = 14;
const IDS = ['x1', 'x2', 'x3', 'x4', 'x5'];
const TAGS = [[3], [15], [3, 15], [1], [7, 12]];

/** A seeded linear congruential generator (deterministic inputs). */
function lcg(seed: number): () => number {
  let x = seed >>> 0;
  return () => {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    return x / 2 ** 32;
  };
}

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'objsel-cues-shard-'));
  for (const sub of ['JPEGImages', 'Attention', 'Saliency', 'ClassCategories']) fs.mkdirSync(path.join(dir, sub));
  const rand = lcg(5);
  const lines: string[] = [];
  for (const [k, id] of IDS.entries()) {
    fs.writeFileSync(
      path.join(dir, 'JPEGImages', `${id}.png`),
      encodePng({ width: W, height: H, channels: 3, data: new Uint8Array(W * H * 3).map(() => Math.floor(rand() * 256)) }),
    );
    const attention = new Float32Array(W * H * 20).map(() => rand() * 10 - 5);
    fs.writeFileSync(path.join(dir, 'Attention', `${id}.npy`), writeNpy({ shape: [H, W, 20], data: attention }));
    const saliency = new Uint8Array(W * H * 3);
    for (let p = 0; p < W * H; p++) saliency.fill(Math.floor(rand() * 256), p * 3, p * 3 + 3);
    fs.writeFileSync(path.join(dir, 'Saliency', `${id}.png`), encodePng({ width: W, height: H, channels: 3, data: saliency }));
    fs.writeFileSync(path.join(dir, 'ClassCategories', `${id}.txt`), `${TAGS[k]!.join('\n')}\n`);
    lines.push(`/JPEGImages/${id}.png /Attention/${id}.npy /Saliency/${id}.png /ClassCategories/${id}.txt`);
  }
  fs.writeFileSync(path.join(dir, 'list.txt'), `${lines.join('\n')}\n`);
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const files = (d: string) => fs.readdirSync(d).sort();

describe('dcsp cues on a list', () => {
  it('--shard 0/2 and 1/2 write the single run files byte for byte, each line once; a line equals the one-image form', async () => {
    const args = (saveDir: string) => [
      'dcsp',
      'cues',
      '--data-dir',
      dir,
      '--data-list',
      path.join(dir, 'list.txt'),
      '--save-dir',
      saveDir,
      '--json',
    ];
    const single = path.join(dir, 'single');
    const sharded = path.join(dir, 'sharded');
    const all = await run(...args(single));
    expect(all.err).toBe('');
    expect(all.code).toBe(0);
    const summary = lastJson(all.out) as { images: Array<{ tags: number[] }> };
    expect(summary.images.map((r) => r.tags)).toEqual(TAGS);
    expect(files(single)).toEqual(IDS.map((id) => `${id}.png`));
    const seen: string[] = [];
    for (const shard of ['0/2', '1/2']) {
      const r = await run(...args(sharded), '--shard', shard);
      expect(r.code).toBe(0);
      seen.push(...(lastJson(r.out) as { images: Array<{ out: string }> }).images.map((i) => path.basename(i.out, '.png')));
    }
    expect(seen).toEqual(IDS);
    expect(files(sharded)).toEqual(files(single));
    for (const f of files(single)) expect(fs.readFileSync(path.join(sharded, f)).equals(fs.readFileSync(path.join(single, f)))).toBe(true);

    const one = path.join(dir, 'one.png');
    const r = await run(
      'dcsp',
      'cues',
      '--image',
      path.join(dir, 'JPEGImages', 'x3.png'),
      '--attention',
      path.join(dir, 'Attention', 'x3.npy'),
      '--saliency',
      path.join(dir, 'Saliency', 'x3.png'),
      '--tags',
      'bird,person',
      '--out',
      one,
      '--json',
    );
    expect(r.code).toBe(0);
    expect(lastJson(r.out)).toMatchObject({ out: one, width: W, height: H, tags: [3, 15] });
    expect(fs.readFileSync(one).equals(fs.readFileSync(path.join(single, 'x3.png')))).toBe(true);
  });

  it('refuses a list with one image flag, and a list without --save-dir', async () => {
    const list = ['dcsp', 'cues', '--data-dir', dir, '--data-list', path.join(dir, 'list.txt')];
    expect((await run(...list, '--save-dir', path.join(dir, 'no'), '--tags', '3')).code).toBe(2);
    expect((await run(...list)).code).toBe(2);
    expect(fs.existsSync(path.join(dir, 'no'))).toBe(false);
  });
});
