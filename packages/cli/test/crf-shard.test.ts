/**
 * `objsel crf IMAGES... --shard I/N`: the shards of a many-image run write exactly the files the
 * single run writes (byte for byte), each image in exactly one shard; the one-image form keeps its
 * result shape.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { encodePng, writeNpy } from '@objsel/voc-data';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lastJson, run } from './capture';

let dir: string;
let images: string[];
const W = 24;
const H = 18;
const C = 3;

/** A seeded linear congruential generator (deterministic inputs). */
function lcg(seed: number): () => number {
  let x = seed >>> 0;
  return () => {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    return x / 2 ** 32;
  };
}

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'objsel-crf-shard-'));
  fs.mkdirSync(path.join(dir, 'photos'));
  fs.mkdirSync(path.join(dir, 'probs'));
  const rand = lcg(11);
  images = ['a', 'b', 'c'].map((name) => {
    const rgb = new Uint8Array(W * H * 3).map(() => Math.floor(rand() * 256));
    const file = path.join(dir, 'photos', `${name}.png`);
    fs.writeFileSync(file, encodePng({ width: W, height: H, channels: 3, data: rgb }));
    const probs = new Float32Array(W * H * C);
    for (let p = 0; p < W * H; p++) {
      const v = [rand() + 0.01, rand() + 0.01, rand() + 0.01];
      const sum = v[0]! + v[1]! + v[2]!;
      for (let k = 0; k < C; k++) probs[p * C + k] = v[k]! / sum;
    }
    fs.writeFileSync(path.join(dir, 'probs', `p_${name}.npy`), writeNpy({ shape: [H, W, C], data: probs }));
    return file;
  });
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const outputs = (out: string) => fs.readdirSync(out).sort();

describe('crf on many images', () => {
  it('--shard 0/2 and 1/2 write the single run files byte for byte, each image once', async () => {
    const args = (out: string) => [
      'crf',
      ...images,
      '--probs',
      path.join(dir, 'probs', 'p.npy'),
      '--out',
      path.join(out, 'm.png'),
      '--save-probs',
      path.join(out, 'q.npy'),
      '--iterations',
      '3',
      '--threads',
      '1',
      '--json',
    ];
    const single = path.join(dir, 'single');
    const sharded = path.join(dir, 'sharded');
    const all = await run(...args(single));
    expect(all.code).toBe(0);
    const summary = lastJson(all.out) as { images: Array<{ image: string; out: string }> };
    expect(summary.images.map((r) => r.image)).toEqual(images);
    expect(outputs(single)).toEqual(['m_a.png', 'm_b.png', 'm_c.png', 'q_a.npy', 'q_b.npy', 'q_c.npy']);
    const seen: string[] = [];
    for (const shard of ['0/2', '1/2']) {
      const r = await run(...args(sharded), '--shard', shard);
      expect(r.code).toBe(0);
      const part = lastJson(r.out) as { images: Array<{ image: string }>; shard: { of: number } };
      expect(part.shard.of).toBe(3);
      seen.push(...part.images.map((i) => i.image));
    }
    expect(seen).toEqual(images);
    expect(outputs(sharded)).toEqual(outputs(single));
    for (const f of outputs(single))
      expect(fs.readFileSync(path.join(sharded, f)).equals(fs.readFileSync(path.join(single, f)))).toBe(true);
  });

  it('one image with --image writes the same bytes as that image in the list, and keeps the one-image result', async () => {
    const out = path.join(dir, 'one', 'b.png');
    const r = await run(
      'crf',
      '--image',
      images[1]!,
      '--probs',
      path.join(dir, 'probs', 'p_b.npy'),
      '--out',
      out,
      '--iterations',
      '3',
      '--threads',
      '1',
      '--json',
    );
    expect(r.code).toBe(0);
    const result = lastJson(r.out);
    expect(result).toMatchObject({ out, mode: 'probs', width: W, height: H, numLabels: C });
    expect(result.images).toBeUndefined();
    expect(fs.readFileSync(out).equals(fs.readFileSync(path.join(dir, 'single', 'm_b.png')))).toBe(true);
  });

  it('refuses a missing input before writing anything, and --image with arguments', async () => {
    const missing = await run(
      'crf',
      ...images,
      path.join(dir, 'photos', 'd.png'),
      '--probs',
      path.join(dir, 'probs', 'p.npy'),
      '--out',
      path.join(dir, 'none', 'm.png'),
    );
    expect(missing.code).toBe(2);
    expect(fs.existsSync(path.join(dir, 'none'))).toBe(false);
    const both = await run(
      'crf',
      images[0]!,
      '--image',
      images[1]!,
      '--probs',
      path.join(dir, 'probs', 'p.npy'),
      '--out',
      path.join(dir, 'none', 'm.png'),
    );
    expect(both.code).toBe(2);
    expect(both.err).toMatch(/--image/);
  });
});
