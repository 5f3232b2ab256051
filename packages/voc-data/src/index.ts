/**
 * `@objsel/voc-data`: PASCAL VOC and SBD datasets for segmentation: layouts, list files, palette-aware label decoding, augmentation, batching and synthetic VOC-format data. Typed arrays only.
 *
 * @packageDocumentation
 */
export { VocDataError, type VocDataErrorCode } from './errors';
export { sniffImageFormat, type ImageFormat, type LabelForm, type LabelImage, type RgbImage } from './image';
export { VOC_CLASSES, VOC_PALETTE, colorize, overlay, vocIndexOfColour } from './palette';
export { decodeLabel, decodePngToRgb, encodeIndexPng, encodePng, readPng, type RawPng } from './png';
export { decodeJpegPure } from './jpeg';
export { decodeImage, decodeImageSync, defaultImageCodec, pureJsCodec, setImageCodec, type ImageCodec } from './codec';
export { loadSharpCodec } from './codecs/sharp';
export { browserCodec } from './codecs/browser';
export { readNpy, writeNpy, type NdArray, type NdArrayLike, type NdData, type NdDtype } from './npy';
export { readNpz, writeNpz } from './npz';
