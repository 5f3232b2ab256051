import * as tf from '@tensorflow/tfjs-core';
import { convLayerSpecs, type ObjselLayerSpec, type ObjselNetworkMeta, type WeightEntry } from '@objsel/caffe-import';
import { DeeplabError } from '../errors';
import { atrousConv2d } from '../ops/atrous';
import { checkpointedLogits } from './checkpointed';
import { validateConfig, type DeepLabConfig } from './config';
import { allConvs, networkSpec, variableSpecs, type ConvSpec, type NetworkSpec, type VariableSpec } from './architecture';

/** Options of {@link DeepLabResNet.forward}. */
export interface ForwardOptions {
  /**
   * Normalise with the batch's own mean and (biased) variance instead of the moving statistics,
   * and return them in `batchStats` (training with BN updates, the TF port's `--is-training`).
   */
  trainBatchNorm?: boolean;
  /**
   * Applied to the backbone output (`res5c_relu`) before the ASPP head, inside the
   * differentiable graph: the hook for feature-space refinement (f-BRS's per-channel scale and
   * bias, `src/interactive/brs.ts`) and for reading the features. Identity when absent.
   */
  transformFeatures?: (features: tf.Tensor4D) => tf.Tensor4D;
  /**
   * Training with frozen BN: BN folded into the convolutions as a constant per-channel affine,
   * gradient checkpointing per residual unit and the ASPP head as shifted 1x1 taps
   * (`./checkpointed.ts`). Same logits and gradients, a fraction of the memory (ResNet-101 at
   * 321x321 fits the 4 GiB wasm heap), one extra forward pass in the backward. Ignored with
   * `trainBatchNorm`.
   */
  checkpoint?: boolean;
}

/** Batch statistics of one BatchNorm layer, returned by a training-mode forward pass. */
export interface BatchStat {
  /** BN layer name, e.g. `bn2a_branch1`. */
  layer: string;
  /** Per-channel batch mean. */
  mean: tf.Tensor1D;
  /** Per-channel biased batch variance (what the normalisation used). */
  variance: tf.Tensor1D;
}

/** What {@link DeepLabResNet.forward} returns; the caller owns (and disposes) every tensor. */
export interface ForwardResult {
  /** `fc1_voc12`: NHWC logits at output stride 8 (321x321 → 41x41). */
  logits: tf.Tensor4D;
  /** With `trainBatchNorm`: the statistics of every BN layer, in graph order. */
  batchStats?: BatchStat[];
}

let modelCounter = 0;

/** Engine-unique prefix for variable names, so that several models can live in one process. */
function nextPrefix(): string {
  modelCounter += 1;
  return `deeplab${modelCounter}`;
}

function isTrainable(spec: VariableSpec): boolean {
  return spec.kind !== 'moving_mean' && spec.kind !== 'moving_variance';
}

/** The ObjselNetworkMeta layer list (every convolution, and pool1) of a plan. */
function layerSpecs(spec: NetworkSpec): ObjselLayerSpec[] {
  return convLayerSpecs(allConvs(spec));
}

/**
 * True for weights of a ResNet backbone without the DeepLab head (`objsel convert` of an
 * ImageNet ResNet or a truncated prototxt, a TF checkpoint without `fc1_voc12_c*`): `numClasses`
 * 0 or `backboneOnly`. Training from them creates the head.
 */
export function isBackboneMeta(meta: ObjselNetworkMeta): boolean {
  return meta.backboneOnly === true || meta.numClasses === 0;
}

/**
 * The configuration described by weights metadata; the ASPP rates come from the
 * `fc1_voc12_c*` layers' dilations when the metadata lists them. `options.numClasses` sets the
 * head's classes (needed for a backbone, {@link isBackboneMeta}, which has none).
 */
export function configFromMeta(meta: ObjselNetworkMeta, options: { bnEpsilon?: number; numClasses?: number } = {}): DeepLabConfig {
  if (typeof meta !== 'object' || meta === null)
    throw new DeeplabError('bad-weights', 'the weights have no objsel network description', { where: 'objsel' });
  if (meta.architecture !== 'deeplab-v2-resnet') {
    throw new DeeplabError('bad-weights', `architecture ${JSON.stringify(meta.architecture)} is not 'deeplab-v2-resnet'`, {
      where: 'objsel.architecture',
    });
  }
  if (isBackboneMeta(meta) && options.numClasses === undefined) {
    throw new DeeplabError(
      'bad-weights',
      'a ResNet backbone without the ASPP head (numClasses 0): train from it first (objsel train --restore-from), which creates the head',
      { where: 'objsel.numClasses' },
    );
  }
  const aspp = (Array.isArray(meta.layers) ? meta.layers : [])
    .map((l) => ({ l, m: /^fc1_voc12_c(\d+)$/.exec(l.name) }))
    .filter((x): x is { l: ObjselLayerSpec; m: RegExpExecArray } => x.m !== null)
    .sort((a, b) => Number(a.m[1]) - Number(b.m[1]))
    .map((x) => x.l.dilation?.[0]);
  const config: DeepLabConfig = {
    inputChannels: meta.inputChannels,
    numClasses: options.numClasses ?? meta.numClasses,
    blocks: Array.isArray(meta.blocks) ? [...meta.blocks] : meta.blocks,
    widthMultiplier: meta.widthMultiplier,
    bnEpsilon: options.bnEpsilon ?? meta.bnEpsilon,
    asppRates: aspp.length > 0 ? (aspp as number[]) : [6, 12, 18, 24],
  };
  try {
    validateConfig(config);
  } catch (error) {
    if (error instanceof DeeplabError)
      throw new DeeplabError('bad-weights', `network description: ${error.message}`, { where: `objsel.${error.where ?? ''}` });
    throw error;
  }
  return config;
}

/** Checks that the layers the metadata describes have the strides and dilations this network uses. */
function checkLayers(meta: ObjselNetworkMeta, spec: NetworkSpec): void {
  if (!Array.isArray(meta.layers)) return;
  const byName = new Map(allConvs(spec).map((c) => [c.name, c]));
  for (const layer of meta.layers) {
    const conv = byName.get(layer.name);
    if (!conv || layer.type !== 'Convolution') continue;
    const same = (pair: unknown, value: number): boolean => Array.isArray(pair) && pair[0] === value && pair[1] === value;
    for (const [field, value] of [
      ['kernel', conv.kernel],
      ['stride', conv.stride],
      ['dilation', conv.dilation],
    ] as const) {
      if (!same(layer[field], value)) {
        throw new DeeplabError(
          'bad-weights',
          `${field} ${JSON.stringify(layer[field])} differs from the DeepLab-v2 ResNet's ${value}x${value}`,
          {
            where: `objsel.layers ${layer.name}`,
          },
        );
      }
    }
  }
}

function listSome(names: string[], max = 8): string {
  return names.length <= max ? names.join(', ') : `${names.slice(0, max).join(', ')} … (${names.length} in all)`;
}

/**
 * DeepLab-v2 on a Caffe bottleneck ResNet (50/101/152), exactly as deploy.prototxt defines it
 * and the TensorFlow port runs it: conv1 7x7/2, pool1 3x3/2 max, res2..res5 with the stride in
 * the first 1x1 of res3a, dilation 2 in res4 and 4 in res5 3x3s (output stride 8), TF 'SAME'
 * padding everywhere, and the ASPP head `fc1_voc12_c0..c3` (3x3, rates 6/12/18/24, biases)
 * summed into `fc1_voc12`. The forward pass is differentiable w.r.t. every variable: atrous
 * convolutions run as space-to-batch + conv + batch-to-space.
 *
 * @example
 * ```ts
 * const model = DeepLabResNet.create(resnetConfig(101), { seed: 1 });
 * const { logits } = model.forward(tf.zeros([1, 321, 321, 3])); // [1, 41, 41, 21]
 * ```
 */
export class DeepLabResNet {
  /** The layer plan (names, channels, strides, dilations). */
  readonly spec: NetworkSpec;

  private constructor(
    /** Shape of the network. */
    readonly config: DeepLabConfig,
    /**
     * Every variable, keyed by the TF port's name (`conv1/weights`, `bn_conv1/moving_mean`,
     * `fc1_voc12_c0/biases`, …). The `tf.Variable`s' own `name`s carry an engine-unique prefix
     * (`deeplab3/conv1/weights`) so several models can coexist; map `tf.variableGrads` results
     * back through this map. Moving statistics are not trainable; everything else is.
     */
    readonly variables: Map<string, tf.Variable>,
    spec: NetworkSpec,
  ) {
    this.spec = spec;
  }

  /**
   * A randomly initialised network: convolutions He-normal (std `sqrt(2 / (k*k*in))`, Caffe's
   * msra filler), the ASPP head Gaussian with std 0.01 and zero biases (deploy.prototxt's
   * fillers), BN moving mean 0, variance 1, gamma 1, beta 0. Deterministic for a given `seed`.
   */
  static create(config: DeepLabConfig, options: { seed?: number } = {}): DeepLabResNet {
    validateConfig(config);
    const spec = networkSpec(config);
    const prefix = nextPrefix();
    const seed = options.seed ?? Math.floor(Math.random() * 2 ** 31);
    const variables = new Map<string, tf.Variable>();
    variableSpecs(spec).forEach((v, i) => {
      const initial = tf.tidy(() => {
        switch (v.kind) {
          case 'weights': {
            const conv = v.conv!;
            const std = conv.bias ? 0.01 : Math.sqrt(2 / (conv.kernel * conv.kernel * conv.inChannels));
            return tf.randomNormal(v.shape, 0, std, 'float32', seed + i);
          }
          case 'moving_variance':
          case 'gamma':
            return tf.ones(v.shape);
          default:
            return tf.zeros(v.shape);
        }
      });
      variables.set(v.name, tf.variable(initial, isTrainable(v), `${prefix}/${v.name}`));
      initial.dispose();
    });
    return new DeepLabResNet({ ...config, blocks: [...config.blocks], asppRates: [...config.asppRates] }, variables, spec);
  }

  /**
   * A network from converted or checkpointed weights. The names must match the network's
   * variables exactly (no mapping table); `meta` (the `objsel` section of `model.json`) gives
   * the configuration, and `options.bnEpsilon` overrides its BN epsilon (0.001 reproduces the
   * TF port's slim default). `options.ignoreUnexpected` lets extra variables through when it
   * returns true for their name (e.g. DCSP's attention head `fc1_voc12_d0` on a checkpoint used
   * for plain segmentation); all others still fail.
   *
   * @throws DeeplabError `bad-weights` naming missing, unexpected or mis-shaped variables, or a
   * network description this class cannot build.
   */
  static fromWeights(
    entries: WeightEntry[],
    meta: ObjselNetworkMeta,
    options: { bnEpsilon?: number; ignoreUnexpected?: (name: string) => boolean } = {},
  ): DeepLabResNet {
    const config = configFromMeta(meta, options);
    const spec = networkSpec(config);
    checkLayers(meta, spec);
    const specs = variableSpecs(spec);
    const given = new Map<string, WeightEntry>();
    for (const e of entries) {
      if (given.has(e.name)) throw new DeeplabError('bad-weights', 'duplicate variable', { where: e.name });
      given.set(e.name, e);
    }
    const expected = new Set(specs.map((s) => s.name));
    const missing = specs.filter((s) => !given.has(s.name)).map((s) => s.name);
    const unexpected = [...given.keys()].filter((n) => !expected.has(n) && !options.ignoreUnexpected?.(n));
    const misShaped = specs
      .filter((s) => given.has(s.name))
      .filter((s) => {
        const e = given.get(s.name)!;
        return (
          e.shape.length !== s.shape.length ||
          e.shape.some((d, i) => d !== s.shape[i]) ||
          e.data.length !== s.shape.reduce((a, b) => a * b, 1)
        );
      })
      .map((s) => `${s.name} [${given.get(s.name)!.shape.join(',')}] (expected [${s.shape.join(',')}])`);
    const problems: string[] = [];
    if (missing.length) problems.push(`missing ${listSome(missing)}`);
    if (unexpected.length) problems.push(`unexpected ${listSome(unexpected)}`);
    if (misShaped.length) problems.push(`mis-shaped ${listSome(misShaped, 4)}`);
    if (problems.length) {
      throw new DeeplabError(
        'bad-weights',
        `weights do not fit a DeepLab-v2 ResNet with blocks [${config.blocks.join(',')}], width ×${config.widthMultiplier}, ${config.inputChannels} input channels, ${config.numClasses} classes: ${problems.join('; ')}`,
        {
          where: missing[0] ?? unexpected[0] ?? misShaped[0]?.split(' ')[0],
        },
      );
    }
    const prefix = nextPrefix();
    const variables = new Map<string, tf.Variable>();
    for (const s of specs) {
      const e = given.get(s.name)!;
      const value = tf.tensor(e.data, s.shape, 'float32');
      variables.set(s.name, tf.variable(value, isTrainable(s), `${prefix}/${s.name}`));
      value.dispose();
    }
    return new DeepLabResNet(config, variables, spec);
  }

  private variable(name: string): tf.Variable {
    const v = this.variables.get(name);
    if (!v) throw new DeeplabError('bad-weights', 'variable is missing (disposed model?)', { where: name });
    return v;
  }

  /** One convolution ('SAME', atrous via space-to-batch), without its BatchNorm. */
  private conv(x: tf.Tensor4D, conv: ConvSpec): tf.Tensor4D {
    const w = this.variable(`${conv.name}/weights`) as tf.Tensor4D;
    let y: tf.Tensor4D;
    if (conv.dilation > 1) y = atrousConv2d(x, w, conv.dilation);
    else y = tf.conv2d(x, w, conv.stride, 'same');
    if (conv.bias) y = tf.add(y, this.variable(`${conv.name}/biases`)) as tf.Tensor4D;
    return y;
  }

  /**
   * The network on an NHWC batch: `input` is BGR minus the ImageNet mean (plus the raw
   * click-map channels for a 5-channel net). Returns `fc1_voc12` at output stride 8 and, with
   * `trainBatchNorm`, every BN layer's batch statistics. Differentiable w.r.t. every variable;
   * runs in `tf.tidy`, so only the returned tensors survive.
   *
   * @throws DeeplabError `bad-input` if the input is not NHWC with `config.inputChannels` channels.
   */
  forward(input: tf.Tensor4D, options: ForwardOptions = {}): ForwardResult {
    if (input.rank !== 4 || input.shape[3] !== this.config.inputChannels) {
      throw new DeeplabError(
        'bad-input',
        `input must be NHWC with ${this.config.inputChannels} channels, got shape [${input.shape.join(',')}]`,
      );
    }
    const train = options.trainBatchNorm === true;
    if (options.checkpoint && !train) return { logits: checkpointedLogits(this, input, options.transformFeatures) };
    const eps = this.config.bnEpsilon;
    // tidy keeps every tensor inside the returned (nested) object.
    return tf.tidy((): tf.TensorContainer => {
      const stats: BatchStat[] = [];
      const convBn = (x: tf.Tensor4D, conv: ConvSpec, relu: boolean): tf.Tensor4D => {
        const y = this.conv(x, conv);
        const bn = conv.bn!;
        const gamma = this.variable(`${bn}/gamma`) as tf.Tensor1D;
        const beta = this.variable(`${bn}/beta`) as tf.Tensor1D;
        let mean: tf.Tensor1D;
        let variance: tf.Tensor1D;
        if (train) {
          const m = tf.moments(y, [0, 1, 2]);
          mean = m.mean as tf.Tensor1D;
          variance = m.variance as tf.Tensor1D;
          stats.push({ layer: bn, mean, variance });
        } else {
          mean = this.variable(`${bn}/moving_mean`) as tf.Tensor1D;
          variance = this.variable(`${bn}/moving_variance`) as tf.Tensor1D;
        }
        // Offset and scale are always passed: TF.js's batchNorm gradient fails without them.
        const normalised = tf.batchNorm(y, mean, variance, beta, gamma, eps);
        return relu ? tf.relu(normalised) : normalised;
      };
      // One tidy per stage of work, disposing the previous output: inference frees activations as
      // it goes (a single tidy would hold every layer's output to the end, >1 GB at 321x321). The
      // gradient tape keeps its own references, so training is unaffected.
      const step = (previous: tf.Tensor4D, f: () => tf.Tensor4D): tf.Tensor4D => {
        const out = tf.tidy((): tf.TensorContainer => {
          const before = stats.length;
          const y = f();
          return { y, stats: stats.splice(before) } as unknown as tf.TensorContainer;
        }) as unknown as { y: tf.Tensor4D; stats: BatchStat[] };
        stats.push(...out.stats);
        if (previous !== input) previous.dispose();
        return out.y;
      };
      let x = step(input, () => tf.maxPool(convBn(input, this.spec.conv1, true), 3, 2, 'same'));
      for (const unit of this.spec.units) {
        const [a, b, c] = unit.branch2;
        const unitInput = x;
        x = step(unitInput, () => {
          const shortcut = unit.branch1 ? convBn(unitInput, unit.branch1, false) : unitInput;
          const residual = convBn(convBn(convBn(unitInput, a, true), b, true), c, false);
          return tf.relu(tf.add(shortcut, residual)) as tf.Tensor4D;
        });
      }
      if (options.transformFeatures) x = options.transformFeatures(x);
      const logits = this.head(x);
      const result: ForwardResult = train ? { logits, batchStats: stats } : { logits };
      return result as unknown as tf.TensorContainer;
    }) as unknown as ForwardResult;
  }

  /**
   * The ASPP head on backbone features (`res5c_relu`, NHWC): `fc1_voc12`, the sum of the
   * `fc1_voc12_c*` atrous branches. {@link forward} ends with it; exposed so that feature-space
   * refinement can re-run the head alone. The caller owns the result.
   */
  head(features: tf.Tensor4D): tf.Tensor4D {
    return tf.tidy(() => {
      const branches = this.spec.aspp.map((conv) => this.conv(features, conv));
      return (branches.length === 1 ? branches[0]! : tf.addN(branches)) as tf.Tensor4D;
    });
  }

  /** Copies every variable out (async reads, safe on WebGPU), in graph order. */
  async toWeightEntries(): Promise<WeightEntry[]> {
    const entries: WeightEntry[] = [];
    for (const s of variableSpecs(this.spec)) {
      const v = this.variable(s.name);
      const data = (await v.data()) as Float32Array;
      entries.push({ name: s.name, shape: [...v.shape], data: new Float32Array(data) });
    }
    return entries;
  }

  /** The `objsel` section for `model.json`: configuration plus every convolution and pool layer. */
  meta(): ObjselNetworkMeta {
    return {
      version: 1,
      architecture: 'deeplab-v2-resnet',
      inputChannels: this.config.inputChannels,
      numClasses: this.config.numClasses,
      blocks: [...this.config.blocks],
      widthMultiplier: this.config.widthMultiplier,
      bnEpsilon: this.config.bnEpsilon,
      layers: layerSpecs(this.spec),
    };
  }

  /** Number of scalar parameters (moving statistics included). */
  parameterCount(): number {
    let n = 0;
    for (const v of this.variables.values()) n += v.size;
    return n;
  }

  /** Frees every variable; the model is unusable afterwards. */
  dispose(): void {
    for (const v of this.variables.values()) v.dispose();
    this.variables.clear();
  }
}
