/**
 * `@objsel/dcsp`: Weakly supervised semantic segmentation from image tags and saliency (DCSP, Chaudhry et al. 2017) on TensorFlow.js.
 *
 * Training (the stage trainer, cue stores, batches and the three-stage schedule) is the subpath
 * `@objsel/dcsp/train`.
 *
 * @packageDocumentation
 */
export { DcspError, type DcspErrorCode } from './errors';
export { DCSP_BACKGROUND_THRESHOLD, DCSP_EPSILON, DCSP_NUM_CLASSES, DCSP_NUM_OBJECT_CLASSES, DCSP_SCALES } from './cues/constants';
export { presentClasses, tagMask } from './cues/tags';
export { normalizePerClass } from './cues/normalize';
export { maxFuse } from './cues/multiscale';
export { attentionCues, maskByTags, type AttentionCues } from './cues/attention-cues';
export { fuseCues, harmonicMean, labelsFromCues, type FuseCuesInput } from './cues/fuse';
export { adaptCues, type AdaptMasking } from './cues/adapt';
export {
  ATTENTION_BIASES,
  ATTENTION_LAYER,
  ATTENTION_WEIGHTS,
  DcspNetwork,
  type DcspForward,
  type DcspInference,
  type DcspForwardResult,
  type DcspNetworkMeta,
  type DcspWeightEntry,
} from './network';
export type { DcspOutput } from './attention';
export { arrayDataSource, checkSample, type DcspDataSource, type DcspSample } from './data';
export type { OnProgress, ProgressEvent } from './progress';
export { listDataSource } from './list-data';
export { DcspPredictor, dcspCrf, evaluateDcsp, predictDcsp, type DcspPredictOptions } from './eval';
export { cueMeanIoU, runDcspDemo, type DcspDemoOptions, type DcspDemoPreview, type DcspDemoSummary } from './demo';
export { previewStrip } from './preview-strip';
export { loadDcspNetwork } from './weights';
export { exportDcspOnnx } from './onnx';
