/**
 * `objsel dcsp cues` as items: one image at a time through {@link cuesImage}, the one function
 * that fuses an image's attention, saliency and tags into its cue PNG, for the command, its
 * shards and queue jobs alike.
 */
import path from 'node:path';
import { fuseCues } from '@objsel/dcsp';
import {
  VOC_CLASSES,
  VOC_PALETTE,
  decodeFloatMap,
  decodeImage,
  decodeSaliency,
  encodeIndexPng,
  labelCounts,
  parseClassCategories,
} from '@objsel/voc-data';
import { CliError } from '../errors';
import { readBytes, readText } from '../node-fs';
import { type StagedOutputs, stageOutputs } from '../staged-outputs';
import type { JobKind } from './job-kind';

/** Everything `objsel dcsp cues` was asked, besides the images. */
export interface CuesSettings {
  threshold: number;
  /** The list form's output directory (`<save-dir>/<id>.png`); absent for one image with --out. */
  saveDir?: string;
}

/** One image's inputs and output: tags given (`--tags`) or read from a class-category file (a list line). */
export interface CuesItem {
  image: string;
  attention: string;
  saliency: string;
  tags?: number[];
  classes?: string;
  out: string;
}

/** What `objsel dcsp cues` reports per image. */
export interface CuesResult {
  image: string;
  out: string;
  width: number;
  height: number;
  tags: number[];
  threshold: number;
  /** Pixels per VOC class name. */
  pixels: Record<string, number>;
}

/** Fuses one image's cues and stages its index PNG in `out`. */
export async function cuesImage(s: CuesSettings, item: CuesItem, out: StagedOutputs): Promise<CuesResult> {
  const tags = item.tags ?? parseClassCategories(await readText(item.classes!), item.classes);
  const image = await decodeImage(await readBytes(item.image), item.image);
  const attention = decodeFloatMap(await readBytes(item.attention), item.attention);
  const saliency = decodeSaliency(await readBytes(item.saliency), item.saliency);
  const { width, height } = image;
  if (attention.width !== width || attention.height !== height || attention.channels !== 20) {
    throw new CliError(
      'usage',
      `attention is ${attention.height}x${attention.width}x${attention.channels}; expected the image size with 20 channels (${height}x${width}x20)`,
      { file: item.attention },
    );
  }
  if (saliency.width !== width || saliency.height !== height) {
    throw new CliError('usage', `saliency is ${saliency.height}x${saliency.width}; expected the image size ${height}x${width}`, {
      file: item.saliency,
    });
  }
  const labels = fuseCues({ attention: attention.data, saliency: saliency.data, tags, width, height, threshold: s.threshold });
  await out.write(item.out, encodeIndexPng(labels, width, height, VOC_PALETTE));
  const pixels: Record<string, number> = {};
  for (const [l, n] of labelCounts(labels)) pixels[VOC_CLASSES[l] ?? String(l)] = (pixels[VOC_CLASSES[l] ?? String(l)] ?? 0) + n;
  return { image: item.image, out: item.out, width, height, tags, threshold: s.threshold, pixels };
}

function formatImage(r: CuesResult): string {
  const total = r.width * r.height;
  return [
    `wrote ${r.out} (${r.width}x${r.height}, VOC palette)`,
    ...Object.entries(r.pixels).map(([name, n]) => `  ${name.padEnd(12)} ${((100 * n) / total).toFixed(1).padStart(5)}%`),
  ].join('\n');
}

export const cuesJob: JobKind<CuesSettings, CuesItem, CuesResult> = {
  command: 'dcsp-cues',
  absolutePaths(s, items, cwd) {
    const abs = (p: string) => path.resolve(cwd, p);
    return {
      settings: { ...s, ...(s.saveDir === undefined ? {} : { saveDir: abs(s.saveDir) }) },
      items: items.map((i) => ({
        ...i,
        image: abs(i.image),
        attention: abs(i.attention),
        saliency: abs(i.saliency),
        out: abs(i.out),
        ...(i.classes === undefined ? {} : { classes: abs(i.classes) }),
      })),
    };
  },
  async runItems(s, items, env) {
    // Staged: a bad input in the middle leaves none of the earlier images' cues.
    const out = stageOutputs(s.saveDir === undefined ? items.map((i) => i.out) : [s.saveDir]);
    const results: CuesResult[] = [];
    try {
      if (s.saveDir !== undefined) await out.mkdir(s.saveDir);
      for (const [i, item] of items.entries()) {
        if (items.length > 1) env.onProgress({ task: 'cues', done: i, total: items.length, message: item.image });
        results.push(await cuesImage(s, item, out));
      }
      await out.commit();
      // One image reports no item count (the command's output as it always was).
      if (items.length > 1) env.onProgress({ task: 'cues', done: items.length, total: items.length });
    } finally {
      out.discard();
    }
    return { results, meta: {} };
  },
  summarise(s, results) {
    // One image (--out): the command's result as it always was; a list: one entry per image.
    if (s.saveDir === undefined && results.length === 1) {
      const { image: _image, ...only } = results[0]!;
      return only;
    }
    return { saveDir: s.saveDir, images: results };
  },
  format(summary) {
    const images = summary.images as CuesResult[] | undefined;
    if (!images) return formatImage(summary as unknown as CuesResult);
    return images.map((r) => `${r.image}: ${formatImage(r)}`).join('\n');
  },
};
