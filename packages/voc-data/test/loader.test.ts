import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  VocDataError,
  createLoader,
  makeSyntheticDataset,
  memoryFileSource,
  parseList,
  type LoadedBatch,
  type LoaderOptions,
} from '../src/index';

const here = path.dirname(new URL(import.meta.url).pathname);
let dir: string;
let workerUrl: URL;
const memory = new Map<string, Uint8Array>();

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'objsel-loader-'));
  await makeSyntheticDataset(
    { count: 10, seed: 5, width: 64, height: 48, minSize: 16, maxSize: 32, classes: 3, valFraction: 0.1, sbd: false },
    (rel, bytes) => {
      const file = path.join(dir, rel);
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, bytes);
      memory.set(file, bytes);
    },
  );
  // The worker script, bundled from source (the package build puts it at dist/worker.js).
  const out = path.resolve(here, '../../../node_modules/.cache/voc-data-test/worker.mjs');
  await build({
    entryPoints: [path.resolve(here, '../src/worker.ts')],
    outfile: out,
    bundle: true,
    platform: 'node',
    format: 'esm',
    external: ['sharp'],
    logLevel: 'error',
  });
  workerUrl = new URL(`file://${out}`);
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const entries = () => parseList(fs.readFileSync(path.join(dir, 'train.txt'), 'utf8'), { dataDir: dir, file: 'train.txt' });

async function take(options: LoaderOptions, batches: number, list = entries()): Promise<LoadedBatch[]> {
  const loader = await createLoader(list, options);
  try {
    const out: LoadedBatch[] = [];
    for (let i = 0; i < batches; i++) out.push(await loader.next());
    return out;
  } finally {
    await loader.close();
  }
}

const TRAIN: LoaderOptions = { crop: [40, 40], randomScale: true, randomMirror: true, batchSize: 3, seed: 99, numClasses: 4 };

describe('createLoader', () => {
  it('same seed, same batches: in-process and on 2 worker threads agree bit for bit', async () => {
    const a = await take({ ...TRAIN, workers: 0, files: memoryFileSource(memory) }, 7);
    const loader = await createLoader(entries(), { ...TRAIN, workers: 2, workerUrl });
    expect(loader.mode).toBe('workers');
    expect(loader.workers).toBe(2);
    const b: LoadedBatch[] = [];
    for (let i = 0; i < 7; i++) b.push(await loader.next());
    expect(loader.stats()).toMatchObject({ batches: 7, samples: 21 });
    await loader.close();
    for (let i = 0; i < 7; i++) {
      expect(b[i]!.ids).toEqual(a[i]!.ids);
      expect([b[i]!.epoch, b[i]!.index]).toEqual([a[i]!.epoch, a[i]!.index]);
      expect(Buffer.from(b[i]!.images.buffer).equals(Buffer.from(a[i]!.images.buffer))).toBe(true);
      expect(Buffer.from(b[i]!.labels!.buffer).equals(Buffer.from(a[i]!.labels!.buffer))).toBe(true);
    }
    expect(a[0]!.images.length).toBe(3 * 40 * 40 * 3);
    expect(a[0]!.labels).toBeInstanceOf(Int32Array);
  });

  it('shuffles every epoch with the seed; each epoch holds every entry once; evaluation keeps list order', async () => {
    const list = entries(); // 9 train entries
    const batches = await take({ ...TRAIN, batchSize: 3, workers: 0 }, 9, list);
    expect(batches.map((b) => b.epoch)).toEqual([0, 0, 0, 1, 1, 1, 2, 2, 2]);
    const epochIds = [0, 1, 2].map((e) => batches.filter((b) => b.epoch === e).flatMap((b) => b.ids));
    for (const ids of epochIds) expect([...ids].sort()).toEqual(list.map((e) => e.id).sort());
    expect(epochIds[0]).not.toEqual(epochIds[1]);
    expect(epochIds[1]).not.toEqual(epochIds[2]);
    const again = await take({ ...TRAIN, batchSize: 3, workers: 0 }, 3, list);
    expect(again.flatMap((b) => b.ids)).toEqual(epochIds[0]);
    const other = await take({ ...TRAIN, seed: 100, batchSize: 3, workers: 0 }, 3, list);
    expect(other.flatMap((b) => b.ids)).not.toEqual(epochIds[0]);

    const evalLoader = await createLoader(list, { workers: 0 });
    expect(evalLoader.batchesPerEpoch).toBe(9);
    const evalIds: string[] = [];
    for await (const b of evalLoader.epoch()) {
      expect([b.height, b.width]).toEqual([48, 64]); // full images, no augmentation
      evalIds.push(...b.ids);
    }
    await evalLoader.close();
    expect(evalIds).toEqual(list.map((e) => e.id));
  });

  it('drops or keeps the last partial batch', async () => {
    const list = entries();
    const drop = await createLoader(list, { ...TRAIN, batchSize: 4, workers: 0 });
    expect(drop.batchesPerEpoch).toBe(2);
    await drop.close();
    const keep = await createLoader(list, { ...TRAIN, batchSize: 4, dropLast: false, workers: 0 });
    expect(keep.batchesPerEpoch).toBe(3);
    const sizes = [];
    for await (const b of keep.epoch()) sizes.push(b.size);
    expect(sizes).toEqual([4, 4, 1]);
    await keep.close();
  });

  it('a missing file is a typed error naming the file and the list line, in both modes', async () => {
    const list = parseList(
      '/JPEGImages/synth_000000.jpg /SegmentationClassAug/synth_000000.png\n/JPEGImages/synth_000001.jpg /SegmentationClassAug/nope.png\n',
      { dataDir: dir, file: 'bad.txt' },
    );
    for (const options of [{ workers: 0 }, { workers: 1, workerUrl }]) {
      const loader = await createLoader(list, { ...options, batchSize: 2, crop: [20, 20] });
      const error = await loader.next().then(
        () => undefined,
        (e: unknown) => e,
      );
      await loader.close();
      expect(error).toBeInstanceOf(VocDataError);
      expect(error).toMatchObject({ code: 'missing-file', file: path.join(dir, 'SegmentationClassAug/nope.png') });
      expect((error as VocDataError).where).toContain('bad.txt line 2');
    }
  });

  it('DCSP lists yield tags and [attention, saliency] maps; attention expands to one channel per class', async () => {
    // Attention maps as DCSP's get_localization writes them: one channel per listed class, in file order.
    const list = parseList(fs.readFileSync(path.join(dir, 'train_attn_sal_labels.txt'), 'utf8'), { dataDir: dir }).slice(0, 2);
    const files = new Map(memory);
    const { writeNpz, parseClassCategories } = await import('../src/index');
    for (const e of list) {
      const tags = parseClassCategories(new TextDecoder().decode(memory.get(e.classes!)!));
      const data = new Float32Array(48 * 64 * tags.length);
      tags.forEach((t, k) => {
        for (let i = 0; i < 48 * 64; i++) data[i * tags.length + k] = t / 10;
      });
      files.set(e.attention!, writeNpz({ actv: { shape: [48, 64, tags.length], data } }));
    }
    const [batch] = await take({ batchSize: 2, numClasses: 4, workers: 0, files: memoryFileSource(files) }, 1, list);
    expect(batch!.tags!.length).toBe(2 * 3);
    expect(batch!.maps!.length).toBe(2);
    const [attn, sal] = batch!.maps!;
    expect(attn!.length).toBe(2 * 48 * 64 * 3);
    expect(sal!.length).toBe(2 * 48 * 64);
    for (let s = 0; s < 2; s++) {
      const tags = batch!.tags!.subarray(s * 3, s * 3 + 3);
      for (let c = 0; c < 3; c++) expect(attn![s * 48 * 64 * 3 + c]).toBeCloseTo(tags[c] ? (c + 1) / 10 : 0, 6);
    }
    expect(Math.max(...sal!)).toBeLessThanOrEqual(1);
  });

  it('falls back to in-process decoding when no worker script exists', async () => {
    const loader = await createLoader(entries(), { ...TRAIN, workers: 1, workerUrl: new URL('file:///nonexistent/worker.mjs') });
    expect(loader.mode).toBe('in-process');
    expect(loader.notes[0]).toContain('no worker script at /nonexistent/worker.mjs');
    const reference = await take({ ...TRAIN, workers: 0 }, 1);
    const b = await loader.next();
    await loader.close();
    expect(Buffer.from(b.images.buffer).equals(Buffer.from(reference[0]!.images.buffer))).toBe(true);
  });
});
