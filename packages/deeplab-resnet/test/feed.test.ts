// The positional feed every training stream shares: sample i is a function of (seed, i),
// a resumed position gives the same batches, a failed prefetch is reported only when asked
// for, and the decoded-image cache keeps to its byte cap.
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseList } from '@objsel/voc-data';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ListTrainingData } from '../src/train/data-feed';
import { DecodedCache, PositionalFeed, type FeedOptions, type SampleSlot } from '../src/train/feed';
import { writeTinyDataset } from './helpers/dataset';

interface Drawn {
  item: string;
  position: number;
  epoch: number;
  draw: number;
}

/** Items are names; a sample records its slot and the first draw of its own generator. */
class NameFeed extends PositionalFeed<string, Drawn, Drawn[]> {
  made = 0;
  constructor(items: readonly string[], options: FeedOptions, start = 0) {
    super(items, options, start);
  }
  protected async makeSample(item: string, at: SampleSlot): Promise<Drawn> {
    this.made += 1;
    if (item === 'bad') throw new Error(`cannot make ${item} at ${at.position}`);
    return { item, position: at.position, epoch: at.epoch, draw: at.rng.nextUint32() };
  }
  protected assemble(samples: Drawn[]): Drawn[] {
    return samples;
  }
}

const NAMES = ['a', 'b', 'c', 'd', 'e'];

describe('PositionalFeed', () => {
  it('sample i depends only on (seed, i): any start position gives the same stream from there', async () => {
    const whole = new NameFeed(NAMES, { batchSize: 3, seed: 7 });
    const stream: Drawn[] = [];
    for (let k = 0; k < 5; k++) stream.push(...(await whole.next()));
    expect(whole.position).toBe(15);
    for (const start of [3, 4, 6, 11]) {
      const resumed = new NameFeed(NAMES, { batchSize: 3, seed: 7 }, start);
      expect(resumed.position).toBe(start);
      expect(await resumed.next()).toEqual(stream.slice(start, start + 3));
    }
    // Every epoch visits each item once, in its own order; another seed gives another stream.
    for (let e = 0; e < 3; e++) expect(new Set(stream.filter((s) => s.epoch === e).map((s) => s.item))).toEqual(new Set(NAMES));
    expect(stream.slice(0, 5).map((s) => s.item)).not.toEqual(stream.slice(5, 10).map((s) => s.item));
    const other = new NameFeed(NAMES, { batchSize: 3, seed: 8 });
    expect((await other.next()).map((s) => s.draw)).not.toEqual(stream.slice(0, 3).map((s) => s.draw));
    // Without shuffling the order is the list's.
    const plain = new NameFeed(NAMES, { batchSize: 5, seed: 7, shuffle: false });
    expect((await plain.next()).map((s) => s.item)).toEqual(NAMES);
  });

  it('makes the next batch ahead, and reports a batch that failed only when it is asked for', async () => {
    const feed = new NameFeed(['x', 'bad', 'y'], { batchSize: 1, seed: 1, shuffle: false });
    expect((await feed.next())[0]!.item).toBe('x');
    // The batch after the one handed out is already being made.
    expect(feed.made).toBe(2);
    await expect(feed.next()).rejects.toThrow('cannot make bad at 1');
    expect((await feed.next())[0]!.item).toBe('y');
    // A stream that stops before a failing batch never reports it (no unhandled rejection).
    const stopped = new NameFeed(['x', 'bad'], { batchSize: 1, seed: 1, shuffle: false });
    await stopped.next();
  });

  it('rejects a batch size or a start position that is not a non-negative integer', () => {
    expect(() => new NameFeed(NAMES, { batchSize: 0, seed: 1 })).toThrow(/batch size/);
    expect(() => new NameFeed(NAMES, { batchSize: 1, seed: 1 }, -1)).toThrow(/position/);
  });
});

describe('DecodedCache', () => {
  it('keeps the first values that fit in its byte cap and loads the rest each time', async () => {
    const loads: number[] = [];
    const cache = new DecodedCache<number, Uint8Array>(25, (v) => v.byteLength);
    const get = (k: number) =>
      cache.get(k, async () => {
        loads.push(k);
        return new Uint8Array(10);
      });
    for (let round = 0; round < 2; round++) for (const k of [1, 2, 3]) await get(k);
    expect(loads).toEqual([1, 2, 3, 3]);
    expect(cache.bytes).toBe(20);
    expect(cache.size).toBe(2);
  });
});

describe('ListTrainingData over the shared feed', () => {
  let root: string;
  let list: string;
  beforeAll(async () => {
    root = await fsp.mkdtemp(path.join(os.tmpdir(), 'objsel-feed-'));
    list = await writeTinyDataset(path.join(root, 'data'), 4, 20);
  });
  afterAll(async () => {
    await fsp.rm(root, { recursive: true, force: true });
  });

  /** Draws samples one after another (no prefetch, so the reads are counted exactly). */
  class Probe extends ListTrainingData {
    async sampleAt(position: number) {
      const at = this.slotAt(position);
      return this.makeSample(this.items[at.index]!, at);
    }
  }

  async function reads(cacheBytes: number | undefined): Promise<{ count: number; images: Float32Array[]; batches: Float32Array[] }> {
    const entries = parseList(await fsp.readFile(list, 'utf8'), { dataDir: path.join(root, 'data') });
    let count = 0;
    const read = async (p: string) => {
      count += 1;
      return new Uint8Array(await fsp.readFile(p));
    };
    const opts = {
      batchSize: 2,
      inputSize: [16, 16] as [number, number],
      randomScale: true,
      randomMirror: true,
      seed: 2,
      ignoreLabel: 255,
    };
    const withCap = cacheBytes === undefined ? opts : { ...opts, cacheBytes };
    const probe = new Probe(entries, read, withCap);
    const images: Float32Array[] = [];
    // Three epochs of 4 images.
    for (let i = 0; i < 12; i++) images.push((await probe.sampleAt(i)).image);
    const counted = count;
    const feed = new ListTrainingData(entries, read, withCap);
    const batches: Float32Array[] = [];
    for (let k = 0; k < 6; k++) batches.push((await feed.next()).images);
    return { count: counted, images, batches };
  }

  it('decodes each image once under the default cap, every time with a cap of 0 bytes, and either way gives the same samples', async () => {
    const cached = await reads(undefined);
    const uncached = await reads(0);
    // Image and label per sample: 4 pairs once, or for each of the 12 samples.
    expect(cached.count).toBe(8);
    expect(uncached.count).toBe(12 * 2);
    expect(uncached.images).toEqual(cached.images);
    expect(uncached.batches).toEqual(cached.batches);
    // A cap that holds one decoded pair (20x20x3 image + 20x20 label = 1600 bytes) saves that pair's later reads only.
    const one = await reads(1600);
    expect(one.count).toBe((12 - 2) * 2);
    expect(one.images).toEqual(cached.images);
  });
});
