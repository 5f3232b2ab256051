/**
 * `@objsel/deeplab-resnet`: the DeepLab-v2 ResNet network on TensorFlow.js, with backend
 * selection for Node (tfjs-node-gpu, wasm, cpu) and browsers (WebGPU, wasm). Interactive object
 * selection (Xu et al. 2016) is the subpath `@objsel/deeplab-resnet/interactive`.
 *
 * @packageDocumentation
 */
export { DeeplabError, type DeeplabErrorCode } from './errors';
export { BACKEND_NAMES, loadBackend, onBackendPrepare, type BackendName, type LoadedBackend } from './backend';
export { ASPP_RATES, CAFFE_BN_EPSILON, RESNET_BLOCKS, resnetConfig, validateConfig, type DeepLabConfig } from './model/config';
export {
  allConvs,
  bnNameFor,
  logitsSize,
  networkSpec,
  scaledChannels,
  unitNames,
  variableSpecs,
  type ConvSpec,
  type NetworkSpec,
  type UnitSpec,
  type VariableKind,
  type VariableSpec,
} from './model/architecture';
export { DeepLabResNet, configFromMeta, type BatchStat, type ForwardOptions, type ForwardResult } from './model/deeplab';
export { atrousConv2d } from './ops/atrous';
export {
  atrousDimPlan,
  atrousPlan,
  samePadding,
  type AtrousDimPlan,
  type AtrousPlan,
  type DimPadding,
  type SamePadding,
} from './ops/padding';
export { borrowCpuKernel, registerConvGradKernels, stockKernel } from './kernels/conv-grad';
export { registerWebgpuAddNFix, webgpuAddNMaxInputs } from './kernels/webgpu-addn';
export { FoldedDeepLab, type AtrousMode, type FoldOptions } from './model/folded';
export {
  FINE_TUNE_DEFAULTS,
  TRAIN_DEFAULTS,
  Trainer,
  scaledSize,
  validateTrainerConfig,
  type PredictionMap,
  type StepResult,
  type TrainerConfig,
  type TrainingBatch,
} from './train/trainer';
export { l2Penalty, segmentationCrossEntropy, type IgnoreMode } from './train/loss';
export { nearestSourceIndices, resizeLabelsNearest } from './train/labels';
export { polyLearningRate } from './train/schedule';
export { AdamOptimizer, MomentumOptimizer, type TrainingOptimizer } from './train/optimizer';
export { TrainerBase, updateMovingStatistics, type OptimisationConfig } from './train/trainer-base';
export {
  isBatchNormVariable,
  isLastLayer,
  isTrainable,
  isWeightDecayed,
  learningRateMultiplier,
  type TrainableSet,
} from './train/param-groups';
export type { BatchNormStats, TrainableNetwork } from './train/network';
export { ListTrainingData, type FeedBatch, type ReadBytes, type TrainingDataOptions } from './train/data-feed';
export { DEFAULT_CACHE_BYTES, DecodedCache, PositionalFeed, type FeedOptions, type SampleSlot } from './train/feed';
export {
  groupBatches,
  runTrainingLoop,
  type LoopFeed,
  type LoopParts,
  type LoopSettings,
  type LoopStart,
  type LoopStepResult,
  type LoopSummary,
  type LoopTrainer,
  type SavableNetwork,
  type TrainerState,
  type TrainingLoopOptions,
} from './train/loop';
export { predictionStrip, trainingCurveSvg, type CurvePoint } from './train/pictures';
export { initializeLastLayers, train, type MetricsLine, type TrainOptions, type TrainSummary } from './train/run';
export type { OnProgress, ProgressEvent } from './train/progress';
export { ConfusionMatrix } from './eval/confusion';
export {
  classNamesFor,
  evaluate,
  type EvaluateOptions,
  type EvaluateSettings,
  type EvaluationResult,
  type ImageSegmenter,
  type Refine,
  type RefineInput,
  type SegmentationNetwork,
} from './eval/evaluate';
export {
  CHECKPOINT_INDEX,
  DEFAULT_KEEP,
  OPTIMIZER_DIR,
  TRAINER_STATE,
  checkpointName,
  cleanStaleCheckpointFiles,
  findLatestCheckpoint,
  listCheckpoints,
  loadCheckpoint,
  saveCheckpoint,
  type CheckpointContents,
  type CheckpointRef,
  type TrainerStateFile,
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
export { loadSegmentationNetwork, type LoadSegmentationOptions } from './checkpoint/load';
// File access is caffe-import's; re-exported for packages that may not import caffe-import (dcsp).
export { joinPath, type ReadableFiles, type WritableFiles } from '@objsel/caffe-import';
export { batchToSpace2d, spaceToBatch2d } from './ops/space-to-batch';
export { WASM_THREADS_TFJS_VERSION, nodeCpuCount, prepareNodeWasmThreads, type WasmBackendModule } from './kernels/wasm-threads';
export { DeepLabSegmenter, MSC_SCALES, type SegmentOptions, type SegmentResult, type SegmenterOptions } from './infer/segmenter';
export { exportOnnx, ONNX_PRODUCER, type ExportOnnxOptions } from './onnx/export';
export { ONNX_INPUT, ONNX_LOGITS, ONNX_UPSAMPLED, hwioToOihw, type OnnxLogitsHead } from './onnx/deeplab-graph';
export { ONNX_METADATA_KEYS, readOnnxInfo, type OnnxModelInfo } from './onnx/metadata';
export {
  decodeModel as decodeOnnxModel,
  IR_VERSION as ONNX_IR_VERSION,
  OPSET_VERSION as ONNX_OPSET_VERSION,
  type ModelMessage as OnnxModelMessage,
} from './onnx/proto';
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
export { resizeBilinearHwc } from './onnx/upsample';
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
} from './onnx/cache';
export {
  openOnnxSegmenter,
  type OnnxExportRequest,
  type OnnxWeightsExporter,
  type OpenOnnxOptions,
  type OpenedOnnxModel,
} from './onnx/open';
export { semanticOnnxExporter, type SemanticOnnxExporterOptions } from './onnx/weights-export';
