import { DenseCrfError } from './errors';

const f32 = Math.fround;

function positive(values: readonly number[], where: string): void {
  for (const v of values) {
    if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0)
      throw new DenseCrfError('bad-parameter', `standard deviations must be positive finite numbers, got ${String(v)}`, { where });
  }
}

function checkDims(shape: readonly number[], where: string): number {
  let n = 1;
  for (const s of shape) {
    if (!Number.isInteger(s) || s < 1)
      throw new DenseCrfError('bad-shape', `shape entries must be positive integers, got [${shape.join(', ')}]`, { where });
    n *= s;
  }
  return n;
}

/**
 * Writes the grid coordinates of an array of `shape` (meshgrid 'ij': feature 0 = index along
 * the first axis, i.e. the row) divided by `sdims`, feature-major, into `out` starting at row 0.
 */
function meshFeatures(sdims: readonly number[], shape: readonly number[], out: Float32Array, n: number): void {
  const dims = shape.length;
  const stride = new Array<number>(dims).fill(1);
  for (let a = dims - 2; a >= 0; a--) stride[a] = stride[a + 1]! * shape[a + 1]!;
  for (let a = 0; a < dims; a++) {
    const s = f32(sdims[a]!);
    const size = shape[a]!;
    const st = stride[a]!;
    for (let i = 0; i < n; i++) out[a * n + i] = f32((Math.floor(i / st) % size) / s);
  }
}

/**
 * pydensecrf's `utils.create_pairwise_gaussian(sdims, shape)`: the positions of every element of
 * an array of `shape` (any number of dimensions, row-major), scaled by `sdims`; returns
 * features `[shape.length, N]` for {@link DenseCRF.addPairwiseEnergy}. For an image
 * (`shape = [H, W]`) feature 0 is y/sdims[0] and feature 1 is x/sdims[1].
 */
export function createPairwiseGaussian(sdims: readonly number[], shape: readonly number[]): Float32Array {
  if (sdims.length !== shape.length || shape.length === 0) {
    throw new DenseCrfError('bad-shape', `sdims (${sdims.length}) and shape (${shape.length}) need the same, non-zero length`, {
      where: 'createPairwiseGaussian',
    });
  }
  positive(sdims, 'createPairwiseGaussian: sdims');
  const n = checkDims(shape, 'createPairwiseGaussian: shape');
  const out = new Float32Array(shape.length * n);
  meshFeatures(sdims, shape, out, n);
  return out;
}

/**
 * pydensecrf's `utils.create_pairwise_bilateral(sdims, schan, img, chdim=last)`: positions
 * scaled by `sdims` followed by the channel values of `img` scaled by `schan` (a number for all
 * channels or one per channel). `shape` is the image's spatial shape followed by its channel
 * count, e.g. `[H, W, 3]` for an interleaved RGB image (channels last); returns features
 * `[spatial + channels, N]`.
 */
export function createPairwiseBilateral(
  sdims: readonly number[],
  schan: number | readonly number[],
  img: ArrayLike<number>,
  shape: readonly number[],
): Float32Array {
  const spatial = shape.slice(0, -1);
  const channels = shape[shape.length - 1] ?? 0;
  if (shape.length < 2 || sdims.length !== spatial.length) {
    throw new DenseCrfError(
      'bad-shape',
      `shape must be [...spatial, channels] with ${sdims.length} spatial dims, got [${shape.join(', ')}]`,
      { where: 'createPairwiseBilateral' },
    );
  }
  positive(sdims, 'createPairwiseBilateral: sdims');
  const chanScale = typeof schan === 'number' ? new Array<number>(channels).fill(schan) : [...schan];
  if (chanScale.length !== channels)
    throw new DenseCrfError('bad-shape', `schan needs ${channels} values, got ${chanScale.length}`, { where: 'createPairwiseBilateral' });
  positive(chanScale, 'createPairwiseBilateral: schan');
  const n = checkDims(shape, 'createPairwiseBilateral: shape') / channels;
  if (img.length !== n * channels)
    throw new DenseCrfError('bad-shape', `img has ${img.length} values, shape [${shape.join(', ')}] needs ${n * channels}`, {
      where: 'createPairwiseBilateral',
    });
  const d = spatial.length + channels;
  const out = new Float32Array(d * n);
  meshFeatures(sdims, spatial, out, n);
  for (let c = 0; c < channels; c++) {
    const s = f32(chanScale[c]!);
    const row = (spatial.length + c) * n;
    for (let i = 0; i < n; i++) out[row + i] = f32(f32(img[i * channels + c]!) / s);
  }
  return out;
}

/** DenseCRF2D's Gaussian features `(x/sx, y/sy)` (x first, unlike the 'ij' mesh helpers). */
export function gaussianFeatures2D(width: number, height: number, sx: number, sy: number): Float32Array {
  const n = width * height;
  const out = new Float32Array(2 * n);
  const fx = f32(sx);
  const fy = f32(sy);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      out[y * width + x] = f32(x / fx);
      out[n + y * width + x] = f32(y / fy);
    }
  return out;
}

/** DenseCRF2D's bilateral features `(x/sx, y/sy, r/sr, g/sg, b/sb)` from interleaved RGB bytes. */
export function bilateralFeatures2D(
  width: number,
  height: number,
  sx: number,
  sy: number,
  srgb: readonly [number, number, number],
  rgb: ArrayLike<number>,
): Float32Array {
  const n = width * height;
  const out = new Float32Array(5 * n);
  out.set(gaussianFeatures2D(width, height, sx, sy));
  const s = srgb.map((v) => f32(v));
  for (let i = 0; i < n; i++) {
    out[2 * n + i] = f32(rgb[3 * i]! / s[0]!);
    out[3 * n + i] = f32(rgb[3 * i + 1]! / s[1]!);
    out[4 * n + i] = f32(rgb[3 * i + 2]! / s[2]!);
  }
  return out;
}
