/**
 * `@objsel/deeplab-resnet/train`: training and fine-tuning the DeepLab network — the trainer and
 * its optimisers, losses, learning-rate schedule and parameter groups, the training loop with
 * resumable checkpoints, the data feeds over VOC list files, and the pictures it draws. Inference,
 * evaluation and loading are the package root.
 *
 * @packageDocumentation
 */
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
} from './trainer';
export { l2Penalty, segmentationCrossEntropy, type IgnoreMode } from './loss';
export { resizeLabelsNearest } from './labels';
export { polyLearningRate } from './schedule';
export { AdamOptimizer, MomentumOptimizer, type TrainingOptimizer } from './optimizer';
export { TrainerBase, type OptimisationConfig } from './trainer-base';
export {
  isBatchNormVariable,
  isLastLayer,
  isTrainable,
  isWeightDecayed,
  learningRateMultiplier,
  type TrainableSet,
} from './param-groups';
export type { BatchNormStats, TrainableNetwork } from './network';
export { ListTrainingData, type FeedBatch, type ReadBytes, type TrainingDataOptions } from './data-feed';
export { DEFAULT_CACHE_BYTES, DecodedCache, PositionalFeed, type FeedOptions, type SampleSlot } from './feed';
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
} from './loop';
export { predictionStrip, trainingCurveSvg, type CurvePoint } from './pictures';
export { glorotUniformLimit, initializeHeadLikeTfPort, tfFans } from './head-init';
export { initializeLastLayers, train, type MetricsLine, type TrainOptions, type TrainSummary } from './run';
export type { OnProgress, ProgressEvent } from '../progress';
export {
  CHECKPOINT_INDEX,
  DEFAULT_KEEP,
  OPTIMIZER_DIR,
  TRAINER_STATE,
  checkpointName,
  cleanStaleCheckpointFiles,
  saveCheckpoint,
  type TrainerStateFile,
} from '../checkpoint/checkpoint';
