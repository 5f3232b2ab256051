import { colorizeLabels, labelsFromColors } from './color-labels';
import { DenseCRF2D } from './dense-crf';
import type { EngineKind } from './engine';
import { DenseCrfError } from './errors';
import type { LabelArray } from './labels';
import { argmaxLabels } from './layout';
import { crfPreset, type CrfParams, type CrfPresetName } from './presets';
import type { OnProgress } from './progress';
import { unaryFromLabels } from './unary';

/**
 * Pixels whose label differs between two label maps, leaving out pixels where `before` is
 * `unknown` (e.g. unannotated pixels of a sparse annotation).
 */
export function countChangedLabels(before: ArrayLike<number>, after: ArrayLike<number>, unknown?: number): number {
  if (before.length !== after.length)
    throw new DenseCrfError('bad-shape', `label maps differ in size: ${before.length} and ${after.length}`, {
      where: 'countChangedLabels',
    });
  let changed = 0;
  for (let i = 0; i < before.length; i++) if (before[i] !== unknown && before[i] !== after[i]) changed++;
  return changed;
}

/** Options of {@link crfAnnotation}. */
export interface CrfAnnotationOptions {
  /** The sparse colour annotation, interleaved RGB (or RGBA) bytes: each colour a label, pure black unknown. */
  annotation: ArrayLike<number>;
  /** Bytes per pixel of `annotation`, 3 or 4 (default 3). */
  annotationChannels?: number;
  /** The image, interleaved RGB bytes, H·W·3. */
  image: Uint8Array | Uint8ClampedArray;
  width: number;
  height: number;
  /** Probability that an annotated label is right (default 0.7, as the example). */
  gtProb?: number;
  /** Parameter set (default `pydensecrf-example`). */
  preset?: CrfPresetName | (string & {});
  /** Overrides of the preset's parameters (`bilateral: null` drops that term). */
  params?: Partial<CrfParams>;
  /** Solver implementation (default `auto`). */
  engine?: EngineKind;
  /** Threads for the WebAssembly engine in Node (default 1). */
  threads?: number;
  onProgress?: OnProgress;
  /** The annotation's file, named in errors. */
  file?: string;
}

/** What {@link crfAnnotation} returns. */
export interface CrfAnnotationResult {
  /** The most probable label per pixel, row-major H·W (label l is colour `colors[3l..3l+3)`). */
  labels: LabelArray;
  /** The labels painted in the annotation's colours, interleaved RGB. */
  rgb: Uint8Array;
  /** The CRF marginals Q, HWC. */
  probs: Float32Array;
  numLabels: number;
  /** RGB of each label. */
  colors: Uint8Array;
  /** Annotated pixels whose label the CRF changed. */
  changedPixels: number;
  /** The parameters that were used. */
  params: CrfParams;
}

/**
 * pydensecrf's example program (`examples/inference.py`): a sparse colour annotation becomes
 * label unaries (`gtProb` for the annotated label, uniform where unknown), a Gaussian and a
 * bilateral Potts term on the image, mean-field inference; returns labels in the annotation's
 * colours.
 */
export function crfAnnotation(options: CrfAnnotationOptions): CrfAnnotationResult {
  const { width, height } = options;
  const n = width * height;
  const a = labelsFromColors(options.annotation, n, options.annotationChannels ?? 3);
  if (a.nLabels < 2)
    throw new DenseCrfError('bad-parameter', `the annotation needs at least two colours besides black, found ${a.nLabels}`, {
      ...(options.file ? { file: options.file } : { where: 'crfAnnotation' }),
    });
  const params: CrfParams = { ...crfPreset(options.preset ?? 'pydensecrf-example'), ...options.params };
  const crf = new DenseCRF2D(width, height, a.nLabels, { engine: options.engine, threads: options.threads });
  crf.setUnaryEnergy(unaryFromLabels(a.labels, a.nLabels, options.gtProb ?? 0.7, a.hasUnknown));
  crf.addPairwiseGaussian({ sxy: params.gaussian.sxy, compat: params.gaussian.compat });
  if (params.bilateral)
    crf.addPairwiseBilateral({
      sxy: params.bilateral.sxy,
      srgb: params.bilateral.srgb,
      rgbim: options.image,
      compat: params.bilateral.compat,
    });
  const probs = crf.inference(params.iterations, { layout: 'hwc', onProgress: options.onProgress });
  crf.dispose();
  const labels = argmaxLabels(probs, n, a.nLabels, 'hwc');
  // Annotation labels count from 1 when black (unknown) is label 0.
  const shift = a.hasUnknown ? 1 : 0;
  const annotated = Int32Array.from(a.labels, (l) => l - shift); // -1 for unknown: not a label type
  return {
    labels,
    rgb: colorizeLabels(labels, a.colors),
    probs,
    numLabels: a.nLabels,
    colors: a.colors,
    changedPixels: countChangedLabels(annotated, labels, -1),
    params,
  };
}
