import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  VocDataError,
  decodeCocoRleString,
  encodeJpeg,
  memoryDatasetDirectory,
  openBenchmark,
  polygonsToMask,
  rleToMask,
} from '../src/index';

/** pycocotools' `rleToString`, written from its description: deltas from the 4th count, 5-bit groups + 48. */
function encodeRleString(counts: readonly number[]): string {
  let s = '';
  counts.forEach((count, i) => {
    let x = i > 2 ? count - counts[i - 2]! : count;
    let more = true;
    while (more) {
      let c = x & 0x1f;
      x >>= 5;
      more = c & 0x10 ? x !== -1 : x !== 0;
      if (more) c |= 0x20;
      s += String.fromCharCode(c + 48);
    }
  });
  return s;
}

/** Column-major runs of a row-major mask, starting with background (pycocotools' `encode`). */
function runs(mask: Uint8Array, width: number, height: number): number[] {
  const out: number[] = [];
  let current = 0;
  let run = 0;
  for (let x = 0; x < width; x++)
    for (let y = 0; y < height; y++) {
      const v = mask[y * width + x]!;
      if (v !== current) out.push(run), (run = 0), (current = v);
      run++;
    }
  out.push(run);
  return out;
}

describe('COCO masks', () => {
  it('decodes compressed RLE strings and runs back to the mask (round trip on random masks)', () => {
    expect(decodeCocoRleString('04')).toEqual([0, 4]);
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 12 }), fc.integer(), (width, height, seed) => {
        const mask = Uint8Array.from({ length: width * height }, (_, i) => (Math.imul(i + 1, seed | 1) >>> 7) & 1);
        const counts = runs(mask, width, height);
        expect(decodeCocoRleString(encodeRleString(counts))).toEqual(counts);
        expect(rleToMask(counts, width, height)).toEqual(mask);
      }),
      { seed: 3, numRuns: 200 },
    );
    expect(() => decodeCocoRleString('0\x7f')).toThrow(VocDataError);
    expect(() => rleToMask([3, 9], 2, 2, 'ann 7')).toThrow(/ann 7: RLE runs exceed 2x2/);
  });

  it('fills polygons at pixel centres (rectangle, triangle, hole by even-odd)', () => {
    const rect = polygonsToMask([[1, 1, 5, 1, 5, 4, 1, 4]], 8, 6);
    expect(rect.reduce((a, b) => a + b, 0)).toBe(12);
    expect(rect[1 * 8 + 1]).toBe(1);
    expect(rect[4 * 8 + 1]).toBe(0);
    const tri = polygonsToMask([[0, 0, 8, 0, 0, 8]], 8, 8);
    // Pixel centres with x + y + 1 < 8.
    expect(tri.reduce((a, b) => a + b, 0)).toBe(28);
    const ring = polygonsToMask(
      [
        [0, 0, 6, 0, 6, 6, 0, 6],
        [2, 2, 4, 2, 4, 4, 2, 4],
      ],
      6,
      6,
    );
    expect(ring.reduce((a, b) => a + b, 0)).toBe(36 - 4);
    expect(() => polygonsToMask([[0, 0, 1]], 2, 2)).toThrow(VocDataError);
  });

  it('reads a COCO instances file: polygons, RLE, crowd skipped, errors name the annotation', async () => {
    const W = 10;
    const H = 8;
    const photo = encodeJpeg({ width: W, height: H, data: new Uint8Array(W * H * 3).fill(120) });
    const rleMask = new Uint8Array(W * H);
    rleMask.fill(1, 20, 30);
    const json = {
      images: [{ id: 7, file_name: 'a.jpg', width: W, height: H }],
      annotations: [
        { id: 1, image_id: 7, iscrowd: 0, segmentation: [[1, 1, 5, 1, 5, 4, 1, 4]] },
        { id: 2, image_id: 7, iscrowd: 0, segmentation: { size: [H, W], counts: encodeRleString(runs(rleMask, W, H)) } },
        { id: 3, image_id: 7, iscrowd: 1, segmentation: { size: [H, W], counts: [0, 80] } },
      ],
    };
    const files = { 'c/annotations/instances_val2017.json': new TextEncoder().encode(JSON.stringify(json)), 'c/val2017/a.jpg': photo };
    const source = openBenchmark('coco', memoryDatasetDirectory(files), 'c');
    expect(await source.count()).toBe(2);
    const objects = [];
    for await (const o of source.objects()) objects.push(o);
    expect(objects.map((o) => [o.id, o.gt.reduce((a, b) => a + b, 0)])).toEqual([
      ['a#1', 12],
      ['a#2', 10],
    ]);
    expect(objects[1]!.gt).toEqual(rleMask);
    json.annotations[0]!.segmentation = { size: [4, 4], counts: [16] } as never;
    const bad = { ...files, 'c/annotations/instances_val2017.json': new TextEncoder().encode(JSON.stringify(json)) };
    const error = await (async () => {
      for await (const _ of openBenchmark('coco', memoryDatasetDirectory(bad), 'c').objects());
    })().catch((e: unknown) => e);
    expect(String(error)).toMatch(/c\/annotations\/instances_val2017\.json: annotation 1: RLE size 4x4, image 10x8/);
  });
});
