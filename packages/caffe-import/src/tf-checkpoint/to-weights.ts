/**
 * TensorFlow-port checkpoint tensors → objsel weights. The port's variable names are objsel's,
 * so the mapping is a classification: network variables become weight entries (views of the
 * checkpoint's values, no copy for float32), optimiser slots (`*\/Momentum`, `*\/Adam`, `*\/Adam_1`,
 * ...) and step counters (`global_step`, `beta1_power`, ...) are listed and skipped, anything else
 * is reported as unknown. The architecture is inferred from the variables: input channels and
 * width from `conv1/weights`, residual units per stage from the `res<stage>*_branch2a` names
 * (ResNet-50/101/152), classes and ASPP branches from `fc1_voc12_c<k>`, DCSP's attention layer
 * `fc1_voc12_d0`, or a backbone without a head.
 */
import type { ObjselNetworkMeta, WeightEntry } from '../weights-format';
import { ckptError } from './fail';
import { ATTENTION_LAYER, layoutLayerSpecs, layoutVariables, RESNET_BLOCKS, unitNames, type ResnetLayout } from './resnet-layout';
import type { TfTensor, TfTensorInfo } from './tensor';

/** Options of {@link tfCheckpointToWeights}. */
export interface TfToWeightsOptions {
  /** Dilations of the ASPP branches (default the TF port's 6, 12, 18, 24, one per branch found). */
  asppRates?: number[];
  /** Dilations of res4's and res5's 3x3 convolutions (default the TF port's [2, 4]). */
  dilations?: [number, number];
  /** BatchNorm epsilon in the description (default 0.001, slim's, which the TF port uses). */
  bnEpsilon?: number;
  /** Checkpoint path, for errors and the description's `tfCheckpoint` record. */
  checkpoint?: string;
  /** Checkpoint format, for the record. */
  format?: 'v1' | 'v2';
}

/** A tensor left out of the weights, and why. */
export interface SkippedTensor {
  name: string;
  tfDtype: string;
  shape: number[];
}

/** What {@link tfCheckpointToWeights} found. */
export interface TfConversionReport {
  /** Checkpoint path and format, when given. */
  checkpoint?: string;
  format?: 'v1' | 'v2';
  /** The network inferred from the variables. */
  architecture: {
    /** 2 + 3 * units: 50, 101, 152. */
    depth: number;
    blocks: number[];
    inputChannels: number;
    widthMultiplier: number;
    /** 0 for a backbone. */
    numClasses: number;
    asppRates: number[];
    dilations: [number, number];
    attention: boolean;
    backboneOnly: boolean;
  };
  /** Weights produced, in graph order. */
  converted: string[];
  /** Optimiser slot variables (Momentum, Adam, ...), skipped. */
  optimizerSlots: SkippedTensor[];
  /** Step counters and optimiser scalars (`global_step`, `beta1_power`, ...), skipped. */
  counters: SkippedTensor[];
  /** Variables that are not part of the network, left out. */
  unknown: Array<SkippedTensor & { reason: string }>;
  /** Anything else worth knowing (e.g. float64 variables narrowed to float32). */
  warnings: string[];
  /** Sizes of the weights produced. */
  totals: { weights: number; parameters: number; bytes: number };
}

/** The result of {@link tfCheckpointToWeights}. */
export interface TfWeights {
  entries: WeightEntry[];
  meta: ObjselNetworkMeta;
  report: TfConversionReport;
}

/** Optimiser slots TensorFlow names `<variable>/<Optimizer>[_N]`. */
const SLOT =
  /\/(Momentum|Adam|Adam_1|RMSProp|RMSProp_1|Adagrad|AdagradDA|Adadelta|Adadelta_1|Ftrl|Ftrl_1|ProximalAdagrad|ExponentialMovingAverage)(_\d+)?$/;
/** Step counters and optimiser scalars. */
const COUNTER = /^(global_step|beta1_power|beta2_power|.*\/beta1_power|.*\/beta2_power|.*_power(_\d+)?)$/;
/** Variables of the network, by the TF port's names. */
const NETWORK =
  /^(?:(conv1|res[2-5][a-z][a-z0-9]*_branch(?:1|2[abc])|fc1_voc12_c\d+|fc1_voc12_d0)\/(weights|biases)|(bn_conv1|bn[2-5][a-z][a-z0-9]*_branch(?:1|2[abc]))\/(moving_mean|moving_variance|gamma|beta))$/;
const UNIT = /^res([2-5])([a-z][a-z0-9]*)_branch2a\/weights$/;
const ASPP = /^fc1_voc12_c(\d+)\/weights$/;
const DEFAULT_ASPP_RATES = [6, 12, 18, 24];

/** How a checkpoint variable is treated. */
export function classifyTfVariable(name: string): 'network' | 'optimizer-slot' | 'counter' | 'unknown' {
  if (SLOT.test(name)) return 'optimizer-slot';
  if (COUNTER.test(name)) return 'counter';
  if (NETWORK.test(name)) return 'network';
  return 'unknown';
}

function skipped(t: TfTensor | TfTensorInfo): SkippedTensor {
  const tfDtype = 'tfDtype' in t ? t.tfDtype : { float32: 'DT_FLOAT', float64: 'DT_DOUBLE', int32: 'DT_INT32', int64: 'DT_INT64' }[t.dtype];
  return { name: t.name, tfDtype, shape: [...t.shape] };
}

/**
 * Infers the network from variable names and shapes (no values needed).
 *
 * @throws CaffeImportError `mismatch` when there is no `conv1/weights` or a stage has no units,
 * `unsupported` for unit names or ASPP branches this network cannot have.
 */
export function inferResnetLayout(
  variables: ReadonlyArray<{ name: string; shape: readonly number[] }>,
  options: TfToWeightsOptions = {},
): ResnetLayout {
  const file = options.checkpoint;
  const byName = new Map(variables.map((v) => [v.name, v]));
  const conv1 = byName.get('conv1/weights');
  if (conv1?.shape.length !== 4 || conv1.shape[0] !== 7 || conv1.shape[1] !== 7) {
    throw ckptError(
      'mismatch',
      conv1
        ? `conv1/weights has shape [${conv1.shape.join(',')}], a DeepLab ResNet's is [7,7,in,64]`
        : 'not a DeepLab-ResNet checkpoint: there is no conv1/weights (the TF port names its variables conv1/weights, res2a_branch1/weights, ...)',
      file,
      'conv1/weights',
    );
  }
  const inputChannels = conv1.shape[2]!;
  const widthMultiplier = conv1.shape[3]! / 64;
  const units = new Map<number, string[]>([2, 3, 4, 5].map((s) => [s, []]));
  for (const { name } of variables) {
    const m = UNIT.exec(name);
    if (m) units.get(Number(m[1]))!.push(`res${m[1]}${m[2]}`);
  }
  const blocks = [2, 3, 4, 5].map((s) => units.get(s)!.length);
  const empty = blocks.indexOf(0);
  if (empty >= 0) throw ckptError('mismatch', `no residual units res${empty + 2}*_branch2a in the checkpoint`, file, `res${empty + 2}`);
  [2, 3, 4, 5].forEach((stage, s) => {
    const expected = unitNames(stage, blocks[s]!, blocks);
    const found = new Set(units.get(stage));
    const odd = expected.filter((u) => !found.has(u));
    if (odd.length) {
      throw ckptError(
        'unsupported',
        `stage res${stage} has ${blocks[s]} units named ${[...found].sort().slice(0, 4).join(', ')}...; a ResNet with blocks [${blocks.join(',')}] names them ${expected.slice(0, 4).join(', ')}...`,
        file,
        `res${stage}`,
      );
    }
  });
  const branches = variables
    .map((v) => ASPP.exec(v.name))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => Number(m[1]))
    .sort((a, b) => a - b);
  if (branches.some((k, i) => k !== i)) {
    throw ckptError(
      'unsupported',
      `ASPP branches fc1_voc12_c${branches.join(', c')} are not numbered 0..${branches.length - 1}`,
      file,
      'fc1_voc12_c*',
    );
  }
  let asppRates: number[] = [];
  let numClasses = 0;
  if (branches.length > 0) {
    numClasses = byName.get('fc1_voc12_c0/weights')!.shape[3] ?? 0;
    if (options.asppRates) {
      if (options.asppRates.length !== branches.length) {
        throw ckptError(
          'mismatch',
          `${options.asppRates.length} ASPP rates given, the checkpoint has ${branches.length} branches`,
          file,
          'fc1_voc12_c*',
        );
      }
      asppRates = [...options.asppRates];
    } else if (branches.length <= DEFAULT_ASPP_RATES.length) {
      asppRates = DEFAULT_ASPP_RATES.slice(0, branches.length);
    } else {
      throw ckptError(
        'unsupported',
        `${branches.length} ASPP branches: give their rates (the TF port has 4: 6, 12, 18, 24)`,
        file,
        'fc1_voc12_c*',
      );
    }
  }
  const attention = byName.has(`${ATTENTION_LAYER}/weights`) && branches.length > 0;
  return { inputChannels, widthMultiplier, blocks, numClasses, asppRates, dilations: options.dilations ?? [2, 4], attention };
}

/**
 * Converts the tensors of a TensorFlow-port checkpoint (DeepLab-ResNet, its `_init` backbone,
 * DCSP) to objsel weights and network description. float32 values are used as they are (the
 * entries are views of the tensors' data); float64 ones are narrowed with a warning.
 *
 * @throws CaffeImportError naming the checkpoint and the variable: `mismatch` (not a DeepLab
 * ResNet, a missing variable), `shape-mismatch` (a variable's shape disagrees with the inferred
 * network), `unsupported` (a network variable of another element type, unusual unit names).
 */
export function tfCheckpointToWeights(tensors: readonly TfTensor[], options: TfToWeightsOptions = {}): TfWeights {
  const file = options.checkpoint;
  const report: TfConversionReport = {
    ...(options.checkpoint === undefined ? {} : { checkpoint: options.checkpoint }),
    ...(options.format === undefined ? {} : { format: options.format }),
    architecture: {
      depth: 0,
      blocks: [],
      inputChannels: 0,
      widthMultiplier: 0,
      numClasses: 0,
      asppRates: [],
      dilations: [2, 4],
      attention: false,
      backboneOnly: false,
    },
    converted: [],
    optimizerSlots: [],
    counters: [],
    unknown: [],
    warnings: [],
    totals: { weights: 0, parameters: 0, bytes: 0 },
  };
  const network: TfTensor[] = [];
  for (const t of tensors) {
    const kind = classifyTfVariable(t.name);
    if (kind === 'optimizer-slot') report.optimizerSlots.push(skipped(t));
    else if (kind === 'counter') report.counters.push(skipped(t));
    else if (kind === 'network') network.push(t);
    else report.unknown.push({ ...skipped(t), reason: 'not a variable of the DeepLab-v2 ResNet network' });
  }
  const layout = inferResnetLayout(network, options);
  const byName = new Map(network.map((t) => [t.name, t]));
  const entries: WeightEntry[] = [];
  const used = new Set<string>();
  for (const v of layoutVariables(layout)) {
    const t = byName.get(v.name);
    if (!t) {
      throw ckptError(
        'mismatch',
        `the checkpoint lacks ${v.name}, which a ResNet with blocks [${layout.blocks.join(',')}]${layout.numClasses ? ` and ${layout.asppRates.length} ASPP branches` : ''} has`,
        file,
        v.name,
      );
    }
    if (t.shape.length !== v.shape.length || t.shape.some((d, i) => d !== v.shape[i])) {
      throw ckptError(
        'shape-mismatch',
        `has shape [${t.shape.join(',')}], the inferred network needs [${v.shape.join(',')}]`,
        file,
        v.name,
      );
    }
    let data: Float32Array;
    if (t.data instanceof Float32Array) data = t.data;
    else if (t.data instanceof Float64Array) {
      data = Float32Array.from(t.data);
      report.warnings.push(`${t.name} is float64 in the checkpoint; narrowed to float32`);
    } else {
      throw ckptError('unsupported', `is ${t.dtype} in the checkpoint; network weights must be float32 (or float64)`, file, t.name);
    }
    entries.push({ name: v.name, shape: [...v.shape], data });
    used.add(v.name);
  }
  for (const t of network) {
    if (!used.has(t.name))
      report.unknown.push({ ...skipped(t), reason: 'named like a network variable, but the inferred network has no such layer' });
  }
  const backboneOnly = layout.numClasses === 0;
  const depth = 2 + 3 * layout.blocks.reduce((a, b) => a + b, 0);
  report.architecture = {
    depth,
    blocks: [...layout.blocks],
    inputChannels: layout.inputChannels,
    widthMultiplier: layout.widthMultiplier,
    numClasses: layout.numClasses,
    asppRates: [...layout.asppRates],
    dilations: [...layout.dilations],
    attention: layout.attention,
    backboneOnly,
  };
  if (backboneOnly) report.warnings.push('no fc1_voc12_c* head: a backbone; training creates the head (as train.py --not-restore-last)');
  if (!RESNET_BLOCKS[depth as 50 | 101 | 152] || RESNET_BLOCKS[depth as 50 | 101 | 152]!.join() !== layout.blocks.join()) {
    report.warnings.push(`blocks [${layout.blocks.join(',')}] are not those of ResNet-50/101/152`);
  }
  report.converted = entries.map((e) => e.name);
  for (const e of entries) {
    report.totals.weights++;
    report.totals.parameters += e.data.length;
    report.totals.bytes += e.data.byteLength;
  }
  const meta: ObjselNetworkMeta = {
    version: 1,
    architecture: 'deeplab-v2-resnet',
    inputChannels: layout.inputChannels,
    numClasses: layout.numClasses,
    blocks: [...layout.blocks],
    widthMultiplier: layout.widthMultiplier,
    bnEpsilon: options.bnEpsilon ?? 0.001,
    layers: layoutLayerSpecs(layout),
    ...(backboneOnly ? { backboneOnly: true } : {}),
    ...(layout.attention ? { dcsp: { attentionLayer: ATTENTION_LAYER } } : {}),
    ...(options.checkpoint === undefined
      ? {}
      : { tfCheckpoint: { path: options.checkpoint, ...(options.format ? { format: options.format } : {}) } }),
  };
  return { entries, meta, report };
}
