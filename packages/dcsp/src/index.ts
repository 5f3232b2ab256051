/**
 * `@objsel/dcsp`: Weakly supervised semantic segmentation from image tags and saliency (DCSP, Chaudhry et al. 2017) on TensorFlow.js.
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
export { ATTENTION_BIASES, ATTENTION_LAYER, ATTENTION_WEIGHTS, DcspNetwork, type DcspForwardResult, type DcspNetworkMeta, type DcspWeightEntry } from './network';
export { classificationLoss, globalAveragePool, multiScaleOutput, scaledSizes, type DcspOutput } from './attention';
