/**
 * A `.prototxt` network definition: layers (current `layer {}` or legacy V1 `layers {}`) with
 * the parameters the converter needs decoded and checked, plus the net inputs from legacy
 * `input`/`input_dim`, `input_shape` or `Input` layers.
 */
import { CaffeImportError } from './errors';
import { v1TypeFromName } from './layer-types';
import { messageField, parseTextFormat, repeatedField, scalarField, type TextField, type TextMessage } from './text-format';

/** A convolution's geometry (Caffe `convolution_param`, defaults applied). */
export interface ConvolutionSpec {
  /** Output channels. */
  numOutput: number;
  /** Whether there is a bias blob (Caffe default true). */
  biasTerm: boolean;
  /** [height, width]. */
  kernel: [number, number];
  /** [height, width], default 1. */
  stride: [number, number];
  /** [height, width], default 0. */
  pad: [number, number];
  /** [height, width], default 1. */
  dilation: [number, number];
  /** Channel groups, default 1. */
  group: number;
}

/** A pooling layer's geometry (Caffe `pooling_param`, defaults applied). */
export interface PoolingSpec {
  /** Method (default MAX). */
  pool: 'MAX' | 'AVE' | 'STOCHASTIC';
  /** [height, width]; for global pooling, [0, 0] until the input size is known. */
  kernel: [number, number];
  /** [height, width], default 1. */
  stride: [number, number];
  /** [height, width], default 0. */
  pad: [number, number];
  /** Pool over the whole input. */
  globalPooling: boolean;
  /** Output size rounding (default CEIL, as 2016 forks without the field). */
  roundMode: 'CEIL' | 'FLOOR';
}

/** One layer of a prototxt. */
export interface PrototxtLayer {
  /** Position among the kept layers. */
  index: number;
  /** Layer name. */
  name: string;
  /** Type name (V1 enum identifiers mapped to current names). */
  type: string;
  /** Input blob names. */
  bottoms: string[];
  /** Output blob names. */
  tops: string[];
  /** 1-based line of the layer's opening key. */
  line: number;
  /** The raw message, for parameters not decoded here. */
  message: TextMessage;
  /** Decoded `convolution_param` (Convolution, Deconvolution). */
  convolution?: ConvolutionSpec;
  /** Decoded `pooling_param`. */
  pooling?: PoolingSpec;
  /** `batch_norm_param`: eps (default 1e-5), use_global_stats if set. */
  batchNorm?: { eps: number; useGlobalStats?: boolean };
  /** `scale_param`: axis (1), num_axes (1), bias_term (false). */
  scale?: { axis: number; numAxes: number; biasTerm: boolean };
  /** `inner_product_param`: num_output, bias_term (true), axis (1), transpose (false). */
  innerProduct?: { numOutput: number; biasTerm: boolean; axis: number; transpose: boolean };
  /** `eltwise_param.operation` (default SUM). */
  eltwise?: { operation: 'PROD' | 'SUM' | 'MAX' };
  /** `input_param.shape` of an `Input` layer, one per top. */
  inputShapes?: number[][];
}

/** A net input blob with its shape (NCHW), if the prototxt gives one. */
export interface NetInput {
  /** Blob name. */
  name: string;
  /** Dimensions, if known. */
  shape?: number[];
}

/** A parsed prototxt. */
export interface NetDefinition {
  /** `name` of the net. */
  name: string;
  /** Which layer field the file uses. */
  format: 'layer' | 'layers' | 'none';
  /** Net-level inputs (legacy `input` + `input_dim`/`input_shape`). */
  inputs: NetInput[];
  /** Layers kept for `phase`, in order. */
  layers: PrototxtLayer[];
  /** Names of layers dropped by include/exclude phase rules. */
  excluded: string[];
}

/** Options of {@link parsePrototxt}. */
export interface ParsePrototxtOptions {
  /** File name for error messages. */
  file?: string;
  /** Keep layers for this phase (include/exclude rules); default TEST, as convert.py. */
  phase?: 'TRAIN' | 'TEST';
}

class Decoder {
  constructor(private readonly file: string | undefined) {}

  error(message: string, where: string): CaffeImportError {
    return new CaffeImportError('bad-text', message, { ...(this.file === undefined ? {} : { file: this.file }), where });
  }

  at(f: TextField, layer?: string): string {
    return layer ? `layer '${layer}' (line ${f.line})` : `line ${f.line}:${f.column}`;
  }

  string(m: TextMessage, name: string, layer?: string): string | undefined {
    const v = scalarField(m, name);
    if (!v) return undefined;
    if (v.kind !== 'string') throw this.error(`${name} must be a quoted string`, this.at(v.field, layer));
    return v.value;
  }

  strings(m: TextMessage, name: string, layer?: string): string[] {
    return repeatedField(m, name).map((f) => {
      if (f.value.kind !== 'string') throw this.error(`${name} must be a quoted string`, this.at(f, layer));
      return f.value.value;
    });
  }

  number(m: TextMessage, name: string, layer?: string): number | undefined {
    const v = scalarField(m, name);
    if (!v) return undefined;
    if (v.kind !== 'number') throw this.error(`${name} must be a number`, this.at(v.field, layer));
    return v.value;
  }

  /** A non-negative integer field (sizes, counts). */
  uint(m: TextMessage, name: string, layer?: string): number | undefined {
    const v = this.number(m, name, layer);
    if (v === undefined) return undefined;
    if (!Number.isSafeInteger(v) || v < 0)
      throw this.error(`${name} must be a non-negative integer, got ${v}`, this.at(scalarField(m, name)!.field, layer));
    return v;
  }

  uints(m: TextMessage, name: string, layer?: string): number[] {
    return repeatedField(m, name).map((f) => {
      if (f.value.kind !== 'number' || !Number.isSafeInteger(f.value.value) || f.value.value < 0) {
        throw this.error(`${name} must be a non-negative integer`, this.at(f, layer));
      }
      return f.value.value;
    });
  }

  bool(m: TextMessage, name: string, layer?: string): boolean | undefined {
    const v = scalarField(m, name);
    if (!v) return undefined;
    if (v.kind === 'identifier' && /^(true|false|True|False|t|f)$/.test(v.value)) return /^(true|True|t)$/.test(v.value);
    if (v.kind === 'number' && (v.value === 0 || v.value === 1)) return v.value === 1;
    throw this.error(`${name} must be true or false`, this.at(v.field, layer));
  }

  /** An enum given as identifier (or number index into `names`). */
  enumValue<T extends string>(m: TextMessage, name: string, names: readonly T[], layer?: string): T | undefined {
    const v = scalarField(m, name);
    if (!v) return undefined;
    if (v.kind === 'identifier' && (names as readonly string[]).includes(v.value)) return v.value as T;
    if (v.kind === 'number' && Number.isInteger(v.value) && names[v.value] !== undefined) return names[v.value];
    throw this.error(`${name} must be one of ${names.join(', ')}`, this.at(v.field, layer));
  }

  /** `[h, w]` from a repeated field plus `_h`/`_w` overrides (`''`: the field has none). */
  pair(m: TextMessage, repeated: string, h: string, w: string, fallback: number, layer: string, line: number): [number, number] {
    const values = this.uints(m, repeated, layer);
    const hv = h ? this.uint(m, h, layer) : undefined;
    const wv = w ? this.uint(m, w, layer) : undefined;
    if (hv !== undefined || wv !== undefined) {
      if (values.length) throw this.error(`give either ${repeated} or ${h}/${w}, not both`, `layer '${layer}' (line ${line})`);
      if (hv === undefined || wv === undefined) throw this.error(`${h} and ${w} go together`, `layer '${layer}' (line ${line})`);
      return [hv, wv];
    }
    if (values.length === 0) return [fallback, fallback];
    if (values.length === 1) return [values[0]!, values[0]!];
    if (values.length === 2) return [values[0]!, values[1]!];
    throw this.error(`${repeated} has ${values.length} values; only 2-D layers are supported`, `layer '${layer}' (line ${line})`);
  }

  shape(m: TextMessage, layer?: string): number[] {
    return this.uints(m, 'dim', layer);
  }
}

function phaseRuleMatches(d: Decoder, rule: TextMessage, phase: string, layer: string): boolean {
  const p = d.enumValue(rule, 'phase', ['TRAIN', 'TEST'] as const, layer);
  return p === undefined || p === phase;
}

/**
 * Parses a `.prototxt` network definition.
 *
 * @throws CaffeImportError `bad-text` with `line:column` (syntax) or the layer (bad parameters).
 */
export function parsePrototxt(text: string, options: ParsePrototxtOptions = {}): NetDefinition {
  const root = parseTextFormat(text, options);
  const d = new Decoder(options.file);
  const phase = options.phase ?? 'TEST';
  const net: NetDefinition = { name: d.string(root, 'name') ?? '', format: 'none', inputs: [], layers: [], excluded: [] };

  // Legacy inputs: `input` names with 4 `input_dim` each, or one `input_shape` each.
  const inputNames = d.strings(root, 'input');
  const inputDims = d.uints(root, 'input_dim');
  const inputShapes = repeatedField(root, 'input_shape').map((f) => {
    if (f.value.kind !== 'message') throw d.error('input_shape must be a message', d.at(f));
    return d.shape(f.value);
  });
  if (inputDims.length && inputShapes.length) throw d.error('give either input_dim or input_shape, not both', 'input');
  if (inputDims.length && inputDims.length !== 4 * inputNames.length) {
    throw d.error(`${inputNames.length} input(s) need ${4 * inputNames.length} input_dim values, found ${inputDims.length}`, 'input_dim');
  }
  if (inputShapes.length && inputShapes.length !== inputNames.length) {
    throw d.error(`${inputNames.length} input(s) need as many input_shape entries, found ${inputShapes.length}`, 'input_shape');
  }
  inputNames.forEach((name, i) => {
    const shape = inputDims.length ? inputDims.slice(4 * i, 4 * i + 4) : inputShapes[i];
    net.inputs.push(shape ? { name, shape } : { name });
  });

  const current = repeatedField(root, 'layer');
  const legacy = repeatedField(root, 'layers');
  if (current.length && legacy.length) throw d.error("the file has both 'layer' and legacy 'layers' entries", `line ${legacy[0]!.line}`);
  net.format = current.length ? 'layer' : legacy.length ? 'layers' : 'none';
  const names = new Set<string>();
  for (const f of current.length ? current : legacy) {
    if (f.value.kind !== 'message') throw d.error(`${f.name} must be a message { ... }`, d.at(f));
    const m = f.value;
    const name = d.string(m, 'name') ?? '';
    const label = name || `#${net.layers.length + net.excluded.length} (line ${f.line})`;
    const include = repeatedField(m, 'include').map((r) => r.value as TextMessage);
    const exclude = repeatedField(m, 'exclude').map((r) => r.value as TextMessage);
    if ([...include, ...exclude].some((r) => r.kind !== 'message'))
      throw d.error('include/exclude must be messages', `layer '${label}' (line ${f.line})`);
    const kept =
      (include.length === 0 || include.some((r) => phaseRuleMatches(d, r, phase, label))) &&
      !exclude.some((r) => phaseRuleMatches(d, r, phase, label));
    if (!kept) {
      net.excluded.push(name);
      continue;
    }
    let type: string;
    const typeField = scalarField(m, 'type');
    if (!typeField) throw d.error('layer has no type', `layer '${label}' (line ${f.line})`);
    if (typeField.kind === 'string') type = typeField.value;
    else if (typeField.kind === 'identifier' && legacy.length) {
      const mapped = v1TypeFromName(typeField.value);
      if (mapped === undefined) throw d.error(`unknown V1 layer type ${typeField.value}`, `layer '${label}' (line ${f.line})`);
      type = mapped;
    } else {
      throw d.error('type must be a quoted string (or a V1 enum in legacy layers)', `layer '${label}' (line ${f.line})`);
    }
    if (name && names.has(name)) throw d.error(`duplicate layer name '${name}'`, `line ${f.line}`);
    names.add(name);
    const layer: PrototxtLayer = {
      index: net.layers.length,
      name,
      type,
      bottoms: d.strings(m, 'bottom', label),
      tops: d.strings(m, 'top', label),
      line: f.line,
      message: m,
    };
    decodeParams(d, layer, label);
    net.layers.push(layer);
  }
  return net;
}

function decodeParams(d: Decoder, layer: PrototxtLayer, label: string): void {
  const m = layer.message;
  const where = `layer '${label}' (line ${layer.line})`;
  const param = (name: string, v1: string) => messageField(m, name) ?? messageField(m, v1);
  switch (layer.type) {
    case 'Convolution':
    case 'Deconvolution': {
      const p = param('convolution_param', 'convolution_param');
      if (!p) throw d.error('convolution_param is missing', where);
      const numOutput = d.uint(p, 'num_output', label);
      if (numOutput === undefined) throw d.error('convolution_param.num_output is missing', where);
      const kernel = d.pair(p, 'kernel_size', 'kernel_h', 'kernel_w', 0, label, layer.line);
      if (kernel[0] === 0 || kernel[1] === 0) throw d.error('convolution_param needs kernel_size (or kernel_h and kernel_w) > 0', where);
      const stride = d.pair(p, 'stride', 'stride_h', 'stride_w', 1, label, layer.line);
      if (stride[0] === 0 || stride[1] === 0) throw d.error('stride must be > 0', where);
      const dilation = d.pair(p, 'dilation', '', '', 1, label, layer.line);
      if (dilation[0] === 0 || dilation[1] === 0) throw d.error('dilation must be > 0', where);
      const group = d.uint(p, 'group', label) ?? 1;
      if (group === 0 || numOutput % group !== 0) throw d.error(`num_output ${numOutput} is not divisible by group ${group}`, where);
      layer.convolution = {
        numOutput,
        biasTerm: d.bool(p, 'bias_term', label) ?? true,
        kernel,
        stride,
        pad: d.pair(p, 'pad', 'pad_h', 'pad_w', 0, label, layer.line),
        dilation,
        group,
      };
      break;
    }
    case 'Pooling': {
      const p = param('pooling_param', 'pooling_param') ?? { kind: 'message', fields: [] };
      const globalPooling = d.bool(p, 'global_pooling', label) ?? false;
      const kernel = d.pair(p, 'kernel_size', 'kernel_h', 'kernel_w', 0, label, layer.line);
      if (!globalPooling && (kernel[0] === 0 || kernel[1] === 0))
        throw d.error('pooling_param needs kernel_size (or global_pooling)', where);
      const stride = d.pair(p, 'stride', 'stride_h', 'stride_w', 1, label, layer.line);
      if (stride[0] === 0 || stride[1] === 0) throw d.error('stride must be > 0', where);
      layer.pooling = {
        pool: d.enumValue(p, 'pool', ['MAX', 'AVE', 'STOCHASTIC'] as const, label) ?? 'MAX',
        kernel,
        stride,
        pad: d.pair(p, 'pad', 'pad_h', 'pad_w', 0, label, layer.line),
        globalPooling,
        roundMode: d.enumValue(p, 'round_mode', ['CEIL', 'FLOOR'] as const, label) ?? 'CEIL',
      };
      break;
    }
    case 'BatchNorm': {
      const p = messageField(m, 'batch_norm_param');
      const eps = p ? d.number(p, 'eps', label) : undefined;
      if (eps !== undefined && !(eps >= 0)) throw d.error(`eps must be >= 0, got ${eps}`, where);
      const useGlobalStats = p ? d.bool(p, 'use_global_stats', label) : undefined;
      layer.batchNorm = { eps: eps ?? 1e-5, ...(useGlobalStats === undefined ? {} : { useGlobalStats }) };
      break;
    }
    case 'Scale': {
      const p = messageField(m, 'scale_param') ?? { kind: 'message', fields: [] };
      const axis = d.number(p, 'axis', label) ?? 1;
      const numAxes = d.number(p, 'num_axes', label) ?? 1;
      if (!Number.isInteger(axis) || !Number.isInteger(numAxes)) throw d.error('scale_param.axis and num_axes must be integers', where);
      layer.scale = { axis, numAxes, biasTerm: d.bool(p, 'bias_term', label) ?? false };
      break;
    }
    case 'InnerProduct': {
      const p = param('inner_product_param', 'inner_product_param');
      const numOutput = p ? d.uint(p, 'num_output', label) : undefined;
      if (!p || numOutput === undefined) throw d.error('inner_product_param.num_output is missing', where);
      const axis = d.number(p, 'axis', label) ?? 1;
      if (!Number.isInteger(axis)) throw d.error('inner_product_param.axis must be an integer', where);
      layer.innerProduct = {
        numOutput,
        biasTerm: d.bool(p, 'bias_term', label) ?? true,
        axis,
        transpose: d.bool(p, 'transpose', label) ?? false,
      };
      break;
    }
    case 'Eltwise': {
      const p = messageField(m, 'eltwise_param') ?? { kind: 'message', fields: [] };
      layer.eltwise = { operation: d.enumValue(p, 'operation', ['PROD', 'SUM', 'MAX'] as const, label) ?? 'SUM' };
      break;
    }
    case 'Input': {
      const p = messageField(m, 'input_param');
      layer.inputShapes = p
        ? repeatedField(p, 'shape').map((f) => {
            if (f.value.kind !== 'message') throw d.error('input_param.shape must be a message', where);
            return d.shape(f.value, label);
          })
        : [];
      break;
    }
    default:
      break;
  }
}
