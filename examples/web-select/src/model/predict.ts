/**
 * The interactive network for the app: deeplab-resnet's `InteractiveSegmenter` (BatchNorm
 * folded in for plain clicks; f-BRS on the training graph when asked) at model size, the
 * probability brought back to the image size.
 */
import * as tf from '@tensorflow/tfjs-core';
import { InteractiveSegmenter, type BrsOptions, type DeepLabResNet } from '@objsel/deeplab-resnet';
import type { Click } from '@objsel/clicks';
import { modelSize, scaleClick, shrinkInput, type Size } from './input';

/** What {@link SelectionModel.probability} returns. */
export interface Probability {
  /** Object probability per pixel of the full image, row-major. */
  probability: Float32Array;
  /** With BRS: optimisation steps taken and whether every click ended on its side. */
  brs?: { steps: number; satisfied: boolean };
}

/** Bilinear resize (TF1, no corner alignment) of a probability map, on the active backend. */
export async function resizeProbability(probability: Float32Array, from: Size, to: Size): Promise<Float32Array> {
  if (from.width === to.width && from.height === to.height) return probability;
  const t = tf.tidy(() =>
    tf.image.resizeBilinear(tf.tensor4d(probability, [1, from.height, from.width, 1]), [to.height, to.width], false, false),
  );
  try {
    return new Float32Array((await t.data()) as Float32Array);
  } finally {
    t.dispose();
  }
}

/** The model plus its segmenter; {@link refresh} after the weights change. */
export class SelectionModel {
  readonly segmenter: InteractiveSegmenter;

  constructor(readonly model: DeepLabResNet) {
    this.segmenter = InteractiveSegmenter.fromModel(model);
  }

  /**
   * The object probability of the full image for a raw 5-channel input at full size (click
   * distances already in model pixels). With `brs`, f-BRS at those clicks (full-size pixels).
   */
  async probability(raw: Float32Array, full: Size, brs?: { clicks: readonly Click[]; options?: BrsOptions }): Promise<Probability> {
    const small = modelSize(full);
    const input = shrinkInput(raw, full, small);
    if (brs && brs.clicks.length > 0) {
      const clicks = brs.clicks.map((c) => scaleClick(c, full, small));
      const r = await this.segmenter.segmentWithBrs(input, small.width, small.height, clicks, brs.options);
      return { probability: await resizeProbability(r.probability, small, full), brs: { steps: r.steps, satisfied: r.satisfied } };
    }
    return { probability: await resizeProbability(await this.segmenter.segment(input, small.width, small.height), small, full) };
  }

  /** Re-folds the network after its weights changed (adaptation, restore). */
  refresh(): void {
    this.segmenter.refresh();
  }

  /** Frees the folded copy (not the model). */
  dispose(): void {
    this.segmenter.dispose();
  }
}

/** A @objsel/clicks `SegmentFunction` (sessions, predictors, the NoC robot) over a {@link SelectionModel}. */
export function segmentFunction(selection: SelectionModel): (raw: Float32Array, width: number, height: number) => Promise<Float32Array> {
  return async (raw, width, height) => (await selection.probability(raw, { width, height })).probability;
}
