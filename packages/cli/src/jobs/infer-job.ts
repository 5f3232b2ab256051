/**
 * `objsel infer` as items: one image at a time through {@link inferImage}, the one function that
 * segments an image and writes its outputs, for the command, its shards and queue jobs alike.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Refine } from '@objsel/deeplab-resnet';
import { labelCounts } from '@objsel/voc-data';
import { crfRefinerFromFlag } from '../crf-refiner';
import { CliError } from '../errors';
import type { SemanticSegmenter } from '../models';
import { assertNumClasses } from '../network-flags';
import { perImageFile } from '../per-image-file';
import { type StagedOutputs, stageOutputs } from '../staged-outputs';
import type { JobKind } from './job-kind';

/** Everything `objsel infer` was asked, besides the images. */
export interface InferSettings {
  weights: string;
  numClasses?: number;
  saveDir: string;
  saveLogits?: string;
  saveProbs?: string;
  bnEpsilon?: number;
  scales: number[];
  crf?: string | boolean;
  /** Images in the whole run: with several, per-image `--save-logits`/`--save-probs` names. */
  imageCount: number;
}

/** What `objsel infer` reports per image. */
export interface InferredImage {
  image: string;
  width: number;
  height: number;
  mask: string;
  overlay: string;
  logits: string | null;
  probs: string | null;
  /** Pixels per class index present in the mask. */
  classes: Record<string, number>;
  seconds: number;
}

/** The output stem of an image: its file name without extension. */
export const imageName = (file: string): string => path.basename(file, path.extname(file));
export const maskFile = (s: InferSettings, name: string): string => path.join(s.saveDir, `${name}_mask.png`);
export const overlayFile = (s: InferSettings, name: string): string => path.join(s.saveDir, `${name}_overlay.png`);

/** Pixels per class index, in class order. */
function classPixels(labels: Uint8Array): Record<string, number> {
  return Object.fromEntries([...labelCounts(labels)].sort((a, b) => a[0] - b[0]).map(([k, v]) => [String(k), v]));
}

/** Segments one image and stages its mask, overlay and optional logits and probabilities in `out`. */
export async function inferImage(
  segmenter: SemanticSegmenter,
  refine: Refine | undefined,
  s: InferSettings,
  file: string,
  out: StagedOutputs,
): Promise<InferredImage> {
  const { decodeImage, encodeIndexPng, encodePng, overlay, writeNpy } = await import('@objsel/voc-data');
  const name = imageName(file);
  const started = performance.now();
  let bytes: Uint8Array;
  try {
    bytes = await fs.readFile(file);
  } catch (error) {
    throw new CliError('io', `cannot read: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, { file, cause: error });
  }
  const image = await decodeImage(bytes, file);
  const result = await segmenter.segment(image, {
    scales: s.scales,
    probabilities: refine !== undefined || s.saveProbs !== undefined,
    logits: s.saveLogits !== undefined,
  });
  const labels = refine
    ? await refine({ probs: result.probabilities!, image, width: image.width, height: image.height, numLabels: result.numClasses })
    : result.labels;
  const mask = maskFile(s, name);
  const blended = overlayFile(s, name);
  await out.write(mask, encodeIndexPng(labels, image.width, image.height));
  const mixed = overlay(image, labels);
  await out.write(blended, encodePng({ width: mixed.width, height: mixed.height, channels: 3, data: mixed.data }));
  let logits: string | null = null;
  if (s.saveLogits !== undefined && result.logits) {
    logits = perImageFile(s.saveLogits, name, s.imageCount);
    await out.write(logits, writeNpy({ shape: result.logits.shape, data: result.logits.data }));
  }
  const probs = s.saveProbs === undefined ? null : perImageFile(s.saveProbs, name, s.imageCount);
  if (probs !== null)
    await out.write(probs, writeNpy({ shape: [image.height, image.width, result.numClasses], data: result.probabilities! }));
  return {
    image: file,
    width: image.width,
    height: image.height,
    mask,
    overlay: blended,
    logits,
    probs,
    classes: classPixels(labels),
    seconds: (performance.now() - started) / 1000,
  };
}

export const inferJob: JobKind<InferSettings, string, InferredImage> = {
  command: 'infer',
  absolutePaths(s, images, cwd) {
    const abs = (p: string) => path.resolve(cwd, p);
    return {
      settings: {
        ...s,
        weights: abs(s.weights),
        saveDir: abs(s.saveDir),
        ...(s.saveLogits === undefined ? {} : { saveLogits: abs(s.saveLogits) }),
        ...(s.saveProbs === undefined ? {} : { saveProbs: abs(s.saveProbs) }),
      },
      items: images.map(abs),
    };
  },
  async runItems(s, images, env) {
    const refine = await crfRefinerFromFlag(s.crf);
    const { segmenter, weightsDir, backend } = await env.networks.semantic(
      env.ctx,
      s.weights,
      s.bnEpsilon === undefined ? {} : { bnEpsilon: s.bnEpsilon },
    );
    assertNumClasses(s.numClasses, segmenter.numClasses, s.weights);
    // Staged: a corrupt image in the middle leaves none of the earlier images' outputs.
    const out = stageOutputs([s.saveDir, s.saveLogits, s.saveProbs]);
    const results: InferredImage[] = [];
    try {
      await out.mkdir(s.saveDir);
      for (const [i, file] of images.entries()) {
        env.onProgress({ task: 'infer', done: i, total: images.length, message: file });
        results.push(await inferImage(segmenter, refine, s, file, out));
      }
      await out.commit();
      env.onProgress({ task: 'infer', done: images.length, total: images.length });
    } finally {
      out.discard();
    }
    return { results, meta: { backend, weights: weightsDir } };
  },
  summarise(s, results, meta) {
    return { backend: meta.backend, weights: meta.weights, scales: s.scales, crf: s.crf !== undefined && s.crf !== false, images: results };
  },
  format(summary) {
    return (summary.images as InferredImage[])
      .map((r) => {
        const classes = Object.entries(r.classes)
          .map(([k, v]) => `${k}:${((100 * v) / (r.width * r.height)).toFixed(1)}%`)
          .join(' ');
        return `${r.image} (${r.width}x${r.height}, ${r.seconds.toFixed(2)} s): ${r.mask}, ${r.overlay}${r.logits ? `, ${r.logits}` : ''}${r.probs ? `, ${r.probs}` : ''}  classes ${classes}`;
      })
      .join('\n');
  },
};
