/**
 * Glue shared by `objsel train --interactive`, `select`, `noc` and the demo: it composes
 * @objsel/clicks (clicks, distance maps, robot, graph cut), @objsel/deeplab-resnet (the
 * interactive network, f-BRS) and @objsel/dense-crf. No algorithm of its own.
 */
import { promises as fs } from 'node:fs';
import { nodeFileSystem } from '@objsel/caffe-import/node';
import {
  buildInteractiveInput,
  clickMaps,
  createRng,
  distanceMaps,
  objectIds,
  refineProbability,
  resolveSamplingParams,
  sampleClicks,
  type Click,
  type NegativeStrategy,
  type SamplingParams,
} from '@objsel/clicks';
import type { BrsOptions, ClickEncoder, DeepLabResNet, InteractiveSampleSpec, InteractiveSegmenter } from '@objsel/deeplab-resnet';
import { decodeLabel, joinDataPath, type ListEntry, type RgbImage } from '@objsel/voc-data';
import { CliError } from '../errors';

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
  const { DeepLabResNet, isInteractiveConfig, resolveWeights } = await import('@objsel/deeplab-resnet');
  const { entries, meta, weightsPath } = await resolveWeights(nodeFileSystem, weights);
  if (!isInteractiveConfig(meta)) {
    throw new CliError(
      'usage',
      `not an interactive network (${meta.inputChannels} input channels, ${meta.numClasses} outputs; expected 5 and 1): train one with objsel train --interactive`,
      { file: weightsPath },
    );
  }
  return DeepLabResNet.fromWeights(entries, meta);
}

/** Parses `X,Y,+` / `X,Y,-` (also `pos`/`neg`, `1`/`0`). */
export function parseClickFlag(value: string): Click {
  const m = /^\s*(\d+)\s*,\s*(\d+)\s*,\s*(\+|-|pos|neg|positive|negative|1|0)\s*$/i.exec(value);
  if (!m) throw new CliError('usage', `--click takes X,Y,+ or X,Y,- (pixel column, row, kind), got '${value}'`);
  const kind = m[3]!.toLowerCase();
  return { x: Number(m[1]), y: Number(m[2]), positive: kind === '+' || kind === 'pos' || kind === 'positive' || kind === '1' };
}

/** Reads a file if it exists. */
export async function readIfExists(file: string): Promise<Uint8Array | undefined> {
  try {
    return new Uint8Array(await fs.readFile(file));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** The instance label of a list entry: `<dataDir>/<objectDir>/<id>.png`. */
export function instancePath(dataDir: string, objectDir: string, entry: ListEntry): string {
  return joinDataPath(dataDir, `${objectDir}/${entry.id}.png`);
}

/**
 * Training objects of a list: every instance of every listed image's `SegmentationObject` label
 * (images without one are reported in `missing`).
 */
export async function interactiveSpecs(
  entries: readonly ListEntry[],
  dataDir: string,
  objectDir: string,
): Promise<{ specs: InteractiveSampleSpec[]; missing: string[] }> {
  const specs: InteractiveSampleSpec[] = [];
  const missing: string[] = [];
  for (const entry of entries) {
    const objects = instancePath(dataDir, objectDir, entry);
    const bytes = await readIfExists(objects);
    if (!bytes) {
      missing.push(entry.id);
      continue;
    }
    const label = decodeLabel(bytes, objects);
    for (const object of objectIds(label.data)) specs.push({ id: `${entry.id}#${object}`, image: entry.image, objects, object });
  }
  return { specs, missing };
}

/**
 * Fixed training samples from `objsel clicks sample` output: its list (`clicks.txt`, JSON file
 * names relative to the list) joined to the data list by image id.
 */
export async function specsFromClickFiles(
  listFile: string,
  entries: readonly ListEntry[],
  dataDir: string,
  objectDir: string,
): Promise<{ specs: InteractiveSampleSpec[]; unknown: string[] }> {
  const { parseClicksJson, splitClicks } = await import('@objsel/clicks');
  const path = await import('node:path');
  const byId = new Map(entries.map((e) => [e.id, e]));
  const text = await fs.readFile(listFile, 'utf8');
  const specs: InteractiveSampleSpec[] = [];
  const unknown: string[] = [];
  for (const line of text.split('\n')) {
    const name = line.trim();
    if (!name) continue;
    const file = path.resolve(path.dirname(listFile), name);
    const json = await fs.readFile(file, 'utf8');
    const meta = JSON.parse(json) as { image?: unknown; object?: unknown };
    if (typeof meta.image !== 'string' || typeof meta.object !== 'number')
      throw new CliError('usage', 'a clicks sample file needs "image" (id) and "object" (instance)', { file });
    const entry = byId.get(meta.image);
    if (!entry) {
      unknown.push(meta.image);
      continue;
    }
    const { positive, negative } = splitClicks(parseClicksJson(json, file));
    specs.push({
      id: `${entry.id}#${meta.object}:${name}`,
      image: entry.image,
      objects: instancePath(dataDir, objectDir, entry),
      object: meta.object,
      clicks: { positive, negative },
    });
  }
  return { specs, unknown };
}

/** Options of {@link clickEncoder}. */
export interface EncoderOptions {
  /** Negative strategies drawn from, uniformly per sample (2 only where the image has another object). */
  strategies: NegativeStrategy[];
  /** Sampler parameters (clicks package defaults where absent). */
  sampling?: Partial<SamplingParams>;
  /** Distance-map scale. */
  clickScale: number;
  /**
   * Keep a random subset of each sample's clicks: k ~ U{1..n} of the n positives and
   * k ~ U{0..n} of the n negatives (default false: all of them, as the seed). The robot's first
   * clicks — one positive, then few negatives — are then in the training distribution.
   */
  subsets?: boolean;
}

/** A seeded random subset of `k` of `points` (order kept). */
function subset<T>(points: readonly T[], k: number, rng: { int(n: number): number }): T[] {
  const index = points.map((_, i) => i);
  for (let i = index.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [index[i], index[j]] = [index[j]!, index[i]!];
  }
  return index
    .slice(0, k)
    .sort((a, b) => a - b)
    .map((i) => points[i]!);
}

/**
 * The training-click encoder: fixed clicks of a spec, else fresh clicks from Xu's sampler
 * (seeded by the training stream), as the two truncated distance maps.
 */
export function clickEncoder(options: EncoderOptions): ClickEncoder {
  const params = resolveSamplingParams(options.sampling ?? {});
  return ({ spec, instances, width, height, seed }) => {
    if (spec.clicks) {
      const clicks = [
        ...spec.clicks.positive.map((p) => ({ ...p, positive: true })),
        ...spec.clicks.negative.map((p) => ({ ...p, positive: false })),
      ];
      return clickMaps(width, height, clicks, { scale: options.clickScale });
    }
    const rng = createRng(seed | 0);
    const others = objectIds(instances, params.voidLabel).length > 1;
    const strategies = options.strategies.filter((s) => s !== 2 || others);
    const strategy = strategies.length ? strategies[rng.int(strategies.length)]! : 1;
    const sample = sampleClicks(instances, width, height, spec.object, strategy, { ...params, rng });
    let { positive, negative } = sample;
    if (options.subsets) {
      positive = subset(positive, 1 + rng.int(positive.length), rng);
      negative = subset(negative, rng.int(negative.length + 1), rng);
    }
    return distanceMaps(width, height, positive, negative, { scale: options.clickScale });
  };
}
