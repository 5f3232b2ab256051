import { DcspError } from '../errors';
import { DCSP_EPSILON } from './constants';

const f32 = Math.fround;

/**
 * DCSP's per-class min-max normalisation of an attention map (get_localization.py): for each
 * channel over all pixels, `x - min + 1e-12`, then divided by that channel's maximum, so every
 * channel lies in (0, 1] with its peak at exactly 1 (a constant channel becomes all ones).
 * `maps` is HWC interleaved: `maps[(y * width + x) * channels + c]`.
 */
export function normalizePerClass(maps: Float32Array, width: number, height: number, channels: number, epsilon = DCSP_EPSILON): Float32Array {
  const n = width * height;
  if (maps.length !== n * channels) {
    throw new DcspError('bad-input', `attention has ${maps.length} values, expected ${height}x${width}x${channels} = ${n * channels}`);
  }
  const out = new Float32Array(maps.length);
  for (let c = 0; c < channels; c++) {
    let min = Infinity;
    for (let i = 0; i < n; i++) min = Math.min(min, maps[i * channels + c]!);
    // float32 arithmetic at every step, as TensorFlow computed it (1e-12 vanishes next to
    // values above ~1e-5, exactly as in DCSP).
    const shifted = (i: number) => f32(f32(maps[i * channels + c]! - min) + epsilon);
    let max = -Infinity;
    for (let i = 0; i < n; i++) max = Math.max(max, shifted(i));
    for (let i = 0; i < n; i++) out[i * channels + c] = shifted(i) / max;
  }
  return out;
}
