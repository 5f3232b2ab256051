import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeBrushRle, decodeBrushRleValues, encodeBrushRle, encodeBrushRleValues } from '../src/index';
import { randomMask } from './mask-test-helpers';

/** An independent reader written from the rle-pack format description: bits as a '0'/'1' string. */
function readRlePack(bytes: readonly number[]): number[] {
  const bits = bytes.map((b) => b.toString(2).padStart(8, '0')).join('');
  let p = 0;
  const read = (n: number) => {
    const v = Number.parseInt(bits.slice(p, p + n), 2);
    p += n;
    return v;
  };
  const num = read(32);
  const word = read(5) + 1;
  const sizes = [read(4) + 1, read(4) + 1, read(4) + 1, read(4) + 1];
  const out: number[] = [];
  while (out.length < num) {
    const repeat = read(1);
    const n = 1 + read(sizes[read(2)]!);
    if (repeat) {
      const v = read(word);
      for (let k = 0; k < n; k++) out.push(v);
    } else for (let k = 0; k < n; k++) out.push(read(word));
  }
  expect(bits.length - p).toBeGreaterThanOrEqual(1); // encode_rle always pads, by 1 to 8 zero bits
  expect(bits.length - p).toBeLessThanOrEqual(8);
  expect(bits.slice(p)).toMatch(/^0+$/);
  return out;
}

describe('Label Studio brush RLE', () => {
  it('writes the header and runs as label-studio-converter encode_rle does', () => {
    // encode_rle([0, 0, 0, 7]): 32-bit count 4, word size 8 ('00111'), sizes 3,4,8,16 ('0010' '0011' '0111' '1111'),
    // then '1' '00' '010' + 0 (run of 3 zeros), '0' '00' '000' + 7 (one literal), padded to a byte.
    const expected = ['00000000000000000000000000000100', '00111', '0010001101111111', '100010', '00000000', '000000', '00000111'].join('');
    const padded = expected + '0'.repeat(8 - (expected.length % 8));
    const bytes = padded.match(/.{8}/g)!.map((b) => Number.parseInt(b, 2));
    expect(encodeBrushRleValues([0, 0, 0, 7])).toEqual(bytes);
  });

  it('splits runs longer than 2^16 as encode_rle does and reads them back', () => {
    const values = new Uint8Array(2 ** 16 * 2 + 5).fill(255);
    const rle = encodeBrushRleValues(values);
    expect(readRlePack(rle)).toEqual(Array.from(values));
    expect(decodeBrushRleValues(rle)).toEqual(values);
  });

  it('decode . encode is the identity on masks, with an independent reader agreeing', () => {
    fc.assert(
      fc.property(randomMask, ({ width, height, mask }) => {
        const rle = encodeBrushRle(mask, width, height);
        const rgba = readRlePack(rle);
        expect(rgba).toHaveLength(width * height * 4);
        expect(rgba.every((v, i) => v === (mask[i >> 2] ? 255 : 0))).toBe(true);
        expect(decodeBrushRle(rle, width, height)).toEqual(mask);
      }),
      { seed: 23, numRuns: 300 },
    );
  });

  it('round-trips any byte values and run lengths', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 255 }), fc.integer({ min: 1, max: 400 })), { maxLength: 30 }), (runs) => {
        const values = runs.flatMap(([v, n]) => Array<number>(n).fill(v));
        const rle = encodeBrushRleValues(values);
        expect(Array.from(decodeBrushRleValues(rle))).toEqual(values);
        expect(readRlePack(rle)).toEqual(values);
      }),
      { seed: 24, numRuns: 200 },
    );
  });

  it('refuses a truncated stream and a size mismatch', () => {
    const rle = encodeBrushRle(Uint8Array.from([1, 0, 1, 0]), 2, 2);
    expect(() => decodeBrushRleValues(rle.slice(0, 6))).toThrow(/ends early/);
    expect(() => decodeBrushRle(rle, 3, 2)).toThrow(/not a 3x2 RGBA image/);
  });
});
