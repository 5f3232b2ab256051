import * as tf from '@tensorflow/tfjs-core';
import { INTERACTIVE_CHANNELS, type Click } from '@objsel/clicks';
import { DeeplabError } from '../errors';
import type { DeepLabResNet } from '../model/deeplab';
import { FoldedDeepLab } from '../model/folded';
import { featureBrs, type BrsOptions, type BrsResult } from './brs';
import { INTERACTIVE_MEAN, preprocessInteractive } from './input';
import { isInteractiveConfig } from './model';
import type { InteractiveProbabilityModel } from './probability-model';

/** Options of {@link InteractiveSegmenter.fromModel}. */
export interface InteractiveSegmenterOptions {
  /** Fold BatchNorm into the convolutions for plain predictions (default true; BRS always runs the training graph). */
  fold?: boolean;
  /** Per-channel mean of the 5-channel input (default {@link INTERACTIVE_MEAN}). */
  mean?: readonly number[];
}

/**
 * Object probability at the image size from the interactive network's logits: TF1 bilinear
 * upsampling (no corner alignment), then the sigmoid. Returns a `[1, height, width, 1]` tensor.
 */
export function upsampleProbability(logits: tf.Tensor4D, height: number, width: number): tf.Tensor4D {
  return tf.tidy(() => tf.sigmoid(tf.image.resizeBilinear(logits, [height, width], false, false)));
}

/**
 * The interactive network as a segmentation function: raw 5-channel input (HWC: R, G, B,
 * positive distance, negative distance — `@objsel/clicks`' `buildInteractiveInput`) → object
 * probability per pixel at the input size ({@link segment}); {@link segmentWithBrs} adds f-BRS
 * at the clicks. Which of the two runs, at which size, and the refinement after it are the
 * predictor's choice (`createInteractivePredictor`, `createInteractiveSession`). No `node:`
 * imports: runs in browsers (WebGPU, WebGL, wasm) and Node.
 */
export class InteractiveSegmenter implements InteractiveProbabilityModel {
  private folded: FoldedDeepLab | undefined;

  private constructor(
    /** The network (owned by the caller; not disposed by {@link dispose}). */
    readonly model: DeepLabResNet,
    private readonly fold: boolean,
    private readonly mean: readonly number[],
  ) {
    if (fold) this.folded = FoldedDeepLab.fromModel(model);
  }

  /** A segmenter over an interactive (5-channel, 1-output) model. */
  static fromModel(model: DeepLabResNet, options: InteractiveSegmenterOptions = {}): InteractiveSegmenter {
    if (!isInteractiveConfig(model.config)) {
      throw new DeeplabError(
        'bad-config',
        `an interactive network has 5 input channels and 1 output, this one ${model.config.inputChannels} and ${model.config.numClasses}`,
      );
    }
    return new InteractiveSegmenter(model, options.fold ?? true, options.mean ?? INTERACTIVE_MEAN);
  }

  /** The network input `[1, height, width, 5]` of a raw input (the caller disposes it). */
  inputTensor(raw: ArrayLike<number>, width: number, height: number): tf.Tensor4D {
    return tf.tensor4d(preprocessInteractive(raw, height, width, this.mean), [1, height, width, INTERACTIVE_CHANNELS]);
  }

  /** Object probability per pixel (`width * height`, row-major) of a raw 5-channel input. */
  async segment(raw: ArrayLike<number>, width: number, height: number): Promise<Float32Array> {
    const probability = tf.tidy(() => {
      const x = this.inputTensor(raw, width, height);
      const logits = this.folded ? this.folded.predict(x) : this.model.forward(x).logits;
      return upsampleProbability(logits, height, width);
    });
    try {
      return new Float32Array((await probability.data()) as Float32Array);
    } finally {
      probability.dispose();
    }
  }

  /**
   * The probability after f-BRS (see `featureBrs`): the network's auxiliary feature scale and
   * bias are optimised so that the pixels around `clicks` take their labels.
   */
  async segmentWithBrs(
    raw: ArrayLike<number>,
    width: number,
    height: number,
    clicks: readonly Click[],
    options: BrsOptions = {},
  ): Promise<BrsResult> {
    const x = this.inputTensor(raw, width, height);
    try {
      return await featureBrs(this.model, x, clicks, options);
    } finally {
      x.dispose();
    }
  }

  /** Re-folds the network after its weights changed (e.g. after `adaptToClicks`). */
  refresh(): void {
    if (!this.fold) return;
    this.folded?.dispose();
    this.folded = FoldedDeepLab.fromModel(this.model);
  }

  /** Frees the folded copy (not the model). */
  dispose(): void {
    this.folded?.dispose();
    this.folded = undefined;
  }
}
