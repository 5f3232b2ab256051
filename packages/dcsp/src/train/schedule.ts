import * as tf from '@tensorflow/tfjs-core';
import {
  findLatestCheckpoint,
  joinPath,
  listCheckpoints,
  loadCheckpoint,
  type CheckpointContents,
  type WritableFiles,
} from '@objsel/deeplab-resnet';
import {
  DEFAULT_KEEP,
  TRAINER_STATE,
  checkpointName,
  runTrainingLoop,
  type LoopSettings,
  type TrainerStateFile,
} from '@objsel/deeplab-resnet/train';
import { SampleRng } from '@objsel/voc-data';
import type { AdaptMasking } from '../cues/adapt';
import { DCSP_BACKGROUND_THRESHOLD, DCSP_SCALES } from '../cues/constants';
import type { DcspDataSource } from '../data';
import { DcspError } from '../errors';
import type { DcspNetwork } from '../network';
import type { OnProgress } from '../progress';
import { DcspBatcher, type DcspBatch, type DcspBatcherState } from './batches';
import { MemoryCueStore, type CueStore } from './cue-store';
import { generateAdaptedCues, generateInitialCues } from './cues';
import { StageTrainer, type DcspTrainableSet, type StageConfig, type StageStepResult } from './step';

/** The stages of {@link trainDcsp}, in order. */
export type DcspStage = 'attention' | 'initial-cues' | 'segmentation' | 'adapt' | 'segmentation-adapted';

/** Everything {@link trainDcsp} takes; defaults are dcsp.py's. */
export interface DcspTrainOptions {
  /** The network to train (DeepLab + `fc1_voc12_d0`), e.g. restored from a classification checkpoint. */
  network: DcspNetwork;
  /** Images and tags for the attention stage (`--classfc-data-list`). */
  classfcData: DcspDataSource;
  /** Images, tags and saliency for cues and segmentation (`--segment-data-list`). */
  segmentData: DcspDataSource;
  /** Where cues live between stages; default in memory. */
  cueStore?: CueStore;
  /** Attention-stage updates (`--classfc-steps`, 30000). */
  classfcSteps?: number;
  /** Segmentation updates before and after each adaptation (`--adapt-after`, 10000). */
  adaptAfter?: number;
  /** Adaptation rounds (`ADAPT_STEPS`, 1). */
  adaptRounds?: number;
  /** Base learning rate of every stage (`--learning-rate`, 1e-3). */
  learningRate?: number;
  /** 10. */
  batchSize?: number;
  /** Crop `[h, w]`, 321x321. */
  inputSize?: readonly [number, number];
  momentum?: number;
  power?: number;
  weightDecay?: number;
  randomScale?: boolean;
  randomMirror?: boolean;
  /** 1234. */
  randomSeed?: number;
  /**
   * Variables of the attention stage: `fc` (DCSP) or `all` (the variant train_fcan.py has
   * commented out; needed when the backbone was not pre-trained as a classifier).
   */
  attentionTrainable?: DcspTrainableSet;
  /** BatchNorm on batch statistics with moving-average updates (not DCSP's; for training from scratch). */
  trainBatchNorm?: boolean;
  /** Decay of the moving statistics with `trainBatchNorm` (slim: 0.999). */
  bnDecay?: number;
  /** Scales of the cue passes, 1, 0.75, 0.5. */
  scales?: readonly number[];
  /** Background threshold of the initial cues, 0.4. */
  threshold?: number;
  /** Adaptation masking, DCSP's `multiply`. */
  adaptMasking?: AdaptMasking;
  /**
   * Where checkpoints go (deeplab-resnet's format: `<dir>/ckpt-<step>/` with `model.json` and
   * shards, optimiser state, `checkpoint.json` naming the latest, the last `keep` kept). The
   * attention stage writes `attnSnapshotDir/ckpt-<classfcSteps>`; segmentation writes
   * `snapshotDir/ckpt-<global step>`, the global step running on across adaptation rounds
   * (`adaptAfter`, `2 * adaptAfter`), as dcsp.py names them.
   */
  checkpoints?: { fs: WritableFiles; attnSnapshotDir: string; snapshotDir: string; keep?: number };
  /** Checkpoint every this many updates within a stage (DCSP: 1000); the end of a stage always saves. */
  saveEvery?: number;
  /**
   * Continue an interrupted run from its checkpoints (needs `checkpoints`), with the settings
   * they recorded: the stage the latest checkpoint belongs to resumes from it; the stages before
   * it are not run again — the network they ended with is restored from the checkpoint that ends
   * the stage before (the attention stage's last, or `snapshotDir/ckpt-<round * adaptAfter>`) and
   * the cues are regenerated from it. The result equals an uninterrupted run's.
   */
  resume?: boolean;
  /** Called after each stage with what has been done so far (e.g. to measure the cues). */
  onStage?: (stage: DcspStage, store: CueStore) => Promise<void> | void;
  onProgress?: OnProgress;
  /** What was resumed from where. */
  onInfo?: (message: string) => void;
}

/** Everything that shapes a DCSP run's outputs, recorded in each of its checkpoints (`run`) and reused on resume. */
export interface DcspRunSettings {
  algorithm: 'dcsp';
  classfcSteps: number;
  adaptAfter: number;
  adaptRounds: number;
  learningRate: number;
  momentum: number;
  power: number;
  weightDecay: number;
  batchSize: number;
  trainBatchNorm: boolean;
  bnDecay: number;
  inputSize: [number, number];
  randomSeed: number;
  randomScale: boolean;
  randomMirror: boolean;
  attentionTrainable: DcspTrainableSet;
  scales: number[];
  threshold: number;
  adaptMasking?: AdaptMasking;
  saveEvery: number;
  keep: number;
}

/** A stage's checkpoint record: the run's settings plus what the training loop reads. */
interface StageRunSettings extends LoopSettings, DcspRunSettings {
  kind: 'dcsp';
  stage: StageSummary['stage'];
  trainer: StageConfig & { numSteps: number };
}

/** Loss curve and timing of one training stage. */
export interface StageSummary {
  stage: 'attention' | 'segmentation' | 'segmentation-adapted';
  steps: number;
  firstLoss: number | null;
  lastLoss: number | null;
  seconds: number;
}

/** What {@link trainDcsp} did. */
export interface DcspTrainResult {
  stages: StageSummary[];
  /** Seconds spent generating cues (initial + adapted). */
  cueSeconds: number;
  cueStore: CueStore;
}

/** Assigns checkpoint entries to every variable of the network (backbone, ASPP head and attention head). */
function loadWeights(network: DcspNetwork, checkpoint: CheckpointContents, file: string): void {
  const byName = new Map(checkpoint.network.entries.map((e) => [e.name, e]));
  for (const [name, v] of network.variables) {
    const e = byName.get(name);
    if (!e || e.shape.length !== v.shape.length || e.shape.some((d, i) => d !== v.shape[i])) {
      throw new DcspError(
        'bad-input',
        e ? `shape [${e.shape.join(',')}] does not fit the network's [${v.shape.join(',')}]` : 'missing from the checkpoint',
        { file, where: name },
      );
    }
    tf.tidy(() => v.assign(tf.tensor(e.data, v.shape, 'float32')));
  }
}

async function runStage(
  name: StageSummary['stage'],
  network: DcspNetwork,
  batcher: DcspBatcher,
  run: DcspRunSettings,
  stage: StageConfig,
  place: { offset: number; resume: boolean; target?: { fs: WritableFiles; dir: string } },
  hooks: Pick<DcspTrainOptions, 'onProgress' | 'onInfo'>,
): Promise<StageSummary> {
  let trainer: StageTrainer | undefined;
  const settings: StageRunSettings = {
    kind: 'dcsp',
    stage: name,
    ...run,
    trainer: { ...stage, numSteps: stage.steps },
    savePredEvery: run.saveEvery,
    saveNumImages: 0,
    keep: run.keep,
  };
  const target = place.target;
  const result = await runTrainingLoop<DcspBatch, StageStepResult, StageRunSettings>({
    ...(target ? { output: { fs: target.fs, snapshotDir: target.dir } } : {}),
    resume: place.resume,
    settings,
    start: ({ checkpoint }) => {
      if (checkpoint) {
        loadWeights(network, checkpoint, target!.dir);
        batcher.restore(checkpoint.state.data as unknown as DcspBatcherState);
      }
      trainer = new StageTrainer(network, stage);
      const feed = {
        next: () => batcher.next(run.batchSize),
        get position() {
          return batcher.position;
        },
      };
      return { network, trainer, feed };
    },
    extraMetrics: (r) => ({ classification: r.classification, segmentation: r.segmentation }),
    dataInfo: () => {
      const { samples: _samples, ...where } = batcher.state();
      return { stage: name, stageStep: trainer!.step, ...where };
    },
    stepOffset: place.offset,
    task: `dcsp ${name}`,
    title: `dcsp ${name}${target ? ` ${target.dir}` : ''}`,
    nanHint: 'try a lower --learning-rate',
    ...(hooks.onProgress ? { onProgress: hooks.onProgress } : {}),
    ...(hooks.onInfo ? { onInfo: hooks.onInfo } : {}),
  });
  return {
    stage: name,
    steps: stage.steps,
    firstLoss: result.firstLoss ?? null,
    lastLoss: result.last?.loss ?? null,
    seconds: result.seconds,
  };
}

/** Where a resumed run picks up: the segmentation round to start, the checkpoint that ends the stage before it, and whether that round has a checkpoint of its own to resume from. */
interface ResumePoint {
  round: number;
  boundary: CheckpointContents;
  boundaryPath: string;
  midRound: boolean;
}

async function readRunSettings(fs: WritableFiles, checkpoint: string): Promise<DcspRunSettings> {
  const state = JSON.parse(new TextDecoder().decode(await fs.readFile(joinPath(checkpoint, TRAINER_STATE)))) as TrainerStateFile;
  const record = state.run as Partial<StageRunSettings>;
  if (record.kind !== 'dcsp') throw new DcspError('bad-input', 'the latest checkpoint is not of a DCSP run', { file: checkpoint });
  const { kind: _k, stage: _s, trainer: _t, savePredEvery: _e, saveNumImages: _n, ...run } = record;
  return run as DcspRunSettings;
}

/** The saved settings and, when a segmentation round is where the run stopped, where it resumes. */
async function resumePoint(ck: NonNullable<DcspTrainOptions['checkpoints']>): Promise<{ run?: DcspRunSettings; point?: ResumePoint }> {
  const seg = await findLatestCheckpoint(ck.fs, ck.snapshotDir);
  const attn = await findLatestCheckpoint(ck.fs, ck.attnSnapshotDir);
  const latest = seg ?? attn;
  if (!latest) return {};
  const run = await readRunSettings(ck.fs, latest.path);
  const a = run.adaptAfter;
  // No segmentation checkpoint yet: the attention stage resumes in its own loop.
  if (!seg || a === 0) return { run };
  const midRound = seg.step % a !== 0;
  const round = Math.floor(seg.step / a);
  let boundaryPath: string;
  if (round === 0) {
    if (!attn || attn.step !== run.classfcSteps)
      throw new DcspError('bad-input', `the attention stage's last checkpoint (ckpt-${run.classfcSteps}) is missing`, {
        file: ck.attnSnapshotDir,
      });
    boundaryPath = attn.path;
  } else {
    const found = (await listCheckpoints(ck.fs, ck.snapshotDir)).find((c) => c.step === round * a);
    if (!found)
      throw new DcspError(
        'bad-input',
        `cannot resume segmentation round ${round}: ${checkpointName(round * a)}, the network its cues come from, is gone (removed by keep?); keep more checkpoints or start afresh`,
        { file: ck.snapshotDir },
      );
    boundaryPath = found.path;
  }
  return { run, point: { round, boundary: await loadCheckpoint(ck.fs, boundaryPath), boundaryPath, midRound } };
}

function runSettingsOf(options: DcspTrainOptions): DcspRunSettings {
  const [h, w] = options.inputSize ?? [321, 321];
  return {
    algorithm: 'dcsp',
    classfcSteps: options.classfcSteps ?? 30000,
    adaptAfter: options.adaptAfter ?? 10000,
    adaptRounds: options.adaptRounds ?? 1,
    learningRate: options.learningRate ?? 1e-3,
    momentum: options.momentum ?? 0.9,
    power: options.power ?? 0.9,
    weightDecay: options.weightDecay ?? 5e-4,
    batchSize: options.batchSize ?? 10,
    trainBatchNorm: options.trainBatchNorm ?? false,
    bnDecay: options.bnDecay ?? 0.999,
    inputSize: [h, w],
    randomSeed: options.randomSeed ?? 1234,
    randomScale: options.randomScale ?? true,
    randomMirror: options.randomMirror ?? true,
    attentionTrainable: options.attentionTrainable ?? 'fc',
    scales: [...(options.scales ?? DCSP_SCALES)],
    threshold: options.threshold ?? DCSP_BACKGROUND_THRESHOLD,
    ...(options.adaptMasking ? { adaptMasking: options.adaptMasking } : {}),
    saveEvery: options.saveEvery ?? 1000,
    keep: options.checkpoints?.keep ?? DEFAULT_KEEP,
  };
}

/**
 * DCSP end to end (dcsp.py): train the attention network (only `fc*`, classification loss),
 * generate the initial cues for every image of the segmentation list, train segmentation
 * (softmax cross-entropy on the cues + classification loss, all layers) for `adaptAfter`
 * updates, then `adaptRounds` times: regenerate the cues from the segmentation network and
 * train `adaptAfter` more updates. Each stage has a fresh optimiser and its own poly schedule,
 * as each of DCSP's `main()` calls does; each runs in deeplab-resnet's training loop
 * (checkpoints, `metrics.jsonl`, `curve.svg` in its snapshot directory; `resume`).
 */
export async function trainDcsp(options: DcspTrainOptions): Promise<DcspTrainResult> {
  const network = options.network;
  const ck = options.checkpoints;
  if (options.resume && !ck) throw new DcspError('bad-config', 'resume needs checkpoints: the snapshot directories to resume from');
  const resumed = options.resume && ck ? await resumePoint(ck) : {};
  const run = resumed.run ?? runSettingsOf(options);
  const point = resumed.point;
  for (const [flag, v] of [
    ['classfcSteps', run.classfcSteps],
    ['adaptAfter', run.adaptAfter],
    ['adaptRounds', run.adaptRounds],
  ] as const) {
    if (!(Number.isSafeInteger(v) && v >= 0)) throw new DcspError('bad-config', `${flag} must be an integer >= 0, got ${v}`);
  }
  if (!(Number.isSafeInteger(run.batchSize) && run.batchSize > 0))
    throw new DcspError('bad-config', `batchSize must be a positive integer, got ${run.batchSize}`);
  const batchOptions = {
    inputSize: run.inputSize,
    randomScale: run.randomScale,
    randomMirror: run.randomMirror,
    numClasses: network.numClasses,
  };
  const store = options.cueStore ?? new MemoryCueStore();
  const cueOptions = {
    scales: run.scales,
    threshold: run.threshold,
    ...(run.adaptMasking ? { masking: run.adaptMasking } : {}),
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
  };
  const hooks = {
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    ...(options.onInfo ? { onInfo: options.onInfo } : {}),
  };
  const attnTarget = ck ? { fs: ck.fs, dir: ck.attnSnapshotDir } : undefined;
  const segTarget = ck ? { fs: ck.fs, dir: ck.snapshotDir } : undefined;
  const stageBase = {
    learningRate: run.learningRate,
    momentum: run.momentum,
    power: run.power,
    weightDecay: run.weightDecay,
    trainBatchNorm: run.trainBatchNorm,
    bnDecay: run.bnDecay,
  };
  const rng = new SampleRng(run.randomSeed);
  const stages: StageSummary[] = [];
  let cueSeconds = 0;

  const classfc = new DcspBatcher(options.classfcData, rng, batchOptions);
  const labelsOf = async (sample: { name: string }) => {
    const cues = await store.get(sample.name);
    if (!cues) throw new DcspError('bad-input', 'no cues were generated for this image', { where: sample.name });
    return cues.labels;
  };
  const segment = new DcspBatcher(options.segmentData, rng, batchOptions, labelsOf);
  const segConfig: StageConfig = { ...stageBase, steps: run.adaptAfter, trainable: 'all', objective: 'segmentation' };

  let firstRound = 0;
  if (!point) {
    // 1. Attention network (train_fcan.py).
    const attention: StageConfig = {
      ...stageBase,
      steps: run.classfcSteps,
      trainable: run.attentionTrainable,
      objective: 'classification',
    };
    stages.push(
      await runStage(
        'attention',
        network,
        classfc,
        run,
        attention,
        { offset: 0, resume: options.resume === true, ...(attnTarget ? { target: attnTarget } : {}) },
        hooks,
      ),
    );
    await options.onStage?.('attention', store);
  } else {
    // The stages before the resumed round ended with this checkpoint's network and generator.
    loadWeights(network, point.boundary, point.boundaryPath);
    const data = point.boundary.state.data as unknown as DcspBatcherState;
    if (point.round === 0) rng.setState(data.rng);
    else segment.restore(data);
    firstRound = point.round;
    options.onInfo?.(`resuming DCSP at segmentation round ${point.round} with the network of ${point.boundaryPath}`);
  }

  for (let round = firstRound; round <= run.adaptRounds; round++) {
    // 2. Initial cues (get_localization.py, adapt=False), or 4. regenerated cues of an adaptation round.
    const t0 = performance.now();
    if (round === 0) await generateInitialCues(network, options.segmentData, store, cueOptions);
    else await generateAdaptedCues(network, options.segmentData, store, cueOptions);
    cueSeconds += (performance.now() - t0) / 1000;
    await options.onStage?.(round === 0 ? 'initial-cues' : 'adapt', store);
    // 3. Segmentation (train_segmentation.py, adapt=False, then adapt=True).
    const name = round === 0 ? 'segmentation' : 'segmentation-adapted';
    const resume = point?.midRound === true && round === firstRound;
    stages.push(
      await runStage(
        name,
        network,
        segment,
        run,
        segConfig,
        { offset: round * run.adaptAfter, resume, ...(segTarget ? { target: segTarget } : {}) },
        hooks,
      ),
    );
    await options.onStage?.(name, store);
  }
  return { stages, cueSeconds, cueStore: store };
}
