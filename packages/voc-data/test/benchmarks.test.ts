import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import {
  BENCHMARK_NAMES,
  VocDataError,
  decodeBmp,
  encodeBmp,
  encodeIndexPng,
  encodeJpeg,
  encodePng,
  memoryDatasetDirectory,
  nodeDatasetDirectory,
  openBenchmark,
  writeSbdLabel,
  type BenchmarkObject,
  type BenchmarkSource,
} from '../src/index';

const W = 12;
const H = 9;

/** A mask of levels: a rectangle object (level `inside`), a 1-pixel band around it (level `band`), 0 elsewhere. */
function levels(seed: number, inside: number, band: number): Uint8Array {
  const x0 = 2 + (seed % 3);
  const y0 = 2 + (seed % 2);
  const out = new Uint8Array(W * H);
  for (let y = 0; y < H; y++)
    for (let x = 0; x < W; x++) {
      const inRect = x >= x0 && x < x0 + 5 && y >= y0 && y < y0 + 4;
      const inBand = x >= x0 - 1 && x < x0 + 6 && y >= y0 - 1 && y < y0 + 5;
      out[y * W + x] = inRect ? inside : inBand ? band : 0;
    }
  return out;
}

function photo(seed: number): { width: number; height: number; data: Uint8Array } {
  return { width: W, height: H, data: Uint8Array.from({ length: W * H * 3 }, (_, i) => (i * 7 + seed * 31) % 256) };
}

function grey(levelsData: Uint8Array): Uint8Array {
  return encodePng({ width: W, height: H, channels: 1, data: levelsData });
}

function greyBmp(levelsData: Uint8Array): Uint8Array {
  return encodeBmp({ width: W, height: H, data: Uint8Array.from({ length: W * H * 3 }, (_, i) => levelsData[Math.floor(i / 3)]!) });
}

async function all(source: BenchmarkSource): Promise<BenchmarkObject[]> {
  const out: BenchmarkObject[] = [];
  for await (const o of source.objects()) out.push(o);
  return out;
}

const count = (m: Uint8Array | undefined): number => (m ? m.reduce((s, v) => s + v, 0) : 0);

describe('BMP', () => {
  it('round-trips 24-bit images of any size (row padding, bottom-up rows)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 7 }), fc.integer(), (width, height, seed) => {
        const data = Uint8Array.from({ length: width * height * 3 }, (_, i) => (i * 13 + seed) & 255);
        expect(decodeBmp(encodeBmp({ width, height, data }))).toEqual({ width, height, data });
      }),
      { seed: 7, numRuns: 50 },
    );
  });

  it('reads 8-bit palette BMPs and rejects truncated files with the file named', () => {
    // 2x1, 8-bit, palette of 2: index 0 black, index 1 (R=200, G=100, B=50).
    const bytes = new Uint8Array(54 + 8 + 4);
    const v = new DataView(bytes.buffer);
    bytes.set([0x42, 0x4d]);
    v.setUint32(10, 62, true);
    v.setUint32(14, 40, true);
    v.setInt32(18, 2, true);
    v.setInt32(22, 1, true);
    v.setUint16(28, 8, true);
    v.setUint32(46, 2, true);
    bytes.set([50, 100, 200, 0], 58);
    bytes.set([1, 0], 62);
    expect(decodeBmp(bytes)).toEqual({ width: 2, height: 1, data: Uint8Array.from([200, 100, 50, 0, 0, 0]) });
    expect(() => decodeBmp(bytes.subarray(0, 60), 'x.bmp')).toThrow(/x\.bmp/);
  });
});

describe('benchmark layouts (synthetic fixtures)', () => {
  it('GrabCut: BMP masks, 128 band ignored, above it object', async () => {
    const files: Record<string, Uint8Array> = {};
    for (let s = 0; s < 3; s++) {
      files[`gc/data_GT/im${s}.${s === 2 ? 'bmp' : 'jpg'}`] = s === 2 ? encodeBmp(photo(s)) : encodeJpeg(photo(s));
      files[`gc/boundary_GT/im${s}.bmp`] = greyBmp(levels(s, 255, 128));
    }
    const source = openBenchmark('grabcut', memoryDatasetDirectory(files), 'gc');
    expect(await source.count()).toBe(3);
    const objects = await all(source);
    expect(objects.map((o) => o.id)).toEqual(['im0', 'im1', 'im2']);
    for (const [s, o] of objects.entries()) {
      const l = levels(s, 255, 128);
      expect(o.gt).toEqual(Uint8Array.from(l, (v) => (v === 255 ? 1 : 0)));
      expect(o.ignore).toEqual(Uint8Array.from(l, (v) => (v === 128 ? 1 : 0)));
      expect(count(o.gt)).toBe(20);
      expect(count(o.ignore)).toBe(7 * 6 - 20);
    }
    expect(objects[2]!.image).toEqual(photo(2));
  });

  it('Berkeley: PNG masks under masks/, GrabCut rule', async () => {
    const files = { 'b/images/a.jpg': encodeJpeg(photo(1)), 'b/masks/a.png': grey(levels(1, 255, 0)) };
    const [o] = await all(openBenchmark('berkeley', memoryDatasetDirectory(files), 'b'));
    expect(count(o!.gt)).toBe(20);
    expect(o!.ignore).toBeUndefined();
  });

  it('DAVIS and COCO-MVal: img/ + gt/, any non-zero level is object', async () => {
    const files = { 'd/img/f.jpg': encodeJpeg(photo(0)), 'd/gt/f.png': grey(levels(0, 1, 0)) };
    for (const name of ['davis', 'coco-mval'] as const) {
      const [o] = await all(openBenchmark(name, memoryDatasetDirectory(files), 'd'));
      expect(count(o!.gt)).toBe(20);
    }
  });

  it('DAVIS 2017: per-sequence frames, palette instance ids, 255 void ignored, unannotated frames skipped', async () => {
    const frame = (a: number, b: number): Uint8Array => {
      const l = new Uint8Array(W * H);
      l.fill(1, 0, a);
      l.fill(2, 60, 60 + b);
      l.fill(255, 100, 104);
      return encodeIndexPng(l, W, H);
    };
    const files = {
      'D/JPEGImages/480p/bear/00000.jpg': encodeJpeg(photo(0)),
      'D/JPEGImages/480p/bear/00001.jpg': encodeJpeg(photo(1)),
      'D/JPEGImages/480p/cows/00000.jpg': encodeJpeg(photo(2)),
      'D/Annotations/480p/bear/00000.png': frame(5, 7),
      'D/Annotations/480p/cows/00000.png': frame(9, 0),
    };
    const dir = memoryDatasetDirectory(files);
    expect(await dir.listDirectories('D/JPEGImages/480p')).toEqual(['bear', 'cows']);
    const source = openBenchmark('davis-2017', dir, 'D');
    expect(await source.count()).toBe(3);
    const objects = await all(source);
    expect(objects.map((o) => [o.id, count(o.gt), count(o.ignore)])).toEqual([
      ['bear/00000#1', 5, 4],
      ['bear/00000#2', 7, 4],
      ['cows/00000#1', 9, 4],
    ]);
    expect(await openBenchmark('davis-2017', dir, 'D', { maxImages: 1 }).count()).toBe(2);
    const orphan = memoryDatasetDirectory({
      'E/Annotations/480p/s/00003.png': frame(2, 2),
      'E/JPEGImages/480p/s/00000.jpg': encodeJpeg(photo(0)),
    });
    await expect(all(openBenchmark('davis-2017', orphan, 'E'))).rejects.toThrow(
      /E\/Annotations\/480p\/s\/00003\.png: davis-2017 layout: no frame 00003\.jpg/,
    );
  });

  it('SBD: val.txt + inst/*.mat, one object per instance', async () => {
    const inst = new Uint8Array(W * H);
    inst.fill(1, 0, 10);
    inst.fill(2, 50, 65);
    const files = {
      'sbd/val.txt': new TextEncoder().encode('x1\n'),
      'sbd/img/x1.jpg': encodeJpeg(photo(3)),
      'sbd/inst/x1.mat': writeSbdLabel({ kind: 'inst', width: W, height: H, data: inst, categories: [15, 3] }),
    };
    const source = openBenchmark('sbd', memoryDatasetDirectory(files), 'sbd');
    expect(await source.count()).toBe(2);
    const objects = await all(source);
    expect(objects.map((o) => [o.id, count(o.gt)])).toEqual([
      ['x1#1', 10],
      ['x1#2', 15],
    ]);
  });

  it('PASCAL VOC: SegmentationObject instances, 255 void ignored', async () => {
    const label = levels(0, 1, 255);
    label.fill(2, 0, 3);
    const files = {
      'voc/ImageSets/Segmentation/val.txt': new TextEncoder().encode('2007_000001\n'),
      'voc/JPEGImages/2007_000001.jpg': encodeJpeg(photo(4)),
      'voc/SegmentationObject/2007_000001.png': encodeIndexPng(label, W, H),
    };
    const objects = await all(openBenchmark('pascal-voc', memoryDatasetDirectory(files), 'voc'));
    expect(objects.map((o) => o.id)).toEqual(['2007_000001#1', '2007_000001#2']);
    expect(count(objects[0]!.ignore)).toBe(22);
    expect(count(objects[1]!.gt)).toBe(3);
  });

  it('names the missing directory, mask or list in a typed error', async () => {
    const dir = memoryDatasetDirectory({ 'g/data_GT/a.jpg': encodeJpeg(photo(0)), 'g/boundary_GT/b.bmp': greyBmp(levels(0, 255, 0)) });
    await expect(all(openBenchmark('grabcut', dir, 'g'))).rejects.toThrow(
      /g\/boundary_GT: grabcut layout: no mask a\.png or a\.bmp for image a\.jpg/,
    );
    await expect(all(openBenchmark('davis', dir, 'g'))).rejects.toThrow(/g\/img: no such directory/);
    await expect(openBenchmark('sbd', dir, 'g').count()).rejects.toThrow(/g\/val\.txt: the layout has no image list/);
    const empty = memoryDatasetDirectory({ 'e/img/a.jpg': encodeJpeg(photo(0)), 'e/gt/a.png': grey(new Uint8Array(W * H)) });
    await expect(all(openBenchmark('davis', empty, 'e'))).rejects.toThrow(/e\/gt\/a\.png: mask has no object pixel/);
    const small = memoryDatasetDirectory({
      's/img/a.jpg': encodeJpeg(photo(0)),
      's/gt/a.png': encodePng({ width: 2, height: 2, channels: 1, data: new Uint8Array(4) }),
    });
    const error = await all(openBenchmark('davis', small, 's')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(VocDataError);
    expect((error as VocDataError).code).toBe('size-mismatch');
    expect((error as VocDataError).file).toBe('s/gt/a.png');
  });

  const tmp: string[] = [];
  afterAll(async () => {
    for (const d of tmp) await rm(d, { recursive: true, force: true });
  });

  it('lists real directories on disk (Node)', async () => {
    const root = await mkdtemp(join(tmpdir(), 'objsel-bench-'));
    tmp.push(root);
    await mkdir(join(root, 'img'));
    await mkdir(join(root, 'gt'));
    await writeFile(join(root, 'img', 'b.jpg'), encodeJpeg(photo(1)));
    await writeFile(join(root, 'img', 'a.jpg'), encodeJpeg(photo(0)));
    await writeFile(join(root, 'img', 'notes.txt'), 'not an image');
    await writeFile(join(root, 'gt', 'a.png'), grey(levels(0, 255, 0)));
    await writeFile(join(root, 'gt', 'b.png'), grey(levels(1, 255, 0)));
    const objects = await all(openBenchmark('davis', nodeDatasetDirectory(), root));
    expect(objects.map((o) => o.id)).toEqual(['a', 'b']);
    expect(await nodeDatasetDirectory().listDirectories(root)).toEqual(['gt', 'img']);
    await expect(nodeDatasetDirectory().list(join(root, 'nope'))).rejects.toThrow(/no such directory/);
    expect(BENCHMARK_NAMES).toContain('grabcut');
  });
});
