import { describe, expect, it } from 'vitest';
import {
  argmaxLabels,
  DenseCRF,
  DenseCRF2D,
  threadsSupported,
  unaryFromSoftmax,
  wasmSimdSupported,
  type CompatibilityInput,
} from '../src/index';
import { buildLattice } from '../src/permutohedral';
import { bruteForceInference, bruteForceKl, exactGaussianMatrix, latticeMatrix, type DenseTerm } from './brute-force';
import { randomFeatures, rng } from './helpers';

function randomUnary(random: () => number, L: number, n: number): Float32Array {
  return Float32Array.from({ length: L * n }, () => random() * 3);
}

function maxDiff(a: Float32Array, b: Float64Array[], n: number): number {
  let m = 0;
  b.forEach((row, l) => {
    row.forEach((v, i) => {
      m = Math.max(m, Math.abs(a[l * n + i]! - v));
    });
  });
  return m;
}

const ENGINES: Array<'js' | 'wasm'> = ['js', ...(wasmSimdSupported() ? (['wasm'] as const) : [])];
// float64 JS engine vs float64 brute force; the WebAssembly engine computes in float32.
const TOLERANCE = { js: 2e-5, wasm: 3e-4 } as const;

describe('mean-field equals brute-force dense inference with the same kernel', () => {
  const n = 30;
  const L = 5;
  const compats: Array<[string, CompatibilityInput, DenseTerm['compat']]> = [
    ['Potts', 2.5, 2.5],
    ['diagonal', [-1, -2, -0.5, -3, -1.5], [-1, -2, -0.5, -3, -1.5]],
    [
      'matrix',
      [
        [0, 1, 2, 0.5, 1],
        [1.5, 0, 1, 2, 0.3],
        [2, 1, 0, 1, 1],
        [0.5, 2, 1, 0, 0.7],
        [1, 0.1, 1, 0.7, 0],
      ],
      [
        [0, 1, 2, 0.5, 1],
        [1.5, 0, 1, 2, 0.3],
        [2, 1, 0, 1, 1],
        [0.5, 2, 1, 0, 0.7],
        [1, 0.1, 1, 0.7, 0],
      ],
    ],
  ];
  for (const engine of ENGINES)
    for (const normalization of [0, 1, 2, 3] as const)
      for (const [name, compat, dense] of compats) {
        it(`${engine}, normalization ${normalization}, ${name} compatibility, two terms`, () => {
          const random = rng(normalization * 10 + name.length);
          const f1 = randomFeatures(random, 2, n, 3);
          const f2 = randomFeatures(random, 4, n, 2);
          const unary = randomUnary(random, L, n);
          const crf = new DenseCRF(n, L, { engine });
          crf.setUnaryEnergy(unary);
          crf.addPairwiseEnergy(f1, compat, undefined, normalization);
          crf.addPairwiseEnergy(f2, 1.5, undefined, 3);
          const q = crf.inference(4);
          const terms: DenseTerm[] = [
            { k: latticeMatrix(buildLattice(f1, 2, n)), compat: dense, normalization },
            { k: latticeMatrix(buildLattice(f2, 4, n)), compat: 1.5, normalization: 3 },
          ];
          const expected = bruteForceInference(unary, L, n, terms, 4);
          expect(maxDiff(q, expected, n)).toBeLessThan(TOLERANCE[engine]);
          expect(crf.klDivergence(q)).toBeCloseTo(bruteForceKl(unary, expected, n, terms), 2);
        });
      }

  it('with no pairwise term returns softmax(−U), and with no unary treats U as 0', () => {
    const random = rng(3);
    const unary = randomUnary(random, 3, 10);
    const crf = new DenseCRF(10, 3);
    crf.setUnaryEnergy(unary);
    const q = crf.inference(3);
    for (let i = 0; i < 10; i++) {
      const e = [0, 1, 2].map((l) => Math.exp(-unary[l * 10 + i]!));
      const s = e[0]! + e[1]! + e[2]!;
      for (let l = 0; l < 3; l++) expect(q[l * 10 + i]).toBeCloseTo(e[l]! / s, 5);
    }
    const flat = new DenseCRF(10, 4).inference(2);
    for (const v of flat) expect(v).toBeCloseTo(0.25, 6);
  });

  it('step-by-step inference equals inference(n), and pixel-major output is the transpose', () => {
    for (const engine of ENGINES) {
      const random = rng(11);
      const crf = new DenseCRF2D(7, 5, 6, { engine });
      crf.setUnaryEnergy(randomUnary(random, 6, 35));
      crf.addPairwiseGaussian({ sxy: 2, compat: 3 });
      const rgb = Uint8Array.from({ length: 35 * 3 }, () => Math.floor(random() * 256));
      crf.addPairwiseBilateral({ sxy: 5, srgb: 20, rgbim: rgb, compat: 4 });
      const state = crf.startInference();
      for (let i = 0; i < 3; i++) crf.stepInference(state);
      expect(state.iteration).toBe(3);
      const direct = crf.inference(3);
      const stepped = state.probabilities();
      for (let i = 0; i < direct.length; i++) expect(stepped[i]).toBeCloseTo(direct[i]!, 6);
      const hwc = crf.inference(3, { layout: 'hwc' });
      for (let l = 0; l < 6; l++) for (let i = 0; i < 35; i++) expect(hwc[i * 6 + l]).toBeCloseTo(direct[l * 35 + i]!, 6);
      expect(crf.klDivergence(state)).toBeCloseTo(crf.klDivergence(direct), 3);
    }
  });
});

describe('engines agree', () => {
  it.runIf(wasmSimdSupported())('WebAssembly and JavaScript engines agree on 21 labels (padding lanes) within float32 error', () => {
    const random = rng(21);
    const w = 23;
    const h = 17;
    const L = 21;
    const unary = randomUnary(random, L, w * h);
    const rgb = Uint8Array.from({ length: w * h * 3 }, () => Math.floor(random() * 256));
    const run = (engine: 'js' | 'wasm') => {
      const crf = new DenseCRF2D(w, h, L, { engine });
      crf.setUnaryEnergy(unary);
      crf.addPairwiseGaussian({ sxy: 3, compat: 3 });
      crf.addPairwiseBilateral({ sxy: 10, srgb: 13, rgbim: rgb, compat: 10 });
      return crf.inference(5);
    };
    const a = run('js');
    const b = run('wasm');
    let m = 0;
    for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
    expect(m).toBeLessThan(1e-4);
  });

  // The blur kernel has an unrolled loop per row width up to 8 vectors (32 labels) and a generic
  // one above: 2 labels (1 vector), 30 (8) and 37 (10, the generic loop) go through different code.
  it.runIf(wasmSimdSupported()).each([2, 30, 37])('WebAssembly and JavaScript engines agree on %i labels', (L) => {
    const random = rng(L);
    const w = 19;
    const h = 13;
    const unary = randomUnary(random, L, w * h);
    const rgb = Uint8Array.from({ length: w * h * 3 }, () => Math.floor(random() * 256));
    const run = (engine: 'js' | 'wasm') => {
      const crf = new DenseCRF2D(w, h, L, { engine });
      crf.setUnaryEnergy(unary);
      crf.addPairwiseGaussian({ sxy: 3, compat: 3 });
      crf.addPairwiseBilateral({ sxy: 10, srgb: 13, rgbim: rgb, compat: 10 });
      return crf.inference(5);
    };
    const a = run('js');
    const b = run('wasm');
    let m = 0;
    for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
    expect(m).toBeLessThan(1e-4);
  });

  it.runIf(wasmSimdSupported() && threadsSupported())('two threads give bit-identical results to one', () => {
    const random = rng(99);
    const w = 40;
    const h = 30;
    const L = 21;
    const unary = randomUnary(random, L, w * h);
    const rgb = Uint8Array.from({ length: w * h * 3 }, () => Math.floor(random() * 256));
    const run = (threads: number) => {
      const crf = new DenseCRF2D(w, h, L, { engine: 'wasm', threads });
      crf.setUnaryEnergy(unary);
      crf.addPairwiseGaussian({ sxy: 3, compat: 3 });
      crf.addPairwiseBilateral({ sxy: 20, srgb: 10, rgbim: rgb, compat: 5 });
      return crf.inference(4);
    };
    const one = run(1);
    const two = run(2);
    let differing = 0;
    for (let i = 0; i < one.length; i++) if (!Object.is(one[i], two[i])) differing++;
    expect(differing).toBe(0);
  });
});

describe('memory reuse', () => {
  it.runIf(wasmSimdSupported())('a CRF on memory released by a larger one gives the same result as on fresh memory', () => {
    const random = rng(31);
    const make = (w: number, h: number, L: number) => {
      const unary = randomUnary(random, L, w * h);
      const rgb = Uint8Array.from({ length: w * h * 3 }, () => Math.floor(random() * 256));
      return () => {
        const crf = new DenseCRF2D(w, h, L, { engine: 'wasm' });
        crf.setUnaryEnergy(unary);
        crf.addPairwiseGaussian({ sxy: 2, compat: 3 });
        crf.addPairwiseBilateral({ sxy: 8, srgb: 15, rgbim: rgb, compat: 5 });
        const q = crf.inference(3);
        crf.dispose();
        return q;
      };
    };
    const small = make(9, 7, 5);
    const large = make(30, 20, 21);
    const fresh = small();
    large(); // leaves a larger, dirty arena behind
    const reused = small();
    expect(Array.from(reused)).toEqual(Array.from(fresh));
    // And a disposed CRF still works (its solver is rebuilt).
    const crf = new DenseCRF2D(9, 7, 5);
    crf.setUnaryEnergy(randomUnary(random, 5, 63));
    const before = crf.inference(2);
    crf.dispose();
    expect(Array.from(crf.inference(2))).toEqual(Array.from(before));
  });
});

describe('lattice mean-field approximates exact dense inference', () => {
  it('MAP labels agree with exact-Gaussian brute force on ≥ 95% of a noisy tiny image', () => {
    const random = rng(2024);
    const w = 14;
    const h = 11;
    const n = w * h;
    const L = 3;
    // Three vertical bands, with noisy softmax evidence.
    const truth = Int32Array.from({ length: n }, (_, i) => Math.min(2, Math.floor(((i % w) * 3) / w)));
    const probs = new Float32Array(L * n);
    for (let i = 0; i < n; i++) {
      const logits = [0, 1, 2].map((l) => (l === truth[i] ? 1 : 0) + random() * 1.6);
      const e = logits.map(Math.exp);
      const s = e[0]! + e[1]! + e[2]!;
      for (let l = 0; l < L; l++) probs[l * n + i] = e[l]! / s;
    }
    const unary = unaryFromSoftmax(probs);
    const sxy = 3;
    const features = new Float32Array(2 * n);
    for (let i = 0; i < n; i++) {
      features[i] = (i % w) / sxy;
      features[n + i] = Math.floor(i / w) / sxy;
    }
    const crf = new DenseCRF2D(w, h, L);
    crf.setUnaryEnergy(unary);
    crf.addPairwiseGaussian({ sxy, compat: 5 });
    const ours = argmaxLabels(crf.inference(5), n, L);
    const exact = bruteForceInference(unary, L, n, [{ k: exactGaussianMatrix(features, 2, n), compat: 5, normalization: 3 }], 5);
    const flat = new Float32Array(L * n);
    exact.forEach((row, l) => {
      flat.set(row, l * n);
    });
    const reference = argmaxLabels(flat, n, L);
    let agree = 0;
    for (let i = 0; i < n; i++) if (ours[i] === reference[i]) agree++;
    expect(agree / n).toBeGreaterThanOrEqual(0.95);
    // And the CRF did something: it fixes noise the raw argmax gets wrong.
    const raw = argmaxLabels(probs, n, L);
    const correct = (labels: Uint8Array) => labels.reduce((s, l, i) => s + (l === truth[i] ? 1 : 0), 0);
    expect(correct(ours)).toBeGreaterThan(correct(raw));
  });
});
