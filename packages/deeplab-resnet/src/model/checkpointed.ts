/**
 * The memory-lean training forward pass of DeepLab-v2 ResNet with frozen BatchNorm:
 *
 * - **Frozen BN as a folded affine.** With the moving statistics and γ/β constant, BN is
 *   `y = conv(x, W)·s + b` with `s = γ/√(σ²+ε)`, `b = β − μ·s`; that is `conv(x, W·s) + b`, and the
 *   gradient w.r.t. the unscaled `W` flows through the `·s` (exact, not an approximation). No
 *   `tf.batchNorm` node, so none of its full-size `Tile` temporaries in the backward pass.
 * - **Gradient checkpointing per residual unit** (`tf.customGrad`). TF.js's tape keeps every
 *   activation *and* every intermediate gradient until the whole backward pass ends (>4 GiB for
 *   ResNet-101 at 321x321, past the wasm heap). Here the tape sees one node per unit; only the
 *   unit inputs are kept, and each unit's activations are recomputed, differentiated and freed
 *   in its turn of the backward pass. Cost: one extra forward pass.
 * - **ASPP as one 1x1 convolution plus shifts.** A 3x3 convolution with dilation r is the sum of
 *   its nine taps, each a 1x1 convolution of the input shifted by a multiple of r; with 21
 *   classes the tap outputs are tiny, so all branches' taps run as a single 1x1 convolution and
 *   the shifts are slices and pads of 21-channel maps. Taps that fall wholly into the zero
 *   padding (offset ≥ the map size) add nothing and are left out. Same sum as the space-to-batch
 *   form, which at rate 24 on a 41x41 map pads 2048 channels to 96x96.
 *
 * The function computed is {@link DeepLabResNet.forward}'s in inference-BN mode (up to float32
 * rounding), and so are the gradients w.r.t. every convolution weight and bias.
 */
import * as tf from '@tensorflow/tfjs-core';
import { DeeplabError } from '../errors';
import { atrousConv2d } from '../ops/atrous';
import type { ConvSpec, NetworkSpec, UnitSpec } from './architecture';
import type { DeepLabConfig } from './config';

/** What the checkpointed forward pass needs from a network. */
export interface CheckpointedNetwork {
  readonly config: DeepLabConfig;
  readonly spec: NetworkSpec;
  readonly variables: Map<string, tf.Variable>;
}

type Get = (name: string) => tf.Variable;

function getter(network: CheckpointedNetwork): Get {
  return (name) => {
    const v = network.variables.get(name);
    if (!v) throw new DeeplabError('bad-weights', 'variable is missing (disposed model?)', { where: name });
    return v;
  };
}

/**
 * A convolution followed by its frozen BN (folded) and optionally a ReLU. `differentiable`
 * picks the formulation with TF.js gradients (atrous via space-to-batch); otherwise atrous
 * convolutions use `dilations` directly, which the backends run faster but cannot differentiate.
 */
function convBn(
  x: tf.Tensor4D,
  weights: tf.Tensor4D,
  conv: ConvSpec,
  get: Get,
  eps: number,
  relu: boolean,
  differentiable: boolean,
): tf.Tensor4D {
  if (!conv.bn) throw new DeeplabError('bad-config', 'convolution without BatchNorm in the backbone', { where: conv.name });
  const scale = tf.mul(get(`${conv.bn}/gamma`), tf.rsqrt(tf.add(get(`${conv.bn}/moving_variance`), eps))) as tf.Tensor1D;
  const shift = tf.sub(get(`${conv.bn}/beta`), tf.mul(get(`${conv.bn}/moving_mean`), scale)) as tf.Tensor1D;
  const filter = tf.mul(weights, scale) as tf.Tensor4D;
  const activation = relu ? 'relu' : 'linear';
  if (conv.dilation > 1) {
    if (!differentiable) return tf.fused.conv2d({ x, filter, strides: 1, pad: 'same', dilations: conv.dilation, bias: shift, activation });
    const y = tf.add(atrousConv2d(x, filter, conv.dilation), shift) as tf.Tensor4D;
    return relu ? tf.relu(y) : y;
  }
  return tf.fused.conv2d({ x, filter, strides: conv.stride, pad: 'same', bias: shift, activation });
}

/** The stem: conv1, bn_conv1, ReLU, pool1. */
function stem(x: tf.Tensor4D, [w]: tf.Tensor[], spec: NetworkSpec, get: Get, eps: number, differentiable: boolean): tf.Tensor4D {
  return tf.maxPool(convBn(x, w as tf.Tensor4D, spec.conv1, get, eps, true, differentiable), 3, 2, 'same');
}

/** The convolutions of a unit in the order their weights are passed around. */
function unitConvs(unit: UnitSpec): ConvSpec[] {
  return unit.branch1 ? [...unit.branch2, unit.branch1] : [...unit.branch2];
}

/** One bottleneck unit: relu(shortcut + 1x1 → 3x3 → 1x1). */
function unitForward(x: tf.Tensor4D, ws: tf.Tensor[], unit: UnitSpec, get: Get, eps: number, differentiable: boolean): tf.Tensor4D {
  const [a, b, c] = unit.branch2;
  const [wa, wb, wc, w1] = ws as tf.Tensor4D[];
  const shortcut = unit.branch1 ? convBn(x, w1!, unit.branch1, get, eps, false, differentiable) : x;
  const residual = convBn(
    convBn(convBn(x, wa!, a, get, eps, true, differentiable), wb!, b, get, eps, true, differentiable),
    wc!,
    c,
    get,
    eps,
    false,
    differentiable,
  );
  return tf.relu(tf.add(shortcut, residual)) as tf.Tensor4D;
}

/**
 * Runs `grads` as a fresh top-level gradient computation although it is called from inside the
 * engine's backward pass: a top-level `tf.grads` replaces the engine's active tape and clears it
 * when done, which would make the enclosing backward pass lose (and then fail to free) its own.
 */
function withOwnTape<T>(fn: () => T): T {
  const state = (tf.engine() as unknown as { state?: { activeTape?: unknown } }).state;
  if (!state || !('activeTape' in state))
    throw new DeeplabError('bad-config', 'checkpointed gradients: unexpected TF.js engine internals (tfjs-core 4.22 expected)');
  const outer = state.activeTape;
  try {
    return fn();
  } finally {
    state.activeTape = outer;
  }
}

/**
 * `f(x, ws)` as one node of the tape: the forward pass keeps only `x`; the backward pass
 * recomputes `f` differentiably and returns the gradients w.r.t. `ws` (and `x` unless
 * `constantInput`, e.g. the image).
 */
function checkpoint(
  f: (x: tf.Tensor4D, ws: tf.Tensor[], differentiable: boolean) => tf.Tensor4D,
  x: tf.Tensor4D,
  ws: tf.Tensor[],
  constantInput: boolean,
): tf.Tensor4D {
  const node = tf.customGrad((...args: unknown[]) => {
    const save = args.pop() as tf.GradSaveFunc;
    const tensors = args as tf.Tensor[];
    const input = constantInput ? x : (tensors[0] as tf.Tensor4D);
    const weights = constantInput ? tensors : tensors.slice(1);
    save([input]);
    return {
      value: f(input, weights, false),
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) =>
        tf.tidy(() =>
          withOwnTape(() => {
            const kept = saved[0] as tf.Tensor4D;
            const g = dy as tf.Tensor;
            if (constantInput) return tf.grads((...w: tf.Tensor[]) => f(kept, w, true))(weights, g);
            return tf.grads((xi: tf.Tensor, ...w: tf.Tensor[]) => f(xi as tf.Tensor4D, w, true))([kept, ...weights], g);
          }),
        ),
    };
  });
  return (constantInput ? node(...ws) : node(x, ...ws)) as tf.Tensor4D;
}

/** One tap of an ASPP branch: which filter slice, and how far its 1x1 output is shifted. */
interface Tap {
  branch: number;
  ky: number;
  kx: number;
  dy: number;
  dx: number;
}

/** `out[i, j] = z[i + dy, j + dx]`, zero where that falls outside `z`. */
function shifted(z: tf.Tensor4D, dy: number, dx: number): tf.Tensor4D {
  const [n, h, w, c] = z.shape;
  if (dy === 0 && dx === 0) return z;
  const part = tf.slice(z, [0, Math.max(dy, 0), Math.max(dx, 0), 0], [n, h - Math.abs(dy), w - Math.abs(dx), c]);
  return tf.pad(part, [
    [0, 0],
    [Math.max(-dy, 0), Math.max(dy, 0)],
    [Math.max(-dx, 0), Math.max(dx, 0)],
    [0, 0],
  ]);
}

/**
 * `fc1_voc12`: the sum of the ASPP branches ('SAME' atrous convolutions with biases) as one 1x1
 * convolution over every tap that can reach the map, then shifted sums (see the file comment).
 * Differentiable; equal to the sum of `atrousConv2d(features, W_b, rate_b) + bias_b`.
 */
export function asppAsShiftedTaps(
  features: tf.Tensor4D,
  convs: readonly ConvSpec[],
  weights: readonly tf.Tensor4D[],
  biases: readonly tf.Tensor1D[],
): tf.Tensor4D {
  return tf.tidy(() => {
    const [, h, w, cin] = features.shape;
    const taps: Tap[] = [];
    convs.forEach((conv, branch) => {
      const before = Math.floor(((conv.kernel - 1) * conv.dilation) / 2);
      for (let ky = 0; ky < conv.kernel; ky++) {
        for (let kx = 0; kx < conv.kernel; kx++) {
          const dy = ky * conv.dilation - before;
          const dx = kx * conv.dilation - before;
          if (Math.abs(dy) < h && Math.abs(dx) < w) taps.push({ branch, ky, kx, dy, dx });
        }
      }
    });
    const cout = convs[0]!.outChannels;
    const columns = taps.map((t) => tf.reshape(tf.slice(weights[t.branch]!, [t.ky, t.kx, 0, 0], [1, 1, cin, cout]), [cin, cout]));
    const filter = tf.reshape(columns.length === 1 ? columns[0]! : tf.concat(columns, 1), [1, 1, cin, taps.length * cout]) as tf.Tensor4D;
    const z = tf.conv2d(features, filter, 1, 'valid');
    // One split, not a slice per tap: the gradient is then one concat instead of a full-size
    // pad per tap summed up (36 taps of 756 channels at 41x41 in the backward pass).
    const columnsOfZ = (taps.length === 1 ? [z] : tf.split(z, taps.length, 3)) as tf.Tensor4D[];
    const parts = taps.map((t, i) => shifted(columnsOfZ[i]!, t.dy, t.dx));
    const bias = biases.length === 1 ? biases[0]! : tf.addN([...biases]);
    return tf.add(parts.length === 1 ? parts[0]! : tf.addN(parts), bias) as tf.Tensor4D;
  });
}

/**
 * The network's logits with frozen BN, differentiable w.r.t. every convolution weight and bias,
 * keeping only the residual units' inputs on the gradient tape (see the file comment).
 * `transformFeatures` is applied to `res5c_relu` as in {@link DeepLabResNet.forward}.
 */
export function checkpointedLogits(
  network: CheckpointedNetwork,
  input: tf.Tensor4D,
  transformFeatures?: (features: tf.Tensor4D) => tf.Tensor4D,
): tf.Tensor4D {
  const get = getter(network);
  const eps = network.config.bnEpsilon;
  const spec = network.spec;
  return tf.tidy(() => {
    let x = checkpoint((xi, ws, d) => stem(xi, ws, spec, get, eps, d), input, [get(`${spec.conv1.name}/weights`)], true);
    for (const unit of spec.units) {
      const ws = unitConvs(unit).map((c) => get(`${c.name}/weights`));
      const previous = x;
      x = checkpoint((xi, w, d) => unitForward(xi, w, unit, get, eps, d), previous, ws, false);
      previous.dispose(); // the tape's node keeps what it needs
    }
    if (transformFeatures) x = transformFeatures(x);
    const weights = spec.aspp.map((c) => get(`${c.name}/weights`) as tf.Tensor4D);
    const biases = spec.aspp.map((c) => {
      if (!c.bias) throw new DeeplabError('bad-config', 'ASPP convolution without biases', { where: c.name });
      return get(`${c.name}/biases`) as tf.Tensor1D;
    });
    return asppAsShiftedTaps(x, spec.aspp, weights, biases);
  });
}
