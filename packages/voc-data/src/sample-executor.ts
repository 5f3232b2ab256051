import type { BatchSample } from './batch';
import type { ListEntry } from './lists';

/** Work description a worker (or the in-process path) turns into a sample. */
export interface SampleTask {
  entry: ListEntry;
  /** Seed parts of this sample's augmentation: `[seed, epoch, position]`. */
  seed: number[];
}

/** Runs sample tasks: in-process or on workers. */
export interface SampleExecutor {
  run(task: SampleTask): Promise<BatchSample>;
  close(): Promise<void>;
}
