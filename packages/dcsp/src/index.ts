/**
 * `@objsel/dcsp`: Weakly supervised semantic segmentation from image tags and saliency (DCSP, Chaudhry et al. 2017) on TensorFlow.js.
 *
 * @packageDocumentation
 */
export { DcspError, type DcspErrorCode } from './errors';
