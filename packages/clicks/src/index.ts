/**
 * `@objsel/clicks`: Interactive object selection (Xu et al. 2016): click sampling, distance maps, click robot and NoC, graph cut, interactive sessions. Typed arrays only.
 *
 * @packageDocumentation
 */
export { ClicksError, type ClicksErrorCode } from './errors';
export type { Click, LabelArray, OnProgress, Point, ProgressEvent, RgbImage } from './types';
export { distanceToOtherSet, distanceToSet, squaredDistanceToSet, type DistanceTarget, type DistanceToSetOptions } from './edt';
export { clickMaps, distanceMap, distanceMaps, splitClicks, writeDistanceMap, type DistanceMapOptions } from './distance-maps';
export { createRng, type Rng } from './rng';
export {
  DEFAULT_SAMPLING,
  PAPER_SAMPLING,
  objectIds,
  resolveSamplingParams,
  sampleClicks,
  sampleTrainingClicks,
  type ClickGroup,
  type ClickSample,
  type NegativeStrategy,
  type SampleClicksOptions,
  type SamplingParams,
  type TrainingClicksOptions,
} from './sampling';
export { maskIou, nextClick, type NextClickOptions } from './robot';
export {
  evaluateNoc,
  nocKey,
  runRobot,
  type MaybePromise,
  type NocInstance,
  type NocInstanceResult,
  type NocReport,
  type PredictMask,
  type RobotOptions,
  type RobotRun,
} from './noc';
export { buildFlowGraph, maxflow, setTerminal, type EdgeList, type FlowGraph, type MaxflowResult } from './maxflow';
export { allocatePaddedGrid, gridMaxflow, paddedIndex, type PaddedGridGraph } from './grid-maxflow';
export {
  DEFAULT_LAMBDA,
  PROBABILITY_FLOOR,
  buildGridGraph,
  estimateSigma,
  graphCut,
  graphCutEnergy,
  gridEnergy,
  type GraphCutOptions,
  type GraphCutResult,
  type GridGraph,
} from './graphcut';
export { INTERACTIVE_CHANNELS, buildInteractiveInput } from './interactive-input';
export {
  createPredictor,
  createSession,
  refineProbability,
  type InteractiveSession,
  type RefineFunction,
  type SegmentFunction,
  type SegmentRequest,
  type SessionOptions,
} from './session';
export { clickSampleToJson, parseClicksJson, type ClickSampleFile } from './clicks-json';
