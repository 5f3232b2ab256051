/**
 * `@objsel/clicks`: Interactive object selection (Xu et al. 2016): click sampling, distance maps, click robot and NoC, graph cut, interactive sessions. Typed arrays only.
 *
 * @packageDocumentation
 */
export { ClicksError, type ClicksErrorCode } from './errors';
export type { Click, LabelArray, Point, RgbImage } from './types';
export type { OnProgress, ProgressEvent } from './progress';
export { distanceToOtherSet, distanceToSet, squaredDistanceToSet, type DistanceTarget, type DistanceToSetOptions } from './edt';
export { clickMaps, distanceMap, distanceMaps, splitClicks, writeDistanceMap, type DistanceMapOptions } from './distance-maps';
export { createClickRng, type ClickRng } from './click-rng';
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
export { objectTruth } from './object-truth';
export { imageSeed } from './image-seed';
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
export type { Box, SelectionInput, SelectionMethod, SelectionResult } from './methods/types';
export {
  SELECTION_METHOD_NAMES,
  isSelectionMethodName,
  selectionMethod,
  type SelectionMethodName,
  type SelectionMethodOptions,
  type SelectionState,
} from './methods/registry';
export { createMethodPredictor } from './methods/predictor';
export {
  GC_BGD,
  GC_FGD,
  GC_PR_BGD,
  GC_PR_FGD,
  assignComponents,
  grabCut,
  grabCutSegment,
  initialGmms,
  initialTrimap,
  learnGmms,
  type GrabCutOptions,
  type GrabCutState,
} from './methods/grabcut';
export { graphCutColour, type GraphCutColourOptions, type GraphCutColourState } from './methods/graphcut-colour';
export { randomWalker, randomWalkerWeights, type RandomWalkerOptions, type RandomWalkerState } from './methods/random-walker';
export { geodesic, geodesicNearestSeed, likelihoodGradient, type GeodesicOptions, type GeodesicState } from './methods/geodesic';
export {
  SINGULAR_DETERMINANT,
  SINGULAR_FIX,
  addGmmSample,
  componentDensity,
  createColourGmm,
  createGmmAccumulator,
  learnColourGmm,
  mixtureDensity,
  whichComponent,
  type ColourGmm,
  type GmmAccumulator,
} from './methods/colour-gmm';
export { kmeansLabels } from './methods/kmeans';
export { OPENCV_DEFAULT_SEED, createOpencvRng } from './methods/opencv-rng';
export { GRABCUT_GAMMA, contrastPairWeights, grabCutBeta, type PairWeights } from './methods/contrast';
export { createDynamicCut, cutEnergy, minimumCut, type DynamicCut } from './methods/grid-cut';
export {
  colourHistogram,
  foregroundLikelihood,
  histogramNegLog,
  type ColourHistogram,
  type ColourHistogramOptions,
} from './methods/colour-histogram';
export {
  conjugateGradient,
  type ConjugateGradientOptions,
  type ConjugateGradientResult,
  type LinearOperator,
} from './methods/conjugate-gradient';
export { BACKGROUND_SEED, FOREGROUND_SEED, UNSEEDED, seedMap, type SeedMap, type SeedOptions } from './methods/seeds';
