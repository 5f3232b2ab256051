/**
 * `@objsel/voc-data`: PASCAL VOC and SBD datasets for segmentation: layouts, list files, palette-aware label decoding, augmentation, batching and synthetic VOC-format data. Typed arrays only.
 *
 * @packageDocumentation
 */
export { VocDataError, type VocDataErrorCode } from './errors';
