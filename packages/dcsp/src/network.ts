import * as tf from '@tensorflow/tfjs-core';
import { DeepLabResNet, DeepLabSegmenter, configFromMeta, isBackboneMeta, type DeepLabConfig } from '@objsel/deeplab-resnet';
import { initializeHeadLikeTfPort } from '@objsel/deeplab-resnet/train';
import { DcspError } from './errors';

/** One named float32 tensor of a checkpoint (the objsel weights format's entry). */
export type DcspWeightEntry = Awaited<ReturnType<DeepLabResNet['toWeightEntries']>>[number];

/** The `objsel` section of a checkpoint's `model.json`. */
export type DcspNetworkMeta = ReturnType<DeepLabResNet['meta']>;

/** Name of DCSP's attention layer (deploy.prototxt of dcsp_segmentation). */
export const ATTENTION_LAYER = 'fc1_voc12_d0';

/** Variable names of the attention layer, as DCSP's TF checkpoints have them. */
export const ATTENTION_WEIGHTS = `${ATTENTION_LAYER}/weights`;
/** See {@link ATTENTION_WEIGHTS}. */
export const ATTENTION_BIASES = `${ATTENTION_LAYER}/biases`;

/** Anything that gives DCSP's two outputs for an NHWC batch: the network, or its folded inference copy. */
export interface DcspForward {
  forward(input: tf.Tensor4D): DcspForwardResult;
}

/** An inference-only view of a {@link DcspNetwork} (BatchNorm folded into the convolutions); dispose it when done. */
export interface DcspInference extends DcspForward {
  dispose(): void;
}

/** What {@link DcspNetwork.forward} returns; the caller disposes both tensors. */
export interface DcspForwardResult {
  /** `fc1_voc12`: segmentation logits at output stride 8, `numClasses` channels (background first). */
  logits: tf.Tensor4D;
  /** `fc1_voc12_d0`: class attention maps on the logits, `numClasses - 1` channels (no background). */
  attention: tf.Tensor4D;
}

let headCounter = 0;

/**
 * DCSP's network: DeepLab-v2 ResNet plus `fc1_voc12_d0`, a biased 1x1 convolution from the
 * `numClasses` logits (`fc1_voc12`) to `numClasses - 1` class-attention maps (21 → 20 on VOC),
 * Gaussian (std 0.01) initialised with zero biases as dcsp_segmentation's deploy.prototxt.
 * {@link variables} holds the DeepLab variables and the head's, all by TF-port names, so the
 * trainer's optimiser, multipliers (`fc*` ×10/×20) and checkpoints apply unchanged.
 */
export class DcspNetwork {
  /** Every variable by TF-port name: DeepLab's plus `fc1_voc12_d0/weights|biases`. */
  readonly variables: Map<string, tf.Variable>;

  private constructor(
    /** The DeepLab-v2 backbone and ASPP head. */
    readonly deeplab: DeepLabResNet,
    private readonly head: { weights: tf.Variable; biases: tf.Variable },
  ) {
    this.variables = new Map(deeplab.variables);
    this.variables.set(ATTENTION_WEIGHTS, head.weights);
    this.variables.set(ATTENTION_BIASES, head.biases);
  }

  /** The DeepLab configuration (so the network fits deeplab-resnet's training and evaluation code). */
  get config(): DeepLabConfig {
    return this.deeplab.config;
  }

  /** Classes of `fc1_voc12` (with background). */
  get numClasses(): number {
    return this.deeplab.config.numClasses;
  }

  /** Channels of `fc1_voc12_d0`: the object classes. */
  get numObjectClasses(): number {
    return this.deeplab.config.numClasses - 1;
  }

  private static makeHead(
    numClasses: number,
    seed: number,
    values?: { weights?: DcspWeightEntry; biases?: DcspWeightEntry },
  ): { weights: tf.Variable; biases: tf.Variable } {
    headCounter += 1;
    const prefix = `dcsp${headCounter}`;
    const wShape = [1, 1, numClasses, numClasses - 1];
    const check = (e: DcspWeightEntry | undefined, shape: number[]) => {
      if (e && (e.shape.length !== shape.length || e.shape.some((d, i) => d !== shape[i]))) {
        throw new DcspError('bad-input', `${e.name} has shape [${e.shape.join(',')}], expected [${shape.join(',')}]`, { where: e.name });
      }
    };
    check(values?.weights, wShape);
    check(values?.biases, [numClasses - 1]);
    const w0 = values?.weights ? tf.tensor(values.weights.data, wShape, 'float32') : tf.randomNormal(wShape, 0, 0.01, 'float32', seed);
    const b0 = values?.biases ? tf.tensor(values.biases.data, [numClasses - 1], 'float32') : tf.zeros([numClasses - 1]);
    const head = {
      weights: tf.variable(w0, true, `${prefix}/${ATTENTION_WEIGHTS}`),
      biases: tf.variable(b0, true, `${prefix}/${ATTENTION_BIASES}`),
    };
    w0.dispose();
    b0.dispose();
    return head;
  }

  /** A randomly initialised network (DeepLab's initialisation plus the Gaussian 0.01 head). */
  static create(config: DeepLabConfig, options: { seed?: number } = {}): DcspNetwork {
    if (config.numClasses < 2)
      throw new DcspError('bad-config', `DCSP needs background plus at least one class, got numClasses ${config.numClasses}`);
    const seed = options.seed ?? Math.floor(Math.random() * 2 ** 31);
    const deeplab = DeepLabResNet.create(config, { seed });
    return new DcspNetwork(deeplab, DcspNetwork.makeHead(config.numClasses, seed + 100_003));
  }

  /**
   * A network from checkpoint entries. `fc1_voc12_d0/*` entries fill the attention head; when
   * they are absent (restoring plain DeepLab weights, as DCSP restores an ImageNet ResNet), the
   * head is freshly initialised with `seed`. `fc*` entries of a different class count can be
   * left out with `notRestoreLast`, which initialises them as {@link create} does (with
   * `numClasses` outputs when given). A ResNet backbone without a head (`objsel convert` of an
   * ImageNet ResNet) gets a `numClasses` (default 21) head initialised as the TF port's (Glorot uniform).
   */
  static fromWeights(
    entries: DcspWeightEntry[],
    meta: DcspNetworkMeta,
    options: { bnEpsilon?: number; seed?: number; notRestoreLast?: boolean; numClasses?: number } = {},
  ): DcspNetwork {
    const seed = options.seed ?? Math.floor(Math.random() * 2 ** 31);
    const isHead = (name: string) => name.startsWith(`${ATTENTION_LAYER}/`);
    const backboneEntries = entries.filter((e) => !isHead(e.name));
    let deeplab: DeepLabResNet;
    const backbone = isBackboneMeta(meta);
    if (options.notRestoreLast || backbone) {
      // Build a fresh network, then copy every non-fc variable in.
      const numClasses = options.numClasses ?? (backbone ? 21 : undefined);
      const fresh = DeepLabResNet.create(
        configFromMeta(meta, {
          ...(options.bnEpsilon === undefined ? {} : { bnEpsilon: options.bnEpsilon }),
          ...(numClasses === undefined ? {} : { numClasses }),
        }),
        { seed },
      );
      const byName = new Map(backboneEntries.map((e) => [e.name, e]));
      for (const [name, v] of fresh.variables) {
        if (name.includes('fc')) continue;
        const e = byName.get(name);
        if (!e) throw new DcspError('bad-input', 'the weights lack this variable', { where: name });
        tf.tidy(() => v.assign(tf.tensor(e.data, v.shape, 'float32')));
      }
      if (backbone) initializeHeadLikeTfPort(fresh, seed);
      deeplab = fresh;
    } else {
      deeplab = DeepLabResNet.fromWeights(backboneEntries, meta, options.bnEpsilon === undefined ? {} : { bnEpsilon: options.bnEpsilon });
    }
    const restoreHead = !options.notRestoreLast;
    const w = restoreHead ? entries.find((e) => e.name === ATTENTION_WEIGHTS) : undefined;
    const b = restoreHead ? entries.find((e) => e.name === ATTENTION_BIASES) : undefined;
    return new DcspNetwork(
      deeplab,
      DcspNetwork.makeHead(deeplab.config.numClasses, seed + 100_003, { ...(w ? { weights: w } : {}), ...(b ? { biases: b } : {}) }),
    );
  }

  /** `fc1_voc12_d0` on given `fc1_voc12` logits (a 1x1 convolution plus bias). */
  attentionOf(logits: tf.Tensor4D): tf.Tensor4D {
    return tf.tidy(() => tf.add(tf.conv2d(logits, this.head.weights as tf.Tensor4D, 1, 'valid'), this.head.biases) as tf.Tensor4D);
  }

  /**
   * The network on an NHWC batch (BGR minus the mean): `fc1_voc12` logits and the
   * `fc1_voc12_d0` attention maps, both at output stride 8. Differentiable w.r.t. every variable.
   */
  forward(
    input: tf.Tensor4D,
    options: { trainBatchNorm?: boolean } = {},
  ): DcspForwardResult & { batchStats?: ReturnType<DeepLabResNet['forward']>['batchStats'] } {
    const out = this.deeplab.forward(input, options);
    const attention = this.attentionOf(out.logits);
    return { ...out, attention };
  }

  /**
   * A fast inference copy for cue passes and evaluation: deeplab-resnet's folded network
   * (BatchNorm folded into fused convolutions, native dilated convolutions; the same function
   * as {@link forward} in inference mode up to float32 rounding) plus this attention head. It
   * snapshots the current weights: make a new one after training changes them.
   */
  inference(options: { fold?: boolean } = {}): DcspInference {
    const segmenter = DeepLabSegmenter.fromModel(this.deeplab, { fold: options.fold ?? true });
    return {
      forward: (input) =>
        tf.tidy(() => {
          const logits = segmenter.logits(input);
          return { logits, attention: this.attentionOf(logits) };
        }),
      dispose: () => segmenter.dispose(),
    };
  }

  /** Every variable as checkpoint entries: DeepLab's in graph order, then the head. */
  async toWeightEntries(): Promise<DcspWeightEntry[]> {
    const entries = await this.deeplab.toWeightEntries();
    for (const [name, v] of [
      [ATTENTION_WEIGHTS, this.head.weights],
      [ATTENTION_BIASES, this.head.biases],
    ] as const) {
      entries.push({ name, shape: [...v.shape], data: new Float32Array((await v.data()) as Float32Array) });
    }
    return entries;
  }

  /** The `objsel` section for `model.json`: DeepLab's, with `fc1_voc12_d0` added to the layers. */
  meta(): DcspNetworkMeta {
    const meta = this.deeplab.meta();
    const n = this.numClasses;
    return {
      ...meta,
      layers: [
        ...meta.layers,
        {
          name: ATTENTION_LAYER,
          type: 'Convolution',
          kernel: [1, 1],
          stride: [1, 1],
          dilation: [1, 1],
          pad: [0, 0],
          inChannels: n,
          outChannels: n - 1,
          bias: true,
          group: 1,
        },
      ],
      dcsp: { attentionLayer: ATTENTION_LAYER },
    };
  }

  /** Frees every variable. */
  dispose(): void {
    this.deeplab.dispose();
    this.head.weights.dispose();
    this.head.biases.dispose();
    this.variables.clear();
  }
}
