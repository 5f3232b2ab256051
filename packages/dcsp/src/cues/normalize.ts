import { DcspError } from '../errors';
import { DCSP_EPSILON } from './constants';

const f32 = Math.fround;

/**
 * DCSP's per-class min-max normalisation of an attention map (get_localization.py): for each
 * channel over all pixels, `x - min + 1e-12`, then divided by that channel's maximum, so every
 * channel lies in (0, 1] with its peak at exactly 1 (a constant channel becomes all ones).
 * `maps` is HWC interleaved: `maps[(y * width + x) * channels + c]`.
 */
export function normalizePerClass(
  maps: Float32Array,
  width: number,
  height: number,
  channels: number,
  epsilon = DCSP_EPSILON,
): Float32Array {
  const n = width * height;
  if (maps.length !== n * channels) {
    throw new DcspError('bad-input', `attention has ${maps.length} values, expected ${height}x${width}x${channels} = ${n * channels}`);
  }
  const out = new Float32Array(maps.length);
  for (let c = 0; c < channels; c++) normalizeChannel(maps, channels, c, n, out, channels, c, epsilon);
  return out;
}

/**
 * Min-max normalises channel `c` of HWC `maps` (`channels` wide, `n` pixels) into channel
 * `outC` of `out` (`outChannels` wide), in float32 arithmetic at every step as TensorFlow
 * computed it (so 1e-12 vanishes next to values above ~1e-5, exactly as in DCSP).
 */
export function normalizeChannel(
  maps: Float32Array,
  channels: number,
  c: number,
  n: number,
  out: Float32Array,
  outChannels: number,
  outC: number,
  epsilon = DCSP_EPSILON,
): void {
  let min = Infinity;
  for (let i = 0, j = c; i < n; i++, j += channels) {
    const v = maps[j]!;
    if (v < min) min = v;
  }
  let max = -Infinity;
  for (let i = 0, j = c; i < n; i++, j += channels) {
    const v = f32(f32(maps[j]! - min) + epsilon);
    if (v > max) max = v;
  }
  for (let i = 0, j = c, o = outC; i < n; i++, j += channels, o += outChannels) out[o] = f32(f32(maps[j]! - min) + epsilon) / max;
}
