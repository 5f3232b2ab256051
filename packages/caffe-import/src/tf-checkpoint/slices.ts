/**
 * Assembling a tensor from its stored slices (a partitioned variable saved in pieces, as
 * TensorFlow's `TensorSliceSet` / `CopyDataFromTensorSliceToTensorSlice` do): each slice is a box
 * of the full shape; the boxes must lie inside it, must not overlap and must cover it.
 */
import { allocate, type TfDtype, type TfTensorData } from './dtypes';
import { ckptError } from './fail';
import type { SliceExtent } from './tensor-protos';

/** The concrete [start, length] per dimension of a slice of `shape`. */
export function sliceBox(shape: readonly number[], extents: readonly SliceExtent[]): Array<[number, number]> {
  return shape.map((d, i) => {
    const e = extents[i];
    return e === undefined || e.length === undefined ? [0, d] : [e.start, e.length];
  });
}

/** The shape of a slice of `shape`. */
export function sliceShape(shape: readonly number[], extents: readonly SliceExtent[]): number[] {
  return sliceBox(shape, extents).map(([, n]) => n);
}

/** True when the slice covers the whole tensor. */
export function isFullSlice(shape: readonly number[], extents: readonly SliceExtent[]): boolean {
  return sliceBox(shape, extents).every(([s, n], i) => s === 0 && n === shape[i]);
}

/** Checks a slice against the full shape; `where` names the tensor. */
export function checkSlice(shape: readonly number[], extents: readonly SliceExtent[], file: string | undefined, where: string): void {
  if (extents.length !== shape.length) {
    throw ckptError('bad-checkpoint', `slice has ${extents.length} extent(s), the tensor has ${shape.length} dimension(s)`, file, where);
  }
  sliceBox(shape, extents).forEach(([s, n], i) => {
    if (s < 0 || n < 0 || s + n > shape[i]!) {
      throw ckptError('bad-checkpoint', `slice [${s}, +${n}) of dimension ${i} lies outside its size ${shape[i]}`, file, where);
    }
  });
}

/**
 * Copies slices into a new tensor of `shape`.
 *
 * @throws CaffeImportError `bad-checkpoint` when slices overlap or leave parts uncovered.
 */
export function assembleSlices(
  shape: readonly number[],
  dtype: TfDtype,
  parts: ReadonlyArray<{ extents: readonly SliceExtent[]; data: TfTensorData }>,
  file: string | undefined,
  where: string,
): TfTensorData {
  const total = shape.reduce((a, b) => a * b, 1);
  const boxes = parts.map((p) => sliceBox(shape, p.extents));
  for (let a = 0; a < boxes.length; a++) {
    for (let b = a + 1; b < boxes.length; b++) {
      const overlap = boxes[a]!.every(([s, n], i) => {
        const [t, m] = boxes[b]![i]!;
        return s < t + m && t < s + n;
      });
      if (overlap) throw ckptError('bad-checkpoint', `stored slices ${a} and ${b} overlap`, file, where);
    }
  }
  const covered = boxes.reduce((sum, box) => sum + box.reduce((p, [, n]) => p * n, 1), 0);
  if (covered !== total) throw ckptError('bad-checkpoint', `stored slices cover ${covered} of ${total} element(s)`, file, where);
  if (parts.length === 1 && boxes[0]!.every(([s, n], i) => s === 0 && n === shape[i])) return parts[0]!.data;
  const out = allocate(dtype, total);
  const rank = shape.length;
  // Row-major strides of the full tensor.
  const strides = new Array<number>(rank).fill(1);
  for (let i = rank - 2; i >= 0; i--) strides[i] = strides[i + 1]! * shape[i + 1]!;
  parts.forEach((part, k) => {
    const box = boxes[k]!;
    const src = part.data;
    const size = box.reduce((p, [, n]) => p * n, 1);
    if (size === 0) return;
    if (rank === 0) {
      copyRun(out, 0, src, 0, 1);
      return;
    }
    const row = box[rank - 1]![1];
    const index = new Array<number>(rank - 1).fill(0);
    for (let s = 0; s < size; s += row) {
      let d = box[rank - 1]![0];
      for (let i = 0; i < rank - 1; i++) d += (box[i]![0] + index[i]!) * strides[i]!;
      copyRun(out, d, src, s, row);
      for (let i = rank - 2; i >= 0; i--) {
        if (++index[i]! < box[i]![1]) break;
        index[i] = 0;
      }
    }
  });
  return out;
}

function copyRun(dst: TfTensorData, at: number, src: TfTensorData, from: number, n: number): void {
  if (dst instanceof BigInt64Array) {
    if (!(src instanceof BigInt64Array)) throw new TypeError('mixed element types');
    dst.set(src.subarray(from, from + n), at);
  } else {
    if (src instanceof BigInt64Array) throw new TypeError('mixed element types');
    dst.set(src.subarray(from, from + n), at);
  }
}
