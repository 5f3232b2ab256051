/**
 * The training-click encoder of the interactive network: Xu et al.'s click sampler and distance
 * maps (`@objsel/clicks`) behind the {@link ClickEncoder} seam of the training stream.
 */
import {
  clickMaps,
  createClickRng,
  distanceMaps,
  objectIds,
  resolveSamplingParams,
  sampleClicks,
  type NegativeStrategy,
  type SamplingParams,
} from '@objsel/clicks';
import type { ClickEncoder } from './data';

/** Options of {@link clickEncoder}. */
export interface EncoderOptions {
  /** Negative strategies drawn from, uniformly per sample (2 only where the image has another object). */
  strategies: NegativeStrategy[];
  /** Sampler parameters (clicks package defaults where absent). */
  sampling?: Partial<SamplingParams>;
  /** Distance-map scale. */
  clickScale: number;
  /**
   * Keep a random subset of each sample's clicks: k ~ U{1..n} of the n positives and
   * k ~ U{0..n} of the n negatives (default false: all of them, as deep-interactive). The robot's first
   * clicks — one positive, then few negatives — are then in the training distribution.
   */
  subsets?: boolean;
}

/** A seeded random subset of `k` of `points` (order kept). */
function subset<T>(points: readonly T[], k: number, rng: { int(n: number): number }): T[] {
  const index = points.map((_, i) => i);
  for (let i = index.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [index[i], index[j]] = [index[j]!, index[i]!];
  }
  return index
    .slice(0, k)
    .sort((a, b) => a - b)
    .map((i) => points[i]!);
}

/**
 * The training-click encoder: fixed clicks of a spec, else fresh clicks from Xu's sampler
 * (seeded by the training stream), as the two truncated distance maps.
 */
export function clickEncoder(options: EncoderOptions): ClickEncoder {
  const params = resolveSamplingParams(options.sampling ?? {});
  return ({ spec, instances, width, height, seed }) => {
    if (spec.clicks) {
      const clicks = [
        ...spec.clicks.positive.map((p) => ({ ...p, positive: true })),
        ...spec.clicks.negative.map((p) => ({ ...p, positive: false })),
      ];
      return clickMaps(width, height, clicks, { scale: options.clickScale });
    }
    const rng = createClickRng(seed | 0);
    const others = objectIds(instances, params.voidLabel).length > 1;
    const strategies = options.strategies.filter((s) => s !== 2 || others);
    const strategy = strategies.length ? strategies[rng.int(strategies.length)]! : 1;
    const sample = sampleClicks(instances, width, height, spec.object, strategy, { ...params, rng });
    let { positive, negative } = sample;
    if (options.subsets) {
      positive = subset(positive, 1 + rng.int(positive.length), rng);
      negative = subset(negative, rng.int(negative.length + 1), rng);
    }
    return distanceMaps(width, height, positive, negative, { scale: options.clickScale });
  };
}
