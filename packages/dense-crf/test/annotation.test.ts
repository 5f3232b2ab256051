// crfAnnotation against pydensecrf's example outputs and an independent run of the same steps.
import { describe, expect, it } from 'vitest';
import {
  argmaxLabels,
  colorizeLabels,
  countChangedLabels,
  crfAnnotation,
  DenseCRF2D,
  DenseCrfError,
  labelsFromColors,
  unaryFromLabels,
} from '../src/index';
import { readRgb } from './helpers';

describe('countChangedLabels', () => {
  it('counts differing pixels, skipping unknown ones', () => {
    expect(countChangedLabels([0, 1, 2, -1, 3], [0, 2, 2, 5, 4])).toBe(3);
    expect(countChangedLabels([0, 1, 2, -1, 3], [0, 2, 2, 5, 4], -1)).toBe(2);
    expect(() => countChangedLabels([0], [0, 1])).toThrow(DenseCrfError);
  });
});

describe('crfAnnotation (pydensecrf examples/inference.py)', () => {
  it('matches the step-by-step DenseCRF2D run and the example output', () => {
    const im = readRgb('im2.png');
    const anno = readRgb('anno2.png');
    const n = im.width * im.height;
    const result = crfAnnotation({ annotation: anno.rgb, image: im.rgb, width: im.width, height: im.height, engine: 'js' });

    const a = labelsFromColors(anno.rgb, n);
    const crf = new DenseCRF2D(im.width, im.height, a.nLabels, { engine: 'js' });
    crf.setUnaryEnergy(unaryFromLabels(a.labels, a.nLabels, 0.7, a.hasUnknown));
    crf.addPairwiseGaussian({ sxy: 3, compat: 3 });
    crf.addPairwiseBilateral({ sxy: 80, srgb: 13, rgbim: im.rgb, compat: 10 });
    const map = argmaxLabels(crf.inference(5, { layout: 'hwc' }), n, a.nLabels, 'hwc');

    expect(result.numLabels).toBe(a.nLabels);
    expect(result.params).toEqual({ iterations: 5, gaussian: { sxy: 3, compat: 3 }, bilateral: { sxy: 80, srgb: 13, compat: 10 } });
    expect(Array.from(result.labels)).toEqual(Array.from(map));
    expect(Array.from(result.rgb)).toEqual(Array.from(colorizeLabels(map, a.colors)));
    let changed = 0;
    for (let i = 0; i < n; i++) if (a.labels[i]! >= 1 && a.labels[i]! - 1 !== map[i]) changed++;
    expect(a.hasUnknown).toBe(true);
    expect(result.changedPixels).toBe(changed);
    const ref = readRgb('out2.png').rgb;
    let same = 0;
    for (let i = 0; i < n; i++)
      if (ref[3 * i] === result.rgb[3 * i] && ref[3 * i + 1] === result.rgb[3 * i + 1] && ref[3 * i + 2] === result.rgb[3 * i + 2]) same++;
    expect(same / n).toBeGreaterThanOrEqual(0.995);
  });

  it('needs two colours besides black and names the file', () => {
    const black = new Uint8Array(4 * 4 * 3);
    black.fill(200, 0, 3);
    expect(() => crfAnnotation({ annotation: black, image: new Uint8Array(48), width: 4, height: 4, file: 'a.png' })).toThrow(
      'a.png: the annotation needs at least two colours besides black, found 1',
    );
  });
});
