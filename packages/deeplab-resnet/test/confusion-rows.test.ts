/** Confusion matrices of parts of an evaluation, summed, give the whole's figures exactly. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConfusionMatrix, evaluationResult } from '../src/index';

describe('ConfusionMatrix.fromRows and evaluationResult', () => {
  it('property: images split into any parts, their rows summed = the matrix of all images (mean IoU to the last digit)', () => {
    const image = fc.array(fc.tuple(fc.integer({ min: 0, max: 3 }), fc.constantFrom(0, 1, 2, 3, 255)), { minLength: 1, maxLength: 40 });
    fc.assert(
      fc.property(fc.array(image, { minLength: 1, maxLength: 8 }), fc.integer({ min: 1, max: 8 }), (images, cut) => {
        const whole = new ConfusionMatrix(4);
        for (const px of images)
          whole.add(
            px.map((p) => p[0]),
            px.map((p) => p[1]),
          );
        const parts = [images.slice(0, cut), images.slice(cut)].map((group) => {
          const m = new ConfusionMatrix(4);
          for (const px of group)
            m.add(
              px.map((p) => p[0]),
              px.map((p) => p[1]),
            );
          return m.toRows();
        });
        const sum = ConfusionMatrix.fromRows(parts[0]!);
        sum.merge(ConfusionMatrix.fromRows(parts[1]!));
        const a = evaluationResult(whole, { images: images.length, scales: [1], crf: false });
        const b = evaluationResult(sum, { images: images.length, scales: [1], crf: false });
        expect(b).toEqual(a);
        expect(Object.is(b.miou, a.miou)).toBe(true);
      }),
    );
  });

  it('refuses rows that are not a square matrix of counts', () => {
    expect(() => ConfusionMatrix.fromRows([[1, 2], [3]])).toThrow(/row 1/);
    expect(() =>
      ConfusionMatrix.fromRows([
        [1, -1],
        [0, 0],
      ]),
    ).toThrow(/not a count/);
    expect(() =>
      ConfusionMatrix.fromRows([
        [1.5, 0],
        [0, 0],
      ]),
    ).toThrow(/not a count/);
  });
});
