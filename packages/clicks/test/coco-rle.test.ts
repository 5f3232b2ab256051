import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  cocoCountsFromString,
  cocoCountsToString,
  cocoRleArea,
  cocoRleBbox,
  decodeCocoRle,
  encodeCocoRle,
  encodeCompressedCocoRle,
} from '../src/index';
import { randomMask } from './mask-test-helpers';

/** Independent column-major decoding: expand the runs into a Fortran-order vector, then transpose. */
function expandCounts(counts: readonly number[], width: number, height: number): Uint8Array {
  const fortran: number[] = [];
  counts.forEach((run, i) => {
    for (let k = 0; k < run; k++) fortran.push(i % 2);
  });
  const mask = new Uint8Array(width * height);
  for (let x = 0; x < width; x++) for (let y = 0; y < height; y++) mask[y * width + x] = fortran[x * height + y]!;
  return mask;
}

describe('COCO RLE', () => {
  it('matches pycocotools on a known mask', () => {
    // np.asfortranarray([[0,1,1],[0,1,0]]) -> counts [2, 3, 1]; mask.encode(...)['counts'] == b'231'
    const mask = Uint8Array.from([0, 1, 1, 0, 1, 0]);
    expect(encodeCocoRle(mask, 3, 2)).toEqual({ size: [2, 3], counts: [2, 3, 1] });
    expect(encodeCompressedCocoRle(mask, 3, 2).counts).toBe('231');
    expect(cocoRleArea(encodeCocoRle(mask, 3, 2))).toBe(3);
    expect(cocoRleBbox(encodeCocoRle(mask, 3, 2))).toEqual([1, 0, 2, 2]);
    // A selected first pixel starts with a zero run; differences from the 4th count on may be negative.
    expect(encodeCocoRle(Uint8Array.from([1, 1, 0, 0]), 2, 2).counts).toEqual([0, 1, 1, 1, 1]);
    expect(cocoCountsFromString(cocoCountsToString([100, 20, 5, 3, 1000, 2]))).toEqual([100, 20, 5, 3, 1000, 2]);
  });

  it('decode . encode is the identity, runs alternate and cover the mask', () => {
    fc.assert(
      fc.property(randomMask, ({ width, height, mask }) => {
        const rle = encodeCocoRle(mask, width, height);
        expect(rle.counts.reduce((a, b) => a + b, 0)).toBe(width * height);
        expect(rle.counts.slice(1).every((c) => c > 0)).toBe(true);
        expect(expandCounts(rle.counts, width, height)).toEqual(mask);
        expect(decodeCocoRle(rle)).toEqual(mask);
        const compressed = encodeCompressedCocoRle(mask, width, height);
        expect(decodeCocoRle(compressed)).toEqual(mask);
        expect(cocoCountsFromString(compressed.counts)).toEqual(rle.counts);
      }),
      { seed: 20, numRuns: 300 },
    );
  });

  it('the string form round-trips any counts, also large and with large jumps', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 2 ** 30 }), { maxLength: 40 }), (counts) => {
        const text = cocoCountsToString(counts);
        expect(/^[0-o]*$/.test(text)).toBe(true);
        expect(cocoCountsFromString(text)).toEqual(counts);
      }),
      { seed: 21, numRuns: 300 },
    );
  });

  it('area and bbox equal the pixel count and the extent of the selected pixels', () => {
    fc.assert(
      fc.property(randomMask, ({ width, height, mask }) => {
        let area = 0;
        let [x0, y0, x1, y1] = [Infinity, Infinity, -1, -1];
        for (let y = 0; y < height; y++)
          for (let x = 0; x < width; x++)
            if (mask[y * width + x]) {
              area++;
              [x0, y0, x1, y1] = [Math.min(x0, x), Math.min(y0, y), Math.max(x1, x), Math.max(y1, y)];
            }
        const rle = encodeCompressedCocoRle(mask, width, height);
        expect(cocoRleArea(rle)).toBe(area);
        expect(cocoRleBbox(rle)).toEqual(area === 0 ? [0, 0, 0, 0] : [x0, y0, x1 - x0 + 1, y1 - y0 + 1]);
      }),
      { seed: 22, numRuns: 300 },
    );
  });

  it('refuses counts that do not cover the mask and strings that are not RLE', () => {
    expect(() => decodeCocoRle({ size: [2, 2], counts: [1, 2] })).toThrow(/cover 3 of the 4/);
    expect(() => decodeCocoRle({ size: [2, 2], counts: [1, 9] })).toThrow(/overrun/);
    expect(() => cocoCountsFromString('a b')).toThrow(/character/);
    expect(() => cocoCountsFromString('P')).toThrow(/ends inside/);
  });
});
