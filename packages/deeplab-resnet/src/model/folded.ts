import * as tf from '@tensorflow/tfjs-core';
import { DeeplabError } from '../errors';
import { atrousPlan } from '../ops/padding';
import { batchToSpace2d, spaceToBatch2d } from '../ops/space-to-batch';
import { allConvs, type ConvSpec, type NetworkSpec } from './architecture';
import type { DeepLabConfig } from './config';
import type { DeepLabResNet } from './deeplab';

/** How {@link FoldedDeepLab} runs its atrous convolutions. */
export type AtrousMode = 'native' | 'space-to-batch';

/** Options of {@link FoldedDeepLab.fromModel}. */
export interface FoldOptions {
  /**
   * `native` (default): `conv2d` with `dilations`, which XNNPACK (wasm) and the GPU backends run
   * directly; `space-to-batch`: TF's `atrous_conv2d` formulation, as {@link DeepLabResNet.forward}.
   */
  atrous?: AtrousMode;
}

interface FoldedConv {
  spec: ConvSpec;
  filter: tf.Tensor4D;
  bias: tf.Tensor1D;
}

/**
 * One convolution of `model` with its BatchNorm (if any) folded in, as new tensors the caller
 * disposes: `W' = W·γ/√(σ²+ε)`, `b' = β − μ·γ/√(σ²+ε)`; a convolution without BN gets copies of
 * its weights and bias (zeros when it has none). {@link FoldedDeepLab} folds every convolution
 * this way; the ONNX export folds one at a time, so that it never holds a folded copy of the
 * whole network.
 *
 * @throws DeeplabError `bad-weights` when a variable is missing (a disposed model).
 */
export function foldConv(model: DeepLabResNet, conv: ConvSpec): { filter: tf.Tensor4D; bias: tf.Tensor1D } {
  const get = (name: string): tf.Variable => {
    const v = model.variables.get(name);
    if (!v) throw new DeeplabError('bad-weights', 'variable is missing (disposed model?)', { where: name });
    return v;
  };
  const weights = get(`${conv.name}/weights`);
  const eps = model.config.bnEpsilon;
  return tf.tidy(() => {
    if (!conv.bn) {
      const bias = conv.bias ? get(`${conv.name}/biases`) : tf.zeros([conv.outChannels]);
      return { filter: tf.clone(weights) as tf.Tensor4D, bias: tf.clone(bias) as tf.Tensor1D };
    }
    const scale = tf.mul(get(`${conv.bn}/gamma`), tf.rsqrt(tf.add(get(`${conv.bn}/moving_variance`), eps)));
    const filter = tf.mul(weights, scale) as tf.Tensor4D;
    const bias = tf.sub(get(`${conv.bn}/beta`), tf.mul(get(`${conv.bn}/moving_mean`), scale)) as tf.Tensor1D;
    return { filter, bias };
  });
}

/**
 * An inference-only copy of a {@link DeepLabResNet} with every BatchNorm folded into the
 * convolution before it: `W' = W·γ/√(σ²+ε)`, `b' = β − μ·γ/√(σ²+ε)`, so each convolution, its
 * BN and its ReLU run as one `tf.fused.conv2d`. Same function as `forward()` in inference
 * mode (up to float32 rounding), about half the memory traffic. Holds its own tensors, so the
 * model may be disposed once folded: dispose this too, and rebuild it after the model's
 * variables change.
 */
export class FoldedDeepLab {
  private constructor(
    /** The folded network's configuration. */
    readonly config: DeepLabConfig,
    /** Its layer plan. */
    readonly spec: NetworkSpec,
    private readonly convs: Map<string, FoldedConv>,
    /** How atrous convolutions run. */
    readonly atrous: AtrousMode,
  ) {}

  /** Folds the model's current BN statistics (and its BN epsilon) into its convolutions. */
  static fromModel(model: DeepLabResNet, options: FoldOptions = {}): FoldedDeepLab {
    const convs = new Map<string, FoldedConv>();
    for (const conv of allConvs(model.spec)) convs.set(conv.name, { spec: conv, ...foldConv(model, conv) });
    return new FoldedDeepLab(model.config, model.spec, convs, options.atrous ?? 'native');
  }

  private run(x: tf.Tensor4D, name: string, relu: boolean): tf.Tensor4D {
    const c = this.convs.get(name);
    if (!c) throw new DeeplabError('bad-weights', 'folded convolution is missing (disposed?)', { where: name });
    const activation = relu ? 'relu' : 'linear';
    const { stride, dilation } = c.spec;
    if (dilation > 1 && this.atrous === 'space-to-batch') {
      return tf.tidy(() => {
        const plan = atrousPlanFor(x, c.filter, dilation);
        const batched = spaceToBatch2d(x, dilation, plan.paddings);
        const y = tf.fused.conv2d({ x: batched, filter: c.filter, strides: 1, pad: 'valid', bias: c.bias, activation });
        return batchToSpace2d(y, dilation, plan.crops);
      });
    }
    return tf.fused.conv2d({ x, filter: c.filter, strides: stride, pad: 'same', dilations: dilation, bias: c.bias, activation });
  }

  /**
   * `fc1_voc12` logits for an NHWC batch (BGR minus the mean), as
   * {@link DeepLabResNet.forward} in inference mode. Not differentiable.
   */
  predict(input: tf.Tensor4D): tf.Tensor4D {
    const config = this.config;
    if (input.rank !== 4 || input.shape[3] !== config.inputChannels) {
      throw new DeeplabError('bad-input', `input must be NHWC with ${config.inputChannels} channels, got shape [${input.shape.join(',')}]`);
    }
    const spec = this.spec;
    // One tidy per unit, disposing the previous output, so activations are freed as we go.
    let x = tf.tidy(() => tf.maxPool(this.run(input, spec.conv1.name, true), 3, 2, 'same'));
    for (const unit of spec.units) {
      const [a, b, c] = unit.branch2;
      const unitInput = x;
      x = tf.tidy(() => {
        const shortcut = unit.branch1 ? this.run(unitInput, unit.branch1.name, false) : unitInput;
        const residual = this.run(this.run(this.run(unitInput, a.name, true), b.name, true), c.name, false);
        return tf.relu(tf.add(shortcut, residual)) as tf.Tensor4D;
      });
      unitInput.dispose();
    }
    const features = x;
    const logits = tf.tidy(() => {
      const branches = spec.aspp.map((conv) => this.run(features, conv.name, false));
      return (branches.length === 1 ? branches[0]! : tf.addN(branches)) as tf.Tensor4D;
    });
    features.dispose();
    return logits;
  }

  /**
   * The folded HWIO filter and bias of one convolution by layer name (e.g. `res4b3_branch2b`),
   * for exporting the inference graph. Owned by this object: do not dispose them.
   */
  foldedConv(name: string): { filter: tf.Tensor4D; bias: tf.Tensor1D } {
    const c = this.convs.get(name);
    if (!c) throw new DeeplabError('bad-weights', 'folded convolution is missing (disposed?)', { where: name });
    return { filter: c.filter, bias: c.bias };
  }

  /** Frees the folded tensors (not the model). */
  dispose(): void {
    for (const c of this.convs.values()) tf.dispose([c.filter, c.bias]);
    this.convs.clear();
  }
}

function atrousPlanFor(x: tf.Tensor4D, filter: tf.Tensor4D, rate: number) {
  return atrousPlan([x.shape[1], x.shape[2]], [filter.shape[0], filter.shape[1]], rate);
}
