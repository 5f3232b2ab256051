import { SampleRng, permutation } from '@objsel/voc-data';
import { DeeplabError } from '../errors';

/** What every positional feed is given (the data flags of train.py that do not depend on the sample kind). */
export interface FeedOptions {
  /** Samples per batch. */
  batchSize: number;
  /** Fixes the epoch orders and every sample's randomness. */
  seed: number;
  /** Shuffle each epoch (train.py's `slice_input_producer(shuffle=True)`); default true. */
  shuffle?: boolean;
  /** Decoded images kept in memory between epochs, in bytes; default 512 MiB. */
  cacheBytes?: number;
}

/** Where sample `i` of a stream comes from. */
export interface SampleSlot {
  /** Position in the stream (samples handed out before it). */
  position: number;
  /** `floor(position / items)`. */
  epoch: number;
  /** `position mod items`: the place in the epoch's order. */
  slot: number;
  /** The item drawn: `order(epoch)[slot]`. */
  index: number;
  /** `SampleRng([seed, epoch, slot])`: the sample's own generator, so it depends on nothing else. */
  rng: SampleRng;
}

/** Default byte cap of the decoded-image cache. */
export const DEFAULT_CACHE_BYTES = 512 * 1024 * 1024;

/**
 * Decoded images kept in memory up to a byte budget: the first entries that fit stay for the
 * whole run (no eviction, so later epochs of a small list never decode again), the rest are
 * decoded each time they are drawn.
 */
export class DecodedCache<K, V> {
  private readonly entries = new Map<K, V>();
  private used = 0;

  constructor(
    /** The budget in bytes. */
    readonly capBytes: number,
    private readonly sizeOf: (value: V) => number,
  ) {}

  /** Bytes held. */
  get bytes(): number {
    return this.used;
  }

  /** Entries held. */
  get size(): number {
    return this.entries.size;
  }

  /** The cached value of `key`, else `load()`'s, kept when it fits in the budget. */
  async get(key: K, load: () => Promise<V>): Promise<V> {
    const hit = this.entries.get(key);
    if (hit !== undefined) return hit;
    const value = await load();
    const bytes = this.sizeOf(value);
    if (!this.entries.has(key) && this.used + bytes <= this.capBytes) {
      this.entries.set(key, value);
      this.used += bytes;
    }
    return value;
  }
}

/**
 * The training stream every trainer's data shares: epoch by epoch over `items` in a seeded order
 * (`permutation(n, SampleRng([seed, epoch]))`), sample `i` made from its {@link SampleSlot} alone — so
 * the stream is a function of `(seed, i)` and a run resumed at {@link position} sees exactly the
 * batches an uninterrupted run would have — and the next batch made while the caller trains on
 * the current one. A batch that fails to build is reported when (and if) it is asked for.
 * Subclasses say how one sample is made ({@link makeSample}, typically decoding through a
 * {@link DecodedCache}) and how samples become a batch ({@link assemble}).
 */
export abstract class PositionalFeed<Item, Sample, Batch> {
  private consumed: number;
  private pending: Promise<Batch> | undefined;
  private readonly orders = new Map<number, Uint32Array>();

  protected constructor(
    protected readonly items: readonly Item[],
    protected readonly feedOptions: FeedOptions,
    start = 0,
  ) {
    if (!Number.isSafeInteger(feedOptions.batchSize) || feedOptions.batchSize <= 0)
      throw new DeeplabError('bad-config', `batch size must be a positive integer, got ${feedOptions.batchSize}`);
    if (!Number.isSafeInteger(start) || start < 0)
      throw new DeeplabError('bad-config', `stream position must be an integer >= 0, got ${start}`);
    this.consumed = start;
  }

  /** Samples handed out so far (the resume position). */
  get position(): number {
    return this.consumed;
  }

  /** The next batch; starts making the one after. */
  next(): Promise<Batch> {
    const current = this.pending ?? this.prepare(this.consumed);
    this.consumed += this.feedOptions.batchSize;
    this.pending = this.prepare(this.consumed);
    // A failed prefetch is reported when (and if) its batch is asked for.
    this.pending.catch(() => undefined);
    return current;
  }

  /** Where sample `position` of the stream comes from. */
  protected slotAt(position: number): SampleSlot {
    const n = this.items.length;
    const epoch = Math.floor(position / n);
    const slot = position % n;
    return { position, epoch, slot, index: this.order(epoch)[slot]!, rng: new SampleRng([this.feedOptions.seed, epoch, slot]) };
  }

  /** One sample of the stream from its item and slot. */
  protected abstract makeSample(item: Item, at: SampleSlot): Promise<Sample>;

  /** The batch of `samples` (in stream order). */
  protected abstract assemble(samples: Sample[]): Batch;

  private order(epoch: number): Uint32Array {
    let order = this.orders.get(epoch);
    if (!order) {
      const n = this.items.length;
      order =
        this.feedOptions.shuffle === false
          ? Uint32Array.from({ length: n }, (_, i) => i)
          : permutation(n, new SampleRng([this.feedOptions.seed, epoch]));
      this.orders.clear();
      this.orders.set(epoch, order);
    }
    return order;
  }

  private async prepare(start: number): Promise<Batch> {
    const samples: Sample[] = [];
    for (let i = start; i < start + this.feedOptions.batchSize; i++) {
      const at = this.slotAt(i);
      samples.push(await this.makeSample(this.items[at.index]!, at));
    }
    return this.assemble(samples);
  }
}
