import { DcspError } from '../errors';

/**
 * Element-wise maximum over maps of the same shape: DCSP's multi-scale fusion
 * (`tf.reduce_max(tf.stack([s100, s075, s05]), axis=0)`), applied after the sub-scale maps were
 * resized to the full-scale map's size.
 */
export function maxFuse(maps: readonly Float32Array[]): Float32Array {
  const first = maps[0];
  if (!first) throw new DcspError('bad-input', 'maxFuse needs at least one map');
  const out = new Float32Array(first);
  for (let k = 1; k < maps.length; k++) {
    const m = maps[k]!;
    if (m.length !== out.length) throw new DcspError('bad-input', `maxFuse: map ${k} has ${m.length} values, map 0 has ${out.length}`);
    for (let i = 0; i < out.length; i++) if (m[i]! > out[i]!) out[i] = m[i]!;
  }
  return out;
}
