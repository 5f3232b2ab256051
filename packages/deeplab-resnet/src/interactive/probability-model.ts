import type { Click } from '@objsel/clicks';
import type { BrsOptions, BrsResult } from './brs';

/**
 * What the predictor, sessions and NoC need from an interactive network: the object probability
 * of a raw 5-channel input (HWC: R, G, B, positive distance, negative distance) at the input
 * size, and f-BRS when the engine can train. {@link InteractiveSegmenter} (TF.js) has both;
 * `OnnxInteractiveModel` (ONNX Runtime) has the plain forward only.
 */
export interface InteractiveProbabilityModel {
  /** Object probability per pixel (`width * height`, row-major). */
  segment(raw: ArrayLike<number>, width: number, height: number): Promise<Float32Array>;
  /** f-BRS at the clicks (absent where the network's training graph is not available). */
  segmentWithBrs?(
    raw: ArrayLike<number>,
    width: number,
    height: number,
    clicks: readonly Click[],
    options?: BrsOptions,
  ): Promise<BrsResult>;
  /** Frees what the model holds. */
  dispose(): void | Promise<void>;
}
