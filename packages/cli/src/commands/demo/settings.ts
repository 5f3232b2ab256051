/** The synthetic dataset of the demo: small images, three object classes with distinct shapes, colours and textures. */
export const DEMO_DATASET = { count: 60, size: 128, classes: 3, minSize: 40, maxSize: 80, valFraction: 0.2 } as const;

/**
 * The reduced DeepLab and its training: ResNet with one unit per stage at 1/8 width (conv1 8
 * channels, res5 256), ASPP rates scaled to the 11x11 logits of an 81x81 crop, BatchNorm on batch
 * statistics (`--is-training`, moving averages with decay 0.9 so that a short run ends with
 * usable statistics), momentum SGD with train.py's poly schedule and 1/10/20 multipliers.
 */
export const DEMO_TRAINING = {
  steps: 120,
  batchSize: 6,
  crop: 81,
  learningRate: 0.01,
  momentum: 0.9,
  weightDecay: 0.0005,
  bnDecay: 0.9,
  model: { inputChannels: 3, blocks: [1, 1, 1, 1], widthMultiplier: 0.125, bnEpsilon: 1e-5, asppRates: [1, 2, 3, 4] },
} as const;
