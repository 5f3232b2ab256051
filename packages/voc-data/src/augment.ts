import type { RgbImage } from './image';
import { SampleRng } from './sample-rng';

/** The DeepLab port's per-channel mean, in BGR order (Caffe's ImageNet mean). */
export const IMG_MEAN_BGR: readonly [number, number, number] = Object.freeze([104.00698793, 116.66876762, 122.67891434]) as readonly [
  number,
  number,
  number,
];

/** How training samples are augmented; the defaults are the DeepLab port's (train.py flags). */
export interface AugmentOptions {
  /** `[height, width]` of the random crop (`--input-size 321,321`); omit for full images (evaluation). */
  crop?: readonly [number, number];
  /** Random rescale by a factor in `scaleRange` (`--random-scale`). */
  randomScale?: boolean;
  /** Scale factor range, `[min, max)`; default `[0.5, 1.5)`. */
  scaleRange?: readonly [number, number];
  /** Horizontal flip with probability 0.5 (`--random-mirror`). */
  randomMirror?: boolean;
  /** BGR mean subtracted from every pixel; padding is 0 after subtraction, i.e. the mean colour. */
  mean?: readonly [number, number, number];
  /** Label value for padding (`--ignore-label`, 255). DCSP pads its cue labels with 0 instead. */
  labelPad?: number;
}

/** The random choices for one sample: enough to replay its augmentation exactly. */
export interface AugmentParams {
  /** Scale factor (float32), 1 without `randomScale`. */
  scale: number;
  /** Size after scaling: `trunc(h * scale)`, `trunc(w * scale)` as TF's `to_int32` does. */
  scaledHeight: number;
  scaledWidth: number;
  mirror: boolean;
  /** Top-left corner of the crop in the padded, scaled image. */
  offsetY: number;
  offsetX: number;
  /** Output size. */
  height: number;
  width: number;
}

/**
 * Draws the augmentation of an `h`×`w` sample in the TF port's order: scale ~ U[0.5, 1.5),
 * mirror iff U[0, 1) < 0.5, then a crop offset uniform over the padded image (pad to at least the
 * crop size at the bottom/right, like `pad_to_bounding_box(…, 0, 0, …)` + `random_crop`).
 */
export function drawAugmentParams(height: number, width: number, options: AugmentOptions, rng: SampleRng): AugmentParams {
  let scale = 1;
  if (options.randomScale) {
    const [lo, hi] = options.scaleRange ?? [0.5, 1.5];
    scale = Math.fround(rng.uniform(lo, hi));
  }
  // tf.to_int32(to_float(h) * scale): float32 product, truncated; at least one pixel.
  const scaledHeight = Math.max(1, Math.trunc(Math.fround(height * scale)));
  const scaledWidth = Math.max(1, Math.trunc(Math.fround(width * scale)));
  const mirror = options.randomMirror ? rng.next() < 0.5 : false;
  if (!options.crop) return { scale, scaledHeight, scaledWidth, mirror, offsetY: 0, offsetX: 0, height: scaledHeight, width: scaledWidth };
  const [ch, cw] = options.crop;
  const offsetY = rng.int(Math.max(ch, scaledHeight) - ch + 1);
  const offsetX = rng.int(Math.max(cw, scaledWidth) - cw + 1);
  return { scale, scaledHeight, scaledWidth, mirror, offsetY, offsetX, height: ch, width: cw };
}

/** Source taps along one axis for TF1's legacy `resize_bilinear` (align_corners=False, no half-pixel centres). */
interface BilinearTaps {
  i0: Int32Array;
  i1: Int32Array;
  frac: Float32Array;
}

/** Taps for output positions `out` (indices into the scaled axis of length `outSize`) from an axis of `inSize`. */
function bilinearTaps(positions: Int32Array, inSize: number, outSize: number): BilinearTaps {
  const scale = Math.fround(inSize / outSize);
  const n = positions.length;
  const taps = { i0: new Int32Array(n), i1: new Int32Array(n), frac: new Float32Array(n) };
  for (let k = 0; k < n; k++) {
    const p = positions[k]!;
    if (p < 0) {
      taps.i0[k] = -1;
      continue;
    }
    const src = Math.fround(p * scale);
    const i0 = Math.floor(src);
    taps.i0[k] = i0;
    taps.i1[k] = Math.min(i0 + 1, inSize - 1);
    taps.frac[k] = Math.fround(src - i0);
  }
  return taps;
}

/** Source index per output position for TF1's legacy `resize_nearest_neighbor`: `min(floor(p * in/out), in - 1)`. */
function nearestTaps(positions: Int32Array, inSize: number, outSize: number): Int32Array {
  const scale = Math.fround(inSize / outSize);
  const out = new Int32Array(positions.length);
  for (let k = 0; k < positions.length; k++) {
    const p = positions[k]!;
    out[k] = p < 0 ? -1 : Math.min(Math.floor(Math.fround(p * scale)), inSize - 1);
  }
  return out;
}

/**
 * For each output row (or column): the position in the scaled (and, for columns, mirrored) image
 * it shows, or -1 where it falls in the padding.
 */
function scaledPositions(count: number, offset: number, scaledSize: number, mirror: boolean): Int32Array {
  const out = new Int32Array(count);
  for (let k = 0; k < count; k++) {
    const p = k + offset;
    out[k] = p >= scaledSize ? -1 : mirror ? scaledSize - 1 - p : p;
  }
  return out;
}

/** One augmented sample: NHWC-ready BGR-minus-mean pixels, the label, and what was drawn. */
export interface AugmentedSample {
  height: number;
  width: number;
  /** `height * width * 3`, BGR minus the mean, 0 in the padding. */
  image: Float32Array;
  /** `height * width` class indices, `labelPad` in the padding; absent when no label was given. */
  label?: Uint8Array;
  /** Extra per-pixel maps (e.g. saliency, distance maps), transformed like the image or label. */
  maps?: Float32Array[];
  params: AugmentParams;
}

/** An extra per-pixel map carried through the same geometry as the image. */
export interface ExtraMap {
  data: Float32Array | Uint8Array;
  channels: number;
  /** `bilinear` like the image, `nearest` like the label. */
  interpolation: 'bilinear' | 'nearest';
  /** Value in the padding. */
  pad: number;
}

/**
 * Scale, mirror, pad and crop an image (+ label + extra maps) in one pass, with the TF port's
 * semantics: bilinear image and nearest label resampling (TF1 legacy coordinates), mirror after
 * scaling, padding at the bottom/right with the mean colour (0 after subtraction) and `labelPad`,
 * then RGB→BGR minus the mean. `rngOrParams` is a {@link SampleRng} (draws new parameters) or
 * parameters from {@link drawAugmentParams} to replay.
 */
export function augment(
  image: RgbImage,
  label: Uint8Array | undefined,
  options: AugmentOptions,
  rngOrParams: SampleRng | AugmentParams,
  maps: readonly ExtraMap[] = [],
): AugmentedSample {
  const { width: w, height: h, data: src } = image;
  if (label && label.length !== w * h) throw new RangeError(`augment: label has ${label.length} pixels, image ${w}x${h}`);
  const params = rngOrParams instanceof SampleRng ? drawAugmentParams(h, w, options, rngOrParams) : rngOrParams;
  const { height: oh, width: ow, scaledHeight: sh, scaledWidth: sw } = params;
  const mean = options.mean ?? IMG_MEAN_BGR;
  const labelPad = options.labelPad ?? 255;
  const rows = scaledPositions(oh, params.offsetY, sh, false);
  const cols = scaledPositions(ow, params.offsetX, sw, params.mirror);
  const by = bilinearTaps(rows, h, sh);
  const bx = bilinearTaps(cols, w, sw);
  const out = new Float32Array(oh * ow * 3);
  const mb = mean[0];
  const mg = mean[1];
  const mr = mean[2];
  // Column taps as byte offsets, computed once per sample rather than per row. Rows and columns
  // that show the image form a prefix (padding is at the bottom/right), so the loops need no test.
  let validCols = 0;
  while (validCols < ow && bx.i0[validCols]! >= 0) validCols++;
  const cx0 = new Int32Array(validCols);
  const cx1 = new Int32Array(validCols);
  for (let x = 0; x < validCols; x++) {
    cx0[x] = bx.i0[x]! * 3;
    cx1[x] = bx.i1[x]! * 3;
  }
  const fxs = bx.frac;
  for (let y = 0; y < oh; y++) {
    const y0 = by.i0[y]!;
    if (y0 < 0) break; // padding rows: already 0
    const r0 = y0 * w * 3;
    const r1 = by.i1[y]! * w * 3;
    const fy = by.frac[y]!;
    let o = y * ow * 3;
    for (let x = 0; x < validCols; x++, o += 3) {
      const fx = fxs[x]!;
      const a = r0 + cx0[x]!;
      const b = r0 + cx1[x]!;
      const c = r1 + cx0[x]!;
      const d = r1 + cx1[x]!;
      // RGB source channels go to BGR slots, minus the BGR mean.
      let top = src[a]! + (src[b]! - src[a]!) * fx;
      let bottom = src[c]! + (src[d]! - src[c]!) * fx;
      out[o + 2] = top + (bottom - top) * fy - mr;
      top = src[a + 1]! + (src[b + 1]! - src[a + 1]!) * fx;
      bottom = src[c + 1]! + (src[d + 1]! - src[c + 1]!) * fx;
      out[o + 1] = top + (bottom - top) * fy - mg;
      top = src[a + 2]! + (src[b + 2]! - src[a + 2]!) * fx;
      bottom = src[c + 2]! + (src[d + 2]! - src[c + 2]!) * fx;
      out[o] = top + (bottom - top) * fy - mb;
    }
  }
  const sample: AugmentedSample = { height: oh, width: ow, image: out, params };
  let ny: Int32Array | undefined;
  let nx: Int32Array | undefined;
  if (label || maps.some((m) => m.interpolation === 'nearest')) {
    ny = nearestTaps(rows, h, sh);
    nx = nearestTaps(cols, w, sw);
  }
  if (label) {
    const lab = new Uint8Array(oh * ow).fill(labelPad);
    for (let y = 0; y < oh; y++) {
      const sy = ny![y]!;
      if (sy < 0) continue;
      for (let x = 0; x < ow; x++) {
        const sx = nx![x]!;
        if (sx >= 0) lab[y * ow + x] = label[sy * w + sx]!;
      }
    }
    sample.label = lab;
  }
  if (maps.length > 0) {
    sample.maps = maps.map((m) => {
      const c = m.channels;
      if (m.data.length !== w * h * c) throw new RangeError(`augment: map has ${m.data.length} values, expected ${w * h * c}`);
      const res = new Float32Array(oh * ow * c).fill(m.pad);
      for (let y = 0; y < oh; y++) {
        for (let x = 0; x < ow; x++) {
          const o = (y * ow + x) * c;
          if (m.interpolation === 'nearest') {
            const sy = ny![y]!;
            const sx = nx![x]!;
            if (sy < 0 || sx < 0) continue;
            for (let k = 0; k < c; k++) res[o + k] = m.data[(sy * w + sx) * c + k]!;
          } else {
            const y0 = by.i0[y]!;
            const x0 = bx.i0[x]!;
            if (y0 < 0 || x0 < 0) continue;
            const y1 = by.i1[y]!;
            const x1 = bx.i1[x]!;
            const fy = by.frac[y]!;
            const fx = bx.frac[x]!;
            for (let k = 0; k < c; k++) {
              const tl = m.data[(y0 * w + x0) * c + k]!;
              const tr = m.data[(y0 * w + x1) * c + k]!;
              const bl = m.data[(y1 * w + x0) * c + k]!;
              const br = m.data[(y1 * w + x1) * c + k]!;
              const top = tl + (tr - tl) * fx;
              const bottom = bl + (br - bl) * fx;
              res[o + k] = top + (bottom - top) * fy;
            }
          }
        }
      }
      return res;
    });
  }
  return sample;
}

/** Full-image preprocessing without augmentation (evaluation, inference): RGB → BGR minus the mean. */
export function preprocess(image: RgbImage, mean: readonly [number, number, number] = IMG_MEAN_BGR): Float32Array {
  const n = image.width * image.height;
  const out = new Float32Array(n * 3);
  const d = image.data;
  for (let i = 0; i < n; i++) {
    out[i * 3] = d[i * 3 + 2]! - mean[0];
    out[i * 3 + 1] = d[i * 3 + 1]! - mean[1];
    out[i * 3 + 2] = d[i * 3]! - mean[2];
  }
  return out;
}

/** Undoes {@link preprocess} for display: BGR minus mean → clamped 8-bit RGB (the port's `inv_preprocess`). */
export function deprocess(bgr: Float32Array, mean: readonly [number, number, number] = IMG_MEAN_BGR): Uint8Array {
  const n = bgr.length / 3;
  const out = new Uint8Array(n * 3);
  for (let i = 0; i < n; i++) {
    out[i * 3] = Math.max(0, Math.min(255, Math.round(bgr[i * 3 + 2]! + mean[2])));
    out[i * 3 + 1] = Math.max(0, Math.min(255, Math.round(bgr[i * 3 + 1]! + mean[1])));
    out[i * 3 + 2] = Math.max(0, Math.min(255, Math.round(bgr[i * 3]! + mean[0])));
  }
  return out;
}
