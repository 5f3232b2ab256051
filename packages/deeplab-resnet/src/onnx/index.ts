/**
 * `@objsel/deeplab-resnet/onnx`: inference on ONNX Runtime without TF.js — the segmenter over a
 * model `exportOnnx` wrote, the runtime loader, the model's metadata, the export cache beside
 * the weights, and {@link openOnnxSegmenter} from a weights path. Importing it loads neither
 * TF.js nor the training code, so a process that only infers starts fast; exporting (a cache
 * miss) comes from the package root (`semanticOnnxExporter`) or the interactive subpath.
 *
 * @packageDocumentation
 */
export { ONNX_INPUT, ONNX_LOGITS, ONNX_UPSAMPLED } from './deeplab-graph';
export { ONNX_METADATA_KEYS, readOnnxInfo, type OnnxModelInfo } from './metadata';
export {
  ONNX_RUNTIME_MISSING,
  ONNX_RUNTIME_NODE,
  loadOnnxRuntime,
  type OrtModuleLike,
  type OrtSessionLike,
  type OrtSessionOptions,
  type OrtTensorLike,
} from './runtime';
export { ONNX_SESSION_DEFAULTS, OnnxSegmenter, type HwcMaps, type OnnxRunResult, type OnnxSegmenterOptions } from './segmenter';
export { resizeBilinearHwc } from './upsample';
export {
  WEIGHTS_DIGEST_FILE,
  cachedOnnxModel,
  cachedOnnxModelFile,
  weightsDigest,
  type CachedOnnxModel,
  type CachedOnnxModelFile,
  type CachedOnnxOptions,
  type FileStamp,
  type OnnxCacheFiles,
} from './cache';
export { openOnnxSegmenter, type OnnxExportRequest, type OnnxWeightsExporter, type OpenOnnxOptions, type OpenedOnnxModel } from './open';
export { DeeplabError, type DeeplabErrorCode } from '../errors';
