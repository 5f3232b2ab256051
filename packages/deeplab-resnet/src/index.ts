/**
 * `@objsel/deeplab-resnet`: the DeepLab-v2 ResNet network on TensorFlow.js, with backend
 * selection for Node (tfjs-node-gpu, wasm, cpu) and browsers (WebGPU, wasm): loading weights and
 * checkpoints, inference (single and multi-scale), evaluation (mIoU) and ONNX export and runtime.
 * Training is the subpath `@objsel/deeplab-resnet/train`; interactive object selection (Xu et al.
 * 2016) is `@objsel/deeplab-resnet/interactive`.
 *
 * @packageDocumentation
 */
export { DeeplabError, type DeeplabErrorCode } from './errors';
export { BACKEND_NAMES, loadBackend, onBackendPrepare, type BackendName, type LoadBackendOptions, type LoadedBackend } from './backend';
export { resnetConfig, validateConfig, type DeepLabConfig } from './model/config';
export type { ConvSpec, NetworkSpec, UnitSpec } from './model/architecture';
export { DeepLabResNet, configFromMeta, isBackboneMeta, type BatchStat, type ForwardOptions, type ForwardResult } from './model/deeplab';
export { FoldedDeepLab, type AtrousMode, type FoldOptions } from './model/folded';
export type { OnProgress, ProgressEvent } from './progress';
export { ConfusionMatrix } from './eval/confusion';
export {
  classNamesFor,
  evaluate,
  evaluationResult,
  type EvaluateOptions,
  type EvaluateSettings,
  type EvaluationResult,
  type ImageSegmenter,
  type Refine,
  type RefineInput,
  type SegmentationNetwork,
} from './eval/evaluate';
export {
  findLatestCheckpoint,
  listCheckpoints,
  loadCheckpoint,
  type CheckpointContents,
  type CheckpointRef,
} from './checkpoint/checkpoint';
export {
  describeNetwork,
  locateWeights,
  resolveWeights,
  type NetworkKind,
  type ResolvedWeights,
  type WeightsLocation,
  type WeightsNetwork,
  type WeightsSource,
} from './checkpoint/resolve';
export { loadSegmentationNetwork, segmentationNetworkFromWeights, type LoadSegmentationOptions } from './checkpoint/load';
export { readModelSource, type ModelSource, type ReadModelSourceOptions, type SourceWeights } from './checkpoint/source';
export { loadSegmenter, type LoadSegmenterOptions, type Segmenter } from './infer/load-segmenter';
export type { BackendOption } from './load-backend-option';
// File access is caffe-import's; re-exported for packages that may not import caffe-import (dcsp).
export { joinPath, type ReadableFiles, type WritableFiles } from '@objsel/caffe-import';
export { DeepLabSegmenter, MSC_SCALES, type SegmentOptions, type SegmentResult, type SegmenterOptions } from './infer/segmenter';
export { exportOnnx, type ExportOnnxOptions } from './onnx/export';
export { ONNX_INPUT, ONNX_LOGITS, ONNX_UPSAMPLED, type OnnxLogitsHead } from './onnx/deeplab-graph';
export { ONNX_METADATA_KEYS, readOnnxInfo, type OnnxModelInfo } from './onnx/metadata';
export {
  ONNX_RUNTIME_MISSING,
  ONNX_RUNTIME_NODE,
  loadOnnxRuntime,
  type OrtModuleLike,
  type OrtSessionLike,
  type OrtSessionOptions,
  type OrtTensorLike,
} from './onnx/runtime';
export { ONNX_SESSION_DEFAULTS, OnnxSegmenter, type HwcMaps, type OnnxRunResult, type OnnxSegmenterOptions } from './onnx/segmenter';
export { cachedOnnxModel, weightsDigest, type CachedOnnxModel, type CachedOnnxOptions } from './onnx/cache';
export { semanticOnnxExporter, type SemanticOnnxExporterOptions } from './onnx/weights-export';
