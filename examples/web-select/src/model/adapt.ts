/**
 * "Adapt to this image": a few training steps of the interactive network on the user's own
 * clicks, on the same training graph as `objsel train` (network forward, gradients through
 * TF.js, the package's Adam optimiser), run wherever the app's backend is (WebGPU in browsers).
 *
 * The objective is the seed's weighted sigmoid cross-entropy, with per-pixel weights: pixels
 * within `clickRadius` of a click are labelled by the click (weight 1); every other pixel takes
 * the current refined mask as a soft pseudo-label (weight `maskWeight`), so the network learns
 * what the user corrected without forgetting the rest (after Kontogianni et al., ECCV 2020,
 * "Continuous adaptation for interactive object segmentation by learning from corrections").
 */
import * as tf from '@tensorflow/tfjs-core';
import { AdamOptimizer, isBatchNormVariable, type DeepLabResNet } from '@objsel/deeplab-resnet';
import type { Click } from '@objsel/clicks';
import type { Size } from './input';
import { weightedSigmoidLoss } from './loss';

/** Which variables adaptation updates. */
export type AdaptLayers = 'head' | 'res5+head' | 'all';

/** Options of {@link adaptToClicks}. */
export interface AdaptOptions {
  /** Updates to apply (default 5). */
  steps?: number;
  /** Adam learning rate (default 1e-3). */
  learningRate?: number;
  /** Variables to train (default `res5+head`: the last stage and the ASPP head). */
  layers?: AdaptLayers;
  /** Radius in model pixels of the labelled disc around each click (default 3). */
  clickRadius?: number;
  /** Weight of the current mask as a pseudo-label elsewhere (default 0.1). */
  maskWeight?: number;
  /** pos_weight of the weighted sigmoid cross-entropy (default 1: the labels here are not imbalanced the way full masks are). */
  posWeight?: number;
  /** Called after every update with the loss before it. */
  onStep?: (e: { step: number; steps: number; loss: number; ms: number }) => void;
}

/** Names of the variables a layer choice trains (never BatchNorm parameters or statistics). */
export function adaptedVariables(model: DeepLabResNet, layers: AdaptLayers): string[] {
  return [...model.variables.keys()].filter((name) => {
    if (isBatchNormVariable(name)) return false;
    if (layers === 'all') return true;
    if (name.startsWith('fc1_voc12')) return true;
    return layers === 'res5+head' && name.startsWith('res5');
  });
}

/**
 * Per-pixel targets and weights at model size: discs around the clicks carry the click's label
 * at weight 1 (later clicks win where discs overlap); other pixels carry `mask` at `maskWeight`.
 */
export function adaptationTargets(size: Size, clicks: readonly Click[], mask: ArrayLike<number>, clickRadius: number, maskWeight: number): { labels: Float32Array; weights: Float32Array } {
  const n = size.width * size.height;
  const labels = new Float32Array(n);
  const weights = new Float32Array(n).fill(maskWeight);
  for (let i = 0; i < n; i++) labels[i] = mask[i]! > 0 ? 1 : 0;
  const r = Math.max(0, Math.floor(clickRadius));
  for (const c of clicks) {
    for (let y = Math.max(0, c.y - r); y <= Math.min(size.height - 1, c.y + r); y++) {
      for (let x = Math.max(0, c.x - r); x <= Math.min(size.width - 1, c.x + r); x++) {
        if ((x - c.x) ** 2 + (y - c.y) ** 2 > clickRadius * clickRadius) continue;
        labels[y * size.width + x] = c.positive ? 1 : 0;
        weights[y * size.width + x] = 1;
      }
    }
  }
  return { labels, weights };
}

/**
 * Fine-tunes `model` in place on one image (`input`: the 5-channel network input at model
 * size, built from the same clicks) and returns the loss before each update. The logits are
 * resized bilinearly to model size so the loss sees the clicks at their pixels.
 */
export async function adaptToClicks(
  model: DeepLabResNet,
  input: Float32Array,
  size: Size,
  clicks: readonly Click[],
  mask: ArrayLike<number>,
  options: AdaptOptions = {},
): Promise<number[]> {
  const steps = options.steps ?? 5;
  const names = adaptedVariables(model, options.layers ?? 'res5+head');
  const { labels, weights } = adaptationTargets(size, clicks, mask, options.clickRadius ?? 3, options.maskWeight ?? 0.1);
  const x = tf.tensor4d(input, [1, size.height, size.width, 5]);
  const z = tf.tensor4d(labels, [1, size.height, size.width, 1]);
  const w = tf.tensor4d(weights, [1, size.height, size.width, 1]);
  const optimizer = new AdamOptimizer(model.variables, names);
  const vars = names.map((n) => model.variables.get(n)!);
  const keyOf = new Map(names.map((n) => [model.variables.get(n)!.name, n]));
  const losses: number[] = [];
  try {
    for (let step = 0; step < steps; step++) {
      const t0 = performance.now();
      const { value, grads } = tf.variableGrads(() => {
        const { logits } = model.forward(x);
        const up = tf.image.resizeBilinear(logits, [size.height, size.width]);
        return weightedSigmoidLoss(up, z, w, options.posWeight ?? 1);
      }, vars);
      const byName = new Map(Object.entries(grads).map(([k, g]) => [keyOf.get(k) ?? k, g]));
      optimizer.apply(byName, options.learningRate ?? 1e-3);
      const loss = (await value.data())[0]!;
      tf.dispose([value, grads]);
      losses.push(loss);
      options.onStep?.({ step: step + 1, steps, loss, ms: performance.now() - t0 });
    }
  } finally {
    optimizer.dispose();
    tf.dispose([x, z, w]);
  }
  return losses;
}
