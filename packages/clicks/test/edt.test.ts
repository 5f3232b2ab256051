import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ClicksError, distanceToOtherSet, distanceToSet, squaredDistanceToSet } from '../src/index';
import { bruteSquaredDistance } from './brute';

/** A random binary mask: width, height in 1..14 and a density, so empty and full masks occur. */
const maskArb = fc
  .record({
    width: fc.integer({ min: 1, max: 14 }),
    height: fc.integer({ min: 1, max: 14 }),
    density: fc.constantFrom(0, 0.02, 0.1, 0.5, 0.9, 1),
  })
  .chain(({ width, height, density }) =>
    fc
      .array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: width * height, maxLength: width * height })
      .map((r) => ({ width, height, mask: Uint8Array.from(r, (u) => (u < density ? 1 : 0)) })),
  );

describe('squaredDistanceToSet', () => {
  it('equals brute force on random masks (both target sets, with and without border)', () => {
    fc.assert(
      fc.property(maskArb, fc.boolean(), fc.constantFrom<'zero' | 'nonzero'>('zero', 'nonzero'), ({ width, height, mask }, border, of) => {
        const got = squaredDistanceToSet(mask, width, height, { of, border });
        const want = bruteSquaredDistance(width, height, (i) => (mask[i] !== 0) === (of === 'nonzero'), border);
        expect(Array.from(got)).toEqual(Array.from(want));
      }),
    );
  });

  it('is exact on a larger sparse image (distances up to hundreds of pixels)', () => {
    const width = 301;
    const height = 97;
    const mask = new Uint8Array(width * height);
    for (const [x, y] of [
      [0, 0],
      [300, 96],
      [150, 40],
      [151, 40],
      [20, 90],
    ] as const)
      mask[y * width + x] = 1;
    const got = squaredDistanceToSet(mask, width, height);
    const want = bruteSquaredDistance(width, height, (i) => mask[i] === 1);
    expect(Array.from(got)).toEqual(Array.from(want));
  });

  it('gives Infinity for an empty target set and reuses `out`', () => {
    const out = new Float64Array(12);
    const got = squaredDistanceToSet(new Uint8Array(12), 4, 3, { out });
    expect(got).toBe(out);
    expect(Array.from(got).every((d) => d === Infinity)).toBe(true);
  });

  it('rejects a mask of the wrong size', () => {
    expect(() => squaredDistanceToSet(new Uint8Array(5), 2, 3)).toThrow(ClicksError);
  });
});

describe('distanceToSet / distanceToOtherSet', () => {
  it('distanceToOtherSet measures each pixel to the nearest pixel of the other set', () => {
    fc.assert(
      fc.property(maskArb, fc.boolean(), ({ width, height, mask }, border) => {
        const got = distanceToOtherSet(mask, width, height, { border });
        const toZero = bruteSquaredDistance(width, height, (i) => mask[i] === 0, border);
        const toOne = bruteSquaredDistance(width, height, (i) => mask[i] !== 0, border);
        expect(Array.from(got)).toEqual(Array.from(mask, (v, i) => Math.sqrt(v ? toZero[i]! : toOne[i]!)));
      }),
    );
  });

  it('distanceToSet is the square root of the squared transform', () => {
    const mask = Uint8Array.from([0, 0, 0, 0, 0, 0, 0, 0, 1]);
    expect(Array.from(distanceToSet(mask, 3, 3))).toEqual([Math.sqrt(8), Math.sqrt(5), 2, Math.sqrt(5), Math.sqrt(2), 1, 2, 1, 0]);
  });
});
