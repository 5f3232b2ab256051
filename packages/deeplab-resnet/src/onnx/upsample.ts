/**
 * TF1 `resize_bilinear` (align_corners=false, half_pixel_centers=false) on an HWC float32 array
 * in plain JavaScript: output pixel `(y, x)` samples the input at `(y·inH/outH, x·inW/outW)`,
 * interpolating between the floor and the next pixel (clamped to the last row / column). The
 * same arithmetic as TF.js's `tf.image.resizeBilinear(x, size, false, false)`, in float32
 * (`Math.fround` at each step), so the results agree to the last bit or two.
 */
export function resizeBilinearHwc(
  input: Float32Array,
  inHeight: number,
  inWidth: number,
  channels: number,
  outHeight: number,
  outWidth: number,
): Float32Array {
  if (input.length !== inHeight * inWidth * channels)
    throw new RangeError(`input holds ${input.length} values, expected ${inHeight}x${inWidth}x${channels}`);
  const out = new Float32Array(outHeight * outWidth * channels);
  const f32 = Math.fround;
  const rowRatio = f32(inHeight / outHeight);
  const colRatio = f32(inWidth / outWidth);
  // Column sources are the same for every row.
  const col0 = new Int32Array(outWidth);
  const col1 = new Int32Array(outWidth);
  const colFrac = new Float32Array(outWidth);
  for (let x = 0; x < outWidth; x++) {
    const source = f32(colRatio * x);
    const floor = Math.max(0, Math.floor(source));
    col0[x] = floor * channels;
    col1[x] = Math.min(inWidth - 1, Math.ceil(source)) * channels;
    colFrac[x] = f32(source - floor);
  }
  for (let y = 0; y < outHeight; y++) {
    const source = f32(rowRatio * y);
    const floor = Math.max(0, Math.floor(source));
    const top = floor * inWidth * channels;
    const bottom = Math.min(inHeight - 1, Math.ceil(source)) * inWidth * channels;
    const rowFrac = f32(source - floor);
    let o = y * outWidth * channels;
    for (let x = 0; x < outWidth; x++) {
      const l = col0[x]!;
      const r = col1[x]!;
      const f = colFrac[x]!;
      for (let c = 0; c < channels; c++, o++) {
        const tl = input[top + l + c]!;
        const t = f32(tl + f32(f32(input[top + r + c]! - tl) * f));
        const bl = input[bottom + l + c]!;
        const b = f32(bl + f32(f32(input[bottom + r + c]! - bl) * f));
        out[o] = t + f32(f32(b - t) * rowFrac);
      }
    }
  }
  return out;
}
