import type { ClickRng } from '../click-rng';

/**
 * k-means over 3-channel samples as `cv::kmeans` runs it for GrabCut (modules/core/src/kmeans.cpp
 * with KMEANS_PP_CENTERS, one attempt, TermCriteria(MAX_ITER, 10, 0)):
 *
 * - greedy k-means++ seeding (Arthur & Vassilvitskii 2007): the first centre is sample
 *   `rng.int(n)`; every further one is the best of 3 candidates, each drawn with probability
 *   proportional to the squared distance to the nearest centre so far (`rng.next() * total`
 *   walked down the samples), "best" meaning the smallest total squared distance afterwards;
 * - Lloyd steps: labels are assigned after the seeding and after each centre update but the last;
 *   a cluster left empty takes the sample farthest from the centre of the largest cluster; the
 *   loop ends at the 9th centre update (OpenCV counts the seeding as the first of its 10
 *   iterations) or when no centre moves by more than FLT_EPSILON; the labels are those of the
 *   last assignment.
 *
 * Arithmetic follows OpenCV's single precision (`Math.fround` after every float operation:
 * centre sums, scaling, squared distances; totals in double), so with OpenCV's random stream
 * (./opencv-rng.ts) and the samples in OpenCV's channel order (BGR) the labels are OpenCV's.
 * With another generator the algorithm is the same and only the draws differ.
 */

/** Squared FLT_EPSILON: OpenCV's stopping threshold on the largest squared centre shift. */
const SHIFT_EPSILON = 1.1920928955078125e-7 ** 2;
/** Candidates per k-means++ centre (OpenCV's SPP_TRIALS). */
const TRIALS = 3;
const f = Math.fround;

/** Single-precision squared distance between sample i and centre k (OpenCV's `normL2Sqr_` on floats). */
function distance2(samples: ArrayLike<number>, i: number, centres: ArrayLike<number>, k: number): number {
  const t0 = f(samples[3 * i]! - centres[3 * k]!);
  const t1 = f(samples[3 * i + 1]! - centres[3 * k + 1]!);
  const t2 = f(samples[3 * i + 2]! - centres[3 * k + 2]!);
  return f(f(f(t0 * t0) + f(t1 * t1)) + f(t2 * t2));
}

/** k-means++ centres (3 values each) chosen among the samples. */
function seedCentres(samples: ArrayLike<number>, n: number, k: number, rng: ClickRng): Float32Array {
  const centres = new Float32Array(3 * k);
  let dist = new Float64Array(n);
  let best = new Float64Array(n);
  let trial = new Float64Array(n);
  const first = rng.int(n);
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const d = distance2(samples, i, samples, first);
    dist[i] = d;
    sum += d;
  }
  const pick = (c: number, s: number): void => {
    centres[3 * c] = samples[3 * s]!;
    centres[3 * c + 1] = samples[3 * s + 1]!;
    centres[3 * c + 2] = samples[3 * s + 2]!;
  };
  pick(0, first);
  for (let c = 1; c < k; c++) {
    let bestSum = Infinity;
    let bestIndex = -1;
    for (let t = 0; t < TRIALS; t++) {
      let p = rng.next() * sum;
      let ci = 0;
      for (; ci < n - 1; ci++) {
        p -= dist[ci]!;
        if (p <= 0) break;
      }
      const c0 = samples[3 * ci]!;
      const c1 = samples[3 * ci + 1]!;
      const c2 = samples[3 * ci + 2]!;
      let s = 0;
      for (let i = 0, q = 0; i < n; i++, q += 3) {
        const t0 = f(samples[q]! - c0);
        const t1 = f(samples[q + 1]! - c1);
        const t2 = f(samples[q + 2]! - c2);
        const e = f(f(f(t0 * t0) + f(t1 * t1)) + f(t2 * t2));
        const d = Math.min(e, dist[i]!);
        trial[i] = d;
        s += d;
      }
      if (s < bestSum) {
        bestSum = s;
        bestIndex = ci;
        const swap = best;
        best = trial;
        trial = swap;
      }
    }
    pick(c, bestIndex);
    sum = bestSum;
    const swap = dist;
    dist = best;
    best = swap;
  }
  return centres;
}

/**
 * Labels every sample with its nearest centre (the first on a tie), as OpenCV decides it in
 * single precision. Distances are computed in double first; single-precision rounding moves a
 * squared distance by less than 1e-6 of its value (a few roundings of 2^-24 each), so only a
 * sample whose two nearest centres are closer than that is decided again in single precision.
 */
function assign(samples: ArrayLike<number>, n: number, centres: Float32Array, k: number, labels: Uint8Array): void {
  const c = Float64Array.from(centres);
  for (let i = 0, q = 0; i < n; i++, q += 3) {
    const s0 = samples[q]!;
    const s1 = samples[q + 1]!;
    const s2 = samples[q + 2]!;
    let bestK = 0;
    let bestD = Infinity;
    let secondD = Infinity;
    for (let j = 0, o = 0; j < k; j++, o += 3) {
      const t0 = s0 - c[o]!;
      const t1 = s1 - c[o + 1]!;
      const t2 = s2 - c[o + 2]!;
      const d = t0 * t0 + t1 * t1 + t2 * t2;
      if (d < bestD) {
        secondD = bestD;
        bestD = d;
        bestK = j;
      } else if (d < secondD) secondD = d;
    }
    if (secondD - bestD <= 1e-6 * secondD + 1e-30) {
      bestD = Infinity;
      for (let j = 0; j < k; j++) {
        const d = distance2(samples, i, centres, j);
        if (bestD > d) {
          bestD = d;
          bestK = j;
        }
      }
    }
    labels[i] = bestK;
  }
}

/**
 * Cluster labels (0..k-1) of `n` 3-channel samples (`samples[3i..3i+2]`); see the module
 * comment. Needs 1 <= k <= min(n, 255).
 */
export function kmeansLabels(samples: ArrayLike<number>, n: number, k: number, rng: ClickRng, maxIterations = 10): Uint8Array {
  const labels = new Uint8Array(n);
  if (k <= 1) return labels;
  const iterations = Math.min(Math.max(maxIterations, 2), 100);
  let centres: Float32Array = seedCentres(samples, n, k, rng);
  let old: Float32Array = new Float32Array(3 * k);
  const counts = new Int32Array(k);
  assign(samples, n, centres, k, labels);
  for (let iter = 1; ; ) {
    const swap = old;
    old = centres;
    centres = swap;
    centres.fill(0);
    counts.fill(0);
    for (let i = 0; i < n; i++) {
      const c = labels[i]!;
      // Float32Array stores round every sum to single precision, as OpenCV's float centres.
      centres[3 * c]! += samples[3 * i]!;
      centres[3 * c + 1]! += samples[3 * i + 1]!;
      centres[3 * c + 2]! += samples[3 * i + 2]!;
      counts[c]!++;
    }
    for (let c = 0; c < k; c++) {
      if (counts[c] !== 0) continue;
      // An empty cluster takes the sample farthest from the centre of the largest cluster.
      let largest = 0;
      for (let c1 = 1; c1 < k; c1++) if (counts[largest]! < counts[c1]!) largest = c1;
      const scale = f(1 / counts[largest]!);
      const base = Float32Array.of(centres[3 * largest]! * scale, centres[3 * largest + 1]! * scale, centres[3 * largest + 2]! * scale);
      let farthest = -1;
      let farthestD = 0;
      for (let i = 0; i < n; i++) {
        if (labels[i] !== largest) continue;
        const d = distance2(samples, i, base, 0);
        if (farthestD <= d) {
          farthestD = d;
          farthest = i;
        }
      }
      counts[largest]!--;
      counts[c]!++;
      labels[farthest] = c;
      for (let j = 0; j < 3; j++) {
        centres[3 * largest + j]! -= samples[3 * farthest + j]!;
        centres[3 * c + j]! += samples[3 * farthest + j]!;
      }
    }
    let shift = 0;
    for (let c = 0; c < k; c++) {
      const scale = f(1 / counts[c]!);
      let s = 0;
      for (let j = 0; j < 3; j++) {
        centres[3 * c + j]! *= scale;
        const t = f(centres[3 * c + j]! - old[3 * c + j]!);
        s += t * t;
      }
      if (s > shift) shift = s;
    }
    if (++iter === iterations || shift <= SHIFT_EPSILON) break;
    assign(samples, n, centres, k, labels);
  }
  return labels;
}
