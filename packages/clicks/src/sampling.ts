import { ClicksError } from './errors';
import { squaredDistanceToSet } from './edt';
import { createClickRng, type ClickRng } from './click-rng';
import type { OnProgress } from './progress';
import type { LabelArray, Point } from './types';
import { checkLength, checkNumber } from './validate';

/**
 * Training-click simulation of Xu et al. 2016 ("Deep Interactive Object Selection", §3.1):
 * positive clicks inside the object, negative clicks by three strategies. Distances are exact
 * Euclidean (the paper's definition; Damanpreet/deep-interactive approximates them with square
 * morphology kernels).
 */

/** Xu's negative-click strategies: 1 band around the object, 2 other objects, 3 band coverage. */
export type NegativeStrategy = 1 | 2 | 3;

/** Counts and distances of the sampler (all distances in pixels). */
export interface SamplingParams {
  /** Positive clicks per sample: uniform in 1..nPositive. */
  nPositive: number;
  /** Negative clicks of strategies 1 and 2 (2: per other object): uniform in floor(2N/3)..N-1. */
  nNegative: number;
  /** Negative clicks of strategy 3 (a fixed count, greedy farthest-point). */
  nNegative3: number;
  /** Strategies 1 and 3 take background pixels within this distance of the object. */
  d: number;
  /** Positives (and strategy-2 negatives) lie at least this far inside their object; strategy-1 negatives at least this far outside. */
  dMargin: number;
  /** Minimum distance between clicks of one kind (per other object for strategy 2); `'auto'` = the d_step rule. */
  dStep: number | 'auto';
  /** The d_step rule: floor((min(bbox height, bbox width) of the candidate pixels - dMargin) / ratioFactor), at least 0. */
  ratioFactor: number;
  /** Strategy-3 negatives lie at least this far outside the object. */
  neg3Margin: number;
  /** Random draws per click set before giving up on the spacing rule (fewer clicks then). */
  maxTries: number;
  /** The label of "void" pixels, never clicked and not part of any object (VOC: 255); null for none. */
  voidLabel: number | null;
}

/**
 * Defaults: Damanpreet/deep-interactive's final `cfg/config.py` (the re-implementation that
 * trained on PASCAL: N_POS 5, N_NEG 30, D 20, D_MARGIN 10, RATIO_FACTOR 2, NEG3_MARGIN 10,
 * 100 tries), except where its code departs from the paper's definition: positives are counted
 * 1..5 as in the paper (the code's 0..4 can give a sample with no positive click), and strategy 3
 * places the paper's N_neg3 = 10 clicks (the code's strategy 3 erodes a 20-px band by a 21x21 box,
 * which leaves nothing around convex objects, and is unused there).
 */
export const DEFAULT_SAMPLING: Readonly<SamplingParams> = Object.freeze({
  nPositive: 5,
  nNegative: 30,
  nNegative3: 10,
  d: 20,
  dMargin: 10,
  dStep: 'auto',
  ratioFactor: 2,
  neg3Margin: 10,
  maxTries: 100,
  voidLabel: 255,
});

/**
 * The values commonly quoted for Xu et al. 2016 ("Deep Interactive Object Selection", CVPR, §3.1):
 * N_pos 5, N_neg 10 for strategies 1 and 3, d 40, d_margin 5, d_step 10.
 */
export const PAPER_SAMPLING: Readonly<Partial<SamplingParams>> = Object.freeze({
  nPositive: 5,
  nNegative: 10,
  nNegative3: 10,
  d: 40,
  dMargin: 5,
  dStep: 10,
});

/** One group of clicks and the constraints it was drawn under (what tests and files record). */
export interface ClickGroup {
  /** The object the clicks lie in (positives, strategy 2) or around (strategies 1, 3). */
  object: number;
  points: Point[];
  /** Distance range from the object the clicks respect: inside depth >= min (positives, 2), or outside min <= dist <= max (1, 3). */
  minDistance: number;
  maxDistance: number;
  /** Minimum pairwise distance within the group (0: only distinct pixels). */
  step: number;
}

/** One simulated training sample of an object: positive and negative clicks of one strategy. */
export interface ClickSample {
  object: number;
  strategy: NegativeStrategy;
  positive: Point[];
  negative: Point[];
  /** How each group was constrained: `groups[0]` the positives, then the negative groups. */
  groups: ClickGroup[];
}

/** Options of {@link sampleClicks}: parameters plus the random source. */
export interface SampleClicksOptions extends Partial<SamplingParams> {
  /** The random source; or give `seed`. */
  rng?: ClickRng;
  /** Seed of a fresh generator when `rng` is not given (default 0). */
  seed?: number;
}

/** Resolves and validates the sampler parameters. */
export function resolveSamplingParams(options: Partial<SamplingParams> = {}): SamplingParams {
  const p: SamplingParams = { ...DEFAULT_SAMPLING };
  for (const key of Object.keys(DEFAULT_SAMPLING) as Array<keyof SamplingParams>) {
    if (options[key] !== undefined) (p as unknown as Record<string, unknown>)[key] = options[key];
  }
  const count = (v: number): boolean => Number.isInteger(v) && v >= 0;
  checkNumber(p.nPositive, 'nPositive', (v) => Number.isInteger(v) && v >= 1, 'an integer >= 1');
  checkNumber(p.nNegative, 'nNegative', count, 'an integer >= 0');
  checkNumber(p.nNegative3, 'nNegative3', count, 'an integer >= 0');
  checkNumber(p.d, 'd', (v) => v >= 0, 'a distance >= 0');
  checkNumber(p.dMargin, 'dMargin', (v) => v >= 0, 'a distance >= 0');
  if (p.dStep !== 'auto') checkNumber(p.dStep, 'dStep', (v) => v >= 0, "a distance >= 0 or 'auto'");
  checkNumber(p.ratioFactor, 'ratioFactor', (v) => v > 0, 'a positive number');
  checkNumber(p.neg3Margin, 'neg3Margin', (v) => v >= 0, 'a distance >= 0');
  checkNumber(p.maxTries, 'maxTries', (v) => Number.isInteger(v) && v >= 1, 'an integer >= 1');
  if (p.voidLabel !== null) checkNumber(p.voidLabel, 'voidLabel', Number.isInteger, 'an integer or null');
  return p;
}

/** The object ids present in an instance map (ascending, without 0 and the void label). */
export function objectIds(labels: LabelArray, voidLabel: number | null = 255): number[] {
  const seen = new Set<number>();
  for (let i = 0; i < labels.length; i++) {
    const v = labels[i]!;
    if (v !== 0 && v !== voidLabel) seen.add(v);
  }
  return [...seen].sort((a, b) => a - b);
}

/** Pixel indices (row-major, ascending) and, for band candidates, their squared distance to the object. */
interface Candidates {
  index: Int32Array;
  dist2: Float64Array;
}

/** The candidate pixels of one object, computed once and reused by every sample. */
interface ObjectGeometry {
  object: number;
  /** Pixels at least `margin` inside the object. */
  inside: Candidates;
  margin: number;
  /** Background pixels with dMargin <= distance <= d (strategy 1). */
  band1: Candidates;
  /** Background pixels with neg3Margin <= distance <= d (strategy 3). */
  band3: Candidates;
}

function collect(n: number, keep: (i: number) => boolean, dist2: Float64Array): Candidates {
  let count = 0;
  for (let i = 0; i < n; i++) if (keep(i)) count++;
  const index = new Int32Array(count);
  const d = new Float64Array(count);
  let k = 0;
  for (let i = 0; i < n; i++) {
    if (keep(i)) {
      index[k] = i;
      d[k++] = dist2[i]!;
    }
  }
  return { index, dist2: d };
}

function objectGeometry(labels: LabelArray, width: number, height: number, object: number, p: SamplingParams): ObjectGeometry {
  const n = width * height;
  const mask = new Uint8Array(n);
  for (let i = 0; i < n; i++) if (labels[i] === object) mask[i] = 1;
  // Depth: distance to the nearest pixel that is not the object (the image frame does not count,
  // as in the erosion of the original code).
  const depth2 = squaredDistanceToSet(mask, width, height, { of: 'zero' });
  let maxDepth2 = 0;
  for (let i = 0; i < n; i++) if (mask[i] && depth2[i]! > maxDepth2) maxDepth2 = depth2[i]!;
  // Too thin for the margin: keep the deepest pixels instead (the original falls back to the
  // whole object); the recorded margin is what the clicks actually satisfy.
  const margin2 = Math.min(p.dMargin * p.dMargin, maxDepth2);
  const inside = collect(n, (i) => mask[i] === 1 && depth2[i]! >= margin2, depth2);
  const out2 = squaredDistanceToSet(mask, width, height, { of: 'nonzero' });
  const background = (i: number): boolean => mask[i] === 0 && labels[i] !== p.voidLabel;
  const d2 = p.d * p.d;
  const m1 = p.dMargin * p.dMargin;
  const m3 = p.neg3Margin * p.neg3Margin;
  return {
    object,
    inside,
    margin: Math.sqrt(margin2),
    band1: collect(n, (i) => background(i) && out2[i]! >= m1 && out2[i]! <= d2, out2),
    band3: collect(n, (i) => background(i) && out2[i]! >= m3 && out2[i]! <= d2, out2),
  };
}

/** The d_step rule on the bounding box of the candidates (Damanpreet's `_compute_step`). */
function stepFor(candidates: Int32Array, width: number, p: SamplingParams): number {
  if (p.dStep !== 'auto') return p.dStep;
  if (candidates.length === 0) return 0;
  let minX = Infinity;
  let maxX = -Infinity;
  let minY = Infinity;
  let maxY = -Infinity;
  for (let k = 0; k < candidates.length; k++) {
    const i = candidates[k]!;
    const x = i % width;
    const y = (i - x) / width;
    if (x < minX) minX = x;
    if (x > maxX) maxX = x;
    if (y < minY) minY = y;
    if (y > maxY) maxY = y;
  }
  return Math.max(0, Math.floor((Math.min(maxX - minX, maxY - minY) - p.dMargin) / p.ratioFactor));
}

/**
 * Up to `count` distinct candidates, pairwise at least `step` apart, by rejection sampling with
 * `maxTries` uniform draws (as the original `sample_cands`).
 */
function sampleSpaced(candidates: Int32Array, count: number, step: number, p: SamplingParams, width: number, rng: ClickRng): Point[] {
  const points: Point[] = [];
  if (candidates.length === 0) return points;
  const step2 = step * step;
  for (let tries = 0; tries < p.maxTries && points.length < count; tries++) {
    const i = candidates[rng.int(candidates.length)]!;
    const x = i % width;
    const y = (i - x) / width;
    let ok = true;
    for (const q of points) {
      const dd = (q.x - x) ** 2 + (q.y - y) ** 2;
      if (dd === 0 || dd < step2) {
        ok = false;
        break;
      }
    }
    if (ok) points.push({ x, y });
  }
  return points;
}

/** Strategy-1/2 click count: uniform in floor(2N/3)..N-1 (Python's `range(2N//3, N)`). */
function negativeCount(p: SamplingParams, rng: ClickRng): number {
  const lo = Math.floor((2 * p.nNegative) / 3);
  return rng.range(lo, Math.max(lo, p.nNegative - 1));
}

/**
 * Greedy farthest-point coverage (strategy 3): a random first click, then each next click at
 * the candidate maximising min(distance to the object, distance to the clicks so far); ties go to
 * the first candidate in row-major order. Stops early when every candidate is taken.
 */
function farthestPoints(band: Candidates, count: number, width: number, rng: ClickRng): Point[] {
  const points: Point[] = [];
  const m = band.index.length;
  if (m === 0 || count === 0) return points;
  const score = Float64Array.from(band.dist2);
  let pick = rng.int(m);
  while (points.length < count) {
    const i = band.index[pick]!;
    const x = i % width;
    const y = (i - x) / width;
    points.push({ x, y });
    let best = -1;
    let bestScore = 0;
    for (let k = 0; k < m; k++) {
      const j = band.index[k]!;
      const jx = j % width;
      const d2 = (jx - x) ** 2 + ((j - jx) / width - y) ** 2;
      if (d2 < score[k]!) score[k] = d2;
      if (score[k]! > bestScore) {
        bestScore = score[k]!;
        best = k;
      }
    }
    if (best < 0) break;
    pick = best;
  }
  return points;
}

/** Samples the positive group of an object. */
function positives(g: ObjectGeometry, p: SamplingParams, width: number, rng: ClickRng): ClickGroup {
  const step = stepFor(g.inside.index, width, p);
  const points = sampleSpaced(g.inside.index, rng.range(1, p.nPositive), step, p, width, rng);
  return { object: g.object, points, minDistance: g.margin, maxDistance: Infinity, step };
}

/** Samples the negative groups of one strategy. */
function negatives(
  g: ObjectGeometry,
  others: ObjectGeometry[],
  strategy: NegativeStrategy,
  p: SamplingParams,
  width: number,
  rng: ClickRng,
): ClickGroup[] {
  if (strategy === 1) {
    const step = stepFor(g.band1.index, width, p);
    const points = sampleSpaced(g.band1.index, negativeCount(p, rng), step, p, width, rng);
    return [{ object: g.object, points, minDistance: p.dMargin, maxDistance: p.d, step }];
  }
  if (strategy === 2) {
    return others.map((o) => {
      const step = stepFor(o.inside.index, width, p);
      const points = sampleSpaced(o.inside.index, negativeCount(p, rng), step, p, width, rng);
      return { object: o.object, points, minDistance: o.margin, maxDistance: Infinity, step };
    });
  }
  const points = farthestPoints(g.band3, p.nNegative3, width, rng);
  return [{ object: g.object, points, minDistance: p.neg3Margin, maxDistance: p.d, step: 0 }];
}

function sample(
  g: ObjectGeometry,
  others: ObjectGeometry[],
  strategy: NegativeStrategy,
  p: SamplingParams,
  width: number,
  rng: ClickRng,
): ClickSample {
  const pos = positives(g, p, width, rng);
  const neg = negatives(g, others, strategy, p, width, rng);
  return { object: g.object, strategy, positive: pos.points, negative: neg.flatMap((n) => n.points), groups: [pos, ...neg] };
}

function checkStrategy(strategy: number): asserts strategy is NegativeStrategy {
  if (strategy !== 1 && strategy !== 2 && strategy !== 3) {
    throw new ClicksError('bad-parameter', `strategy must be 1, 2 or 3, got ${strategy}`, { where: 'strategy' });
  }
}

/**
 * One training sample for `object` of an instance map: 1..nPositive positive clicks and the
 * negatives of `strategy`.
 *
 * @param labels - instance map, `width * height` values: 0 background, `voidLabel` void, else object ids.
 */
export function sampleClicks(
  labels: LabelArray,
  width: number,
  height: number,
  object: number,
  strategy: NegativeStrategy,
  options: SampleClicksOptions = {},
): ClickSample {
  checkLength(labels, width, height, 1, 'labels');
  checkStrategy(strategy);
  const p = resolveSamplingParams(options);
  const ids = objectIds(labels, p.voidLabel);
  if (!ids.includes(object)) throw new ClicksError('bad-parameter', `object ${object} is not in the instance map`, { where: 'object' });
  const rng = options.rng ?? createClickRng(options.seed ?? 0);
  const g = objectGeometry(labels, width, height, object, p);
  const others = strategy === 2 ? ids.filter((o) => o !== object).map((o) => objectGeometry(labels, width, height, o, p)) : [];
  return sample(g, others, strategy, p, width, rng);
}

/** Options of {@link sampleTrainingClicks}. */
export interface TrainingClicksOptions extends SampleClicksOptions {
  /** Negative strategies to sample (default all three, as the paper combines them). */
  strategies?: readonly NegativeStrategy[];
  /** Samples per object and strategy (default 3, Damanpreet's N_PAIRS). */
  pairsPerObject?: number;
  onProgress?: OnProgress;
}

/**
 * Every training sample of an instance map: for each object (ascending id), each strategy and
 * each of `pairsPerObject` pairs, one {@link ClickSample}. Strategy 2 is skipped for an object
 * alone in its image (there is no other object to click).
 */
export function sampleTrainingClicks(
  labels: LabelArray,
  width: number,
  height: number,
  options: TrainingClicksOptions = {},
): ClickSample[] {
  checkLength(labels, width, height, 1, 'labels');
  const p = resolveSamplingParams(options);
  const strategies = options.strategies ?? [1, 2, 3];
  for (const s of strategies) checkStrategy(s);
  const pairs = options.pairsPerObject ?? 3;
  checkNumber(pairs, 'pairsPerObject', (v) => Number.isInteger(v) && v >= 1, 'an integer >= 1');
  const rng = options.rng ?? createClickRng(options.seed ?? 0);
  const ids = objectIds(labels, p.voidLabel);
  const geometry = ids.map((o) => objectGeometry(labels, width, height, o, p));
  const samples: ClickSample[] = [];
  geometry.forEach((g, k) => {
    const others = geometry.filter((o) => o !== g);
    for (const strategy of strategies) {
      if (strategy === 2 && others.length === 0) continue;
      for (let pair = 0; pair < pairs; pair++) samples.push(sample(g, others, strategy, p, width, rng));
    }
    options.onProgress?.({ task: 'sample-clicks', done: k + 1, total: geometry.length });
  });
  return samples;
}
