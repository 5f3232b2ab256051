/**
 * The `.npy` probability files that chain the commands: `infer --save-probs` (and `select
 * --probs`, `crf --save-probs`) write them, `crf --probs` and `graphcut --probs` read them. The
 * checks name the file and say which command writes the right thing, because the usual mistake is
 * passing `--save-logits` (output stride 8, not soft-maxed) where probabilities belong.
 */
import type { NdArray } from '@objsel/voc-data';
import { CliError } from './errors';

/** Probabilities of every class, `height × width × numLabels` (HWC). */
export interface ClassProbabilities {
  data: Float32Array;
  numLabels: number;
}

/** Softmax values may miss [0, 1] by rounding, never by more. */
const ROUNDING = 1e-4;

function checkSize(array: NdArray, file: string, width: number, height: number, layout: string): void {
  const [h, w] = array.shape;
  if (array.shape.length < 2 || (h === height && w === width)) return;
  const hint =
    h === width && w === height
      ? ' (rows and columns swapped: the first axis is the image height)'
      : h! < height && w! < width
        ? ' (smaller than the image: --save-logits writes the network resolution; infer --save-probs writes image-size probabilities)'
        : '';
  throw new CliError('usage', `probabilities must be ${layout} like the image, got [${array.shape.join(', ')}]${hint}`, {
    file,
  });
}

function asFloat32(array: NdArray, file: string): Float32Array {
  if (array.dtype === 'float32') return array.data as Float32Array;
  if (array.dtype === 'float64') return Float32Array.from(array.data as Float64Array);
  throw new CliError('usage', `probabilities must be float32 (or float64), got ${array.dtype}`, { file });
}

/** The first value outside [0, 1] (NaN included) and its index, so a logits file fails by name. */
function checkRange(data: Float32Array, file: string): void {
  for (let i = 0; i < data.length; i++) {
    const p = data[i]!;
    if (!(p >= -ROUNDING && p <= 1 + ROUNDING)) {
      throw new CliError(
        'usage',
        `value ${p} at flat index ${i} is not a probability in [0, 1]: logits? (infer --save-probs writes the softmax)`,
        { file },
      );
    }
  }
}

/** `crf --probs`: softmax of every class, [H, W, C] with C >= 2, the image's height and width. */
export function classProbabilities(array: NdArray, file: string, width: number, height: number): ClassProbabilities {
  if (array.shape.length !== 3)
    throw new CliError('usage', `probabilities must be [H, W, C] = [${height}, ${width}, C], got [${array.shape.join(', ')}]`, { file });
  checkSize(array, file, width, height, `[H, W, C] = [${height}, ${width}, C]`);
  const numLabels = array.shape[2]!;
  if (numLabels < 2)
    throw new CliError(
      'usage',
      `probabilities need at least 2 classes for a CRF, got C = ${numLabels} (graphcut takes one foreground channel)`,
      {
        file,
      },
    );
  const data = asFloat32(array, file);
  checkRange(data, file);
  return { data, numLabels };
}

/**
 * `graphcut --probs`: the foreground probability, [H, W]. Accepts [H, W], [H, W, 1], a binary
 * softmax [H, W, 2] (channel 1 is the foreground) or any [H, W, C] with `foreground` naming the
 * class (`--class`), so `infer --save-probs` output chains without conversion.
 */
export function foregroundProbability(array: NdArray, file: string, width: number, height: number, foreground?: number): Float32Array {
  const rank = array.shape.length;
  if (rank !== 2 && rank !== 3)
    throw new CliError(
      'usage',
      `probabilities must be [H, W] or [H, W, C] with H x W = ${height} x ${width}, got [${array.shape.join(', ')}]`,
      {
        file,
      },
    );
  checkSize(array, file, width, height, `[H, W] or [H, W, C] with [H, W] = [${height}, ${width}]`);
  const channels = rank === 2 ? 1 : array.shape[2]!;
  const data = asFloat32(array, file);
  let channel: number;
  if (foreground !== undefined) {
    if (channels === 1)
      throw new CliError('usage', `--class ${foreground}: the file holds one foreground channel, not per-class probabilities`, { file });
    if (foreground >= channels)
      throw new CliError('usage', `--class ${foreground} is out of range: the file has ${channels} classes (0..${channels - 1})`, { file });
    channel = foreground;
  } else if (channels <= 2) {
    channel = channels - 1;
  } else {
    throw new CliError('usage', `${channels} classes: give the foreground class with --class K (0..${channels - 1})`, { file });
  }
  const n = width * height;
  const out = channels === 1 ? data : new Float32Array(n);
  if (channels > 1) for (let i = 0; i < n; i++) out[i] = data[i * channels + channel]!;
  checkRange(out, file);
  return out;
}
