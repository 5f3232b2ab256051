import type { RgbImage } from './image';

/**
 * Four figures of an image, each in [0, 1], that separate the domains a network may have been
 * trained on (photos, renders, scans) at a glance, cheaply and without a network:
 * - `brightness`: mean luma (ITU-R 601) / 255;
 * - `contrast`: standard deviation of luma / 255;
 * - `saturation`: mean of (max − min channel) / 255;
 * - `flatness`: share of horizontal neighbour pairs with exactly the same colour (high for
 *   rendered or flat-shaded images, near 0 for camera photos, whose sensor noise and JPEG
 *   artefacts vary every pixel).
 */
export interface ImageStatistics {
  brightness: number;
  contrast: number;
  saturation: number;
  flatness: number;
}

/** The names of {@link ImageStatistics}, in a fixed order. */
export const IMAGE_STATISTICS = ['brightness', 'contrast', 'saturation', 'flatness'] as const;

/** What a network was trained on, as written into its weights' metadata (`objsel.domain`). */
export interface ImageDomain {
  /** The training data, e.g. its data directory and list file. */
  dataset: string;
  /** Images the statistics were computed on. */
  images: number;
  /** Mean and standard deviation of each statistic over those images. */
  statistics: Record<keyof ImageStatistics, { mean: number; std: number }>;
}

/** The statistic of an image farthest from a domain. */
export interface DomainDistance {
  statistic: keyof ImageStatistics;
  /** The image's value. */
  value: number;
  /** The domain's mean and spread (the spread floored at {@link DOMAIN_MIN_SPREAD}). */
  mean: number;
  spread: number;
  /** |value − mean| / spread. */
  z: number;
}

/**
 * The smallest spread a domain statistic is given: a handful of similar training images would
 * otherwise make every slightly different image "far". 0.02 is 2% of the statistic's range.
 */
export const DOMAIN_MIN_SPREAD = 0.02;

/**
 * An image is far from a domain when one statistic lies more than this many spreads from the
 * training images' mean: with the spread floor, at least 0.08 of a statistic's range (e.g. a
 * VOC photo, luma contrast 0.31, against voc-data's synthetic renders, 0.10 ± 0.02).
 */
export const DOMAIN_FAR_Z = 4;

/** The {@link ImageStatistics} of an 8-bit RGB image. */
export function imageStatistics(image: RgbImage): ImageStatistics {
  const { data, width, height } = image;
  const n = width * height;
  let sum = 0;
  let sumSq = 0;
  let saturation = 0;
  let equal = 0;
  for (let i = 0; i < n; i++) {
    const r = data[3 * i]!;
    const g = data[3 * i + 1]!;
    const b = data[3 * i + 2]!;
    const luma = 0.299 * r + 0.587 * g + 0.114 * b;
    sum += luma;
    sumSq += luma * luma;
    saturation += Math.max(r, g, b) - Math.min(r, g, b);
    if ((i + 1) % width !== 0 && r === data[3 * i + 3] && g === data[3 * i + 4] && b === data[3 * i + 5]) equal++;
  }
  const mean = sum / n;
  const pairs = (width - 1) * height;
  return {
    brightness: mean / 255,
    contrast: Math.sqrt(Math.max(0, sumSq / n - mean * mean)) / 255,
    saturation: saturation / n / 255,
    flatness: pairs > 0 ? equal / pairs : 0,
  };
}

/** The domain of a set of images from their statistics. */
export function imageDomain(dataset: string, statistics: readonly ImageStatistics[]): ImageDomain {
  const out = {} as ImageDomain['statistics'];
  for (const key of IMAGE_STATISTICS) {
    const values = statistics.map((s) => s[key]);
    const mean = values.reduce((a, b) => a + b, 0) / Math.max(1, values.length);
    const variance = values.reduce((a, v) => a + (v - mean) ** 2, 0) / Math.max(1, values.length);
    out[key] = { mean, std: Math.sqrt(variance) };
  }
  return { dataset, images: statistics.length, statistics: out };
}

/** The statistic of `image` farthest from `domain`, in spreads (see {@link DOMAIN_FAR_Z}). */
export function domainDistance(domain: ImageDomain, image: ImageStatistics): DomainDistance {
  let farthest: DomainDistance | undefined;
  for (const key of IMAGE_STATISTICS) {
    const { mean, std } = domain.statistics[key];
    const spread = Math.max(std, DOMAIN_MIN_SPREAD);
    const z = Math.abs(image[key] - mean) / spread;
    if (!farthest || z > farthest.z) farthest = { statistic: key, value: image[key], mean, spread, z };
  }
  return farthest!;
}

/** True for metadata that holds an {@link ImageDomain} (weights may predate it or come from elsewhere). */
export function isImageDomain(value: unknown): value is ImageDomain {
  const d = value as ImageDomain;
  return (
    typeof d === 'object' &&
    d !== null &&
    typeof d.dataset === 'string' &&
    typeof d.statistics === 'object' &&
    d.statistics !== null &&
    IMAGE_STATISTICS.every((k) => Number.isFinite(d.statistics[k]?.mean) && Number.isFinite(d.statistics[k]?.std))
  );
}
