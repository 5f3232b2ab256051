/**
 * The model side of one selection, for every caller (`objsel select`, NoC, the demo, web-select,
 * tools/web-model): clicks → 5-channel input (`@objsel/clicks`) → object probability (the
 * interactive network, plain or with f-BRS at the clicks, at the image size or a smaller model
 * size) → mask (threshold, graph cut with the clicks as hard constraints, or dense CRF with the
 * clicks fixed).
 */
import {
  buildInteractiveInput,
  createZoomIn,
  refineProbability,
  type Click,
  type RgbImage,
  type SegmentFunction,
  type SegmentRequest,
  type SessionOptions,
  type ZoomInOptions,
  type ZoomRoi,
} from '@objsel/clicks';
import { crfBinary } from '@objsel/dense-crf';
import type { BrsOptions } from './brs';
import { resizeProbability, toModelSize } from './resize';
import { DeeplabError } from '../errors';
import type { InteractiveProbabilityModel } from './probability-model';
import { zoomedProbability } from './zoom-probability';

/** How a probability map becomes a mask (`objsel select --refine`). */
export type RefineMode = 'none' | 'graphcut' | 'crf';

/** How the network's object probability is computed. */
export interface ProbabilityOptions {
  /** f-BRS at the clicks (`--brs`, with `--brs-steps`, `--brs-lr`, `--brs-radius`); undefined: the plain network. */
  brs?: BrsOptions;
  /**
   * Run the network on a copy of the image with this many pixels on its longer side and resize
   * the probability back (web-select's 128); undefined: at the image size.
   */
  modelLongSide?: number;
}

/** The network's answer for one set of clicks. */
export interface ProbabilityResult {
  /** Object probability per pixel of the image, row-major. */
  probability: Float32Array;
  /** With f-BRS: optimisation steps taken and whether every clicked pixel ended on its click's side of 0.5. */
  brs?: { steps: number; satisfied: boolean };
}

/** How a probability becomes a mask. */
export interface RefineOptions {
  /** `--refine`: `none` (threshold, default), `graphcut` (clicks as hard constraints) or `crf` (dense CRF, clicks fixed). */
  refine?: RefineMode;
  /** `--threshold`: foreground when probability >= threshold, for `none` (0.5). */
  threshold?: number;
  /** `--lambda`, `--sigma`, `--connectivity`: graph-cut parameters (clicks package defaults otherwise). */
  graphCut?: { lambda?: number; sigma?: number; connectivity?: 4 | 8 };
  /** `--crf-preset`: dense-CRF parameters for `crf` (default `deeplab-v2`). */
  crfPreset?: string;
}

/** Options of {@link createInteractivePredictor}. */
export interface PredictorOptions extends ProbabilityOptions, RefineOptions {
  /** `--click-scale`: distance-map scale of the input (1, Xu et al.; the network must have been trained with it). */
  clickScale?: number;
  /** Truncation of the distance maps (255, Xu et al.). */
  clickTruncate?: number;
  /**
   * `--zoom-in`: RITM's ZoomIn — from the second click on, the network runs on a crop around the
   * previous mask (after refinement) and the positive clicks (see `@objsel/clicks`' `createZoomIn`). One
   * predictor is one object: the kept box lives in it.
   */
  zoomIn?: ZoomInOptions;
}

/** What a predictor returns for a set of clicks. */
export interface Prediction extends ProbabilityResult {
  /** 1 = selected. */
  mask: Uint8Array;
  /** f-BRS steps taken (0 without f-BRS). */
  brsSteps: number;
  /** Wall seconds of this click: building the input and the network (with f-BRS and zoom), then the refinement. */
  seconds: { network: number; refinement: number };
  /** The ZoomIn box the network ran on (undefined: the whole image). */
  zoomRoi?: ZoomRoi;
}

/** Segments a set of clicks (all of them, in order) into a {@link Prediction}. */
export type InteractivePredictor = (clicks: readonly Click[]) => Promise<Prediction>;

/**
 * The object probability of a full-size raw input and its clicks: the network (f-BRS at the
 * clicks when `brs` is given and there is a click) at the model size, resized back.
 */
export async function networkProbability(
  segmenter: InteractiveProbabilityModel,
  request: Pick<SegmentRequest, 'input' | 'width' | 'height' | 'clicks'>,
  options: ProbabilityOptions = {},
): Promise<ProbabilityResult> {
  const full = { width: request.width, height: request.height };
  const small = toModelSize(request, options.modelLongSide);
  if (options.brs && small.clicks.length > 0) {
    if (!segmenter.segmentWithBrs)
      throw new DeeplabError('bad-config', 'f-BRS optimises the TF.js network: this model (e.g. ONNX Runtime) runs the plain forward only');
    const r = await segmenter.segmentWithBrs(small.input, small.width, small.height, small.clicks, options.brs);
    return { probability: await resizeProbability(r.probability, small, full), brs: { steps: r.steps, satisfied: r.satisfied } };
  }
  return { probability: await resizeProbability(await segmenter.segment(small.input, small.width, small.height), small, full) };
}

/**
 * The network as the clicks package's `SegmentFunction` (for `createSession`, `createPredictor`,
 * the robot); `onResult` sees each answer (f-BRS steps, for a status line).
 */
export function createSegmentFunction(
  segmenter: InteractiveProbabilityModel,
  options: ProbabilityOptions & { onResult?: (result: ProbabilityResult) => void } = {},
): SegmentFunction {
  return async (request) => {
    const result = await networkProbability(segmenter, request, options);
    options.onResult?.(result);
    return result.probability;
  };
}

/** The clicks package's refinement settings for a {@link RefineOptions} (dense CRF as a custom refinement). */
export function sessionRefineOptions(options: RefineOptions): Pick<SessionOptions, 'refine' | 'threshold' | 'graphCut'> {
  const refine = options.refine ?? 'none';
  return {
    refine:
      refine === 'crf'
        ? (probability, image, clicks) => crfBinary(probability, image, { fixed: clicks, preset: options.crfPreset ?? 'deeplab-v2' })
        : refine,
    threshold: options.threshold ?? 0.5,
    ...(options.graphCut ? { graphCut: options.graphCut } : {}),
  };
}

/** A probability map to a mask: threshold, graph cut with the clicks as hard constraints, or dense CRF with the clicks fixed. */
export function refineSelection(
  probability: Float32Array,
  image: RgbImage,
  clicks: readonly Click[],
  options: RefineOptions,
): Promise<Uint8Array> {
  return refineProbability(probability, image, clicks, sessionRefineOptions(options));
}

/** The whole model side of one selection on `image`, for any set of clicks. */
export function createInteractivePredictor(
  image: RgbImage,
  segmenter: InteractiveProbabilityModel,
  options: PredictorOptions = {},
): InteractivePredictor {
  const { width, height } = image;
  const zoom = options.zoomIn ? createZoomIn(options.zoomIn) : undefined;
  // ZoomIn's "current mask": the previous answer after refinement, the mask the user sees (RITM
  // thresholds its probability, the same thing when there is no refinement).
  let previous: Uint8Array | null = null;
  return async (clicks) => {
    const started = performance.now();
    const zoomRoi = zoom?.roi(clicks, previous, width, height);
    let result: ProbabilityResult;
    if (zoomRoi && zoom) {
      const { modelLongSide: _, ...probability } = options;
      result = await zoomedProbability(
        (request) => networkProbability(segmenter, request, probability),
        image,
        clicks,
        zoomRoi,
        zoom.options.targetSize,
        options,
      );
    } else {
      const input = buildInteractiveInput(image, clicks, { scale: options.clickScale ?? 1, truncate: options.clickTruncate });
      result = await networkProbability(segmenter, { input, width, height, clicks }, options);
    }
    const refined = performance.now();
    const mask = await refineSelection(result.probability, image, clicks, options);
    previous = mask;
    const seconds = { network: (refined - started) / 1000, refinement: (performance.now() - refined) / 1000 };
    return { ...result, mask, brsSteps: result.brs?.steps ?? 0, seconds, ...(zoomRoi ? { zoomRoi } : {}) };
  };
}
