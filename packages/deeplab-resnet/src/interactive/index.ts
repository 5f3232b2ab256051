/**
 * `@objsel/deeplab-resnet/interactive`: Deep Interactive Object Selection (Xu et al. 2016) on the
 * DeepLab network — the 5-channel model and its input encoding, the predictor (plain network,
 * f-BRS, graph cut, dense CRF), sessions, adaptation to the user's clicks, training, training
 * data, NoC evaluation and the demo's experiment. Clicks, distance maps and the robot come from
 * `@objsel/clicks`, the dense CRF from `@objsel/dense-crf`.
 *
 * @packageDocumentation
 */
export { INTERACTIVE_MEAN, clickDiskLabels, preprocessInteractive } from './input';
export {
  expandInputChannels,
  interactiveConfig,
  interactiveFromPretrained,
  isInteractiveConfig,
  type ChannelInit,
  type InteractiveFromPretrainedOptions,
} from './model';
export { interactiveNetworkFromWeights, loadInteractiveNetwork } from './load-network';
export { loadInteractive, type InteractiveSelection, type LoadInteractiveOptions } from './load-interactive';
export { interactiveLearningRateMultiplier, weightedSigmoidCrossEntropy, type SigmoidLossOptions } from './loss';
export {
  INTERACTIVE_TRAIN_DEFAULTS,
  InteractiveTrainer,
  type InteractiveBatch,
  type InteractiveStepResult,
  type InteractiveTrainerConfig,
} from './trainer';
export { BRS_DEFAULTS, featureBrs, type BrsOptions, type BrsResult } from './brs';
export { InteractiveSegmenter, upsampleProbability, type InteractiveSegmenterOptions } from './segmenter';
export {
  clickMapScale,
  modelSize,
  resizeChannels,
  resizeMask,
  resizeProbability,
  scaleClick,
  shrinkInput,
  toModelSize,
  type ClickInput,
  type Size,
} from './resize';
export {
  createInteractivePredictor,
  createSegmentFunction,
  networkProbability,
  refineSelection,
  type InteractivePredictor,
  type Prediction,
  type PredictorOptions,
  type ProbabilityOptions,
  type ProbabilityResult,
  type RefineMode,
  type RefineOptions,
} from './predictor';
export { createInteractiveSession, type InteractiveSessionOptions } from './session';
export { selectionOverlay } from './overlay';
export { INTERACTIVE_CHANNEL_NAMES, OnnxInteractiveModel, exportInteractiveOnnx, interactiveOnnxExporter, onnxProbability } from './onnx';
export type { InteractiveProbabilityModel } from './probability-model';
export { adaptToClicks, type AdaptOptions, type AdaptResult, type AdaptSample } from './adapt';
export {
  InteractiveListData,
  type ClickEncoder,
  type ClickEncoderInput,
  type InteractiveBatchSource,
  type InteractiveDataOptions,
  type InteractiveFeedBatch,
  type InteractiveSample,
  type InteractiveSampleSpec,
} from './data';
export {
  interactiveSpecs,
  interactiveTrainingData,
  objectLabelPath,
  readBytesIfExists,
  specsFromClickFiles,
  type InteractiveDataSettings,
  type TrainingDataFiles,
} from './training-data';
export { clickEncoder, type EncoderOptions } from './training-clicks';
export { interactiveStrip, trainInteractive, type InteractiveTrainOptions, type InteractiveTrainSummary } from './run';
export {
  countNocObjects,
  nocObjects,
  nocRunOf,
  runNoc,
  type NocDataOptions,
  type NocObject,
  type NocOptions,
  type NocRun,
  type SecondsPerClick,
} from './noc';
export {
  INTERACTIVE_DEMO,
  INTERACTIVE_DEMO_CONFIGS,
  runInteractiveDemo,
  type InteractiveDemoConfig,
  type InteractiveDemoOptions,
  type InteractiveDemoResult,
  type NocFigures,
} from './demo';
