/**
 * Full-covariance Gaussian mixtures over RGB colours with the semantics of OpenCV's GrabCut
 * (`GMM` in modules/imgproc/src/grabcut.cpp, after Rother et al. 2004): a model is learned from
 * hard assignments of samples to components (`addSample` accumulates sums and products per
 * component, `endLearning` turns them into weights, means and covariances), and a component's
 * density is exp(-(c - mu)' S^-1 (c - mu) / 2) / sqrt(det S) without the (2 pi)^(3/2) factor (a
 * constant that cancels in every comparison GrabCut makes).
 *
 * Singular covariances: as in current OpenCV (4.x/5.x), when det S <= 1e-6 after learning, 0.01
 * is added to the diagonal (and the determinant recomputed). Older OpenCV releases tested
 * det S <= DBL_EPSILON instead; the two differ only for components whose colours lie (almost) in
 * a plane of RGB space.
 */

/** Determinant at or below which a learned covariance gets {@link SINGULAR_FIX} on its diagonal. */
export const SINGULAR_DETERMINANT = 1e-6;
/** What is added to the diagonal of a (nearly) singular covariance. */
export const SINGULAR_FIX = 0.01;

/** A mixture of `components` Gaussians over RGB (a component with weight 0 is unused). */
export interface ColourGmm {
  readonly components: number;
  /** Mixing weight per component (OpenCV's `coefs`). */
  readonly weights: Float64Array;
  /** Mean per component, 3 values each (R, G, B). */
  readonly means: Float64Array;
  /** Covariance per component, 9 values each (row-major 3x3). */
  readonly covariances: Float64Array;
  /** Inverse covariance per component, 9 values each. */
  readonly inverses: Float64Array;
  /** Covariance determinant per component. */
  readonly determinants: Float64Array;
}

/** An empty mixture of `components` Gaussians (every weight 0). */
export function createColourGmm(components: number): ColourGmm {
  return {
    components,
    weights: new Float64Array(components),
    means: new Float64Array(3 * components),
    covariances: new Float64Array(9 * components),
    inverses: new Float64Array(9 * components),
    determinants: new Float64Array(components),
  };
}

/** A deep copy. */
export function cloneColourGmm(gmm: ColourGmm): ColourGmm {
  return {
    components: gmm.components,
    weights: gmm.weights.slice(),
    means: gmm.means.slice(),
    covariances: gmm.covariances.slice(),
    inverses: gmm.inverses.slice(),
    determinants: gmm.determinants.slice(),
  };
}

/** Sufficient statistics of hard-assigned samples (OpenCV's `sums`, `prods`, `sampleCounts`). */
export interface GmmAccumulator {
  readonly components: number;
  /** Per component: sum of R, G, B. */
  readonly sums: Float64Array;
  /** Per component: sums of RR, RG, RB, GG, GB, BB (the symmetric products). */
  readonly products: Float64Array;
  /** Per component: number of samples. */
  readonly counts: Float64Array;
}

/** Empty statistics for `components` components (OpenCV's `initLearning`). */
export function createGmmAccumulator(components: number): GmmAccumulator {
  return {
    components,
    sums: new Float64Array(3 * components),
    products: new Float64Array(6 * components),
    counts: new Float64Array(components),
  };
}

/** Resets the statistics to empty. */
export function resetGmmAccumulator(acc: GmmAccumulator): void {
  acc.sums.fill(0);
  acc.products.fill(0);
  acc.counts.fill(0);
}

/** Adds one sample of colour (r, g, b) to component `ci` (OpenCV's `addSample`). */
export function addGmmSample(acc: GmmAccumulator, ci: number, r: number, g: number, b: number): void {
  const s = 3 * ci;
  acc.sums[s]! += r;
  acc.sums[s + 1]! += g;
  acc.sums[s + 2]! += b;
  const p = 6 * ci;
  const { products } = acc;
  products[p]! += r * r;
  products[p + 1]! += r * g;
  products[p + 2]! += r * b;
  products[p + 3]! += g * g;
  products[p + 4]! += g * b;
  products[p + 5]! += b * b;
  acc.counts[ci]!++;
}

/**
 * Turns the statistics into the mixture (OpenCV's `endLearning`): weight n_k / n, mean
 * sum / n_k, covariance products / n_k - mean mean', the singular fix, then inverse and
 * determinant. Components without samples get weight 0.
 */
export function learnColourGmm(gmm: ColourGmm, acc: GmmAccumulator): void {
  let total = 0;
  for (let ci = 0; ci < acc.components; ci++) total += acc.counts[ci]!;
  for (let ci = 0; ci < gmm.components; ci++) {
    const n = acc.counts[ci]!;
    if (n === 0) {
      gmm.weights[ci] = 0;
      continue;
    }
    const inv = 1 / n;
    gmm.weights[ci] = n / total;
    const m0 = acc.sums[3 * ci]! * inv;
    const m1 = acc.sums[3 * ci + 1]! * inv;
    const m2 = acc.sums[3 * ci + 2]! * inv;
    gmm.means[3 * ci] = m0;
    gmm.means[3 * ci + 1] = m1;
    gmm.means[3 * ci + 2] = m2;
    const p = 6 * ci;
    const pr = acc.products;
    const c = gmm.covariances;
    const o = 9 * ci;
    c[o] = pr[p]! * inv - m0 * m0;
    c[o + 1] = c[o + 3] = pr[p + 1]! * inv - m0 * m1;
    c[o + 2] = c[o + 6] = pr[p + 2]! * inv - m0 * m2;
    c[o + 4] = pr[p + 3]! * inv - m1 * m1;
    c[o + 5] = c[o + 7] = pr[p + 4]! * inv - m1 * m2;
    c[o + 8] = pr[p + 5]! * inv - m2 * m2;
    if (determinant3(c, o) <= SINGULAR_DETERMINANT) {
      c[o]! += SINGULAR_FIX;
      c[o + 4]! += SINGULAR_FIX;
      c[o + 8]! += SINGULAR_FIX;
    }
    invertCovariance(gmm, ci);
  }
}

function determinant3(c: Float64Array, o: number): number {
  return (
    c[o]! * (c[o + 4]! * c[o + 8]! - c[o + 5]! * c[o + 7]!) -
    c[o + 1]! * (c[o + 3]! * c[o + 8]! - c[o + 5]! * c[o + 6]!) +
    c[o + 2]! * (c[o + 3]! * c[o + 7]! - c[o + 4]! * c[o + 6]!)
  );
}

/** Determinant and inverse (adjugate / determinant) of component ci's covariance. */
function invertCovariance(gmm: ColourGmm, ci: number): void {
  const c = gmm.covariances;
  const o = 9 * ci;
  const det = determinant3(c, o);
  gmm.determinants[ci] = det;
  const k = 1 / det;
  const v = gmm.inverses;
  v[o] = (c[o + 4]! * c[o + 8]! - c[o + 5]! * c[o + 7]!) * k;
  v[o + 1] = -(c[o + 1]! * c[o + 8]! - c[o + 2]! * c[o + 7]!) * k;
  v[o + 2] = (c[o + 1]! * c[o + 5]! - c[o + 2]! * c[o + 4]!) * k;
  v[o + 3] = -(c[o + 3]! * c[o + 8]! - c[o + 5]! * c[o + 6]!) * k;
  v[o + 4] = (c[o]! * c[o + 8]! - c[o + 2]! * c[o + 6]!) * k;
  v[o + 5] = -(c[o]! * c[o + 5]! - c[o + 2]! * c[o + 3]!) * k;
  v[o + 6] = (c[o + 3]! * c[o + 7]! - c[o + 4]! * c[o + 6]!) * k;
  v[o + 7] = -(c[o]! * c[o + 7]! - c[o + 1]! * c[o + 6]!) * k;
  v[o + 8] = (c[o]! * c[o + 4]! - c[o + 1]! * c[o + 3]!) * k;
}

/** (c - mu)' S^-1 (c - mu) of component ci. */
function mahalanobis(gmm: ColourGmm, ci: number, r: number, g: number, b: number): number {
  const d0 = r - gmm.means[3 * ci]!;
  const d1 = g - gmm.means[3 * ci + 1]!;
  const d2 = b - gmm.means[3 * ci + 2]!;
  const v = gmm.inverses;
  const o = 9 * ci;
  return (
    d0 * (d0 * v[o]! + d1 * v[o + 3]! + d2 * v[o + 6]!) +
    d1 * (d0 * v[o + 1]! + d1 * v[o + 4]! + d2 * v[o + 7]!) +
    d2 * (d0 * v[o + 2]! + d1 * v[o + 5]! + d2 * v[o + 8]!)
  );
}

/** Component ci's density at (r, g, b) without its weight (OpenCV's `operator()(ci, color)`); 0 for an unused component. */
export function componentDensity(gmm: ColourGmm, ci: number, r: number, g: number, b: number): number {
  if (!(gmm.weights[ci]! > 0)) return 0;
  return Math.exp(-0.5 * mahalanobis(gmm, ci, r, g, b)) / Math.sqrt(gmm.determinants[ci]!);
}

/** The mixture density at (r, g, b) (OpenCV's `operator()(color)`). */
export function mixtureDensity(gmm: ColourGmm, r: number, g: number, b: number): number {
  let sum = 0;
  for (let ci = 0; ci < gmm.components; ci++) sum += gmm.weights[ci]! * componentDensity(gmm, ci, r, g, b);
  return sum;
}

/**
 * The component of largest unweighted density at (r, g, b) (OpenCV's `whichComponent`),
 * compared in the log domain: OpenCV compares densities, so when every density underflows to 0
 * it answers component 0, where this answers the truly nearest one. 0 when no component is used.
 */
export function whichComponent(gmm: ColourGmm, r: number, g: number, b: number): number {
  let best = 0;
  let bestScore = -Infinity;
  for (let ci = 0; ci < gmm.components; ci++) {
    if (!(gmm.weights[ci]! > 0)) continue;
    const score = -0.5 * (mahalanobis(gmm, ci, r, g, b) + Math.log(gmm.determinants[ci]!));
    if (score > bestScore) {
      bestScore = score;
      best = ci;
    }
  }
  return best;
}

/** Floats per component in a {@link packColourGmm} array. */
export const PACKED_STRIDE = 11;

/**
 * The mixture in one flat array for per-pixel loops: per component the mean (3), the six
 * distinct inverse-covariance entries times -1/2 (00, 01+10, 02+20, 11, 12+21, 22), then
 * log(weight) - log(det)/2 and -log(det)/2; unused components get -Infinity in both.
 */
export function packColourGmm(gmm: ColourGmm, out = new Float64Array(PACKED_STRIDE * gmm.components)): Float64Array {
  for (let ci = 0; ci < gmm.components; ci++) {
    const o = PACKED_STRIDE * ci;
    const v = gmm.inverses;
    const q = 9 * ci;
    out[o] = gmm.means[3 * ci]!;
    out[o + 1] = gmm.means[3 * ci + 1]!;
    out[o + 2] = gmm.means[3 * ci + 2]!;
    out[o + 3] = -0.5 * v[q]!;
    out[o + 4] = -0.5 * (v[q + 1]! + v[q + 3]!);
    out[o + 5] = -0.5 * (v[q + 2]! + v[q + 6]!);
    out[o + 6] = -0.5 * v[q + 4]!;
    out[o + 7] = -0.5 * (v[q + 5]! + v[q + 7]!);
    out[o + 8] = -0.5 * v[q + 8]!;
    if (gmm.weights[ci]! > 0) {
      const halfLogDet = 0.5 * Math.log(gmm.determinants[ci]!);
      out[o + 9] = Math.log(gmm.weights[ci]!) - halfLogDet;
      out[o + 10] = -halfLogDet;
    } else {
      out[o + 9] = -Infinity;
      out[o + 10] = -Infinity;
    }
  }
  return out;
}

/**
 * For a packed mixture: -log of the mixture density at (r, g, b) (a log-sum-exp, so it never
 * underflows to +Infinity as -log of OpenCV's summed density can), and in `best[at]` the
 * component of largest unweighted density ({@link whichComponent}).
 */
export function packedNegLogDensity(
  packed: Float64Array,
  components: number,
  r: number,
  g: number,
  b: number,
  best: Uint8Array,
  at: number,
): number {
  let top = -Infinity;
  let bestScore = -Infinity;
  let bestComponent = 0;
  // Log weighted densities; kept in a small fixed scratch (components <= MAX_COMPONENTS).
  for (let ci = 0, o = 0; ci < components; ci++, o += PACKED_STRIDE) {
    const logNorm = packed[o + 10]!;
    if (logNorm === -Infinity) {
      scratch[ci] = -Infinity;
      continue;
    }
    const d0 = r - packed[o]!;
    const d1 = g - packed[o + 1]!;
    const d2 = b - packed[o + 2]!;
    const e =
      d0 * (d0 * packed[o + 3]! + d1 * packed[o + 4]! + d2 * packed[o + 5]!) +
      d1 * (d1 * packed[o + 6]! + d2 * packed[o + 7]!) +
      d2 * d2 * packed[o + 8]!;
    const score = e + logNorm;
    if (score > bestScore) {
      bestScore = score;
      bestComponent = ci;
    }
    const weighted = e + packed[o + 9]!;
    scratch[ci] = weighted;
    if (weighted > top) top = weighted;
  }
  best[at] = bestComponent;
  if (top === -Infinity) return Infinity;
  let sum = 0;
  for (let ci = 0; ci < components; ci++) sum += Math.exp(scratch[ci]! - top);
  return -(top + Math.log(sum));
}

/** Largest number of components {@link packedNegLogDensity} handles. */
export const MAX_COMPONENTS = 255;
const scratch = new Float64Array(MAX_COMPONENTS);

/** The component of largest unweighted density for a packed mixture (see {@link whichComponent}). */
export function packedWhichComponent(packed: Float64Array, components: number, r: number, g: number, b: number): number {
  let bestScore = -Infinity;
  let bestComponent = 0;
  for (let ci = 0, o = 0; ci < components; ci++, o += PACKED_STRIDE) {
    const logNorm = packed[o + 10]!;
    if (logNorm === -Infinity) continue;
    const d0 = r - packed[o]!;
    const d1 = g - packed[o + 1]!;
    const d2 = b - packed[o + 2]!;
    const score =
      d0 * (d0 * packed[o + 3]! + d1 * packed[o + 4]! + d2 * packed[o + 5]!) +
      d1 * (d1 * packed[o + 6]! + d2 * packed[o + 7]!) +
      d2 * d2 * packed[o + 8]! +
      logNorm;
    if (score > bestScore) {
      bestScore = score;
      bestComponent = ci;
    }
  }
  return bestComponent;
}
