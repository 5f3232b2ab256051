/**
 * `@objsel/dense-crf`: Fully connected CRF (Krähenbühl & Koltun) with the permutohedral lattice, in TypeScript: a pydensecrf for every JavaScript runtime.
 *
 * @packageDocumentation
 */
export { DenseCrfError, type DenseCrfErrorCode } from './errors';
export {
  KernelType,
  NormalizationType,
  CONST_KERNEL,
  DIAG_KERNEL,
  FULL_KERNEL,
  NO_NORMALIZATION,
  NORMALIZE_BEFORE,
  NORMALIZE_AFTER,
  NORMALIZE_SYMMETRIC,
  type Layout,
} from './constants';
export {
  DenseCRF,
  DenseCRF2D,
  MeanFieldState,
  type DenseCrfOptions,
  type InferenceOptions,
  type GaussianOptions,
  type BilateralOptions,
} from './dense-crf';
export type { CompatibilityInput, LabelCompatibility } from './compatibility';
export type { EngineKind, MeanFieldEngine } from './engine';
// The protected members of DenseCRF (for subclasses) hold these.
export type { PairwiseTerm } from './pairwise';
export type { PermutohedralLattice } from './permutohedral';
export { unaryFromSoftmax, unaryFromLabels, type UnaryFromSoftmaxOptions } from './unary';
export { createPairwiseGaussian, createPairwiseBilateral } from './features';
export { hwcToChw, chwToHwc, argmaxLabels } from './layout';
export { MAX_LABELS, type LabelArray } from './labels';
export { labelsFromColors, colorizeLabels, type ColorAnnotation } from './color-labels';
export {
  CRF_PRESETS,
  CRF_PRESET_NAMES,
  crfPreset,
  type CrfParams,
  type CrfPresetName,
  type GaussianParams,
  type BilateralParams,
} from './presets';
export { crfRefine, type CrfRefineOptions, type CrfRefineResult } from './refine';
export { crfBinary, type CrfBinaryOptions, type FixedPixel } from './binary';
export { countChangedLabels, crfAnnotation, type CrfAnnotationOptions, type CrfAnnotationResult } from './annotation';
export { wasmSimdSupported } from './wasm/runtime';
export { threadsSupported } from './wasm/threads';
export type { ProgressEvent, OnProgress } from './progress';
