/**
 * `objsel crf` as items: one image at a time through {@link crfImage}, the one function that
 * refines an image's probabilities (or sparse annotation) and writes its outputs, for the
 * command, its shards and queue jobs alike.
 */
import path from 'node:path';
import { argmaxLabels, countChangedLabels, type CrfParams, crfAnnotation, crfPreset, crfRefine } from '@objsel/dense-crf';
import { decodeImage, decodePngToRgb, encodeIndexPng, encodePng, readNpy, writeNpy } from '@objsel/voc-data';
import { CliError } from '../errors';
import { idleCoreThreads } from '../idle-cores';
import { readBytes } from '../node-fs';
import { perImageFile } from '../per-image-file';
import { classProbabilities } from '../probability-file';
import { type StagedOutputs, stageOutputs } from '../staged-outputs';
import type { JobKind } from './job-kind';

/** Everything `objsel crf` was asked, besides the images. Per-image paths follow {@link perImageFile}. */
export interface CrfSettings {
  probs?: string;
  labels?: string;
  gtProb: number;
  iterations?: number;
  gaussian?: [number, number];
  bilateral?: [number, number, number];
  preset?: string;
  out: string;
  saveProbs?: string;
  /** Solver threads; default: the idle cores at run time ({@link idleCoreThreads}), so busy workers take fewer. */
  threads?: number;
  /** Images in the whole run: with several, `--probs`/`--labels`/`--out`/`--save-probs` name `<stem>_<name><ext>`. */
  imageCount: number;
}

/** What `objsel crf` reports per image. */
export interface CrfImageResult {
  image: string;
  out: string;
  mode: 'probs' | 'labels';
  width: number;
  height: number;
  numLabels: number;
  params: CrfParams;
  /** Pixels whose label differs from the input's (argmax of the probabilities, or the annotation where known). */
  changedPixels: number;
  seconds: number;
  saveProbs: string | null;
}

/** The output stem of an image: its file name without extension. */
export const crfImageName = (file: string): string => path.basename(file, path.extname(file));

/** An image's input and output files under the settings. */
export function crfFiles(s: CrfSettings, image: string): { probs?: string; labels?: string; out: string; saveProbs?: string } {
  const name = crfImageName(image);
  const each = (flag: string | undefined) => (flag === undefined ? undefined : perImageFile(flag, name, s.imageCount));
  const probs = each(s.probs);
  const labels = each(s.labels);
  const saveProbs = each(s.saveProbs);
  return {
    out: perImageFile(s.out, name, s.imageCount),
    ...(probs === undefined ? {} : { probs }),
    ...(labels === undefined ? {} : { labels }),
    ...(saveProbs === undefined ? {} : { saveProbs }),
  };
}

/** The preset, then the flags on top of it. */
function resolveParams(s: CrfSettings, defaultPreset: string): CrfParams {
  const params = crfPreset(s.preset ?? defaultPreset);
  if (s.iterations !== undefined) params.iterations = s.iterations;
  if (s.gaussian) params.gaussian = { sxy: s.gaussian[0], compat: s.gaussian[1] };
  if (s.bilateral) params.bilateral = { sxy: s.bilateral[0], srgb: s.bilateral[1], compat: s.bilateral[2] };
  return params;
}

/**
 * Dense-CRF refinement of one image: its softmax probabilities (`--probs`, float32 .npy
 * [H, W, C]) or its sparse colour annotation (`--labels`, pydensecrf's example program); the
 * outputs are staged in `out`.
 */
export async function crfImage(
  s: CrfSettings,
  file: string,
  out: StagedOutputs,
  onProgress?: Parameters<typeof crfRefine>[0]['onProgress'],
): Promise<CrfImageResult> {
  const f = crfFiles(s, file);
  const start = performance.now();
  const image = await decodeImage(await readBytes(file), file);
  const { width, height } = image;
  const threads = s.threads ?? idleCoreThreads();
  const progress = onProgress ? { onProgress } : {};
  if (f.probs !== undefined) {
    const { data: probs, numLabels } = classProbabilities(readNpy(await readBytes(f.probs), f.probs), f.probs, width, height);
    const result = crfRefine({
      probs,
      image: image.data,
      width,
      height,
      numLabels,
      params: resolveParams(s, 'deeplab-v2'),
      threads,
      ...progress,
    });
    const changed = countChangedLabels(argmaxLabels(probs, width * height, numLabels, 'hwc'), result.labels);
    await out.write(f.out, encodeIndexPng(result.labels, width, height));
    if (f.saveProbs !== undefined) await out.write(f.saveProbs, writeNpy({ shape: [height, width, numLabels], data: result.probs }));
    return {
      image: file,
      out: f.out,
      mode: 'probs',
      width,
      height,
      numLabels,
      params: result.params,
      changedPixels: changed,
      seconds: (performance.now() - start) / 1000,
      saveProbs: f.saveProbs ?? null,
    };
  }
  const labels = f.labels!;
  // --labels: each distinct colour is a label, black is unknown (pydensecrf examples/inference.py).
  const anno = decodePngToRgb(await readBytes(labels), labels);
  if (anno.width !== width || anno.height !== height) {
    throw new CliError('usage', `annotation is ${anno.width}x${anno.height}, image is ${width}x${height}`, { file: labels });
  }
  const refined = crfAnnotation({
    annotation: anno.data,
    image: image.data,
    width,
    height,
    gtProb: s.gtProb,
    params: resolveParams(s, 'pydensecrf-example'),
    threads,
    file: labels,
    ...progress,
  });
  await out.write(f.out, encodePng({ width, height, channels: 3, data: refined.rgb }));
  if (f.saveProbs !== undefined) await out.write(f.saveProbs, writeNpy({ shape: [height, width, refined.numLabels], data: refined.probs }));
  return {
    image: file,
    out: f.out,
    mode: 'labels',
    width,
    height,
    numLabels: refined.numLabels,
    params: refined.params,
    changedPixels: refined.changedPixels,
    seconds: (performance.now() - start) / 1000,
    saveProbs: f.saveProbs ?? null,
  };
}

function formatImage(r: CrfImageResult): string {
  return [
    `wrote ${r.out} (${r.width}x${r.height}, ${r.numLabels} labels, ${r.mode})`,
    `params ${r.params.iterations} iterations, gaussian ${JSON.stringify(r.params.gaussian)}, bilateral ${JSON.stringify(r.params.bilateral)}`,
    `changed ${r.changedPixels} pixels in ${r.seconds.toFixed(2)} s`,
    ...(r.saveProbs ? [`wrote ${r.saveProbs}`] : []),
  ].join('\n');
}

export const crfJob: JobKind<CrfSettings, string, CrfImageResult> = {
  command: 'crf',
  absolutePaths(s, images, cwd) {
    const abs = (key: 'probs' | 'labels' | 'saveProbs') => (s[key] === undefined ? {} : { [key]: path.resolve(cwd, s[key]) });
    return {
      settings: { ...s, out: path.resolve(cwd, s.out), ...abs('probs'), ...abs('labels'), ...abs('saveProbs') },
      items: images.map((p) => path.resolve(cwd, p)),
    };
  },
  async runItems(s, images, env) {
    // Staged: a corrupt input in the middle leaves none of the earlier images' outputs.
    const out = stageOutputs([s.out, s.saveProbs]);
    const results: CrfImageResult[] = [];
    try {
      for (const [i, file] of images.entries()) {
        if (images.length > 1) env.onProgress({ task: 'crf', done: i, total: images.length, message: file });
        // One image: the solver's own iteration progress, as the command always showed it.
        results.push(await crfImage(s, file, out, images.length === 1 ? env.onProgress : undefined));
      }
      await out.commit();
      if (images.length > 1) env.onProgress({ task: 'crf', done: images.length, total: images.length });
    } finally {
      out.discard();
    }
    return { results, meta: {} };
  },
  summarise(s, results) {
    // One image: the command's result as it always was; several: one entry per image.
    if (s.imageCount === 1 && results.length === 1) {
      const { image: _image, ...only } = results[0]!;
      return only;
    }
    return { images: results };
  },
  format(summary) {
    const images = summary.images as CrfImageResult[] | undefined;
    if (!images) return formatImage(summary as unknown as CrfImageResult);
    return images.map((r) => `${r.image}: ${formatImage(r).replace(/\n/g, '\n  ')}`).join('\n');
  },
};
