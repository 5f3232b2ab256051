import { saveCheckpoint, type WritableFiles } from '@objsel/deeplab-resnet';
import { Rng } from '@objsel/voc-data';
import type { AdaptMasking } from '../cues/adapt';
import { DCSP_BACKGROUND_THRESHOLD, DCSP_SCALES } from '../cues/constants';
import type { DcspDataSource } from '../data';
import { DcspError } from '../errors';
import type { DcspNetwork } from '../network';
import type { DcspProgress } from '../progress';
import { DcspBatcher } from './batches';
import { MemoryCueStore, type CueStore } from './cue-store';
import { generateAdaptedCues, generateInitialCues } from './cues';
import { StageTrainer, type DcspObjective, type DcspTrainableSet, type StageStepResult } from './step';

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
  /** Called after each stage with what has been done so far (e.g. to measure the cues). */
  onStage?: (stage: DcspStage, store: CueStore) => Promise<void> | void;
  onProgress?: (event: DcspProgress) => void;
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

async function runStage(
  name: StageSummary['stage'],
  network: DcspNetwork,
  batcher: DcspBatcher,
  config: {
    steps: number;
    learningRate: number;
    momentum: number;
    power: number;
    weightDecay: number;
    trainable: DcspTrainableSet;
    objective: DcspObjective;
    batchSize: number;
    trainBatchNorm: boolean;
    bnDecay: number;
  },
  checkpoint: { every: number; offset: number; target?: { fs: WritableFiles; dir: string; keep?: number }; run: Record<string, unknown> },
  onProgress?: (event: DcspProgress) => void,
): Promise<StageSummary> {
  const start = performance.now();
  const trainer = new StageTrainer(network, config);
  let first: StageStepResult | undefined;
  let last: StageStepResult | undefined;
  const save = async (step: number, loss: number | undefined) => {
    const target = checkpoint.target;
    if (!target) return;
    const globalStep = checkpoint.offset + step;
    await saveCheckpoint(
      target.fs,
      target.dir,
      {
        network: { entries: await network.toWeightEntries(), meta: network.meta() },
        optimizer: await trainer.optimizerState(),
        state: {
          format: 'objsel-trainer-state',
          version: 1,
          step: globalStep,
          optimizerScalars: {},
          data: { stage: name, stageStep: step },
          run: checkpoint.run,
          ...(loss === undefined ? {} : { loss }),
          savedAt: new Date().toISOString(),
        },
      },
      target.keep === undefined ? {} : { keep: target.keep },
    );
  };
  try {
    for (let s = 0; s < config.steps; s++) {
      const t0 = performance.now();
      const batch = await batcher.next(config.batchSize);
      last = await trainer.trainStep(batch);
      first ??= last;
      const seconds = (performance.now() - t0) / 1000;
      const metrics: Record<string, number> = {
        loss: last.loss,
        lr: last.learningRate,
        classification: last.classification,
        imagesPerSecond: config.batchSize / seconds,
      };
      if (last.segmentation !== undefined) metrics.segmentation = last.segmentation;
      onProgress?.({ task: `dcsp ${name}`, done: last.step, total: config.steps, metrics });
      if (checkpoint.every > 0 && last.step % checkpoint.every === 0 && last.step !== config.steps) await save(last.step, last.loss);
    }
    await save(config.steps, last?.loss);
  } finally {
    trainer.dispose();
  }
  return {
    stage: name,
    steps: config.steps,
    firstLoss: first?.loss ?? null,
    lastLoss: last?.loss ?? null,
    seconds: (performance.now() - start) / 1000,
  };
}

/**
 * DCSP end to end (dcsp.py): train the attention network (only `fc*`, classification loss),
 * generate the initial cues for every image of the segmentation list, train segmentation
 * (softmax cross-entropy on the cues + classification loss, all layers) for `adaptAfter`
 * updates, then `adaptRounds` times: regenerate the cues from the segmentation network and
 * train `adaptAfter` more updates. Each stage has a fresh optimiser and its own poly schedule,
 * as each of DCSP's `main()` calls does.
 */
export async function trainDcsp(options: DcspTrainOptions): Promise<DcspTrainResult> {
  const network = options.network;
  const classfcSteps = options.classfcSteps ?? 30000;
  const adaptAfter = options.adaptAfter ?? 10000;
  const adaptRounds = options.adaptRounds ?? 1;
  for (const [flag, v] of [
    ['classfcSteps', classfcSteps],
    ['adaptAfter', adaptAfter],
    ['adaptRounds', adaptRounds],
  ] as const) {
    if (!(Number.isSafeInteger(v) && v >= 0)) throw new DcspError('bad-config', `${flag} must be an integer >= 0, got ${v}`);
  }
  const base = {
    learningRate: options.learningRate ?? 1e-3,
    momentum: options.momentum ?? 0.9,
    power: options.power ?? 0.9,
    weightDecay: options.weightDecay ?? 5e-4,
    batchSize: options.batchSize ?? 10,
    trainBatchNorm: options.trainBatchNorm ?? false,
    bnDecay: options.bnDecay ?? 0.999,
  };
  if (!(Number.isSafeInteger(base.batchSize) && base.batchSize > 0))
    throw new DcspError('bad-config', `batchSize must be a positive integer, got ${base.batchSize}`);
  const batchOptions = {
    inputSize: options.inputSize ?? ([321, 321] as const),
    randomScale: options.randomScale ?? true,
    randomMirror: options.randomMirror ?? true,
    numClasses: network.numClasses,
  };
  const store = options.cueStore ?? new MemoryCueStore();
  const cueOptions = {
    scales: options.scales ?? DCSP_SCALES,
    threshold: options.threshold ?? DCSP_BACKGROUND_THRESHOLD,
    ...(options.adaptMasking ? { masking: options.adaptMasking } : {}),
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
  };
  const every = options.saveEvery ?? 1000;
  const ck = options.checkpoints;
  const attnTarget = ck ? { fs: ck.fs, dir: ck.attnSnapshotDir, ...(ck.keep === undefined ? {} : { keep: ck.keep }) } : undefined;
  const segTarget = ck ? { fs: ck.fs, dir: ck.snapshotDir, ...(ck.keep === undefined ? {} : { keep: ck.keep }) } : undefined;
  const run: Record<string, unknown> = {
    algorithm: 'dcsp',
    classfcSteps,
    adaptAfter,
    adaptRounds,
    ...base,
    inputSize: batchOptions.inputSize,
    randomSeed: options.randomSeed ?? 1234,
  };
  const rng = new Rng(options.randomSeed ?? 1234);
  const stages: StageSummary[] = [];
  let cueSeconds = 0;

  // 1. Attention network (train_fcan.py).
  const classfc = new DcspBatcher(options.classfcData, rng, batchOptions);
  stages.push(
    await runStage(
      'attention',
      network,
      classfc,
      { ...base, steps: classfcSteps, trainable: options.attentionTrainable ?? 'fc', objective: 'classification' },
      { every, offset: 0, run, ...(attnTarget ? { target: attnTarget } : {}) },
      options.onProgress,
    ),
  );
  await options.onStage?.('attention', store);

  // 2. Initial cues (get_localization.py, adapt=False).
  let t0 = performance.now();
  await generateInitialCues(network, options.segmentData, store, cueOptions);
  cueSeconds += (performance.now() - t0) / 1000;
  await options.onStage?.('initial-cues', store);

  const labelsOf = async (sample: { name: string }) => {
    const cues = await store.get(sample.name);
    if (!cues) throw new DcspError('bad-input', 'no cues were generated for this image', { where: sample.name });
    return cues.labels;
  };
  const segment = new DcspBatcher(options.segmentData, rng, batchOptions, labelsOf);
  const segConfig = { ...base, steps: adaptAfter, trainable: 'all' as const, objective: 'segmentation' as const };

  // 3. Segmentation before adaptation (train_segmentation.py, adapt=False).
  stages.push(
    await runStage(
      'segmentation',
      network,
      segment,
      segConfig,
      { every, offset: 0, run, ...(segTarget ? { target: segTarget } : {}) },
      options.onProgress,
    ),
  );
  await options.onStage?.('segmentation', store);

  // 4. Adaptation rounds.
  for (let round = 1; round <= adaptRounds; round++) {
    t0 = performance.now();
    await generateAdaptedCues(network, options.segmentData, store, cueOptions);
    cueSeconds += (performance.now() - t0) / 1000;
    await options.onStage?.('adapt', store);
    stages.push(
      await runStage(
        'segmentation-adapted',
        network,
        segment,
        segConfig,
        { every, offset: round * adaptAfter, run, ...(segTarget ? { target: segTarget } : {}) },
        options.onProgress,
      ),
    );
    await options.onStage?.('segmentation-adapted', store);
  }
  return { stages, cueSeconds, cueStore: store };
}
