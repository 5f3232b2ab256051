import * as tf from '@tensorflow/tfjs-core';
import { preprocess, type RgbImage } from '@objsel/voc-data';
import { multiScaleOutput } from '../attention';
import { adaptCues, type AdaptMasking } from '../cues/adapt';
import { attentionCues, type AttentionCues } from '../cues/attention-cues';
import { DCSP_BACKGROUND_THRESHOLD, DCSP_SCALES } from '../cues/constants';
import { labelsFromCues } from '../cues/fuse';
import { checkSample, type DcspDataSource } from '../data';
import type { DcspForward, DcspNetwork } from '../network';
import type { OnProgress } from '../progress';
import type { CueStore } from './cue-store';

/** An image as a `[1, H, W, 3]` network input (RGB → BGR minus the mean). */
export function imageTensor(image: RgbImage): tf.Tensor4D {
  return tf.tensor4d(preprocess(image), [1, image.height, image.width, 3]);
}

/**
 * The raw multi-scale `fc1_voc12_d0` attention of one image at image size (HWC, one channel
 * per object class): what `objsel dcsp cues --attention` takes as `A.npy`.
 */
export async function attentionMap(net: DcspForward, image: RgbImage, scales: readonly number[] = DCSP_SCALES): Promise<Float32Array> {
  const x = imageTensor(image);
  const fused = multiScaleOutput(net, x, 'attention', scales);
  x.dispose();
  const data = (await fused.data()) as Float32Array;
  fused.dispose();
  return data;
}

/** The multi-scale `fc1_voc12` logits of one image at image size (HWC, `numClasses` channels). */
export async function logitsMap(net: DcspForward, image: RgbImage, scales: readonly number[] = DCSP_SCALES): Promise<Float32Array> {
  const x = imageTensor(image);
  const fused = multiScaleOutput(net, x, 'logits', scales);
  x.dispose();
  const data = (await fused.data()) as Float32Array;
  fused.dispose();
  return data;
}

/** Options of the cue passes. */
export interface CuePassOptions {
  scales?: readonly number[];
  /** Background threshold of the initial cues (0.4). */
  threshold?: number;
  /** Adaptation masking (DCSP: `multiply`). */
  masking?: AdaptMasking;
  onProgress?: OnProgress;
}

/**
 * DCSP's initial cues for every image of a segmentation list (get_localization.py, then the
 * segment reader's fusion): 3-scale attention, per-class min-max normalisation, tag mask,
 * harmonic mean with the saliency, background below 0.4, argmax. Stores labels and the
 * normalised present-class attention (`actv`). Runs on the network's folded inference copy.
 */
export async function generateInitialCues(
  net: DcspNetwork,
  source: DcspDataSource,
  store: CueStore,
  options: CuePassOptions = {},
): Promise<void> {
  const inference = net.inference();
  try {
    await initialCuesWith(inference, net.numObjectClasses, source, store, options);
  } finally {
    inference.dispose();
  }
}

async function initialCuesWith(
  net: DcspForward,
  numObjectClasses: number,
  source: DcspDataSource,
  store: CueStore,
  options: CuePassOptions,
): Promise<void> {
  for (let i = 0; i < source.size; i++) {
    const sample = await source.load(i);
    checkSample(sample, { saliency: true });
    const { width, height } = sample.image;
    const raw = await attentionMap(net, sample.image, options.scales);
    const cues: AttentionCues = attentionCues({ attention: raw, tags: sample.tags, width, height, channels: numObjectClasses });
    const labels = labelsFromCues(cues, sample.saliency!, options.threshold ?? DCSP_BACKGROUND_THRESHOLD);
    await store.put(sample.name, 'initial', { width, height, labels }, cues);
    options.onProgress?.({ task: 'dcsp initial cues', done: i + 1, total: source.size });
  }
}

/**
 * DCSP's adaptation (get_localization.py with `adapt=True`): cues regenerated from the
 * segmentation network, 3-scale `fc1_voc12` logits at image size × the tag mask with
 * background, argmax.
 */
export async function generateAdaptedCues(
  net: DcspNetwork,
  source: DcspDataSource,
  store: CueStore,
  options: CuePassOptions = {},
): Promise<void> {
  const inference = net.inference();
  try {
    for (let i = 0; i < source.size; i++) {
      const sample = await source.load(i);
      const { width, height } = sample.image;
      const logits = await logitsMap(inference, sample.image, options.scales);
      const labels = adaptCues({
        logits,
        tags: sample.tags,
        width,
        height,
        numClasses: net.numClasses,
        ...(options.masking ? { masking: options.masking } : {}),
      });
      await store.put(sample.name, 'adapted', { width, height, labels });
      options.onProgress?.({ task: 'dcsp adapted cues', done: i + 1, total: source.size });
    }
  } finally {
    inference.dispose();
  }
}
