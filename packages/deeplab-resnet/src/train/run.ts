import * as tf from '@tensorflow/tfjs-core';
import { parseList, type ListEntry } from '@objsel/voc-data';
import type { ObjselNetworkMeta, WeightEntry } from '@objsel/caffe-import';
import { DeeplabError } from '../errors';
import type { DeepLabConfig } from '../model/config';
import { DeepLabResNet, configFromMeta } from '../model/deeplab';
import {
  cleanStaleCheckpointFiles,
  findLatestCheckpoint,
  loadCheckpoint,
  saveCheckpoint,
  type CheckpointContents,
  type TrainerStateFile,
} from '../checkpoint/checkpoint';
import { resolveWeights } from '../checkpoint/resolve';
import { joinPath, readTextIfExists, writeFileAtomic, type WritableFiles } from '@objsel/caffe-import';
import { ListTrainingData, type FeedBatch, type TrainingDataOptions } from './data-feed';
import { truncateMetricsLog, type MetricsLine } from './metrics-log';
import { isLastLayer } from './param-groups';
import { predictionStrip, trainingCurveSvg, type CurvePoint } from './pictures';
import type { OnProgress } from './progress';
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
  /** `--restore-from`: a weights directory (`objsel convert` output or a checkpoint) or a snapshot directory (its latest checkpoint). */
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
interface RunSettings {
  mode: 'train' | 'fine-tune';
  trainer: TrainerConfig;
  data: Omit<TrainingDataOptions, 'cacheBytes'>;
  dataDir: string;
  dataList: string;
  savePredEvery: number;
  saveNumImages: number;
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
  return parseList(text, { file: dataList, dataDir });
}

function networkFromRestore(
  entries: WeightEntry[],
  meta: ObjselNetworkMeta,
  options: TrainOptions,
  numClasses: number,
  seed: number,
): DeepLabResNet {
  if (!options.notRestoreLast) {
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
  const base = configFromMeta(meta, options.bnEpsilon === undefined ? {} : { bnEpsilon: options.bnEpsilon });
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
  initializeLastLayers(net, seed);
  return net;
}

/**
 * Trains (or fine-tunes) a DeepLab-v2 ResNet as train.py / train_msc.py / fine_tune.py do, with
 * crash-safe checkpoints in `snapshotDir/ckpt-<step>/`, `metrics.jsonl` (one line per update),
 * `images/step-<n>.png` strips (image | ground truth | prediction) and `curve.svg`.
 *
 * With `resume`, the latest checkpoint's weights, optimiser state, step, data position and saved
 * settings are restored (only `trainer.numSteps` may be raised), so the result equals an
 * uninterrupted run. A NaN or infinite loss stops the run with a `non-finite-loss` error naming
 * the last good checkpoint; nothing is written for the bad update.
 */
export async function train(options: TrainOptions): Promise<TrainSummary> {
  const fs = options.fs;
  const started = performance.now();
  const info = options.onInfo ?? (() => undefined);
  const mode = options.mode ?? 'train';
  const defaults = mode === 'fine-tune' ? FINE_TUNE_DEFAULTS : TRAIN_DEFAULTS;
  const snapshotDir = options.snapshotDir;
  await fs.mkdir(snapshotDir, { recursive: true });
  const stale = await cleanStaleCheckpointFiles(fs, snapshotDir);
  if (stale.length) info(`removed ${stale.length} leftover(s) of an interrupted save in ${snapshotDir}`);

  let settings: RunSettings = {
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
  };

  let network: DeepLabResNet;
  let resumed: CheckpointContents | undefined;
  let resumedFrom: string | undefined;
  const latest = options.resume ? await findLatestCheckpoint(fs, snapshotDir) : undefined;
  if (options.resume && !latest) info(`no checkpoint in ${snapshotDir} to resume from: starting a new run`);
  if (latest) {
    resumed = await loadCheckpoint(fs, latest.path);
    resumedFrom = latest.path;
    const saved = resumed.state.run as unknown as RunSettings;
    const numSteps = options.trainer?.numSteps ?? saved.trainer.numSteps;
    // Fields added since the checkpoint was written take their defaults.
    settings = { ...saved, trainer: { ...defaults, ...saved.trainer, numSteps } };
    network = DeepLabResNet.fromWeights(
      resumed.network.entries,
      resumed.network.meta,
      options.bnEpsilon === undefined ? {} : { bnEpsilon: options.bnEpsilon },
    );
    info(`resuming from ${latest.path} (step ${latest.step})`);
  } else if (options.restoreFrom) {
    const { weightsPath: dir, entries, meta } = await resolveWeights(fs, options.restoreFrom);
    network = networkFromRestore(entries, meta, options, settings.trainer.numClasses, settings.data.seed);
    info(`restored ${options.notRestoreLast ? 'all but the last layers' : 'the network'} from ${dir}`);
  } else {
    if (!options.model)
      throw new DeeplabError('bad-config', 'nothing to train: give restoreFrom (--restore-from) or a model to start from scratch');
    network = DeepLabResNet.create({ ...options.model, numClasses: settings.trainer.numClasses }, { seed: settings.data.seed });
    info(`new network from scratch (seed ${settings.data.seed})`);
  }

  const trainer = new Trainer(network, settings.trainer);
  let feed: ListTrainingData | undefined;
  try {
    if (resumed) trainer.loadState({ entries: resumed.optimizer, scalars: resumed.state.optimizerScalars });
    const entries = await readList(fs, settings.dataDir, settings.dataList);
    const startSamples = resumed ? Number((resumed.state.data as { samples?: number }).samples ?? 0) : 0;
    const read = (p: string) => fs.readFile(p);
    feed = new ListTrainingData(entries, read, settings.data, startSamples);

    const metricsFile = joinPath(snapshotDir, 'metrics.jsonl');
    const curve: CurvePoint[] = resumed ? await truncateMetricsLog(fs, metricsFile, trainer.step) : [];
    if (!resumed) await fs.writeFile(metricsFile, '');
    await fs.mkdir(joinPath(snapshotDir, 'images'), { recursive: true });

    const { numSteps, gradUpdateEvery } = settings.trainer;
    const startStep = trainer.step;
    let lastCheckpoint = resumedFrom ?? '';
    let last: StepResult | undefined;
    let images = 0;
    const loopStart = performance.now();
    const task = mode === 'fine-tune' ? 'fine-tune' : 'train';
    if (trainer.step >= numSteps) info(`already at step ${trainer.step} of ${numSteps}: nothing to do`);

    const save = async (result: StepResult): Promise<void> => {
      const optimizerState = await trainer.state();
      const state: TrainerStateFile = {
        format: 'objsel-trainer-state',
        version: 1,
        step: trainer.step,
        optimizerScalars: optimizerState.scalars,
        data: { samples: feed!.position, seed: settings.data.seed, listLength: entries.length },
        run: settings as unknown as Record<string, unknown>,
        loss: result.loss,
        savedAt: new Date().toISOString(),
      };
      const weights = await network.toWeightEntries();
      const broken = weights.find((e) => !e.data.every(Number.isFinite));
      if (broken) {
        const keepMsg = lastCheckpoint ? `the last good checkpoint is ${lastCheckpoint}` : 'no checkpoint was written';
        throw new DeeplabError(
          'non-finite-loss',
          `weights became NaN or infinite at step ${trainer.step}; training stopped, ${keepMsg} (try a lower --learning-rate)`,
          { where: broken.name },
        );
      }
      lastCheckpoint = await saveCheckpoint(
        fs,
        snapshotDir,
        { network: { entries: weights, meta: network.meta() }, optimizer: optimizerState.entries, state },
        { keep: options.keep ?? 10 },
      );
    };

    while (trainer.step < numSteps) {
      const batches: FeedBatch[] = [];
      for (let k = 0; k < gradUpdateEvery; k++) batches.push(await feed.next());
      const upcoming = trainer.step + 1;
      const savePoint = upcoming % settings.savePredEvery === 0 || upcoming === numSteps;
      const t0 = performance.now();
      let result: StepResult;
      try {
        result = await trainer.trainStep(batches, { predictions: savePoint ? settings.saveNumImages : 0 });
      } catch (error) {
        if (error instanceof DeeplabError && error.code === 'non-finite-loss') {
          const keepMsg = lastCheckpoint ? `the last good checkpoint is ${lastCheckpoint}` : 'no checkpoint was written yet';
          throw new DeeplabError('non-finite-loss', `${error.message}; training stopped, ${keepMsg} (try a lower --learning-rate)`, {
            cause: error,
          });
        }
        throw error;
      }
      const seconds = (performance.now() - t0) / 1000;
      last = result;
      images += result.images;
      const imagesPerSecond = result.images / seconds;
      const line: MetricsLine = {
        step: result.step,
        loss: result.loss,
        l2: result.l2,
        lr: result.learningRate,
        seconds,
        imagesPerSecond,
        tensors: tf.memory().numTensors,
        time: new Date().toISOString(),
      };
      await fs.appendFile(metricsFile, `${JSON.stringify(line)}\n`);
      curve.push({ step: result.step, loss: result.loss, learningRate: result.learningRate });
      options.onProgress?.({
        task,
        done: result.step,
        total: numSteps,
        metrics: { loss: result.loss, lr: result.learningRate, stepTime: seconds, imagesPerSec: imagesPerSecond },
      });
      if (savePoint) {
        if (result.predictions?.length) {
          await writeFileAtomic(
            fs,
            joinPath(snapshotDir, 'images', `step-${result.step}.png`),
            predictionStrip(batches[0]!, result.predictions),
          );
        }
        await writeFileAtomic(fs, joinPath(snapshotDir, 'curve.svg'), trainingCurveSvg(curve, `${task} ${snapshotDir}`));
        await save(result);
      }
    }
    const seconds = (performance.now() - started) / 1000;
    const loopSeconds = (performance.now() - loopStart) / 1000;
    return {
      steps: trainer.step,
      stepsThisRun: trainer.step - startStep,
      loss: last?.loss ?? resumed?.state.loss ?? Number.NaN,
      seconds,
      imagesPerSecond: loopSeconds > 0 ? images / loopSeconds : 0,
      checkpoint: lastCheckpoint,
      ...(resumedFrom ? { resumedFrom } : {}),
      network,
    };
  } catch (error) {
    network.dispose();
    throw error;
  } finally {
    trainer.dispose();
  }
}
