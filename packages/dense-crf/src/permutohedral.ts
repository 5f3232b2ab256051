import { LatticeHashTable } from './lattice-hash';
import type { PermutohedralLattice } from './permutohedral-lattice';
import { buildLatticeWasm } from './wasm/lattice';

export type { PermutohedralLattice } from './permutohedral-lattice';

const f32 = Math.fround;

/** Round half to even, as SSE's round-to-nearest (densecrf's lattice uses it). */
function roundHalfEven(v: number): number {
  const r = Math.round(v);
  return r - v === 0.5 && (r & 1) !== 0 ? r - 1 : r;
}

/** densecrf's per-feature scale factors of the embedding (float32 values). */
function scaleFactors(d: number): Float64Array {
  const invStdDev = f32(Math.sqrt(2 / 3) * (d + 1));
  const scale = new Float64Array(d);
  for (let i = 0; i < d; i++) scale[i] = f32((1 / Math.sqrt((i + 2) * (i + 1))) * invStdDev);
  return scale;
}

/** canonical[r*(d+1) + c]: coordinate of the simplex corner with remainder r for rank c. */
function canonicalSimplex(d: number): Int32Array {
  const d1 = d + 1;
  const canonical = new Int32Array(d1 * d1);
  for (let r = 0; r <= d; r++) for (let c = 0; c <= d; c++) canonical[r * d1 + c] = c <= d - r ? r : r - d1;
  return canonical;
}

/**
 * Builds the lattice for `features`, laid out feature-major `[d, n]` (feature j of point i at
 * `features[j*n+i]`), as pydensecrf's `addPairwiseEnergy` takes them.
 *
 * The embedding follows densecrf's SSE code path in single precision, so that points on
 * simplex boundaries — frequent with grid features such as x/3 — land on the same vertices as
 * in pydensecrf. `engine`: `wasm` (WebAssembly, native float32), `js` (float32 emulated with
 * `Math.fround`) or `auto` (wasm where available); both give identical lattices.
 */
export function buildLattice(features: Float32Array, d: number, n: number, engine: 'auto' | 'wasm' | 'js' = 'auto'): PermutohedralLattice {
  if (engine !== 'js' && typeof WebAssembly === 'object') {
    return buildLatticeWasm(features, d, n, scaleFactors(d), canonicalSimplex(d), f32(1 / (1 + 2 ** -d)));
  }
  return buildLatticeJs(features, d, n);
}

/** The JavaScript construction (reference for the WebAssembly one). */
export function buildLatticeJs(features: Float32Array, d: number, n: number): PermutohedralLattice {
  const d1 = d + 1;
  const scale = scaleFactors(d);
  const down = f32(1 / d1);
  const canonical = canonicalSimplex(d);

  const offsets = new Int32Array(n * d1);
  const weights = new Float32Array(n * d1);
  // Lattices have far fewer vertices than points; a small table that grows stays in cache.
  const table = new LatticeHashTable(d, Math.min(n, 1024));
  const elevated = new Float64Array(d1);
  const rem0 = new Float64Array(d1);
  const rank = new Int32Array(d1);
  const bary = new Float64Array(d + 2);
  const previous = new Int32Array(Math.max(1, d1 * d));
  const previousId = new Int32Array(d1);

  for (let p = 0; p < n; p++) {
    // Elevate onto the hyperplane x·1 = 0 of R^(d+1).
    let sm = 0;
    for (let j = d; j > 0; j--) {
      const cf = f32(features[(j - 1) * n + p]! * scale[j - 1]!);
      elevated[j] = f32(sm - f32(j * cf));
      sm = f32(sm + cf);
    }
    elevated[0] = sm;

    // Closest remainder-0 point, then the simplex we are in (ranks of the differences).
    let sum = 0;
    for (let i = 0; i <= d; i++) {
      const v = roundHalfEven(f32(down * elevated[i]!));
      rem0[i] = v * d1;
      sum += v;
    }
    for (let i = 0; i <= d; i++) rank[i] = 0;
    for (let i = 0; i < d; i++) {
      const di = f32(elevated[i]! - rem0[i]!);
      for (let j = i + 1; j <= d; j++) {
        if (di < f32(elevated[j]! - rem0[j]!)) rank[i]!++;
        else rank[j]!++;
      }
    }
    // Bring the point back onto the plane if the rounding left it off (sum != 0).
    for (let i = 0; i <= d; i++) {
      rank[i]! += sum;
      if (rank[i]! < 0) {
        rank[i]! += d1;
        rem0[i]! += d1;
      } else if (rank[i]! > d) {
        rank[i]! -= d1;
        rem0[i]! -= d1;
      }
    }

    // Barycentric coordinates.
    for (let i = 0; i <= d + 1; i++) bary[i] = 0;
    for (let i = 0; i <= d; i++) {
      const v = f32(f32(elevated[i]! - rem0[i]!) * down);
      const at = d - rank[i]!;
      bary[at] = f32(bary[at]! + v);
      bary[at + 1] = f32(bary[at + 1]! - v);
    }
    bary[0] = f32(bary[0]! + f32(1 + bary[d + 1]!));

    // The simplex's d+1 corners (only the first d coordinates are stored; they sum to 0).
    // Neighbouring points mostly share corners: check the previous point's r-th corner first.
    for (let r = 0; r <= d; r++) {
      let same = p > 0;
      for (let i = 0; i < d; i++) {
        const c = rem0[i]! + canonical[r * d1 + rank[i]!]!;
        if (c !== previous[r * d + i]) {
          same = false;
          previous[r * d + i] = c;
        }
      }
      if (!same) previousId[r] = table.findOrInsert(previous, r * d) + 1;
      offsets[p * d1 + r] = previousId[r]!;
      weights[p * d1 + r] = bary[r]!;
    }
  }

  const m = table.size;
  const neighbors = new Int32Array(d1 * m * 2);
  const keys = table.keys;
  const n1 = new Int32Array(Math.max(1, d));
  const n2 = new Int32Array(Math.max(1, d));
  for (let j = 0; j <= d; j++) {
    for (let v = 0; v < m; v++) {
      for (let k = 0; k < d; k++) {
        n1[k] = keys[v * d + k]! - 1;
        n2[k] = keys[v * d + k]! + 1;
      }
      if (j < d) {
        n1[j] = keys[v * d + j]! + d;
        n2[j] = keys[v * d + j]! - d;
      }
      neighbors[(j * m + v) * 2] = table.find(n1) + 1;
      neighbors[(j * m + v) * 2 + 1] = table.find(n2) + 1;
    }
  }
  return { d, n, m, offsets, weights, neighbors, alpha: f32(1 / (1 + 2 ** -d)) };
}
