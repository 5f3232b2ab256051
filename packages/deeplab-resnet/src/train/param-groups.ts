/**
 * Which variables train and how fast, by their TensorFlow-port names, with the substring rules
 * of train.py / fine_tune.py (so that any network named like the port behaves the same).
 */

/** `full` = train.py / train_msc.py; `last-layers` = fine_tune.py (only `fc1_voc12*`). */
export type TrainableSet = 'full' | 'last-layers';

/** BatchNorm variables: never updated by the optimiser (train.py drops `beta`/`gamma`; moving statistics are not trainable in TF). */
export function isBatchNormVariable(name: string): boolean {
  return name.includes('beta') || name.includes('gamma') || name.includes('moving_');
}

/** True when the optimiser updates `name` in the given set. */
export function isTrainable(name: string, set: TrainableSet): boolean {
  if (isBatchNormVariable(name)) return false;
  return set === 'full' ? true : name.includes('fc1_voc12');
}

/**
 * train.py's learning-rate multiplier: 10 for `fc*` weights, 20 for `fc*` biases (Caffe's
 * `lr_mult` in deploy.prototxt), 1 for everything else.
 */
export function learningRateMultiplier(name: string): number {
  if (!name.includes('fc')) return 1;
  if (name.includes('weights')) return 10;
  if (name.includes('biases')) return 20;
  return 1;
}

/** Variables the L2 term covers: convolution kernels (`weights`), not biases, not BatchNorm. */
export function isWeightDecayed(name: string): boolean {
  return name.includes('weights');
}

/** Variables `--not-restore-last` leaves out of the restore (train.py: names containing `fc`). */
export function isLastLayer(name: string): boolean {
  return name.includes('fc');
}
