import * as tf from '@tensorflow/tfjs-core';
import { preprocess, type RgbImage } from '@objsel/voc-data';
import { DeeplabError } from '../errors';
import type { DeepLabConfig } from '../model/config';
import type { DeepLabResNet } from '../model/deeplab';
import { FoldedDeepLab, type AtrousMode } from '../model/folded';

/** Scales of the TF port's `evaluate_msc.py` / `train_msc.py`. */
export const MSC_SCALES: readonly number[] = [1, 0.75, 0.5];

/** Options of {@link DeepLabSegmenter.fromModel}. */
export interface SegmenterOptions {
  /**
   * Fold BatchNorm into the convolutions and run them fused (default true; the fast path). With
   * false, inference runs {@link DeepLabResNet.forward} itself (exactly the training graph).
   */
  fold?: boolean;
  /** How the folded network runs atrous convolutions (default `native` dilated convolutions). */
  atrous?: AtrousMode;
}

/** Options of one segmentation. */
export interface SegmentOptions {
  /**
   * Input scales; the first is the reference whose logit size the others are resized to before
   * the element-wise max (default `[1]`; `[1, 0.75, 0.5]` = `evaluate_msc.py`). A scale `s`
   * resizes the input to `floor(size · s)` (bilinear, TF1 semantics).
   */
  scales?: readonly number[];
  /** Also return the soft-max of the upsampled logits (HWC), e.g. for a dense CRF. */
  probabilities?: boolean;
  /** Also return the raw `fc1_voc12` logits of the reference scale, before upsampling. */
  logits?: boolean;
}

/** What a segmentation returns. */
export interface SegmentResult {
  /** Image width and height (the labels' size). */
  width: number;
  height: number;
  /** Classes of the network. */
  numClasses: number;
  /** Per-pixel argmax class, row-major `height × width`. */
  labels: Uint8Array;
  /** With `probabilities`: soft-max of the upsampled (fused) logits, `height × width × numClasses`. */
  probabilities?: Float32Array;
  /** With `logits`: `fc1_voc12` of the reference scale, `[h, w, numClasses]` at output stride 8. */
  logits?: { data: Float32Array; shape: [number, number, number] };
  /** Scales used. */
  scales: number[];
}

/** Input size at a scale, as the port's `tf.to_int32(h * s)`. */
function scaledLength(size: number, scale: number): number {
  return scale === 1 ? size : Math.floor(size * scale);
}

function checkScales(scales: readonly number[], height: number, width: number): number[] {
  if (!Array.isArray(scales) || scales.length === 0)
    throw new DeeplabError('bad-config', 'scales must be a non-empty list of positive numbers');
  for (const s of scales) {
    if (typeof s !== 'number' || !Number.isFinite(s) || s <= 0)
      throw new DeeplabError('bad-config', `scale ${String(s)} is not a positive number`, { where: 'scales' });
    if (scaledLength(height, s) < 1 || scaledLength(width, s) < 1) {
      throw new DeeplabError('bad-input', `scale ${s} shrinks the ${width}x${height} input to nothing`, { where: 'scales' });
    }
  }
  return [...scales];
}

/**
 * Inference as the TF port's `inference.py` / `evaluate.py` / `evaluate_msc.py` run it: the
 * input (BGR minus the mean), `fc1_voc12` logits (max-fused over scales), bilinear upsampling to
 * the image size with TF1 `resize_bilinear` semantics (no corner alignment, no half-pixel
 * centres), argmax. Owns a folded copy of the weights by default, so the model may be disposed
 * after {@link DeepLabSegmenter.fromModel}; dispose the segmenter when done.
 *
 * @example
 * ```ts
 * const segmenter = DeepLabSegmenter.fromModel(model);
 * const { labels } = await segmenter.segment(image, { scales: MSC_SCALES });
 * segmenter.dispose();
 * ```
 */
export class DeepLabSegmenter {
  private constructor(
    /** The network's configuration. */
    readonly config: DeepLabConfig,
    private readonly run: (x: tf.Tensor4D) => tf.Tensor4D,
    private readonly release: () => void,
  ) {}

  /** A segmenter over a model (folded by default: see {@link SegmenterOptions.fold}). */
  static fromModel(model: DeepLabResNet, options: SegmenterOptions = {}): DeepLabSegmenter {
    if (options.fold === false) {
      return new DeepLabSegmenter(
        model.config,
        (x) => model.forward(x).logits,
        () => {},
      );
    }
    const folded = FoldedDeepLab.fromModel(model, options.atrous ? { atrous: options.atrous } : {});
    return new DeepLabSegmenter(
      model.config,
      (x) => folded.predict(x),
      () => folded.dispose(),
    );
  }

  /** Channels of the logits (the classes). */
  get numClasses(): number {
    return this.config.numClasses;
  }

  /** `fc1_voc12` of an NHWC batch (the caller owns the result). */
  logits(input: tf.Tensor4D): tf.Tensor4D {
    return this.run(input);
  }

  /** Segments an 8-bit RGB image (3-channel networks): RGB → BGR minus the ImageNet mean first. */
  segment(image: RgbImage, options: SegmentOptions = {}): Promise<SegmentResult> {
    if (this.config.inputChannels !== 3) {
      throw new DeeplabError(
        'bad-input',
        `this network takes ${this.config.inputChannels} input channels; use segmentPreprocessed with the extra channels`,
      );
    }
    return this.segmentPreprocessed(preprocess(image), image.height, image.width, options);
  }

  /**
   * Segments an already preprocessed HWC input (`height × width × inputChannels`: BGR minus the
   * mean, then any extra channels such as click maps).
   */
  async segmentPreprocessed(input: Float32Array, height: number, width: number, options: SegmentOptions = {}): Promise<SegmentResult> {
    const channels = this.config.inputChannels;
    const numClasses = this.config.numClasses;
    if (!Number.isSafeInteger(height) || !Number.isSafeInteger(width) || height < 1 || width < 1) {
      throw new DeeplabError('bad-input', `image size ${width}x${height} is not positive`);
    }
    if (!(input instanceof Float32Array) || input.length !== height * width * channels) {
      throw new DeeplabError('bad-input', `input holds ${input?.length} values, expected ${height}x${width}x${channels}`);
    }
    if (numClasses > 256) throw new DeeplabError('bad-config', `labels are bytes: ${numClasses} classes do not fit`);
    const scales = checkScales(options.scales ?? [1], height, width);
    const outputs = tf.tidy(() => {
      const x = tf.tensor4d(input, [1, height, width, channels]);
      const perScale = scales.map((s) => {
        const scaled = s === 1 ? x : tf.image.resizeBilinear(x, [scaledLength(height, s), scaledLength(width, s)], false, false);
        return this.run(scaled);
      });
      const reference = perScale[0]!;
      const size: [number, number] = [reference.shape[1], reference.shape[2]];
      const fused =
        perScale.length === 1
          ? reference
          : perScale
              .slice(1)
              .reduce(
                (acc, l) =>
                  tf.maximum(acc, l.shape[1] === size[0] && l.shape[2] === size[1] ? l : tf.image.resizeBilinear(l, size, false, false)),
                reference as tf.Tensor,
              );
      const upsampled = tf.image.resizeBilinear(fused as tf.Tensor4D, [height, width], false, false);
      return {
        labels: tf.argMax(upsampled, 3),
        ...(options.probabilities ? { probabilities: tf.softmax(upsampled) } : {}),
        ...(options.logits ? { logits: reference } : {}),
      };
    });
    try {
      const labelValues = (await outputs.labels.data()) as Int32Array;
      const result: SegmentResult = { width, height, numClasses, labels: Uint8Array.from(labelValues), scales };
      if (outputs.probabilities) result.probabilities = new Float32Array((await outputs.probabilities.data()) as Float32Array);
      if (outputs.logits) {
        const [, h, w, c] = outputs.logits.shape;
        result.logits = { data: new Float32Array((await outputs.logits.data()) as Float32Array), shape: [h, w, c] };
      }
      return result;
    } finally {
      tf.dispose(outputs as unknown as tf.TensorContainer);
    }
  }

  /** Frees the folded weights (not the model it was made from). */
  dispose(): void {
    this.release();
  }
}
