import type { RgbImage } from '@objsel/voc-data';
import { DcspError } from './errors';

/**
 * One image as DCSP's readers see it: the photo, its image-level tags and, for segmentation
 * training, a saliency map. Evaluation samples carry a ground-truth label instead.
 */
export interface DcspSample {
  /** Identifier used to name cue files and predictions (`2007_000032`). */
  name: string;
  /** The photo, 8-bit RGB. */
  image: RgbImage;
  /** Present object classes (1..20); ignored by evaluation. */
  tags: number[];
  /** Saliency at image size, `width * height` values in [0, 1] (segmentation list only). */
  saliency?: Float32Array;
  /** Ground truth class indices at image size, 255 = ignore (evaluation only). */
  label?: Uint8Array;
}

/**
 * A list of samples loaded on demand, so that a 10k-image list need not sit in memory. File
 * lists, archives or generated data all implement it; {@link arrayDataSource} wraps an array.
 */
export interface DcspDataSource {
  /** Number of samples. */
  readonly size: number;
  /** The `index`-th sample (0-based). */
  load(index: number): Promise<DcspSample>;
}

/** A {@link DcspDataSource} over samples already in memory. */
export function arrayDataSource(samples: readonly DcspSample[]): DcspDataSource {
  return {
    size: samples.length,
    load: async (index) => {
      const s = samples[index];
      if (!s) throw new DcspError('bad-input', `sample ${index} out of range (0..${samples.length - 1})`);
      return s;
    },
  };
}

/** Throws `bad-input` unless the sample's saliency (if required) and label fit its image. */
export function checkSample(sample: DcspSample, needs: { saliency?: boolean; label?: boolean }): void {
  const n = sample.image.width * sample.image.height;
  if (sample.image.data.length !== n * 3)
    throw new DcspError('bad-input', `image has ${sample.image.data.length} bytes, expected ${n * 3}`, { where: sample.name });
  if (needs.saliency) {
    if (!sample.saliency) throw new DcspError('bad-input', 'no saliency map', { where: sample.name });
    if (sample.saliency.length !== n) {
      throw new DcspError(
        'bad-input',
        `saliency has ${sample.saliency.length} values, the image ${sample.image.width}x${sample.image.height} = ${n} pixels`,
        { where: sample.name },
      );
    }
  }
  if (needs.label) {
    if (!sample.label) throw new DcspError('bad-input', 'no ground-truth label', { where: sample.name });
    if (sample.label.length !== n)
      throw new DcspError('bad-input', `label has ${sample.label.length} pixels, the image ${n}`, { where: sample.name });
  }
}
