import type { ClickRng } from '../click-rng';

/**
 * OpenCV's random number generator `cv::RNG` (modules/core/include/opencv2/core/operations.hpp):
 * a multiply-with-carry generator with a 64-bit state,
 *
 *   state = (state mod 2^32) * 4164903690 + floor(state / 2^32),   next() = state mod 2^32,
 *
 * where a zero seed means the default state 0xffffffff. `next()` of the returned {@link ClickRng} is
 * OpenCV's `(double)rng` (two draws: (hi * 2^32 + lo) * 2^-64) and `int(n)` is
 * `(unsigned)rng % n`, the two ways `cv::kmeans` draws. A fresh thread's `cv::theRNG()` and
 * `cv::setRNGSeed(s)` start from these states, so with the same seed k-means++ picks the same
 * centres as OpenCV.
 */

/** OpenCV's multiplier (CV_RNG_COEFF). */
const COEFF = 4164903690n;
const LOW = 0xffffffffn;

/** The default state of `cv::RNG()` and of each thread's `cv::theRNG()`. */
export const OPENCV_DEFAULT_SEED = 0xffffffff;

/** A {@link ClickRng} drawing exactly what `cv::RNG(seed)` draws. `seed` is an integer in 0..2^53. */
export function createOpencvRng(seed: number = OPENCV_DEFAULT_SEED): ClickRng & { uint32(): number } {
  let state = seed === 0 ? BigInt(OPENCV_DEFAULT_SEED) : BigInt(seed);
  const uint32 = (): number => {
    state = (state & LOW) * COEFF + (state >> 32n);
    return Number(state & LOW);
  };
  const next = (): number => {
    const hi = uint32();
    const lo = uint32();
    return (hi * 4294967296 + lo) * 2 ** -64;
  };
  return {
    uint32,
    next,
    int: (n) => uint32() % n,
    range: (lo, hi) => lo + (uint32() % (hi - lo + 1)),
  };
}
