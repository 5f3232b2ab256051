import { checkNumber } from './validate';

/**
 * The random source of click sampling and of the classic selection methods' k-means (same seed,
 * same sequence, on every platform): {@link createClickRng}, or `createOpencvRng` for OpenCV's stream.
 */
export interface ClickRng {
  /** A float in [0, 1). */
  next(): number;
  /** An integer in [0, n). */
  int(n: number): number;
  /** An integer in [lo, hi] (inclusive). */
  range(lo: number, hi: number): number;
}

/**
 * A seeded generator (mulberry32: 32-bit state, passes the usual statistical batteries well
 * enough for sampling clicks; not cryptographic).
 */
export function createClickRng(seed: number): ClickRng {
  checkNumber(seed, 'seed', Number.isInteger, 'an integer');
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (n) => Math.floor(next() * n),
    range: (lo, hi) => lo + Math.floor(next() * (hi - lo + 1)),
  };
}
