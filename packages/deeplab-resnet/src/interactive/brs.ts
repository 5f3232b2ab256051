import * as tf from '@tensorflow/tfjs-core';
import type { Click } from '@objsel/clicks';
import { DeeplabError } from '../errors';
import type { DeepLabResNet } from '../model/deeplab';
import { clickDiskLabels } from './input';

/** Options of {@link featureBrs}. */
export interface BrsOptions {
  /** Most optimisation steps per click (default 20, f-BRS's L-BFGS budget). */
  steps?: number;
  /** Adam step size of the scale and bias (default 0.05). */
  learningRate?: number;
  /** Pixels within this radius of a click must take its label (default 5, RITM's click disks). */
  radius?: number;
  /**
   * Weight of the penalty `mean((scale - 1)^2) + mean(bias^2)` that keeps the auxiliary
   * parameters near the identity (default 1e-3).
   */
  regularization?: number;
  /**
   * Stop as soon as every clicked pixel is on its click's side of 0.5 (default true; BRS's
   * criterion — the loss still covers the whole disks).
   */
  earlyStop?: boolean;
}

/** Resolved BRS defaults. */
export const BRS_DEFAULTS: Readonly<Required<BrsOptions>> = Object.freeze({
  steps: 20,
  learningRate: 0.05,
  radius: 5,
  regularization: 1e-3,
  earlyStop: true,
});

/** What {@link featureBrs} returns. */
export interface BrsResult {
  /** Object probability at the input size after refinement, row-major. */
  probability: Float32Array;
  /** The probability before refinement (the plain network), row-major. */
  initial: Float32Array;
  /** Optimisation steps taken (0 when the clicks were already satisfied). */
  steps: number;
  /** Loss before each step and after the last. */
  losses: number[];
  /** Whether every clicked pixel ended on its click's side of 0.5. */
  satisfied: boolean;
  /** The optimised per-channel scale and bias of the backbone features. */
  scale: Float32Array;
  bias: Float32Array;
}

/** σ of TF1 bilinear upsampling of `[1, h', w', 1]` logits to `[height, width]`, flattened. */
function upsampledLogits(logits: tf.Tensor4D, height: number, width: number): tf.Tensor1D {
  return tf.reshape(tf.image.resizeBilinear(logits, [height, width], false, false), [height * width]);
}

/** `mean_i w_i * BCE(x_i, z_i)` in TF's stable form (weights already normalised). */
function weightedBce(x: tf.Tensor1D, z: tf.Tensor1D, w: tf.Tensor1D): tf.Scalar {
  const softplusNeg = tf.add(tf.log1p(tf.exp(tf.neg(tf.abs(x)))), tf.relu(tf.neg(x)));
  return tf.sum(tf.mul(w, tf.add(tf.mul(tf.sub(1, z), x), softplusNeg))) as tf.Scalar;
}

/**
 * Feature backpropagating refinement, f-BRS-B (Sofiiuk et al. 2020): at a click, the backbone
 * features `f` (`res5c_relu`) are computed once; then a per-channel scale `s` and bias `b`
 * (initialised to the identity: 1 and 0) applied as `s · f + b` before the ASPP head are optimised
 * with Adam so that every pixel within `radius` of a click takes the click's label (sigmoid
 * cross-entropy of the bilinearly upsampled logits there), plus a small penalty keeping `s, b`
 * near the identity, until the clicked pixels are labelled as their clicks say or `steps` run
 * out. The network's weights are untouched; the head is `DeepLabResNet.head`, the
 * very graph training uses (atrous convolutions via space-to-batch), so this runs wherever
 * training runs (Node backends and browsers).
 *
 * @param input - the preprocessed input `[1, height, width, 5]` (see `preprocessInteractive`).
 */
export async function featureBrs(
  model: DeepLabResNet,
  input: tf.Tensor4D,
  clicks: readonly Click[],
  options: BrsOptions = {},
): Promise<BrsResult> {
  const o = { ...BRS_DEFAULTS, ...options };
  if (!Number.isSafeInteger(o.steps) || o.steps < 0)
    throw new DeeplabError('bad-config', `BRS steps must be an integer >= 0, got ${o.steps}`);
  if (!(o.learningRate > 0)) throw new DeeplabError('bad-config', `BRS learning rate must be positive, got ${o.learningRate}`);
  if (!(o.regularization >= 0)) throw new DeeplabError('bad-config', `BRS regularization must be >= 0, got ${o.regularization}`);
  if (input.rank !== 4 || input.shape[0] !== 1)
    throw new DeeplabError('bad-input', `BRS takes one image [1, h, w, c], got [${input.shape.join(',')}]`);
  if (model.config.numClasses !== 1)
    throw new DeeplabError('bad-config', `BRS needs a one-output (interactive) network, this one has ${model.config.numClasses} outputs`);
  const [, height, width] = input.shape;

  // Targets and weights of the click disks, as dense maps (no gather: wasm has no gradient for it).
  const labels = clickDiskLabels(width, height, clicks, o.radius);
  let labelled = 0;
  for (const l of labels) if (l !== 255) labelled++;
  const target = new Float32Array(labels.length);
  const weight = new Float32Array(labels.length);
  for (let i = 0; i < labels.length; i++) {
    if (labels[i] === 255) continue;
    target[i] = labels[i]!;
    weight[i] = 1 / labelled;
  }
  // The clicked pixels themselves (the last click wins where two coincide), for the stop test.
  const centre = new Float32Array(labels.length);
  const centreTarget = new Float32Array(labels.length);
  for (const c of clicks) {
    const i = Math.floor(c.y) * width + Math.floor(c.x);
    centre[i] = 1;
    centreTarget[i] = c.positive ? 1 : 0;
  }

  let features: tf.Tensor4D | undefined;
  const initialLogits = model.forward(input, {
    transformFeatures: (f) => {
      features = tf.keep(tf.clone(f));
      return f;
    },
  }).logits;
  const channels = features!.shape[3];
  const scale = tf.tidy(() => tf.variable(tf.ones([channels]), true));
  const bias = tf.tidy(() => tf.variable(tf.zeros([channels]), true));
  const z = tf.tensor1d(target);
  const w = tf.tensor1d(weight);
  const zc = tf.tensor1d(centreTarget);
  const wc = tf.tensor1d(centre);
  const optimizer = tf.train.adam(o.learningRate);
  const losses: number[] = [];
  let steps = 0;
  let satisfied = false;

  const logitsNow = (): tf.Tensor4D => model.head(tf.add(tf.mul(features!, scale), bias) as tf.Tensor4D);
  const objective = (x: tf.Tensor1D): tf.Scalar => {
    const data = weightedBce(x, z, w);
    if (o.regularization === 0) return data;
    return tf.add(data, tf.mul(o.regularization, tf.add(tf.mean(tf.square(tf.sub(scale, 1))), tf.mean(tf.square(bias))))) as tf.Scalar;
  };
  // Clicked pixels on the wrong side of 0.5 (x >= 0 means p >= 0.5).
  const wrongCount = (x: tf.Tensor1D): tf.Scalar => tf.sum(tf.mul(wc, tf.abs(tf.sub(tf.cast(tf.greaterEqual(x, 0), 'float32'), zc))));

  try {
    // Each pass evaluates the loss and the click check at the current parameters; it updates
    // them only if the clicks are not yet satisfied and steps remain (one head pass per step).
    for (;;) {
      const update = labelled > 0 && steps < o.steps;
      let wrongT: tf.Scalar | undefined;
      let value: tf.Scalar;
      let grads: tf.NamedTensorMap = {};
      if (update) {
        ({ value, grads } = tf.variableGrads(() => {
          const x = upsampledLogits(logitsNow(), height, width);
          wrongT = tf.keep(wrongCount(x));
          return objective(x);
        }, [scale, bias]));
      } else {
        [value, wrongT] = tf.tidy(() => {
          const x = upsampledLogits(logitsNow(), height, width);
          return [objective(x), wrongCount(x)];
        });
      }
      try {
        losses.push((await value.data())[0]!);
        satisfied = (await wrongT!.data())[0] === 0;
        if (!update || (o.earlyStop && satisfied)) break;
        optimizer.applyGradients(grads as Parameters<typeof optimizer.applyGradients>[0]);
        steps++;
      } finally {
        tf.dispose([value, wrongT!, ...Object.values(grads)]);
      }
    }
    const [initialP, finalP] = tf.tidy(() => [
      tf.sigmoid(upsampledLogits(initialLogits, height, width)),
      tf.sigmoid(upsampledLogits(logitsNow(), height, width)),
    ]);
    const result: BrsResult = {
      probability: new Float32Array((await finalP.data()) as Float32Array),
      initial: new Float32Array((await initialP.data()) as Float32Array),
      steps,
      losses,
      satisfied,
      scale: new Float32Array((await scale.data()) as Float32Array),
      bias: new Float32Array((await bias.data()) as Float32Array),
    };
    tf.dispose([initialP, finalP]);
    return result;
  } finally {
    optimizer.dispose();
    tf.dispose([initialLogits, features!, scale, bias, z, w, zc, wc]);
  }
}
