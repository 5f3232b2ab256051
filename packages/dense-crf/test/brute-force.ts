// A direct O(N²) dense CRF, float64, written from the model's definition and densecrf's
// conventions; the tests compare the library against it.
import { latticeFilter } from '../src/lattice-filter';
import type { PermutohedralLattice } from '../src/permutohedral';

/** A dense kernel: `k[i*n + j]` is the response at i to a unit value at j. */
export interface DenseTerm {
  k: Float64Array;
  /** number (Potts w), vector (diagonal), or nested matrix. */
  compat: number | number[] | number[][];
  normalization: 0 | 1 | 2 | 3;
}

/** The lattice as an explicit matrix, by filtering unit vectors. */
export function latticeMatrix(lat: PermutohedralLattice): Float64Array {
  const n = lat.n;
  const k = new Float64Array(n * n);
  const unit = new Float32Array(n);
  for (let j = 0; j < n; j++) {
    unit.fill(0);
    unit[j] = 1;
    const col = latticeFilter(lat, unit, 1);
    for (let i = 0; i < n; i++) k[i * n + j] = col[i]!;
  }
  return k;
}

/** exp(−|fᵢ−fⱼ|²/2) for features `[d, n]`. */
export function exactGaussianMatrix(features: Float32Array, d: number, n: number): Float64Array {
  const k = new Float64Array(n * n);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let c = 0; c < d; c++) s += (features[c * n + i]! - features[c * n + j]!) ** 2;
      k[i * n + j] = Math.exp(-s / 2);
    }
  return k;
}

/** μ(K̃ Q) per label, `[L][n]`, with densecrf's normalisations and compatibilities. */
export function message(term: DenseTerm, q: Float64Array[], n: number): Float64Array[] {
  const L = q.length;
  const raw = new Float64Array(n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) raw[i]! += term.k[i * n + j]!;
  const norm = raw.map((r) => (term.normalization === 3 ? 1 / Math.sqrt(r + 1e-20) : 1 / (r + 1e-20)));
  const before = term.normalization === 3 || term.normalization === 1;
  const after = term.normalization === 3 || term.normalization === 2;
  const filtered = q.map((ql) => {
    const input = ql.map((v, j) => (before ? v * norm[j]! : v));
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let j = 0; j < n; j++) s += term.k[i * n + j]! * input[j]!;
      out[i] = after ? s * norm[i]! : s;
    }
    return out;
  });
  const c = term.compat;
  if (typeof c === 'number') return filtered.map((f) => f.map((v) => -c * v));
  if (typeof c[0] === 'number') return filtered.map((f, l) => f.map((v) => (c as number[])[l]! * v));
  const m = c as number[][];
  return Array.from({ length: L }, (_, l) => {
    const out = new Float64Array(n);
    for (let k = 0; k < L; k++) {
      const w = 0.5 * (m[l]![k]! + m[k]![l]!);
      for (let i = 0; i < n; i++) out[i]! += w * filtered[k]![i]!;
    }
    return out;
  });
}

function softmaxColumns(energy: Float64Array[], n: number): Float64Array[] {
  const L = energy.length;
  const q = energy.map(() => new Float64Array(n));
  for (let i = 0; i < n; i++) {
    let max = -Infinity;
    for (let l = 0; l < L; l++) max = Math.max(max, energy[l]![i]!);
    let sum = 0;
    for (let l = 0; l < L; l++) sum += q[l]![i] = Math.exp(energy[l]![i]! - max);
    for (let l = 0; l < L; l++) q[l]![i]! /= sum;
  }
  return q;
}

/** Mean-field: Q₀ = softmax(−U); repeat: Q = softmax(−U − Σ μ(K̃Q)). U is `[L, n]` flat. */
export function bruteForceInference(unary: Float32Array, L: number, n: number, terms: DenseTerm[], iterations: number): Float64Array[] {
  const negU = Array.from({ length: L }, (_, l) => Float64Array.from(unary.subarray(l * n, (l + 1) * n), (u) => -u));
  let q = softmaxColumns(negU, n);
  for (let it = 0; it < iterations; it++) {
    const energy = negU.map((e) => e.slice());
    for (const t of terms) {
      const msg = message(t, q, n);
      for (let l = 0; l < L; l++) for (let i = 0; i < n; i++) energy[l]![i]! -= msg[l]![i]!;
    }
    q = softmaxColumns(energy, n);
  }
  return q;
}

/** densecrf's klDivergence: Σ Q log Q + Σ U Q + Σₖ Σ Q·μₖ(K̃ₖQ). */
export function bruteForceKl(unary: Float32Array, q: Float64Array[], n: number, terms: DenseTerm[]): number {
  const L = q.length;
  let kl = 0;
  for (let l = 0; l < L; l++)
    for (let i = 0; i < n; i++) {
      const v = q[l]![i]!;
      kl += v * Math.log(Math.max(v, 1e-20)) + unary[l * n + i]! * v;
    }
  for (const t of terms) {
    const msg = message(t, q, n);
    for (let l = 0; l < L; l++) for (let i = 0; i < n; i++) kl += q[l]![i]! * msg[l]![i]!;
  }
  return kl;
}
