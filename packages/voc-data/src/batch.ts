import { VocDataError } from './errors';
import type { AugmentedSample } from './augment';

/**
 * A training batch in the layout the network consumes: NHWC float32 images (BGR minus the mean)
 * and N×H×W int32 labels (255 = ignore), plus optional tags and extra maps.
 */
export interface Batch {
  size: number;
  height: number;
  width: number;
  /** `size * height * width * 3`. */
  images: Float32Array;
  /** `size * height * width`, present when the samples had labels. */
  labels?: Int32Array;
  /** `size * (numClasses - 1)` multi-hot tags, present when the samples had tags. */
  tags?: Float32Array;
  /** Per extra map: `size * height * width * channels`. */
  maps?: Float32Array[];
  /** Image ids, in batch order. */
  ids: string[];
}

/** A sample ready for batching: augmented pixels plus its id and optional tag vector. */
export type BatchSample = AugmentedSample & { id: string; tags?: Float32Array };

/** Stacks same-sized samples into a {@link Batch}; different sizes are an `unsupported` error. */
export function stackBatch(samples: readonly BatchSample[]): Batch {
  if (samples.length === 0) throw new VocDataError('unsupported', 'stackBatch: no samples');
  const { height, width } = samples[0]!;
  const hw = height * width;
  for (const s of samples) {
    if (s.height !== height || s.width !== width) {
      throw new VocDataError(
        'size-mismatch',
        `cannot batch ${s.id} (${s.width}x${s.height}) with ${samples[0]!.id} (${width}x${height}); use a crop size or batch size 1`,
      );
    }
  }
  const images = new Float32Array(samples.length * hw * 3);
  samples.forEach((s, i) => {
    images.set(s.image, i * hw * 3);
  });
  const batch: Batch = { size: samples.length, height, width, images, ids: samples.map((s) => s.id) };
  if (samples.every((s) => s.label)) {
    const labels = new Int32Array(samples.length * hw);
    samples.forEach((s, i) => {
      labels.set(s.label!, i * hw);
    }); // TypedArray.set widens uint8 → int32
    batch.labels = labels;
  }
  if (samples.every((s) => s.tags)) {
    const t = samples[0]!.tags!.length;
    const tags = new Float32Array(samples.length * t);
    samples.forEach((s, i) => {
      tags.set(s.tags!, i * t);
    });
    batch.tags = tags;
  }
  const nMaps = samples[0]!.maps?.length ?? 0;
  if (nMaps > 0 && samples.every((s) => s.maps?.length === nMaps)) {
    batch.maps = [];
    for (let m = 0; m < nMaps; m++) {
      const per = samples[0]!.maps![m]!.length;
      const out = new Float32Array(samples.length * per);
      samples.forEach((s, i) => {
        out.set(s.maps![m]!, i * per);
      });
      batch.maps.push(out);
    }
  }
  return batch;
}
