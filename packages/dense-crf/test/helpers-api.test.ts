import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  argmaxLabels,
  chwToHwc,
  colorizeLabels,
  createPairwiseBilateral,
  createPairwiseGaussian,
  CRF_PRESET_NAMES,
  CRF_PRESETS,
  crfBinary,
  crfPreset,
  crfRefine,
  DenseCRF,
  DenseCRF2D,
  DenseCrfError,
  hwcToChw,
  labelsFromColors,
  unaryFromLabels,
  unaryFromSoftmax,
} from '../src/index';
import { readRgb, rng } from './helpers';

describe('unaryFromLabels (pydensecrf utils.unary_from_labels)', () => {
  it('gives −log(gt) to the given label, −log((1−gt)/(n−1)) to the others, −log(1/n) to unknown', () => {
    const labels = Int32Array.from([0, 1, 2, 3, 1]);
    const u = unaryFromLabels(labels, 3, 0.7, true);
    const p = -Math.log(0.7);
    const q = -Math.log(0.3 / 2);
    const unsure = Math.log(3);
    const expected = [
      [unsure, p, q, q, p],
      [unsure, q, p, q, q],
      [unsure, q, q, p, q],
    ];
    expected.forEach((row, l) => {
      row.forEach((v, i) => {
        expect(u[l * 5 + i]).toBeCloseTo(v, 6);
      });
    });
  });

  it('without zeroUnsure, values are labels and 0 is a label', () => {
    const u = unaryFromLabels([0, 1], 2, 0.9, false);
    expect(Array.from(u).map((v) => +v.toFixed(5))).toEqual(
      [-Math.log(0.9), -Math.log(0.1), -Math.log(0.1), -Math.log(0.9)].map((v) => +v.toFixed(5)),
    );
  });

  it('rejects labels out of range and bad probabilities', () => {
    expect(() => unaryFromLabels([4], 3, 0.7)).toThrow(DenseCrfError);
    expect(() => unaryFromLabels([-1], 3, 0.7, false)).toThrow(/outside/);
    expect(() => unaryFromLabels([1], 3, 1)).toThrow(/gtProb/);
    expect(() => unaryFromLabels([1], 0, 0.5)).toThrow(/nLabels/);
  });

  it('is a proper negative log-probability: exp(−U) sums to 1 per pixel (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 8 }),
        fc.double({ min: 0.05, max: 0.95, noNaN: true }),
        fc.array(fc.nat(), { minLength: 1, maxLength: 30 }),
        (n, gt, raw) => {
          const labels = raw.map((v) => v % (n + 1));
          const u = unaryFromLabels(labels, n, gt, true);
          for (let i = 0; i < labels.length; i++) {
            let s = 0;
            for (let l = 0; l < n; l++) s += Math.exp(-u[l * labels.length + i]!);
            expect(s).toBeCloseTo(1, 5);
          }
        },
      ),
    );
  });
});

describe('unaryFromSoftmax (pydensecrf utils.unary_from_softmax)', () => {
  it('is −log(clip(p, 1e-5, 1)) by default', () => {
    const u = unaryFromSoftmax(new Float32Array([0.5, 0, 1, 1e-7]));
    expect(u[0]).toBeCloseTo(Math.log(2), 6);
    expect(u[1]).toBeCloseTo(-Math.log(1e-5), 4);
    expect(u[2]).toBeCloseTo(0, 9);
    expect(u[3]).toBeCloseTo(-Math.log(1e-5), 4);
    expect(unaryFromSoftmax([0], { clip: null })[0]).toBe(Infinity);
  });

  it('mixes with the uniform distribution with scale', () => {
    const u = unaryFromSoftmax([1, 0, 0, 0], { scale: 0.6, numLabels: 4 });
    expect(u[0]).toBeCloseTo(-Math.log(0.6 + 0.1), 6);
    expect(u[1]).toBeCloseTo(-Math.log(0.1), 6);
    expect(() => unaryFromSoftmax([1], { scale: 0.5 })).toThrow(/numLabels/);
    expect(() => unaryFromSoftmax([1], { scale: 1.5, numLabels: 2 })).toThrow(/scale/);
  });
});

describe('feature builders', () => {
  it('createPairwiseGaussian is the meshgrid (ij) of the shape divided by sdims', () => {
    const f = createPairwiseGaussian([2, 4], [3, 5]);
    for (let y = 0; y < 3; y++)
      for (let x = 0; x < 5; x++) {
        expect(f[y * 5 + x]).toBeCloseTo(y / 2, 6);
        expect(f[15 + y * 5 + x]).toBeCloseTo(x / 4, 6);
      }
    const f3 = createPairwiseGaussian([1, 1, 1], [2, 3, 4]);
    expect(f3.length).toBe(3 * 24);
    expect([f3[23], f3[24 + 23], f3[48 + 23]]).toEqual([1, 2, 3]);
  });

  it('createPairwiseBilateral appends the channels divided by schan', () => {
    const img = Uint8Array.from({ length: 2 * 3 * 3 }, (_, i) => i * 10);
    const f = createPairwiseBilateral([10, 20], [5, 10, 20], img, [2, 3, 3]);
    expect(f.length).toBe(5 * 6);
    for (let i = 0; i < 6; i++) {
      expect(f[i]).toBeCloseTo(Math.floor(i / 3) / 10, 6);
      expect(f[6 + i]).toBeCloseTo((i % 3) / 20, 6);
      expect(f[12 + i]).toBeCloseTo(img[3 * i]! / 5, 5);
      expect(f[18 + i]).toBeCloseTo(img[3 * i + 1]! / 10, 5);
      expect(f[24 + i]).toBeCloseTo(img[3 * i + 2]! / 20, 5);
    }
    expect(() => createPairwiseBilateral([1, 1], 1, img, [2, 3, 2])).toThrow(/img has/);
    expect(() => createPairwiseGaussian([1], [2, 2])).toThrow(DenseCrfError);
    expect(() => createPairwiseGaussian([0, 1], [2, 2])).toThrow(/positive/);
  });
});

describe('layouts', () => {
  it('hwcToChw and chwToHwc are inverse transposes (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 20 }), fc.integer({ min: 1, max: 6 }), fc.integer(), (n, c, seed) => {
        const random = rng(seed);
        const hwc = Float32Array.from({ length: n * c }, () => random());
        const chw = hwcToChw(hwc, n, c);
        for (let i = 0; i < n; i++) for (let k = 0; k < c; k++) expect(chw[k * n + i]).toBe(hwc[i * c + k]);
        expect(Array.from(chwToHwc(chw, n, c))).toEqual(Array.from(hwc));
        expect(Array.from(argmaxLabels(chw, n, c))).toEqual(Array.from(argmaxLabels(hwc, n, c, 'hwc')));
      }),
    );
    expect(() => hwcToChw(new Float32Array(5), 2, 3)).toThrow(/expected 2x3/);
  });

  it('argmax takes the first label on ties, like numpy', () => {
    expect(Array.from(argmaxLabels(new Float32Array([0.5, 0.5, 0.2, 0.2, 0.3, 0.6]), 3, 2, 'hwc'))).toEqual([0, 0, 1]);
  });
});

describe('colour annotations', () => {
  it('numbers colours by R·2¹⁶+G·2⁸+B, black first as unknown, and colours back', () => {
    const rgb = Uint8Array.from([0, 0, 0, 0, 0, 255, 255, 0, 0, 0, 255, 0, 0, 0, 255]);
    const a = labelsFromColors(rgb, 5);
    expect(a.hasUnknown).toBe(true);
    expect(a.nLabels).toBe(3);
    expect(Array.from(a.labels)).toEqual([0, 1, 3, 2, 1]);
    expect(Array.from(a.colors)).toEqual([0, 0, 255, 0, 255, 0, 255, 0, 0]);
    expect(Array.from(colorizeLabels([2, 0], a.colors))).toEqual([255, 0, 0, 0, 0, 255]);
    const noBlack = labelsFromColors(Uint8Array.from([9, 9, 9, 1, 1, 1]), 2);
    expect(noBlack.hasUnknown).toBe(false);
    expect(Array.from(noBlack.labels)).toEqual([1, 0]);
    expect(() => colorizeLabels([3], a.colors)).toThrow(/no colour/);
  });
});

describe('shape and parameter errors', () => {
  it('are DenseCrfErrors with a code and where', () => {
    const crf = new DenseCRF2D(4, 3, 2);
    const err = (f: () => void) => {
      try {
        f();
      } catch (e) {
        expect(e).toBeInstanceOf(DenseCrfError);
        return e as DenseCrfError;
      }
      throw new Error('no error');
    };
    expect(err(() => crf.setUnaryEnergy(new Float32Array(5))).code).toBe('bad-shape');
    expect(err(() => crf.addPairwiseEnergy(new Float32Array(13), 3)).code).toBe('bad-shape');
    expect(err(() => crf.addPairwiseEnergy(new Float32Array(12).fill(NaN), 3)).code).toBe('bad-parameter');
    expect(err(() => crf.addPairwiseEnergy(new Float32Array(12), [1, 2, 3])).code).toBe('bad-shape');
    expect(err(() => crf.addPairwiseEnergy(new Float32Array(12), [[1, 2], [3]])).code).toBe('bad-shape');
    expect(err(() => crf.addPairwiseEnergy(new Float32Array(12), 3, 7 as never)).where).toBe('kernel');
    expect(err(() => crf.addPairwiseBilateral({ sxy: 3, srgb: 3, rgbim: new Uint8Array(35), compat: 1 })).code).toBe('bad-shape');
    expect(err(() => crf.addPairwiseGaussian({ sxy: -1, compat: 1 })).code).toBe('bad-parameter');
    expect(err(() => crf.addPairwiseGaussian({ sxy: [1, 2, 3] as never, compat: 1 })).code).toBe('bad-parameter');
    expect(err(() => crf.inference(-1)).code).toBe('bad-parameter');
    expect(err(() => new DenseCRF(0, 2)).where).toBe('nVariables');
    expect(err(() => new DenseCRF2D(3, 1.5, 2)).where).toBe('height');
    expect(err(() => new DenseCRF(3, 2, { engine: 'gpu' as never })).where).toBe('engine');
    expect(err(() => crf.klDivergence(new Float32Array(3))).code).toBe('bad-shape');
  });

  it('compat accepts a flat labels² matrix like a nested one', () => {
    const random = rng(8);
    const unary = Float32Array.from({ length: 3 * 20 }, () => random());
    const f = Float32Array.from({ length: 2 * 20 }, () => random() * 3);
    const m = [
      [0, 1, 2],
      [1, 0, 1],
      [2, 1, 0],
    ];
    const run = (compat: number[] | number[][]) => {
      const crf = new DenseCRF(20, 3, { engine: 'js' });
      crf.setUnaryEnergy(unary);
      crf.addPairwiseEnergy(f, compat);
      return Array.from(crf.inference(3));
    };
    expect(run(m.flat())).toEqual(run(m));
  });
});

describe('kernel parameters (densecrf setKernelParameters)', () => {
  it('DIAG scales features: scaling by 2 equals adding features divided by ½', () => {
    const random = rng(12);
    const n = 25;
    const unary = Float32Array.from({ length: 2 * n }, () => random() * 2);
    const f = Float32Array.from({ length: 2 * n }, () => random() * 4);
    const a = new DenseCRF(n, 2, { engine: 'js' });
    a.setUnaryEnergy(unary);
    a.addPairwiseEnergy(f, 3);
    expect(Array.from(a.kernelParameters())).toEqual([1, 1]);
    a.setKernelParameters([2, 0.5]);
    const b = new DenseCRF(n, 2, { engine: 'js' });
    b.setUnaryEnergy(unary);
    b.addPairwiseEnergy(
      Float32Array.from(f, (v, i) => (i < n ? 2 * v : 0.5 * v)),
      3,
    );
    const qa = a.inference(3);
    const qb = b.inference(3);
    for (let i = 0; i < qa.length; i++) expect(qa[i]).toBeCloseTo(qb[i]!, 5);
    expect(() => a.setKernelParameters([1])).toThrow(/kernel parameters/);
  });
});

describe('presets and crfRefine', () => {
  it("has the reference code bases' parameter table", () => {
    expect(CRF_PRESET_NAMES).toEqual(['deeplab-v2', 'deeplab-v2-vgg', 'deeplab-public', 'tf-crf-branch', 'dcsp', 'pydensecrf-example']);
    const row = (name: keyof typeof CRF_PRESETS) => {
      const p = CRF_PRESETS[name];
      return [p.iterations, p.gaussian.sxy, p.gaussian.compat, p.bilateral.sxy, p.bilateral.srgb, p.bilateral.compat];
    };
    expect(row('deeplab-v2')).toEqual([10, 1, 3, 67, 3, 4]);
    expect(row('deeplab-v2-vgg')).toEqual([10, 2, 2, 65, 3, 4]);
    expect(row('deeplab-public')).toEqual([10, 3, 3, 70, 5, 5]);
    expect(row('tf-crf-branch')).toEqual([10, [1, 1], 4, 49, 13, 5]);
    expect(row('dcsp')).toEqual([10, 3, 3, 49, 5, 4]);
    expect(row('pydensecrf-example')).toEqual([5, 3, 3, 80, 13, 10]);
    expect(() => crfPreset('nope')).toThrow(/known: deeplab-v2/);
  });

  it('crfRefine equals DenseCRF2D with the preset, on HWC probabilities', () => {
    const im = readRgb('im1.png');
    const { width, height } = im;
    const n = width * height;
    const L = 3;
    // Smooth synthetic softmax: three horizontal bands blurred with noise.
    const random = rng(77);
    const probs = new Float32Array(n * L);
    for (let i = 0; i < n; i++) {
      const band = Math.min(2, Math.floor(((Math.floor(i / width) + random() * 40) * 3) / height));
      for (let l = 0; l < L; l++) probs[i * L + l] = l === band ? 0.6 : 0.2;
    }
    const progress: number[] = [];
    const result = crfRefine({
      probs,
      image: im.rgb,
      width,
      height,
      numLabels: L,
      preset: 'dcsp',
      onProgress: (e) => progress.push(e.done),
    });
    expect(progress).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    const crf = new DenseCRF2D(width, height, L);
    crf.setUnaryEnergy(hwcToChw(unaryFromSoftmax(probs), n, L));
    crf.addPairwiseGaussian({ sxy: 3, compat: 3 });
    crf.addPairwiseBilateral({ sxy: 49, srgb: 5, rgbim: im.rgb, compat: 4 });
    const q = crf.inference(10);
    const hwc = chwToHwc(q, n, L);
    for (let i = 0; i < q.length; i += 997) expect(result.probs[i]).toBeCloseTo(hwc[i]!, 5);
    expect(Array.from(result.labels)).toEqual(Array.from(argmaxLabels(q, n, L)));
    // RGBA input and a gaussian-only run are accepted.
    const rgba = new Uint8Array(n * 4);
    for (let i = 0; i < n; i++) rgba.set(im.rgb.subarray(3 * i, 3 * i + 3), 4 * i);
    expect(Array.from(crfRefine({ probs, image: rgba, width, height, numLabels: L, preset: 'dcsp' }).labels)).toEqual(
      Array.from(result.labels),
    );
    const noImage = crfRefine({ probs, width, height, numLabels: L, params: { iterations: 2 } });
    expect(noImage.params.iterations).toBe(2);
    expect(() => crfRefine({ probs, width, height, numLabels: 4 })).toThrow(/probs must be/);
    expect(() => crfRefine({ probs, width, height, numLabels: 300 })).toThrow(/1\.\.256/);
  });
});

describe('crfBinary', () => {
  /** A 40x30 image with a bright disc and a noisy object probability around it. */
  function scene(): { image: { width: number; height: number; data: Uint8Array }; probability: Float32Array } {
    const width = 40;
    const height = 30;
    const random = rng(5);
    const data = new Uint8Array(width * height * 3);
    const probability = new Float32Array(width * height);
    for (let i = 0; i < width * height; i++) {
      const inside = ((i % width) - 20) ** 2 + (Math.floor(i / width) - 15) ** 2 < 81;
      data.fill(inside ? 200 : 40, 3 * i, 3 * i + 3);
      probability[i] = Math.min(1, Math.max(0, (inside ? 0.65 : 0.35) + 0.5 * (random() - 0.5)));
    }
    return { image: { width, height, data }, probability };
  }

  it('is crfRefine on the two-label softmax [1 - p, p]', () => {
    const { image, probability } = scene();
    const probs = new Float32Array(probability.length * 2);
    probability.forEach((p, i) => {
      probs[2 * i] = 1 - p;
      probs[2 * i + 1] = p;
    });
    const want = crfRefine({ probs, image: image.data, width: image.width, height: image.height, numLabels: 2, preset: 'dcsp' }).labels;
    expect(Array.from(crfBinary(probability, image, { preset: 'dcsp' }))).toEqual(Array.from(want));
  });

  it('makes fixed pixels certain in the unary and keeps their labels', () => {
    const { image, probability } = scene();
    const fixed = [
      { x: 20, y: 15, positive: false },
      { x: 2, y: 2, positive: true },
    ];
    const probs = new Float32Array(probability.length * 2);
    probability.forEach((p, i) => {
      probs[2 * i] = 1 - p;
      probs[2 * i + 1] = p;
    });
    for (const f of fixed) probs.set(f.positive ? [0, 1] : [1, 0], 2 * (f.y * 40 + f.x));
    const want = crfRefine({ probs, image: image.data, width: 40, height: 30, numLabels: 2 }).labels;
    for (const f of fixed) want[f.y * 40 + f.x] = f.positive ? 1 : 0;
    const labels = crfBinary(probability, image, { fixed });
    expect(Array.from(labels)).toEqual(Array.from(want));
    expect(labels[15 * 40 + 20]).toBe(0);
    expect(labels[2 * 40 + 2]).toBe(1);
  });

  it('rejects a probability of the wrong size and fixed pixels outside the image', () => {
    const { image, probability } = scene();
    expect(() => crfBinary(probability.subarray(1), image)).toThrow(DenseCrfError);
    expect(() => crfBinary(probability, image, { fixed: [{ x: 40, y: 0, positive: true }] })).toThrow(/not a pixel/);
  });
});
