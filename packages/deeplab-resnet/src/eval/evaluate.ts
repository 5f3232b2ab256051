import { VOC_CLASSES, decodeImage, decodeLabel, type ListEntry, type RgbImage } from '@objsel/voc-data';
import { DeeplabError } from '../errors';
import { DeepLabSegmenter, type SegmentOptions, type SegmentResult } from '../infer/segmenter';
import { DeepLabResNet } from '../model/deeplab';
import type { TrainableNetwork } from '../train/network';
import type { OnProgress } from '../progress';
import { ConfusionMatrix } from './confusion';

/** A network evaluation can run: a forward pass and its class count. */
export interface SegmentationNetwork {
  readonly config: { numClasses: number; inputChannels: number };
  forward: TrainableNetwork['forward'];
}

/** Input of a refinement step (dense CRF): soft-max probabilities at image size and the photo. */
export interface RefineInput {
  /** `height * width * numLabels` probabilities, HWC. */
  probs: Float32Array;
  /** The 8-bit RGB photo. */
  image: RgbImage;
  width: number;
  height: number;
  numLabels: number;
}

/** Turns probabilities into labels (e.g. `@objsel/dense-crf`'s `crfRefine`, wired in by the CLI). */
export type Refine = (input: RefineInput) => Uint8Array | Promise<Uint8Array>;

/**
 * Anything that labels an RGB image the way {@link DeepLabSegmenter} does (scales, soft-max on
 * request): that class on TF.js, `OnnxSegmenter` on ONNX Runtime.
 */
export interface ImageSegmenter {
  /** Channels of the logits (the classes). */
  readonly numClasses: number;
  segment(image: RgbImage, options?: Pick<SegmentOptions, 'scales' | 'probabilities'>): Promise<SegmentResult>;
}

/** Options of {@link evaluate}: the model as a `network` (TF.js, folded here) or a ready `segmenter` (e.g. `OnnxSegmenter`; not disposed). */
export type EvaluateOptions = EvaluateSettings &
  ({ network: SegmentationNetwork; segmenter?: never } | { segmenter: ImageSegmenter; network?: never });

/** What {@link evaluate} takes besides the model. */
export interface EvaluateSettings {
  /** List entries with image and label paths (`parseList` of voc-data). */
  entries: readonly ListEntry[];
  /** Reads a file's bytes. */
  read: (path: string) => Promise<Uint8Array>;
  /** `--num-steps`: images to evaluate (evaluate.py 1449); default all. */
  numSteps?: number;
  /** `--scales`: 1 (evaluate.py) or 1,0.75,0.5 (evaluate_msc.py). */
  scales?: readonly number[];
  /** A refinement of the probabilities (dense CRF). */
  refine?: Refine;
  /** Class names for reports; default the VOC names when there are 21 classes. */
  classNames?: readonly string[];
  onProgress?: OnProgress;
  /** Called with every image's prediction (to save masks). */
  onImage?: (result: { entry: ListEntry; image: RgbImage; prediction: Uint8Array }) => void | Promise<void>;
}

/** evaluate.py's figures, and more. */
export interface EvaluationResult {
  /** Mean IoU over the classes that occur (TF's `streaming_mean_iou`). */
  miou: number;
  /** Per-class IoU (null for a class neither present nor predicted). */
  perClassIoU: Array<{ id: number; name: string; iou: number | null }>;
  /** Correct / counted pixels. */
  pixelAccuracy: number;
  /** Rows = ground truth, columns = prediction. */
  confusionMatrix: number[][];
  /** Images evaluated. */
  images: number;
  numClasses: number;
  scales: number[];
  crf: boolean;
}

/** The names of `numClasses` classes: VOC's for 21, `class <i>` otherwise. */
export function classNamesFor(numClasses: number): string[] {
  return numClasses === VOC_CLASSES.length
    ? [...VOC_CLASSES]
    : Array.from({ length: numClasses }, (_, i) => (i === 0 ? 'background' : `class ${i}`));
}

/**
 * evaluate.py / evaluate_msc.py: every listed image at full size (batch 1, list order), labelled
 * by {@link DeepLabSegmenter} (logits max-fused over `scales`, bilinear upsampling with TF1
 * semantics, argmax; BatchNorm folded for a {@link DeepLabResNet}, the plain forward pass for
 * other networks), optionally refined, a confusion matrix with labels ≥ numClasses (255)
 * ignored, mean and per-class IoU.
 */
export async function evaluate(options: EvaluateOptions): Promise<EvaluationResult> {
  const { network, read } = options;
  const scales = [...(options.scales ?? [1])];
  const count = Math.min(options.numSteps ?? options.entries.length, options.entries.length);
  // Any network with the DeepLabResNet forward signature works unfolded; a real DeepLabResNet is folded (faster).
  const owned = network ? DeepLabSegmenter.fromModel(network as DeepLabResNet, { fold: network instanceof DeepLabResNet }) : undefined;
  const segmenter: ImageSegmenter = owned ?? options.segmenter!;
  const numClasses = segmenter.numClasses;
  const confusion = new ConfusionMatrix(numClasses);
  const names = options.classNames ? [...options.classNames] : classNamesFor(numClasses);
  try {
    for (let i = 0; i < count; i++) {
      const entry = options.entries[i]!;
      if (!entry.label) throw new DeeplabError('bad-input', 'evaluation needs a label path on every line', { where: `line ${entry.line}` });
      const [imageBytes, labelBytes] = await Promise.all([read(entry.image), read(entry.label)]);
      const image = await decodeImage(imageBytes, entry.image);
      const label = decodeLabel(labelBytes, entry.label);
      if (label.width !== image.width || label.height !== image.height) {
        throw new DeeplabError('bad-input', `label is ${label.width}x${label.height}, image ${image.width}x${image.height}`, {
          file: entry.label,
          where: `line ${entry.line}`,
        });
      }
      const { labels, probabilities } = await segmenter.segment(image, { scales, probabilities: options.refine !== undefined });
      const prediction = options.refine
        ? await options.refine({ probs: probabilities!, image, width: image.width, height: image.height, numLabels: numClasses })
        : labels;
      confusion.add(prediction, label.data);
      await options.onImage?.({ entry, image, prediction });
      options.onProgress?.({ task: 'evaluate', done: i + 1, total: count, metrics: { miou: confusion.meanIoU() } });
    }
  } finally {
    owned?.dispose();
  }
  return evaluationResult(confusion, { images: count, scales, crf: options.refine !== undefined, classNames: names });
}

/**
 * The figures of an evaluation from its confusion matrix: one function for a single run and for
 * matrices summed over shards or queue jobs, so both report the same mean IoU to the last digit.
 */
export function evaluationResult(
  confusion: ConfusionMatrix,
  run: { images: number; scales: readonly number[]; crf: boolean; classNames?: readonly string[] },
): EvaluationResult {
  const names = run.classNames ? [...run.classNames] : classNamesFor(confusion.numClasses);
  return {
    miou: confusion.meanIoU(),
    perClassIoU: confusion.iou().map((v, id) => ({ id, name: names[id] ?? `class ${id}`, iou: Number.isNaN(v) ? null : v })),
    pixelAccuracy: confusion.pixelAccuracy(),
    confusionMatrix: confusion.toRows(),
    images: run.images,
    numClasses: confusion.numClasses,
    scales: [...run.scales],
    crf: run.crf,
  };
}
