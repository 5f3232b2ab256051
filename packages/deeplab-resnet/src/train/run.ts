import * as tf from '@tensorflow/tfjs-core';
import { parseList, type ListEntry } from '@objsel/voc-data';
import { readTextIfExists, type ObjselNetworkMeta, type WeightEntry, type WritableFiles } from '@objsel/caffe-import';
import { DeeplabError } from '../errors';
import type { DeepLabConfig } from '../model/config';
import { DeepLabResNet, configFromMeta, isBackboneMeta } from '../model/deeplab';
import { DEFAULT_KEEP } from '../checkpoint/checkpoint';
import { resolveWeights } from '../checkpoint/resolve';
import { ListTrainingData, type FeedBatch, type TrainingDataOptions } from './data-feed';
import { groupBatches, runTrainingLoop, type LoopSettings } from './loop';
import { initializeHeadLikeTfPort } from './head-init';
import { isLastLayer } from './param-groups';
import { predictionStrip } from './pictures';
import type { OnProgress } from '../progress';
import { FINE_TUNE_DEFAULTS, TRAIN_DEFAULTS, Trainer, type StepResult, type TrainerConfig } from './trainer';

/** Everything `objsel train` / `objsel fine-tune` do, as options. */
export interface TrainOptions {
  /** File access (Node: `nodeFileSystem` of `@objsel/caffe-import/node`). */
  fs: WritableFiles;
  /** `train` (train.py / train_msc.py) or `fine-tune` (fine_tune.py); picks the defaults. */
  mode?: 'train' | 'fine-tune';
  /** `--data-dir`: list paths are appended to it. */
  dataDir: string;
  /** `--data-list`: `/JPEGImages/x.jpg /SegmentationClassAug/x.png` lines. */
  dataList: string;
  /**
   * `--restore-from`: a weights directory (`objsel convert` output or a checkpoint), a snapshot
   * directory (its latest checkpoint) or a TensorFlow checkpoint. A ResNet backbone (no head)
   * gets a new head initialised as the TF port's (Glorot uniform), as with `notRestoreLast`.
   */
  restoreFrom?: string;
  /** `--not-restore-last`: restore everything but `fc*`, which start Gaussian (std 0.01) with zero biases. */
  notRestoreLast?: boolean;
  /** The network to build from scratch when nothing is restored (also sets the shape with `notRestoreLast`). */
  model?: DeepLabConfig;
  /** BatchNorm epsilon override for restored weights. */
  bnEpsilon?: number;
  /** `--snapshot-dir`. */
  snapshotDir: string;
  /** `--resume`: continue from the latest checkpoint in `snapshotDir` with its saved settings. */
  resume?: boolean;
  /** The optimisation (defaults: train.py's, or fine_tune.py's in `fine-tune` mode). */
  trainer?: Partial<TrainerConfig>;
  /** `--batch-size` (train.py 10, fine_tune.py 4). */
  batchSize?: number;
  /** `--input-size` `[h, w]` (321, 321). */
  inputSize?: [number, number];
  /** `--random-scale`. */
  randomScale?: boolean;
  /** `--random-mirror`. */
  randomMirror?: boolean;
  /** `--random-seed` (1234): data order, augmentation and new weights. */
  randomSeed?: number;
  /** `--ignore-label` (255): the label padding value. */
  ignoreLabel?: number;
  /** `--save-pred-every`: checkpoint and pictures every this many updates (train.py 1000, fine_tune.py 100). */
  savePredEvery?: number;
  /** `--save-num-images`: images in each picture strip (2). */
  saveNumImages?: number;
  /** Checkpoints kept (10). */
  keep?: number;
  /** Progress after every update. */
  onProgress?: OnProgress;
  /** Informational messages (what was restored, where checkpoints go). */
  onInfo?: (message: string) => void;
}

/** What a finished run reports; `network` is the trained network (the caller disposes it). */
export interface TrainSummary {
  /** Updates applied in all (including those before a resume). */
  steps: number;
  /** Updates applied by this call. */
  stepsThisRun: number;
  /** Loss of the last update. */
  loss: number;
  /** Wall time of this call in seconds. */
  seconds: number;
  /** Training throughput of this call. */
  imagesPerSecond: number;
  /** The last checkpoint written. */
  checkpoint: string;
  /** The checkpoint this call resumed from, if any. */
  resumedFrom?: string;
  network: DeepLabResNet;
}

export type { MetricsLine } from './metrics-log';

/** The settings a checkpoint records and a resumed run reuses. */
interface RunSettings extends LoopSettings {
  kind: 'segmentation';
  mode: 'train' | 'fine-tune';
  trainer: TrainerConfig;
  data: Omit<TrainingDataOptions, 'cacheBytes'>;
  dataDir: string;
  dataList: string;
}

/** Gaussian std 0.01 weights, zero biases for every `fc*` variable (Caffe's fc8 fillers), seeded. */
export function initializeLastLayers(network: { variables: Map<string, tf.Variable> }, seed: number): void {
  let i = 0;
  for (const [name, v] of network.variables) {
    if (!isLastLayer(name)) continue;
    i += 1;
    tf.tidy(() => v.assign(name.endsWith('biases') ? tf.zerosLike(v) : tf.randomNormal(v.shape, 0, 0.01, 'float32', seed * 1000 + i)));
  }
}

async function readList(fs: WritableFiles, dataDir: string, dataList: string): Promise<ListEntry[]> {
  const text = await readTextIfExists(fs, dataList);
  if (text === undefined) throw new DeeplabError('io', 'data list not found', { file: dataList });
  const entries = parseList(text, { file: dataList, dataDir });
  // Every listed file before the first update: a missing one stops the run now, not hours in.
  for (const entry of entries)
    for (const file of [entry.image, entry.label])
      if (file !== undefined && !(await fs.exists(file)))
        throw new DeeplabError('io', `no such file (line ${entry.line} of ${dataList})`, { file });
  return entries;
}

function networkFromRestore(
  entries: WeightEntry[],
  meta: ObjselNetworkMeta,
  options: TrainOptions,
  numClasses: number,
  seed: number,
): DeepLabResNet {
  const backbone = isBackboneMeta(meta);
  if (!options.notRestoreLast && !backbone) {
    const net = DeepLabResNet.fromWeights(entries, meta, options.bnEpsilon === undefined ? {} : { bnEpsilon: options.bnEpsilon });
    if (net.config.numClasses !== numClasses) {
      net.dispose();
      throw new DeeplabError(
        'bad-config',
        `the restored weights have ${net.config.numClasses} classes, training asks for ${numClasses}; add --not-restore-last to start the last layers afresh`,
      );
    }
    return net;
  }
  const base = configFromMeta(meta, { ...(options.bnEpsilon === undefined ? {} : { bnEpsilon: options.bnEpsilon }), numClasses });
  const net = DeepLabResNet.create({ ...base, numClasses }, { seed });
  const byName = new Map(entries.map((e) => [e.name, e]));
  for (const [name, v] of net.variables) {
    if (isLastLayer(name)) continue;
    const e = byName.get(name);
    if (!e || e.shape.length !== v.shape.length || e.shape.some((d, i) => d !== v.shape[i])) {
      net.dispose();
      throw new DeeplabError(
        'bad-weights',
        e ? `shape [${e.shape.join(',')}] does not fit [${v.shape.join(',')}]` : 'missing from the restored weights',
        { where: name },
      );
    }
    tf.tidy(() => v.assign(tf.tensor(e.data, v.shape, 'float32')));
  }
  if (backbone) initializeHeadLikeTfPort(net, seed);
  else initializeLastLayers(net, seed);
  return net;
}

/**
 * Trains (or fine-tunes) a DeepLab-v2 ResNet as train.py / train_msc.py / fine_tune.py do, with
 * crash-safe checkpoints in `snapshotDir/ckpt-<step>/`, `metrics.jsonl` (one line per update),
 * `images/step-<n>.png` strips (image | ground truth | prediction) and `curve.svg`.
 *
 * With `resume`, the latest checkpoint's weights, optimiser state, step, data position and saved
 * settings (`keep` included) are restored (only `trainer.numSteps` may be raised), so the result
 * equals an uninterrupted run. A NaN or infinite loss stops the run with a `non-finite-loss`
 * error naming the last good checkpoint; nothing is written for the bad update. The loop is
 * {@link runTrainingLoop}'s.
 */
export async function train(options: TrainOptions): Promise<TrainSummary> {
  const fs = options.fs;
  const info = options.onInfo ?? (() => undefined);
  const mode = options.mode ?? 'train';
  const defaults = mode === 'fine-tune' ? FINE_TUNE_DEFAULTS : TRAIN_DEFAULTS;
  const eps = options.bnEpsilon === undefined ? {} : { bnEpsilon: options.bnEpsilon };
  const settings: RunSettings = {
    kind: 'segmentation',
    mode,
    trainer: { ...defaults, ...options.trainer, scales: [...(options.trainer?.scales ?? defaults.scales)] },
    data: {
      batchSize: options.batchSize ?? (mode === 'fine-tune' ? 4 : 10),
      inputSize: options.inputSize ?? [321, 321],
      randomScale: options.randomScale ?? false,
      randomMirror: options.randomMirror ?? false,
      seed: options.randomSeed ?? 1234,
      ignoreLabel: options.ignoreLabel ?? 255,
    },
    dataDir: options.dataDir,
    dataList: options.dataList,
    savePredEvery: options.savePredEvery ?? (mode === 'fine-tune' ? 100 : 1000),
    saveNumImages: options.saveNumImages ?? 2,
    keep: options.keep ?? DEFAULT_KEEP,
  };
  let network: DeepLabResNet | undefined;
  let active = settings;
  let listLength = 0;
  try {
    const run = await runTrainingLoop<FeedBatch[], StepResult, RunSettings>({
      output: { fs, snapshotDir: options.snapshotDir },
      ...(options.resume ? { resume: true } : {}),
      settings,
      ...(options.trainer?.numSteps === undefined ? {} : { numSteps: options.trainer.numSteps }),
      // Checkpoints of earlier versions: no kind, and trainer fields added since take their defaults.
      restoreSettings: (saved) => {
        const s = saved as unknown as RunSettings;
        return {
          ...s,
          kind: s.kind === undefined && s.mode !== undefined ? 'segmentation' : s.kind,
          trainer: { ...defaults, ...s.trainer },
        };
      },
      start: async ({ settings: s, checkpoint, samples }) => {
        active = s;
        if (checkpoint) {
          network = DeepLabResNet.fromWeights(checkpoint.network.entries, checkpoint.network.meta, eps);
        } else if (options.restoreFrom) {
          const { weightsPath: dir, entries, meta } = await resolveWeights(fs, options.restoreFrom);
          network = networkFromRestore(entries, meta, options, s.trainer.numClasses, s.data.seed);
          info(
            isBackboneMeta(meta)
              ? `restored the ResNet backbone from ${dir}; new ${s.trainer.numClasses}-class head (Glorot uniform, as the TF port)`
              : `restored ${options.notRestoreLast ? 'all but the last layers' : 'the network'} from ${dir}`,
          );
        } else {
          if (!options.model)
            throw new DeeplabError('bad-config', 'nothing to train: give restoreFrom (--restore-from) or a model to start from scratch');
          network = DeepLabResNet.create({ ...options.model, numClasses: s.trainer.numClasses }, { seed: s.data.seed });
          info(`new network from scratch (seed ${s.data.seed})`);
        }
        const entries = await readList(fs, s.dataDir, s.dataList);
        listLength = entries.length;
        const feed = new ListTrainingData(entries, (p) => fs.readFile(p), s.data, samples);
        const trainer = new Trainer(network, s.trainer);
        return { network, trainer, feed: groupBatches(feed, s.trainer.gradUpdateEvery) };
      },
      picture: (batches, result) => (result.predictions?.length ? predictionStrip(batches[0]!, result.predictions) : undefined),
      dataInfo: () => ({ seed: active.data.seed, listLength }),
      task: mode,
      title: `${mode} ${options.snapshotDir}`,
      nanHint: 'try a lower --learning-rate',
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
      onInfo: info,
    });
    return {
      steps: run.steps,
      stepsThisRun: run.stepsThisRun,
      loss: run.loss,
      seconds: run.seconds,
      imagesPerSecond: run.imagesPerSecond,
      checkpoint: run.checkpoint,
      ...(run.resumedFrom ? { resumedFrom: run.resumedFrom } : {}),
      network: network!,
    };
  } catch (error) {
    network?.dispose();
    throw error;
  }
}
