import { ConfusionMatrix, resnetConfig } from '@objsel/deeplab-resnet';
import {
  decodeLabel,
  makeSyntheticDataset,
  memoryFileSource,
  parseList,
  type FileSource,
  type ListEntry,
  type RgbImage,
} from '@objsel/voc-data';
import { listDataSource } from './list-data';
import type { DcspDataSource } from './data';
import { DcspError } from './errors';
import { evaluateDcsp } from './eval';
import { DcspNetwork } from './network';
import type { OnProgress } from './progress';
import type { CueStore } from './train/cue-store';
import { trainDcsp, type StageSummary } from './train/schedule';

/** Sizes of the DCSP demo run; the defaults take about a minute on two CPU cores (wasm). */
export interface DcspDemoOptions {
  /** Synthetic images (80% train, 20% val). */
  count?: number;
  /** Image side in pixels. */
  size?: number;
  /** Object classes (plus background). */
  classes?: number;
  classfcSteps?: number;
  adaptAfter?: number;
  batchSize?: number;
  /** Training crop side. */
  inputSize?: number;
  learningRate?: number;
  widthMultiplier?: number;
  blocks?: number[];
  asppRates?: number[];
  seed?: number;
  /** Decay of the BatchNorm moving statistics (trained from scratch, so on batch statistics). */
  bnDecay?: number;
  /** Dense CRF in the final evaluation (DCSP evaluates with it). */
  crf?: boolean;
  /** Training images to return with their ground truth, initial cues and prediction (default 0). */
  previews?: number;
  onProgress?: OnProgress;
}

/** What {@link runDcspDemo} measured (mIoU over background + classes against the ground truth the training never saw). */
export interface DcspDemoSummary {
  /** Mean IoU of the initial cues (attention + saliency) on the training images. */
  initialCueMiou: number;
  /** Mean IoU of the cues after the adaptation round. */
  adaptedCueMiou: number;
  /** The trained segmentation network on the same training images (3 scales, CRF if `crf`). */
  trainMiou: number;
  /** The same on held-out validation images. */
  valMiou: number;
  /** The network on the training images without the CRF (when `crf`; else equal to `trainMiou`). */
  trainMiouNoCrf: number;
  /** `trainMiou > initialCueMiou`: the network beats its own initial cues. */
  beatsInitialCues: boolean;
  images: { train: number; val: number };
  numClasses: number;
  stages: StageSummary[];
  seconds: { data: number; training: number; cues: number; evaluation: number; total: number };
  crf: boolean;
  /** With `previews`: the first training images, each with truth, initial cues and the final prediction. */
  previews?: DcspDemoPreview[];
}

/** One training image of the demo: what the network saw (cues) against what it learned. */
export interface DcspDemoPreview {
  name: string;
  image: RgbImage;
  /** Ground truth (255 = void), never used in training. */
  truth: Uint8Array;
  /** The initial cues (attention + saliency). */
  cues: Uint8Array;
  /** The trained network's prediction (3 scales, CRF if `crf`). */
  prediction: Uint8Array;
}

/** Mean IoU of stored cues against ground-truth labels (255 ignored), matched by image name. */
export async function cueMeanIoU(store: CueStore, truth: DcspDataSource, numClasses: number): Promise<number> {
  const matrix = new ConfusionMatrix(numClasses);
  for (let i = 0; i < truth.size; i++) {
    const sample = await truth.load(i);
    if (!sample.label) throw new DcspError('bad-input', 'no ground truth', { where: sample.name });
    const cues = await store.get(sample.name);
    if (!cues) throw new DcspError('bad-input', 'no cues for this image', { where: sample.name });
    matrix.add(cues.labels, sample.label);
  }
  return matrix.meanIoU();
}

/**
 * The DCSP demo: makes a synthetic VOC-format dataset in memory (voc-data's maker: images,
 * tags in `ClassCategories`, saliency maps, and ground truth used only for scoring), trains a
 * small DCSP network through the whole schedule (attention, cues, segmentation, one adaptation
 * round) and compares the segmentation network's mean IoU with its own initial cues'.
 * The backbone starts untrained (there is no ImageNet classifier here), so the attention stage
 * trains every layer, the variant DCSP's train_fcan.py keeps commented out.
 */
export async function runDcspDemo(options: DcspDemoOptions = {}): Promise<DcspDemoSummary> {
  const t0 = performance.now();
  const size = options.size ?? 64;
  const classes = options.classes ?? 3;
  const numClasses = classes + 1;
  const files = new Map<string, Uint8Array>();
  await makeSyntheticDataset(
    {
      count: options.count ?? 40,
      seed: options.seed ?? 1234,
      width: size,
      height: size,
      classes,
      minObjects: 1,
      maxObjects: 2,
      minSize: Math.round(size * 0.3),
      maxSize: Math.round(size * 0.7),
      sbd: false,
    },
    (path, bytes) => {
      files.set(path, bytes);
    },
  );
  // List lines say `/JPEGImages/x.jpg` (appended to --data-dir); the maker's keys have no leading slash.
  const memory = memoryFileSource(files);
  const source: FileSource = { read: (p) => memory.read(p.replace(/^\/+/, '')) };
  const list = (name: string): ListEntry[] => parseList(new TextDecoder().decode(files.get(name)!), { file: name, dataDir: '' });
  const trainTruth = list('train.txt');
  const valTruth = list('val.txt');
  const tData = performance.now();

  const network = DcspNetwork.create(
    resnetConfig(50, {
      numClasses,
      widthMultiplier: options.widthMultiplier ?? 1 / 8,
      blocks: options.blocks ?? [1, 1, 1, 1],
      asppRates: options.asppRates ?? [1, 2, 3, 4],
    }),
    { seed: options.seed ?? 1234 },
  );
  let initialCueMiou = Number.NaN;
  let adaptedCueMiou = Number.NaN;
  let cueScoring = 0;
  const previewCount = Math.min(options.previews ?? 0, trainTruth.length);
  const previewNames = new Set(trainTruth.slice(0, previewCount).map((e) => e.id));
  const previewCues = new Map<string, Uint8Array>();
  const previews: DcspDemoPreview[] = [];
  const truthSource = listDataSource(trainTruth, source, { numClasses });
  try {
    const result = await trainDcsp({
      network,
      classfcData: listDataSource(list('train_labels_only.txt'), source, { numClasses }),
      segmentData: listDataSource(list('train_attn_sal_labels.txt'), source, { numClasses }),
      classfcSteps: options.classfcSteps ?? 50,
      adaptAfter: options.adaptAfter ?? 80,
      learningRate: options.learningRate ?? 2e-3,
      batchSize: options.batchSize ?? 4,
      inputSize: [options.inputSize ?? size, options.inputSize ?? size],
      randomSeed: options.seed ?? 1234,
      attentionTrainable: 'all',
      trainBatchNorm: true,
      bnDecay: options.bnDecay ?? 0.9,
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
      onStage: async (stage, store) => {
        const s = performance.now();
        if (stage === 'initial-cues') {
          initialCueMiou = await cueMeanIoU(store, truthSource, numClasses);
          for (const name of previewNames) previewCues.set(name, (await store.get(name))!.labels);
        }
        if (stage === 'adapt') adaptedCueMiou = await cueMeanIoU(store, truthSource, numClasses);
        cueScoring += performance.now() - s;
      },
    });
    const tTrain = performance.now();
    const crf = options.crf ?? true;
    const evalOptions = {
      network,
      read: (p: string) => source.read(p),
      crf,
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    };
    const train = await evaluateDcsp({
      ...evalOptions,
      entries: trainTruth,
      onImage: async ({ entry, image, prediction }) => {
        if (!previewNames.has(entry.id)) return;
        const truth = decodeLabel(await source.read(entry.label!), entry.label).data;
        previews.push({ name: entry.id, image, truth, cues: previewCues.get(entry.id)!, prediction: Uint8Array.from(prediction) });
      },
    });
    const val = await evaluateDcsp({ ...evalOptions, entries: valTruth });
    const trainNoCrf = crf ? await evaluateDcsp({ ...evalOptions, crf: false, entries: trainTruth }) : train;
    const tEnd = performance.now();
    const training = (tTrain - tData - cueScoring) / 1000 - result.cueSeconds;
    return {
      initialCueMiou,
      adaptedCueMiou,
      trainMiou: train.miou,
      valMiou: val.miou,
      trainMiouNoCrf: trainNoCrf.miou,
      beatsInitialCues: train.miou > initialCueMiou,
      images: { train: trainTruth.length, val: valTruth.length },
      numClasses,
      stages: result.stages,
      seconds: {
        data: (tData - t0) / 1000,
        training,
        cues: result.cueSeconds,
        evaluation: (tEnd - tTrain) / 1000,
        total: (tEnd - t0) / 1000,
      },
      crf,
      ...(previewCount > 0 ? { previews } : {}),
    };
  } finally {
    network.dispose();
  }
}
