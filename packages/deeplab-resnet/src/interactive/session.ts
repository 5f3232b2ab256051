import { createSession, type InteractiveSession, type RgbImage } from '@objsel/clicks';
import { createSegmentFunction, sessionRefineOptions, type PredictorOptions, type ProbabilityResult } from './predictor';
import type { InteractiveProbabilityModel } from './probability-model';

/** Options of {@link createInteractiveSession}. */
export interface InteractiveSessionOptions extends PredictorOptions {
  /** Sees each network answer (f-BRS steps and whether the clicks were satisfied). */
  onProbability?: (result: ProbabilityResult) => void;
}

/**
 * An interactive selection over one image with the interactive network: the clicks package's
 * `createSession` (click queue, undo, reset) running the predictor's steps — clicks encoded at the
 * image size, the network (f-BRS when asked, at the model size when asked), then threshold,
 * graph cut or dense CRF.
 */
export function createInteractiveSession(
  segmenter: InteractiveProbabilityModel,
  image: RgbImage,
  options: InteractiveSessionOptions = {},
): InteractiveSession {
  const { onProbability, ...rest } = options;
  return createSession(image, createSegmentFunction(segmenter, { ...rest, ...(onProbability ? { onResult: onProbability } : {}) }), {
    ...sessionRefineOptions(rest),
    scale: rest.clickScale ?? 1,
    truncate: rest.clickTruncate,
  });
}
