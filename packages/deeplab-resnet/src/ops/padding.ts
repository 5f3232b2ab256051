/**
 * Padding arithmetic of TensorFlow's 'SAME' convolutions and of its space-to-batch form of
 * atrous convolution (`tf.nn.atrous_conv2d` / `with_space_to_batch`). Pure functions, so they
 * are property-tested without tensors.
 */

/** Padding of one spatial dimension: `before` + input + `after`. */
export interface DimPadding {
  /** Zeros added before the first element. */
  before: number;
  /** Zeros added after the last element. */
  after: number;
}

/** 'SAME' padding of one dimension and the resulting output size. */
export interface SamePadding extends DimPadding {
  /** `ceil(inSize / stride)`. */
  outSize: number;
}

function checkPositive(name: string, n: number): void {
  if (!Number.isSafeInteger(n) || n <= 0) throw new RangeError(`${name} must be a positive integer, got ${n}`);
}

/**
 * TensorFlow 'SAME' padding for one dimension: the output has `ceil(inSize / stride)` elements,
 * the total padding is `max(0, (out - 1) * stride + effectiveKernel - inSize)` with the
 * effective (dilated) kernel `(kernel - 1) * dilation + 1`, and the odd one goes at the end.
 * So a 7x7/2 convolution pads 321 by 3+3 (out 161) but 320 by 2+3 (out 160).
 */
export function samePadding(inSize: number, kernel: number, stride = 1, dilation = 1): SamePadding {
  checkPositive('inSize', inSize);
  checkPositive('kernel', kernel);
  checkPositive('stride', stride);
  checkPositive('dilation', dilation);
  const outSize = Math.ceil(inSize / stride);
  const effective = (kernel - 1) * dilation + 1;
  const total = Math.max(0, (outSize - 1) * stride + effective - inSize);
  const before = Math.floor(total / 2);
  return { before, after: total - before, outSize };
}

/** Paddings before space-to-batch and crops after batch-to-space, for one dimension. */
export interface AtrousDimPlan {
  /** Paddings given to `spaceToBatchND` for this dimension. */
  pad: DimPadding;
  /** Crops given to `batchToSpaceND` for this dimension (`before` is always 0). */
  crop: DimPadding;
}

/**
 * The space-to-batch plan of a stride-1 'SAME' atrous convolution along one dimension, as
 * TensorFlow's `with_space_to_batch` computes it (tfjs-core's `withSpaceToBatchBasePaddings` +
 * `requiredSpaceToBatchPaddings` do the same for dilated pooling):
 *
 * - base padding: the dilated kernel `(kernel - 1) * rate + 1` needs `(kernel - 1) * rate`
 *   zeros, `floor` half before and the rest after (the 'SAME' split);
 * - then extra zeros at the end so the padded size divides by `rate`;
 * - after the VALID convolution and batch-to-space, the output is `inSize + extra` long and the
 *   `extra` trailing elements are cropped, leaving exactly `inSize`.
 */
export function atrousDimPlan(inSize: number, kernel: number, rate: number): AtrousDimPlan {
  checkPositive('inSize', inSize);
  checkPositive('kernel', kernel);
  checkPositive('rate', rate);
  const total = (kernel - 1) * rate;
  const before = Math.floor(total / 2);
  const after = total - before;
  const extra = (rate - ((inSize + total) % rate)) % rate;
  return { pad: { before, after: after + extra }, crop: { before: 0, after: extra } };
}

/** `spaceToBatchND` paddings and `batchToSpaceND` crops for an NHWC atrous convolution. */
export interface AtrousPlan {
  /** `[[top, bottom], [left, right]]` for `tf.spaceToBatchND(x, [rate, rate], paddings)`. */
  paddings: [[number, number], [number, number]];
  /** `[[0, bottomCrop], [0, rightCrop]]` for `tf.batchToSpaceND(y, [rate, rate], crops)`. */
  crops: [[number, number], [number, number]];
}

/**
 * {@link atrousDimPlan} for height and width of an input `[height, width]` and a
 * `[kernelHeight, kernelWidth]` filter at one dilation rate.
 */
export function atrousPlan(inSize: readonly [number, number], kernel: readonly [number, number], rate: number): AtrousPlan {
  const h = atrousDimPlan(inSize[0], kernel[0], rate);
  const w = atrousDimPlan(inSize[1], kernel[1], rate);
  return {
    paddings: [
      [h.pad.before, h.pad.after],
      [w.pad.before, w.pad.after],
    ],
    crops: [
      [h.crop.before, h.crop.after],
      [w.crop.before, w.crop.after],
    ],
  };
}
