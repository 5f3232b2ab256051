/**
 * The "poly" learning rate of train.py: `base * (1 - step / numSteps) ^ power`, with `step` the
 * number of updates applied so far (0 for the first update).
 */
export function polyLearningRate(base: number, step: number, numSteps: number, power: number): number {
  const progress = Math.min(Math.max(step / numSteps, 0), 1);
  return base * (1 - progress) ** power;
}
