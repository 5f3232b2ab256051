/**
 * Glue shared by `select`, `noc` and the demo: it composes
 * @objsel/clicks (clicks, distance maps, robot, graph cut), @objsel/deeplab-resnet (the
 * interactive network, f-BRS) and @objsel/dense-crf. No algorithm of its own.
 */
import { promises as fs } from 'node:fs';
import { buildInteractiveInput, refineProbability, type Click } from '@objsel/clicks';
import type { BrsOptions, DeepLabResNet, InteractiveSegmenter } from '@objsel/deeplab-resnet';
import type { RgbImage } from '@objsel/voc-data';
import { CliError } from '../errors';
import { nodeTrainingFs } from './train';

/** How a probability map becomes a mask. */
export type RefineMode = 'none' | 'graphcut' | 'crf';

/** Options of {@link createInteractivePredictor}. */
export interface PredictorOptions {
  refine: RefineMode;
  /** f-BRS options, or undefined for the plain network. */
  brs?: BrsOptions;
  /** Foreground threshold for `refine: 'none'` (0.5). */
  threshold?: number;
  /** Distance-map scale of the input (1, Xu et al.; the demo and training must agree). */
  clickScale?: number;
  /** Graph-cut smoothness weight and colour scale (clicks package defaults otherwise). */
  graphCut?: { lambda?: number; sigma?: number; connectivity?: 4 | 8 };
  /** Dense-CRF preset for `refine: 'crf'` (default `deeplab-v2`). */
  crfPreset?: string;
}

/** What a predictor returns for a set of clicks. */
export interface Prediction {
  /** 1 = selected. */
  mask: Uint8Array;
  /** The network's (or f-BRS's) object probability. */
  probability: Float32Array;
  /** f-BRS steps taken (0 without BRS). */
  brsSteps: number;
}

/** Dense-CRF refinement of a binary probability with the clicks fixed (their pixels certain). */
async function crfMask(probability: Float32Array, image: RgbImage, clicks: readonly Click[], preset: string): Promise<Uint8Array> {
  const { crfRefine } = await import('@objsel/dense-crf');
  const { width, height } = image;
  const probs = new Float32Array(width * height * 2);
  for (let i = 0; i < width * height; i++) {
    probs[2 * i] = 1 - probability[i]!;
    probs[2 * i + 1] = probability[i]!;
  }
  for (const c of clicks) {
    const i = c.y * width + c.x;
    probs[2 * i] = c.positive ? 0 : 1;
    probs[2 * i + 1] = c.positive ? 1 : 0;
  }
  const { labels } = crfRefine({ probs, image: image.data as Uint8Array, width, height, numLabels: 2, preset });
  for (const c of clicks) labels[c.y * width + c.x] = c.positive ? 1 : 0;
  return labels;
}

/**
 * The whole model side of one selection: clicks → 5-channel input (clicks package) → object
 * probability (the interactive network, optionally f-BRS at the clicks) → mask (threshold,
 * graph cut with the clicks as hard constraints, or dense CRF).
 */
export function createInteractivePredictor(
  image: RgbImage,
  segmenter: InteractiveSegmenter,
  options: PredictorOptions,
): (clicks: readonly Click[]) => Promise<Prediction> {
  const { width, height } = image;
  return async (clicks) => {
    const input = buildInteractiveInput(image, clicks, { scale: options.clickScale ?? 1 });
    let probability: Float32Array;
    let brsSteps = 0;
    if (options.brs) {
      const result = await segmenter.segmentWithBrs(input, width, height, clicks, options.brs);
      probability = result.probability;
      brsSteps = result.steps;
    } else {
      probability = await segmenter.segment(input, width, height);
    }
    let mask: Uint8Array;
    if (options.refine === 'crf') mask = await crfMask(probability, image, clicks, options.crfPreset ?? 'deeplab-v2');
    else
      mask = await refineProbability(probability, image, clicks, {
        refine: options.refine,
        threshold: options.threshold ?? 0.5,
        ...(options.graphCut ? { graphCut: options.graphCut } : {}),
      });
    return { mask, probability, brsSteps };
  };
}

/** Loads interactive weights: a weights directory, a checkpoint, or a snapshot directory (its latest checkpoint). */
export async function loadInteractiveNetwork(weights: string): Promise<DeepLabResNet> {
  const { CHECKPOINT_INDEX, DeepLabResNet, findLatestCheckpoint, isInteractiveConfig, readWeightsFrom } = await import(
    '@objsel/deeplab-resnet'
  );
  let dir = weights;
  try {
    await fs.access(`${weights}/${CHECKPOINT_INDEX}`);
    const latest = await findLatestCheckpoint(nodeTrainingFs, weights);
    if (latest) dir = latest.path;
  } catch {
    // not a snapshot directory
  }
  const { entries, modelJson } = await readWeightsFrom(nodeTrainingFs, dir);
  if (!isInteractiveConfig(modelJson.objsel)) {
    throw new CliError(
      'usage',
      `not an interactive network (${modelJson.objsel.inputChannels} input channels, ${modelJson.objsel.numClasses} outputs; expected 5 and 1): train one with objsel train --interactive`,
      { file: dir },
    );
  }
  return DeepLabResNet.fromWeights(entries, modelJson.objsel);
}

/** Parses `X,Y,+` / `X,Y,-` (also `pos`/`neg`, `1`/`0`). */
export function parseClickFlag(value: string): Click {
  const m = /^\s*(\d+)\s*,\s*(\d+)\s*,\s*(\+|-|pos|neg|positive|negative|1|0)\s*$/i.exec(value);
  if (!m) throw new CliError('usage', `--click takes X,Y,+ or X,Y,- (pixel column, row, kind), got '${value}'`);
  const kind = m[3]!.toLowerCase();
  return { x: Number(m[1]), y: Number(m[2]), positive: kind === '+' || kind === 'pos' || kind === 'positive' || kind === '1' };
}
