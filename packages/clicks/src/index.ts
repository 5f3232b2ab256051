/**
 * `@objsel/clicks`: Interactive object selection (Xu et al. 2016): click sampling, distance maps, click robot and NoC, graph cut, interactive sessions. Typed arrays only.
 *
 * Reference implementations that tests and benchmarks compare against (the general max-flow
 * engine, energies evaluated from their definitions) are the subpath `@objsel/clicks/reference`.
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
  runRobot,
  type MaybePromise,
  type NocInstance,
  type PredictMask,
  type RobotOptions,
  type RobotRun,
} from './noc';
export {
  nocCostMeter,
  nocKey,
  nocReport,
  nocRunCost,
  type NocClickCost,
  type NocInstanceResult,
  type NocObjectCost,
  type NocObjectEntry,
  type NocReport,
  type NocRunCost,
} from './noc-report';
export { clicksToReach, iouCurve, meanIouAt, nocMetrics, nofKey, type NocMetrics, type NocMetricsOptions } from './noc-metrics';
export { iouCurveCsv, iouCurveSvg, type IouCurveSeries } from './iou-curve-plot';
export {
  ZOOM_IN_DEFAULTS,
  clampRoi,
  clickToCrop,
  createZoomIn,
  cropChannels,
  cropToImage,
  expandRoi,
  maskRoi,
  objectRoi,
  pasteCrop,
  resolveZoomIn,
  roiHoldsPositiveClicks,
  roiIou,
  roundHalfEven,
  zoomCropSize,
  type ResolvedZoomIn,
  type ZoomIn,
  type ZoomInOptions,
  type ZoomRoi,
} from './zoom-in';
export { DEFAULT_LAMBDA, PROBABILITY_FLOOR, estimateSigma, graphCut, type GraphCutOptions, type GraphCutResult } from './graphcut';
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
export { selectionOverlay } from './selection-overlay';
export { grabCut, type GrabCutOptions, type GrabCutState } from './methods/grabcut';
export { graphCutColour, type GraphCutColourOptions, type GraphCutColourState } from './methods/graphcut-colour';
export { randomWalker, type RandomWalkerOptions, type RandomWalkerState } from './methods/random-walker';
export { geodesic, type GeodesicOptions, type GeodesicState } from './methods/geodesic';
export type { ColourHistogramOptions } from './methods/colour-histogram';
// What the methods' states hold (their models are kept between calls).
export type { ColourGmm } from './methods/colour-gmm';
export type { PairWeights } from './methods/contrast';
export {
  cocoCountsFromString,
  cocoCountsToString,
  cocoRleArea,
  cocoRleBbox,
  decodeCocoRle,
  encodeCocoRle,
  encodeCompressedCocoRle,
  type CocoRle,
  type CompressedCocoRle,
} from './mask-formats/coco-rle';
export { decodeBrushRle, decodeBrushRleValues, encodeBrushRle, encodeBrushRleValues } from './mask-formats/brush-rle';
export { maskPolygons, type MaskPolygonOptions } from './mask-formats/polygons';
export { enforceClicks, isClickConsistent } from './click-constraints';
export { DEFAULT_PREVIOUS_MASK_WEIGHT, blendMaskPrior } from './mask-prior';
export {
  cocoAnnotations,
  objectIndexMap,
  type CocoAnnotationsFile,
  type CocoAnnotationsOptions,
  type MaskObject,
} from './mask-formats/objects';
