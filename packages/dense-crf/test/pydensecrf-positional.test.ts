// pydensecrf's positional calls (examples/inference.py's DenseCRF2D path, written as a Python user
// writes it) give pydensecrf's outputs, and anything else fails with a message showing the object form.
import { describe, expect, it } from 'vitest';
import {
  DenseCRF2D,
  DenseCrfError,
  DIAG_KERNEL,
  NORMALIZE_SYMMETRIC,
  argmaxLabels,
  colorizeLabels,
  labelsFromColors,
  unaryFromLabels,
} from '../src/index';
import { readRgb, toBgr } from './helpers';

function agreement(a: Uint8Array, b: Uint8Array): number {
  let same = 0;
  for (let i = 0; i < a.length; i += 3) if (a[i] === b[i] && a[i + 1] === b[i + 1] && a[i + 2] === b[i + 2]) same++;
  return same / (a.length / 3);
}

/** The example's DenseCRF2D setup, with the pairwise terms added by `addTerms`. */
function run(k: number, addTerms: (d: DenseCRF2D, bgr: Uint8Array) => void): { out: Uint8Array; labels: Uint8Array } {
  const im = readRgb(`im${k}.png`);
  const anno = readRgb(`anno${k}.png`);
  const n = im.width * im.height;
  const a = labelsFromColors(anno.rgb, n);
  const d = new DenseCRF2D(im.width, im.height, a.nLabels);
  d.setUnaryEnergy(unaryFromLabels(a.labels, a.nLabels, 0.7, a.hasUnknown));
  addTerms(d, toBgr(im.rgb)); // the example reads the image with OpenCV: BGR
  const labels = argmaxLabels(d.inference(5), n, a.nLabels);
  return { out: colorizeLabels(labels, a.colors), labels };
}

describe("pydensecrf's positional pairwise calls", () => {
  for (const k of [1, 3]) {
    it(`d.addPairwiseGaussian(3, 3); d.addPairwiseBilateral(80, 13, img, 10) reproduce out${k}.png (≥ 99.5%)`, () => {
      const { out } = run(k, (d, bgr) => {
        d.addPairwiseGaussian(3, 3);
        d.addPairwiseBilateral(80, 13, bgr, 10);
      });
      expect(agreement(out, readRgb(`out${k}.png`).rgb)).toBeGreaterThanOrEqual(0.995);
    });
  }

  it('tuples, kernel and normalization positionally give exactly the object form', () => {
    const positional = run(2, (d, bgr) => {
      d.addPairwiseGaussian([3, 3], 3, DIAG_KERNEL, NORMALIZE_SYMMETRIC);
      d.addPairwiseBilateral([80, 80], [13, 13, 13], bgr, 10, DIAG_KERNEL, NORMALIZE_SYMMETRIC);
    });
    const object = run(2, (d, bgr) => {
      d.addPairwiseGaussian({ sxy: 3, compat: 3 });
      d.addPairwiseBilateral({ sxy: 80, srgb: 13, rgbim: bgr, compat: 10 });
    });
    expect(positional.labels).toBeInstanceOf(Uint8Array);
    expect(Array.from(positional.labels)).toEqual(Array.from(object.labels));
  });

  it('anything else fails naming both forms, never "v is not iterable"', () => {
    const d = new DenseCRF2D(4, 3, 2);
    const rgb = new Uint8Array(4 * 3 * 3);
    const attempts: Array<[() => void, RegExp]> = [
      [() => (d.addPairwiseGaussian as (...a: unknown[]) => void)(3), /addPairwiseGaussian\(\{ sxy: 3, compat: 3 \}\)/],
      [() => (d.addPairwiseGaussian as (...a: unknown[]) => void)('3', 3), /positional form \(sxy, compat, kernel\?, normalization\?\)/],
      [() => (d.addPairwiseGaussian as (...a: unknown[]) => void)({ compat: 3 }), /sxy must be a positive number or two, got undefined/],
      [
        () => (d.addPairwiseBilateral as (...a: unknown[]) => void)(80, 13, 10),
        /d\.addPairwiseBilateral\(\{ sxy: 80, srgb: 13, rgbim: rgb, compat: 10 \}\)/,
      ],
      [() => (d.addPairwiseBilateral as (...a: unknown[]) => void)(80, rgb, 13, 10), /got \(80, Uint8Array, 13, 10\)/],
    ];
    for (const [attempt, message] of attempts) {
      let caught: unknown;
      try {
        attempt();
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(DenseCrfError);
      expect((caught as Error).message).toMatch(message);
    }
    expect(d.pairwiseCount).toBe(0);
    // A valid positional call with a bad value still gets the value check.
    expect(() => d.addPairwiseBilateral(80, 13, rgb.subarray(3), 10)).toThrow(/need 3x4x3 = 36 bytes, got 33/);
  });

  it('labels are one type: Uint8Array from argmaxLabels, map, labelsFromColors; over 256 labels is an error', () => {
    const d = new DenseCRF2D(3, 2, 2);
    expect(d.map(1)).toBeInstanceOf(Uint8Array);
    expect(labelsFromColors(new Uint8Array([0, 0, 0, 9, 9, 9]), 2).labels).toBeInstanceOf(Uint8Array);
    expect(() => argmaxLabels(new Float32Array(257), 1, 257)).toThrow(/1\.\.256 labels, got 257/);
  });
});
