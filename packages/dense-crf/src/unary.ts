import { DenseCrfError } from './errors';

/** Options of {@link unaryFromSoftmax}. */
export interface UnaryFromSoftmaxOptions {
  /**
   * Certainty of the softmax in (0, 1]: probabilities are mixed with the uniform distribution,
   * `scale·p + (1−scale)/labels`, so 0 becomes uniform and 1 becomes `scale`. Needs `numLabels`.
   */
  scale?: number;
  /** Number of labels (needed only with `scale`). */
  numLabels?: number;
  /** Probabilities are clipped to `[clip, 1]` before the log; `null` = no clipping. Default 1e-5. */
  clip?: number | null;
}

/**
 * pydensecrf's `utils.unary_from_softmax(sm, scale=None, clip=1e-5)`: the unary energy
 * `−log(clip(p))` of softmax probabilities. Element-wise, so it works for either layout and
 * returns the layout it is given: `[labels, N]` for {@link DenseCRF.setUnaryEnergy}, or HWC for
 * `setUnaryEnergy(u, { layout: 'hwc' })`.
 */
export function unaryFromSoftmax(probs: ArrayLike<number>, options: UnaryFromSoftmaxOptions = {}): Float32Array {
  const { scale, numLabels } = options;
  const clip = options.clip === undefined ? 1e-5 : options.clip;
  if (clip !== null && !(clip > 0 && clip <= 1))
    throw new DenseCrfError('bad-parameter', `clip must be in (0, 1], got ${clip}`, { where: 'unaryFromSoftmax' });
  let uniform = 0;
  let keep = 1;
  if (scale !== undefined) {
    if (!(scale > 0 && scale <= 1))
      throw new DenseCrfError('bad-parameter', `scale must be in (0, 1], got ${scale}`, { where: 'unaryFromSoftmax' });
    if (numLabels === undefined || !Number.isInteger(numLabels) || numLabels < 1) {
      throw new DenseCrfError('bad-parameter', 'scale needs numLabels (a positive integer)', { where: 'unaryFromSoftmax' });
    }
    keep = scale;
    uniform = (1 - scale) / numLabels;
  }
  const out = new Float32Array(probs.length);
  for (let i = 0; i < probs.length; i++) {
    let p = keep * probs[i]! + uniform;
    if (clip !== null) p = p < clip ? clip : Math.min(p, 1);
    out[i] = -Math.log(p);
  }
  return out;
}

/**
 * pydensecrf's `utils.unary_from_labels(labels, n_labels, gt_prob, zero_unsure=True)`: a unary
 * `[nLabels, N]` that trusts the given label with probability `gtProb` and spreads the rest
 * evenly over the other labels. With `zeroUnsure`, label value 0 means "unknown" (uniform
 * energy) and values 1..nLabels are labels 0..nLabels−1; without it, values are labels.
 */
export function unaryFromLabels(labels: ArrayLike<number>, nLabels: number, gtProb: number, zeroUnsure = true): Float32Array {
  if (!Number.isInteger(nLabels) || nLabels < 1)
    throw new DenseCrfError('bad-parameter', `nLabels must be a positive integer, got ${nLabels}`, { where: 'unaryFromLabels' });
  if (!(gtProb > 0 && gtProb < 1))
    throw new DenseCrfError('bad-parameter', `gtProb must be in (0, 1), got ${gtProb}`, { where: 'unaryFromLabels' });
  const n = labels.length;
  const nEnergy = nLabels > 1 ? -Math.log((1 - gtProb) / (nLabels - 1)) : Infinity;
  const pEnergy = -Math.log(gtProb);
  const unsure = -Math.log(1 / nLabels);
  const out = new Float32Array(nLabels * n).fill(nEnergy);
  const shift = zeroUnsure ? 1 : 0;
  for (let i = 0; i < n; i++) {
    const value = labels[i]!;
    if (zeroUnsure && value === 0) {
      for (let l = 0; l < nLabels; l++) out[l * n + i] = unsure;
      continue;
    }
    const label = value - shift;
    if (!Number.isInteger(label) || label < 0 || label >= nLabels) {
      throw new DenseCrfError(
        'bad-parameter',
        `label value ${value} at ${i} is outside ${zeroUnsure ? `0..${nLabels}` : `0..${nLabels - 1}`}`,
        { where: 'unaryFromLabels' },
      );
    }
    out[label * n + i] = pEnergy;
  }
  return out;
}
