import type { PermutohedralLattice } from './permutohedral-lattice';

/*
 * The three steps of permutohedral filtering, on pixel-major values: value k of point i at
 * `array[i*stride + offset + k]`, k < count. `count`, `stride` and `offset` let a caller filter a
 * range of labels out of a wider array (as the parallel engine does). Lattice values are
 * `(m+1)*count` floats, row 0 being the zero row of absent neighbours.
 */

/** Floats a lattice value buffer for `count` values per vertex needs. */
export function latticeBufferLength(lattice: PermutohedralLattice, count: number): number {
  return (lattice.m + 1) * count;
}

/**
 * Splat: every point adds its values, times its barycentric weights (and `scale[i]` if given),
 * to the d+1 corners of its simplex. Overwrites `values`.
 */
export function splat(
  lattice: PermutohedralLattice,
  input: Float32Array,
  stride: number,
  offset: number,
  count: number,
  scale: Float32Array | null,
  values: Float32Array,
): void {
  const { offsets, weights, n } = lattice;
  const d1 = lattice.d + 1;
  values.fill(0, 0, (lattice.m + 1) * count);
  for (let i = 0; i < n; i++) {
    const base = i * stride + offset;
    const s = scale === null ? 1 : scale[i]!;
    for (let r = 0; r < d1; r++) {
      const o = offsets[i * d1 + r]! * count;
      const w = weights[i * d1 + r]! * s;
      for (let k = 0; k < count; k++) values[o + k]! += w * input[base + k]!;
    }
  }
}

/**
 * Blur: along each of the d+1 lattice axes in turn, `out = v + ½(n1 + n2)` with the two
 * neighbours on that axis (densecrf's [½, 1, ½] kernel). Ping-pongs between `values` and
 * `scratch` (whose row 0 must be zero) and returns the buffer holding the result.
 */
export function blur(lattice: PermutohedralLattice, count: number, values: Float32Array, scratch: Float32Array): Float32Array {
  const { m, neighbors } = lattice;
  let src = values;
  let dst = scratch;
  for (let j = 0; j <= lattice.d; j++) {
    const axis = j * m * 2;
    for (let v = 0; v < m; v++) {
      const o = (v + 1) * count;
      const a = neighbors[axis + 2 * v]! * count;
      const b = neighbors[axis + 2 * v + 1]! * count;
      for (let k = 0; k < count; k++) dst[o + k] = src[o + k]! + 0.5 * (src[a + k]! + src[b + k]!);
    }
    const t = src;
    src = dst;
    dst = t;
  }
  return src;
}

/**
 * Slice: every point reads the blurred values back with its barycentric weights, times alpha,
 * `scale[i]` (if given) and `factor[k]` (if given, else 1), and writes (`accumulate` false) or
 * adds (`accumulate` true) them to `out`.
 */
export function slice(
  lattice: PermutohedralLattice,
  values: Float32Array,
  count: number,
  scale: Float32Array | null,
  factor: Float32Array | null,
  out: Float32Array,
  stride: number,
  offset: number,
  accumulate: boolean,
  row: Float64Array,
): void {
  const { offsets, weights, n, alpha } = lattice;
  const d1 = lattice.d + 1;
  for (let i = 0; i < n; i++) {
    row.fill(0, 0, count);
    for (let r = 0; r < d1; r++) {
      const o = offsets[i * d1 + r]! * count;
      const w = weights[i * d1 + r]!;
      for (let k = 0; k < count; k++) row[k]! += w * values[o + k]!;
    }
    const s = alpha * (scale === null ? 1 : scale[i]!);
    const base = i * stride + offset;
    if (factor === null) {
      if (accumulate) for (let k = 0; k < count; k++) out[base + k]! += s * row[k]!;
      else for (let k = 0; k < count; k++) out[base + k] = s * row[k]!;
    } else if (accumulate) for (let k = 0; k < count; k++) out[base + k]! += s * factor[k]! * row[k]!;
    else for (let k = 0; k < count; k++) out[base + k] = s * factor[k]! * row[k]!;
  }
}

/**
 * Gaussian filtering of pixel-major `input` (`count` values per point) with the lattice:
 * splat, blur, slice. Allocates its buffers; the mean-field loop uses the steps directly.
 */
export function latticeFilter(lattice: PermutohedralLattice, input: Float32Array, count: number): Float32Array {
  const values = new Float32Array(latticeBufferLength(lattice, count));
  const scratch = new Float32Array(values.length);
  splat(lattice, input, count, 0, count, null, values);
  const blurred = blur(lattice, count, values, scratch);
  const out = new Float32Array(lattice.n * count);
  slice(lattice, blurred, count, null, null, out, count, 0, false, new Float64Array(count));
  return out;
}
