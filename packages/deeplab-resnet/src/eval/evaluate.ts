import * as tf from '@tensorflow/tfjs-core';
import { VOC_CLASSES, decodeImage, decodeLabel, preprocess, type ListEntry, type RgbImage } from '@objsel/voc-data';
import { DeeplabError } from '../errors';
import type { TrainableNetwork } from '../train/network';
import type { OnProgress } from '../train/progress';
import { scaledSize } from '../train/trainer';
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
 * Labels for one preprocessed image (BGR minus the mean, `[h, w, 3]`), as evaluate.py /
 * evaluate_msc.py compute them: logits (with several scales: the image resized by
 * `int(size * s)`, each scale's logits resized to the first scale's logits, element-wise max),
 * bilinear upsampling to the image size (TF1 `resize_bilinear`, no corner alignment), argmax.
 * With `probabilities`, also returns the soft-max of the upsampled logits (for a CRF).
 */
export async function segmentImage(
  network: SegmentationNetwork,
  bgr: Float32Array,
  height: number,
  width: number,
  options: { scales?: readonly number[]; probabilities?: boolean } = {},
): Promise<{ labels: Uint8Array; probs?: Float32Array }> {
  const scales = options.scales ?? [1];
  const channels = network.config.inputChannels;
  if (bgr.length !== height * width * channels) throw new DeeplabError('bad-input', `image holds ${bgr.length} values, expected ${height}x${width}x${channels}`);
  const [labelsT, probsT] = tf.tidy(() => {
    const x = tf.tensor4d(bgr, [1, height, width, channels]);
    const logits = scales.map((s) => {
      const input = s === 1 ? x : tf.image.resizeBilinear(x, [scaledSize(height, s), scaledSize(width, s)], false, false);
      return network.forward(input).logits;
    });
    const ref = logits[0]!;
    const fused = logits.length === 1 ? ref : (tf.max(tf.stack([ref, ...logits.slice(1).map((l) => tf.image.resizeBilinear(l, [ref.shape[1], ref.shape[2]], false, false))]), 0) as tf.Tensor4D);
    const up = tf.image.resizeBilinear(fused, [height, width], false, false);
    const labels = tf.argMax(up, 3);
    return options.probabilities ? [labels, tf.softmax(up)] : [labels];
  });
  const data = (await labelsT.data()) as Int32Array;
  labelsT.dispose();
  const labels = Uint8Array.from(data);
  if (!probsT) return { labels };
  const probs = new Float32Array((await probsT.data()) as Float32Array);
  probsT.dispose();
  return { labels, probs };
}

/** Options of {@link evaluate}. */
export interface EvaluateOptions {
  network: SegmentationNetwork;
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
  return numClasses === VOC_CLASSES.length ? [...VOC_CLASSES] : Array.from({ length: numClasses }, (_, i) => (i === 0 ? 'background' : `class ${i}`));
}

/**
 * evaluate.py / evaluate_msc.py: every listed image at full size (batch 1, list order), labels
 * as in {@link segmentImage} (optionally refined), confusion matrix with labels ≥ numClasses
 * (255) ignored, mean and per-class IoU.
 */
export async function evaluate(options: EvaluateOptions): Promise<EvaluationResult> {
  const { network, read } = options;
  const numClasses = network.config.numClasses;
  const scales = [...(options.scales ?? [1])];
  const count = Math.min(options.numSteps ?? options.entries.length, options.entries.length);
  const confusion = new ConfusionMatrix(numClasses);
  const names = options.classNames ? [...options.classNames] : classNamesFor(numClasses);
  for (let i = 0; i < count; i++) {
    const entry = options.entries[i]!;
    if (!entry.label) throw new DeeplabError('bad-input', 'evaluation needs a label path on every line', { where: `line ${entry.line}` });
    const [imageBytes, labelBytes] = await Promise.all([read(entry.image), read(entry.label)]);
    const image = await decodeImage(imageBytes, entry.image);
    const label = decodeLabel(labelBytes, entry.label);
    if (label.width !== image.width || label.height !== image.height) {
      throw new DeeplabError('bad-input', `label is ${label.width}x${label.height}, image ${image.width}x${image.height}`, { file: entry.label, where: `line ${entry.line}` });
    }
    const { labels, probs } = await segmentImage(network, preprocess(image), image.height, image.width, { scales, probabilities: options.refine !== undefined });
    const prediction = options.refine ? await options.refine({ probs: probs!, image, width: image.width, height: image.height, numLabels: numClasses }) : labels;
    confusion.add(prediction, label.data);
    await options.onImage?.({ entry, image, prediction });
    options.onProgress?.({ task: 'evaluate', done: i + 1, total: count, metrics: { miou: confusion.meanIoU() } });
  }
  return {
    miou: confusion.meanIoU(),
    perClassIoU: confusion.iou().map((v, id) => ({ id, name: names[id] ?? `class ${id}`, iou: Number.isNaN(v) ? null : v })),
    pixelAccuracy: confusion.pixelAccuracy(),
    confusionMatrix: confusion.toRows(),
    images: count,
    numClasses,
    scales,
    crf: options.refine !== undefined,
  };
}
