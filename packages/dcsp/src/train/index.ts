/**
 * `@objsel/dcsp/train`: DCSP training (Chaudhry et al. 2017) — the stage trainer and its
 * classification loss, cue stores in memory and on disk, batching, the cue passes that generate
 * and adapt cues, and the three-stage schedule {@link trainDcsp}.
 *
 * @packageDocumentation
 */
export { classificationLoss } from '../attention';
export { MemoryCueStore, type CueLabels, type CueStage, type CueStore } from './cue-store';
export { FileCueStore } from './file-cue-store';
export { DcspBatcher, type BatchOptions, type DcspBatch, type DcspBatcherState } from './batches';
export { StageTrainer, type DcspObjective, type DcspTrainableSet, type StageConfig, type StageStepResult } from './step';
export { attentionMap, generateAdaptedCues, generateInitialCues, imageTensor, logitsMap, type CuePassOptions } from './cues';
export {
  trainDcsp,
  type DcspRunSettings,
  type DcspStage,
  type DcspTrainOptions,
  type DcspTrainResult,
  type StageSummary,
} from './schedule';
