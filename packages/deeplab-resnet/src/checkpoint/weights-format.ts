import type { ObjselNetworkMeta, ReadableFiles, TfConversionReport, WeightEntry } from '@objsel/caffe-import';

/** What the path given turned out to be. */
export type WeightsSource =
  /** A weights directory: `model.json` + shards (`objsel convert` output, a training run's export). */
  | 'weights-dir'
  /** A checkpoint `ckpt-<step>/`: a weights directory with `trainer.json` and `optimizer/`. */
  | 'checkpoint'
  /** A snapshot directory (`checkpoint.json` and/or `ckpt-<step>/` directories): its latest complete checkpoint. */
  | 'snapshot-dir'
  /** A `model.json` file: the weights directory it is in. */
  | 'model-json'
  /** A TensorFlow V1/V2 checkpoint (the TF port's names), converted on the fly. */
  | 'tf-checkpoint';

/** Where {@link locateWeights} found the weights. */
export interface WeightsLocation {
  /** The path given. */
  path: string;
  /** What it is. */
  source: WeightsSource;
  /** What is read: the weights directory (for a snapshot directory, its latest checkpoint; for a TensorFlow checkpoint, its prefix or V1 file). */
  weightsPath: string;
  /** The checkpoint's step, for a checkpoint or a snapshot directory (when known). */
  step?: number;
}

/** One way a path can hold weights. */
export interface WeightsFormat {
  /** The location when `path` holds weights this way, else undefined. */
  locate(files: ReadableFiles, path: string): Promise<WeightsLocation | undefined>;
  /** Reads what `locate` found. */
  read(
    files: ReadableFiles,
    location: WeightsLocation,
  ): Promise<{ entries: WeightEntry[]; meta: ObjselNetworkMeta; tfCheckpoint?: TfConversionReport }>;
}
