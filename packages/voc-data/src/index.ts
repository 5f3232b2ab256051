/**
 * `@objsel/voc-data`: PASCAL VOC and SBD datasets for segmentation: layouts, list files, palette-aware label decoding, augmentation, batching and synthetic VOC-format data. Typed arrays only.
 *
 * @packageDocumentation
 */
export { VocDataError, type VocDataErrorCode } from './errors';
export { sniffImageFormat, type ImageFormat, type LabelForm, type LabelImage, type RgbImage } from './image';
export { toRgbImage, type ImageLike } from './rgb-image';
export { VOC_CLASSES, VOC_PALETTE, colorize, overlay, vocIndexOfColour } from './palette';
export { decodeLabel, decodePngToRgb, encodeIndexPng, encodePng, readPng, type RawPng } from './png';
export { decodeImage, decodeImageSync, defaultImageCodec, pureJsCodec, setImageCodec, type ImageCodec } from './codec';
export { loadSharpCodec } from './codecs/sharp';
export { browserCodec } from './codecs/browser';
export { readNpy, writeNpy, type NdArray, type NdArrayLike, type NdData, type NdDtype } from './npy';
export { readNpz, writeNpz } from './npz';
export { SampleRng, permutation } from './sample-rng';
export {
  IMG_MEAN_BGR,
  augment,
  deprocess,
  drawAugmentParams,
  preprocess,
  type AugmentOptions,
  type AugmentParams,
  type AugmentedSample,
  type ExtraMap,
} from './augment';
export { formatListLine, idOfPath, joinDataPath, parseList, type IdLayout, type ListEntry, type ListLineKind } from './lists';
export {
  formatClassCategories,
  formatVocAnnotation,
  parseClassCategories,
  parseVocAnnotation,
  tagVector,
  tagsFromAnnotation,
  tagsFromLabel,
  type VocAnnotation,
  type VocObject,
} from './tags';
export { extractInstances, type InstanceMask } from './instances';
export { labelCounts } from './label-counts';
export {
  DOMAIN_FAR_Z,
  DOMAIN_MIN_SPREAD,
  IMAGE_STATISTICS,
  domainDistance,
  imageDomain,
  imageStatistics,
  isImageDomain,
  type DomainDistance,
  type ImageDomain,
  type ImageStatistics,
} from './image-domain';
export { encodeMaskPng } from './mask-png';
export { decodeFloatMap, decodeSaliency, encodeSaliencyPng, type FloatMap } from './saliency';
export { stackBatch, type Batch, type BatchSample } from './batch';
export { readMat, writeMat, type MatNumericClass, type MatValue } from './mat';
export { readSbdLabel, writeSbdLabel, type SbdLabel } from './sbd';
export { fetchFileSource, memoryFileSource, nodeFileSource, type FileSource } from './files';
export {
  checkDataset,
  type CheckOptions,
  type CheckProblem,
  type CheckProblemCode,
  type CheckReport,
} from './check';
export type { OnProgress, ProgressEvent } from './progress';
export { loadSample, prepareSample, type LoadedSample, type SampleOptions } from './sample';
export {
  createLoader,
  type BatchLoader,
  type LoadedBatch,
  type LoaderOptions,
  type LoaderStats,
  type SampleExecutor,
  type SampleTask,
} from './loader';
export {
  encodeJpeg,
  makeSyntheticDataset,
  renderSyntheticSample,
  type SyntheticObject,
  type SyntheticOptions,
  type SyntheticSample,
  type SyntheticSummary,
} from './synthetic';
export { decodePngPixels, type PngPixels } from './png-decode';
export { setInflateImplementation } from './inflate';
export { decodeBmp, encodeBmp, isBmp } from './bmp';
export {
  BENCHMARK_NAMES,
  decodeBenchmarkImage,
  decodeMaskLevels,
  isBenchmarkName,
  type BenchmarkName,
  type BenchmarkObject,
  type BenchmarkOptions,
  type BenchmarkSource,
  type MaskLevels,
} from './benchmarks/benchmark';
export { memoryDatasetDirectory, nodeDatasetDirectory, type DatasetDirectory } from './benchmarks/directory';
export { grabcutSource } from './benchmarks/grabcut';
export { berkeleySource } from './benchmarks/berkeley';
export { cocoMvalSource, davisSource } from './benchmarks/davis';
export { davis2017Source, type Davis2017Options } from './benchmarks/davis-2017';
export { sbdSource } from './benchmarks/sbd';
export { cocoSource, type CocoOptions } from './benchmarks/coco';
export { cocoSegmentationMask, decodeCocoRleString, polygonsToMask, rleToMask, type CocoSegmentation } from './benchmarks/coco-masks';
export { pascalVocSource } from './benchmarks/pascal-voc';
export { openBenchmark } from './benchmarks/open-benchmark';
export { BENCHMARK_EXPECTED, checkBenchmark, type BenchmarkCheck, type CheckBenchmarkOptions } from './benchmarks/check-benchmark';
export { vocListObjects, type VocListObjects, type VocListObjectsOptions } from './benchmarks/voc-list-objects';
