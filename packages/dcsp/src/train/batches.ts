import { SampleRng, augment, permutation, stackBatch, tagVector, type BatchSample } from '@objsel/voc-data';
import { presentClasses } from '../cues/tags';
import type { DcspDataSource, DcspSample } from '../data';
import { DcspError } from '../errors';

/** One training batch: NHWC BGR-minus-mean crops, their cue labels (segmentation) and tag vectors. */
export interface DcspBatch {
  /** `batchSize * height * width * 3`. */
  images: Float32Array;
  /** `batchSize * height * width` cue labels (0..20), padding 0; absent for the attention stage. */
  labels?: ArrayLike<number>;
  /** `batchSize * (numClasses - 1)` multi-hot tags without background (DCSP's `catg_wo_bcgd`). */
  tags: Float32Array;
  batchSize: number;
  height: number;
  width: number;
}

/** How batches are cut: DCSP always scales (U[0.5, 1.5)) and mirrors, and crops 321x321. */
export interface BatchOptions {
  /** `[height, width]` of the crop. */
  inputSize: readonly [number, number];
  randomScale: boolean;
  randomMirror: boolean;
  /** Classes with background (21); the tag vector has `numClasses - 1` entries. */
  numClasses: number;
}

/**
 * Where a {@link DcspBatcher} stands, for a checkpoint: its generator (shared by the stages of a
 * run) now and when the current epoch's order was drawn, the place in that order, and the
 * samples drawn so far. JSON as it is.
 */
export interface DcspBatcherState {
  samples: number;
  rng: number[];
  /** `null` before the first epoch. */
  epochRng: number[] | null;
  inEpoch: number;
}

/**
 * Draws batches from a data source in epoch-shuffled order (TF's `slice_input_producer` with
 * shuffling), augmenting each sample as DCSP's readers do: random scale, mirror, then pad and
 * random crop. Cue labels are padded with 0 (background), as DCSP does, never 255.
 *
 * Unlike deeplab-resnet's positional feeds, every draw (orders and augmentation) comes from one
 * generator that runs on across the stages of a run, as DCSP's numbers were produced with it;
 * {@link state} and {@link restore} carry it across a resume instead.
 */
export class DcspBatcher {
  private order: Uint32Array = new Uint32Array(0);
  private inEpoch = 0;
  private epochRng: number[] | null = null;
  private drawn = 0;

  constructor(
    private readonly source: DcspDataSource,
    private readonly rng: SampleRng,
    private readonly options: BatchOptions,
    /** Cue labels of a sample (segmentation stage); omitted for the attention stage. */
    private readonly labelsOf?: (sample: DcspSample) => Promise<Uint8Array>,
  ) {
    if (source.size === 0) throw new DcspError('bad-input', 'the data list is empty');
  }

  private nextIndex(): number {
    if (this.inEpoch >= this.order.length) {
      this.epochRng = this.rng.state();
      this.order = permutation(this.source.size, this.rng);
      this.inEpoch = 0;
    }
    this.drawn += 1;
    return this.order[this.inEpoch++]!;
  }

  /** Samples drawn so far. */
  get position(): number {
    return this.drawn;
  }

  /** Where the batcher and its generator stand. */
  state(): DcspBatcherState {
    return { samples: this.drawn, rng: this.rng.state(), epochRng: this.epochRng && [...this.epochRng], inEpoch: this.inEpoch };
  }

  /** Continues from a {@link state} (the generator, shared with the other stages, included). */
  restore(state: DcspBatcherState): void {
    const n = this.source.size;
    if (!Array.isArray(state?.rng) || !(Number.isSafeInteger(state.inEpoch) && state.inEpoch >= 0 && state.inEpoch <= n))
      throw new DcspError('bad-input', 'not a DCSP batcher state (a checkpoint of another kind of run?)');
    this.rng.setState(state.rng);
    if (state.epochRng) {
      const r = new SampleRng(0);
      r.setState(state.epochRng);
      this.order = permutation(n, r);
      this.epochRng = [...state.epochRng];
    } else {
      this.order = new Uint32Array(0);
      this.epochRng = null;
    }
    this.inEpoch = state.inEpoch;
    this.drawn = state.samples;
  }

  /** The next `batchSize` samples, augmented and stacked. */
  async next(batchSize: number): Promise<DcspBatch> {
    const [h, w] = this.options.inputSize;
    const samples: BatchSample[] = [];
    for (let b = 0; b < batchSize; b++) {
      const sample = await this.source.load(this.nextIndex());
      const label = this.labelsOf ? await this.labelsOf(sample) : undefined;
      const out = augment(
        sample.image,
        label,
        { crop: [h, w], randomScale: this.options.randomScale, randomMirror: this.options.randomMirror, labelPad: 0 },
        this.rng,
      );
      samples.push({
        ...out,
        id: sample.name,
        tags: tagVector(presentClasses(sample.tags, this.options.numClasses), this.options.numClasses),
      });
    }
    const batch = stackBatch(samples);
    return { images: batch.images, ...(batch.labels ? { labels: batch.labels } : {}), tags: batch.tags!, batchSize, height: h, width: w };
  }
}
