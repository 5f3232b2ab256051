import { decodeBmp, isBmp } from '../bmp';
import { decodeImage } from '../codec';
import { VocDataError } from '../errors';
import type { RgbImage } from '../image';
import { readPng } from '../png';
import type { DatasetDirectory } from './directory';

/** The interactive-segmentation benchmarks objsel reads, by their `--dataset` names. */
export const BENCHMARK_NAMES = ['grabcut', 'berkeley', 'davis', 'davis-2017', 'coco-mval', 'coco', 'sbd', 'pascal-voc'] as const;
export type BenchmarkName = (typeof BENCHMARK_NAMES)[number];

/** True when `name` is one of {@link BENCHMARK_NAMES}. */
export function isBenchmarkName(name: string): name is BenchmarkName {
  return (BENCHMARK_NAMES as readonly string[]).includes(name);
}

/** One object to segment: the image, its ground-truth mask and the pixels IoU ignores. */
export interface BenchmarkObject {
  /** `<image stem>` or `<image stem>#<instance>` when an image has several objects. */
  id: string;
  /** Where the image and the mask came from (for messages). */
  imageFile: string;
  maskFile: string;
  image: RgbImage;
  width: number;
  height: number;
  /** `width * height`, 1 = object. */
  gt: Uint8Array;
  /** `width * height`, 1 = ignored (GrabCut's 128 band, VOC's 255 void); absent if none. */
  ignore?: Uint8Array;
}

/** A benchmark laid out on disk: its objects in a fixed order. */
export interface BenchmarkSource {
  name: BenchmarkName;
  /** Number of objects (reads the masks, not the images). */
  count(): Promise<number>;
  objects(): AsyncGenerator<BenchmarkObject>;
}

/** Options shared by the layouts. */
export interface BenchmarkOptions {
  /** Only the first `maxImages` images (in sorted order, or the list's order). */
  maxImages?: number;
}

/** Decodes a JPEG, PNG or BMP photo. */
export async function decodeBenchmarkImage(bytes: Uint8Array, file: string): Promise<RgbImage> {
  return isBmp(bytes) ? decodeBmp(bytes, file) : decodeImage(bytes, file);
}

/** A mask image as one 8-bit level per pixel: the largest of its colour channels (as RITM's `np.max(mask, axis=2)`). */
export interface MaskLevels {
  width: number;
  height: number;
  levels: Uint8Array;
}

/** Decodes a BMP or PNG mask to {@link MaskLevels}; palette PNGs give their colours' levels. */
export function decodeMaskLevels(bytes: Uint8Array, file: string): MaskLevels {
  if (isBmp(bytes)) {
    const rgb = decodeBmp(bytes, file);
    return { width: rgb.width, height: rgb.height, levels: maxChannel(rgb.data, 3) };
  }
  const png = readPng(bytes, file);
  const n = png.width * png.height;
  const levels = new Uint8Array(n);
  const scale = png.depth === 16 ? 1 / 257 : png.palette ? 1 : 255 / ((1 << png.depth) - 1);
  const colourChannels = png.channels === 2 || png.channels === 4 ? png.channels - 1 : png.channels;
  for (let i = 0; i < n; i++) {
    let v = 0;
    if (png.palette) {
      const c = png.samples[i]! * 3;
      v = Math.max(png.palette[c] ?? 0, png.palette[c + 1] ?? 0, png.palette[c + 2] ?? 0);
    } else for (let c = 0; c < colourChannels; c++) v = Math.max(v, Math.round(png.samples[i * png.channels + c]! * scale));
    levels[i] = v;
  }
  return { width: png.width, height: png.height, levels };
}

function maxChannel(data: Uint8Array, channels: number): Uint8Array {
  const out = new Uint8Array(data.length / channels);
  for (let i = 0; i < out.length; i++) {
    let v = 0;
    for (let c = 0; c < channels; c++) v = Math.max(v, data[i * channels + c]!);
    out[i] = v;
  }
  return out;
}

/** The file name without its last extension. */
export function stem(name: string): string {
  const dot = name.lastIndexOf('.');
  return dot > 0 ? name.slice(0, dot) : name;
}

/** Files of `dir` whose extension is one of `extensions` (lower-case, with the dot). */
export async function listWithExtensions(dir: DatasetDirectory, path: string, extensions: readonly string[]): Promise<string[]> {
  return (await dir.list(path)).filter((name) => extensions.some((e) => name.toLowerCase().endsWith(e)));
}

/** Throws unless the image and the mask have one size. */
export function checkSameSize(image: RgbImage, mask: { width: number; height: number }, maskFile: string): void {
  if (image.width !== mask.width || image.height !== mask.height)
    throw new VocDataError('size-mismatch', `mask is ${mask.width}x${mask.height}, its image ${image.width}x${image.height}`, {
      file: maskFile,
    });
}

/** Throws when a mask has no object pixel (the robot would have nothing to click). */
export function checkHasObject(gt: Uint8Array, maskFile: string): void {
  if (!gt.includes(1)) throw new VocDataError('bad-values', 'mask has no object pixel', { file: maskFile });
}
