/**
 * The one weights resolver: given a path, find the weights behind it, read them and say what
 * network they hold. Every loader (the CLI's `evaluate`/`infer`/`select`/`noc`, DCSP's
 * `loadDcspNetwork`, training's `--restore-from`) goes through it, so "where are the weights" has
 * one set of rules.
 *
 * Each way a path can hold weights is a {@link WeightsFormat} tried in order: objsel's own
 * (weights directory, snapshot directory, `model.json`), then TensorFlow checkpoints (a V2
 * prefix, a V1 file, a directory with TensorFlow's `checkpoint` file; converted on the fly).
 */
import {
  MODEL_JSON,
  baseName,
  isNotFound,
  joinPath,
  parentPath,
  readTextIfExists,
  type ObjselNetworkMeta,
  type ReadableFiles,
  type TfConversionReport,
  type WeightEntry,
} from '@objsel/caffe-import';
import { DeeplabError } from '../errors';
import { CHECKPOINT_INDEX, TRAINER_STATE, findLatestCheckpoint } from './checkpoint';
import { readWeights } from './read';
import { tfCheckpointFormat } from './tf-checkpoint-format';
import type { WeightsFormat, WeightsLocation } from './weights-format';

export type { WeightsFormat, WeightsLocation, WeightsSource } from './weights-format';

/**
 * What a network the weights hold is for:
 * - `semantic`: semantic segmentation of RGB images (3 input channels), e.g. DeepLab on VOC;
 * - `dcsp`: a DCSP network (its `model.json` names `dcsp.attentionLayer`): DeepLab plus an
 *   attention head, which a semantic loader leaves out;
 * - `other`: anything else, e.g. the 5-channel interactive network (RGB + two click maps, one
 *   output); its loader decides from `inputChannels` and `numClasses`.
 */
export type NetworkKind = 'semantic' | 'dcsp' | 'other';

/** {@link NetworkKind} with the numbers a loader checks. */
export interface WeightsNetwork {
  kind: NetworkKind;
  /** Channels of the network input. */
  inputChannels: number;
  /** Outputs of the classifier (`fc1_voc12_c*`). */
  numClasses: number;
  /** DCSP's attention layer name (`dcsp` only). */
  attentionLayer?: string;
}

/** What {@link resolveWeights} returns: where the weights are, the weights, and their network. */
export interface ResolvedWeights extends WeightsLocation {
  entries: WeightEntry[];
  /** The network description (the `objsel` section of `model.json`). */
  meta: ObjselNetworkMeta;
  network: WeightsNetwork;
  /** A TensorFlow checkpoint's conversion report: the inferred architecture, skipped optimiser slots and counters. */
  tfCheckpoint?: TfConversionReport;
}

const NAME_RE = /^ckpt-(\d+)$/;

async function readObjselDir(
  files: ReadableFiles,
  location: WeightsLocation,
): Promise<{ entries: WeightEntry[]; meta: ObjselNetworkMeta }> {
  const { entries, modelJson } = await readWeights(files, location.weightsPath);
  return { entries, meta: modelJson.objsel };
}

/** A step from `trainer.json`, or undefined when it cannot be read (the weights are still usable). */
async function checkpointStep(files: ReadableFiles, dir: string): Promise<number | undefined> {
  try {
    const step = (JSON.parse((await readTextIfExists(files, joinPath(dir, TRAINER_STATE))) ?? 'null') as { step?: unknown } | null)?.step;
    return typeof step === 'number' && Number.isSafeInteger(step) ? step : undefined;
  } catch {
    return undefined;
  }
}

/** Entry names of `dir`, none when it is missing or not a directory. */
async function namesIn(files: ReadableFiles, dir: string): Promise<string[]> {
  try {
    return await files.readdir(dir);
  } catch (error) {
    if (isNotFound(error) || (error as { code?: unknown } | null)?.code === 'ENOTDIR') return [];
    throw error;
  }
}

/**
 * A weights directory: `model.json` is there. It is a checkpoint when `trainer.json` is there
 * too. Checked first, so a directory with a `model.json` is always read as itself.
 */
const objselWeightsDir: WeightsFormat = {
  async locate(files, path) {
    if (!(await files.exists(joinPath(path, MODEL_JSON)))) return undefined;
    if (!(await files.exists(joinPath(path, TRAINER_STATE)))) return { path, source: 'weights-dir', weightsPath: path };
    const step = await checkpointStep(files, path);
    return { path, source: 'checkpoint', weightsPath: path, ...(step === undefined ? {} : { step }) };
  },
  read: readObjselDir,
};

/**
 * A snapshot directory: `checkpoint.json` or `ckpt-<step>/` directories; the latest complete
 * checkpoint is the one `checkpoint.json` names, else the complete one with the highest step.
 *
 * @throws DeeplabError `bad-weights` when it has no complete checkpoint.
 */
const objselSnapshotDir: WeightsFormat = {
  async locate(files, path) {
    const hasIndex = await files.exists(joinPath(path, CHECKPOINT_INDEX));
    if (!hasIndex && !(await namesIn(files, path)).some((name) => NAME_RE.test(name))) return undefined;
    const latest = await findLatestCheckpoint(files, path);
    if (!latest) {
      throw new DeeplabError('bad-weights', 'snapshot directory without a complete checkpoint (ckpt-<step>/ with trainer.json)', {
        file: path,
      });
    }
    return { path, source: 'snapshot-dir', weightsPath: latest.path, step: latest.step };
  },
  read: readObjselDir,
};

/** A `model.json` file named directly: the weights directory it is in. */
const objselModelJsonFile: WeightsFormat = {
  async locate(files, path) {
    if (baseName(path) !== MODEL_JSON || !(await files.exists(path))) return undefined;
    return { path, source: 'model-json', weightsPath: parentPath(path) };
  },
  read: readObjselDir,
};

/** Every format, in the order they are tried. */
const FORMATS: readonly WeightsFormat[] = [objselWeightsDir, objselSnapshotDir, objselModelJsonFile, tfCheckpointFormat];

async function find(files: ReadableFiles, path: string): Promise<{ location: WeightsLocation; format: WeightsFormat }> {
  for (const format of FORMATS) {
    const location = await format.locate(files, path);
    if (location) return { location, format };
  }
  if (!(await files.exists(path))) {
    throw new DeeplabError(
      'io',
      `no such file or directory (weights are a directory with ${MODEL_JSON}, a snapshot directory or a TensorFlow checkpoint)`,
      {
        file: path,
      },
    );
  }
  throw new DeeplabError(
    'bad-weights',
    `no weights here: not a weights directory (no ${MODEL_JSON}), a snapshot directory (no ${CHECKPOINT_INDEX} or ckpt-<step>/) nor a TensorFlow checkpoint (no 'checkpoint' file or .index)`,
    { file: path },
  );
}

/**
 * Finds the weights at `path` without reading them: a weights directory (`model.json`; a
 * checkpoint when `trainer.json` is beside it), a snapshot directory (its latest complete
 * checkpoint: `checkpoint.json`'s, else the highest complete `ckpt-<step>/`; incomplete and
 * leftover `.ckpt-*` directories are ignored), a `model.json` file, or a TensorFlow checkpoint
 * (V2 prefix, `.index`/`.data-*` file, V1 file, directory with TensorFlow's `checkpoint` file).
 *
 * @throws DeeplabError `io` when `path` does not exist, `bad-weights` when it holds no weights or
 * is a snapshot directory without a complete checkpoint.
 */
export async function locateWeights(files: ReadableFiles, path: string): Promise<WeightsLocation> {
  return (await find(files, path)).location;
}

/** What network `meta` describes (see {@link NetworkKind}). */
export function describeNetwork(meta: ObjselNetworkMeta): WeightsNetwork {
  const { inputChannels, numClasses } = meta;
  const attentionLayer = (meta as { dcsp?: { attentionLayer?: unknown } }).dcsp?.attentionLayer;
  if (typeof attentionLayer === 'string') return { kind: 'dcsp', inputChannels, numClasses, attentionLayer };
  return { kind: inputChannels === 3 ? 'semantic' : 'other', inputChannels, numClasses };
}

/**
 * Finds the weights at `path` ({@link locateWeights}), reads them and describes their network.
 *
 * @throws DeeplabError as {@link locateWeights}; `bad-weights` / `io` naming the file for an
 * unreadable, invalid or incomplete weights directory.
 */
export async function resolveWeights(files: ReadableFiles, path: string): Promise<ResolvedWeights> {
  const { location, format } = await find(files, path);
  const { entries, meta, tfCheckpoint } = await format.read(files, location);
  return { ...location, entries, meta, network: describeNetwork(meta), ...(tfCheckpoint ? { tfCheckpoint } : {}) };
}
