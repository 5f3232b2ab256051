import { DeeplabError } from '../errors';

/**
 * Source index of every output row (or column) of TF1's `resize_nearest_neighbor` with
 * `align_corners=false`: `min(floor(dst * (in / out)), in - 1)`, computed in float32 as TF's
 * kernel does, so the rare products that land a hair below an integer round the same way.
 */
export function nearestSourceIndices(inSize: number, outSize: number): Int32Array {
  if (!Number.isSafeInteger(inSize) || !Number.isSafeInteger(outSize) || inSize <= 0 || outSize <= 0) {
    throw new DeeplabError('bad-input', `nearest resize needs positive sizes, got ${inSize} -> ${outSize}`);
  }
  const scale = Math.fround(inSize / outSize);
  const out = new Int32Array(outSize);
  for (let d = 0; d < outSize; d++) out[d] = Math.min(Math.floor(Math.fround(d * scale)), inSize - 1);
  return out;
}

/**
 * Nearest-neighbour resize of a batch of label maps `[n, height, width]` (row-major) to
 * `[n, outHeight, outWidth]` with TF1 `tf.image.resize_nearest_neighbor` semantics — what the
 * TensorFlow port's `prepare_label` does to bring labels to the logits' size.
 */
export function resizeLabelsNearest(
  labels: ArrayLike<number>,
  n: number,
  height: number,
  width: number,
  outHeight: number,
  outWidth: number,
): Int32Array {
  if (labels.length !== n * height * width) {
    throw new DeeplabError('bad-input', `labels hold ${labels.length} values, [${n}, ${height}, ${width}] needs ${n * height * width}`);
  }
  const rows = nearestSourceIndices(height, outHeight);
  const cols = nearestSourceIndices(width, outWidth);
  const out = new Int32Array(n * outHeight * outWidth);
  let o = 0;
  for (let b = 0; b < n; b++) {
    const base = b * height * width;
    for (let y = 0; y < outHeight; y++) {
      const row = base + rows[y]! * width;
      for (let x = 0; x < outWidth; x++) out[o++] = labels[row + cols[x]!]!;
    }
  }
  return out;
}
