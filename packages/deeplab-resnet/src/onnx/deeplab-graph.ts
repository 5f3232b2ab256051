/**
 * The inference graph of DeepLab-v2 ResNet in ONNX operators (opset 17), node for node the
 * function {@link FoldedDeepLab.predict} computes:
 *
 * - every convolution with its BatchNorm folded in (`Conv` with bias), native dilation;
 * - TensorFlow 'SAME' padding: stride-1 convolutions pad `(k-1)·d` split `floor` half before,
 *   the rest after, which is the `pads` attribute; for stride 2 the split depends on the parity
 *   of the input size (7x7/2 pads 321 by 3+3 but 320 by 2+3), so an explicit `Pad` node gets
 *   its pads computed from `Shape` at run time and the `Conv` / `MaxPool` after it pads nothing;
 * - pool1 pads with -inf (TF's 'SAME' max pooling ignores the padding);
 * - ReLU, the residual `Add`, and the ASPP head as a `Sum` of its branches;
 * - optionally the logits upsampled to the input size as TF1 `resize_bilinear` does it
 *   (align_corners and half_pixel_centers false): `Resize` with mode `linear` and
 *   coordinate_transformation_mode `asymmetric`, i.e. source coordinate `x_out · in / out`,
 *   clamped to the last pixel;
 * - optionally extra 1x1 heads on the logits (DCSP's attention layer `fc1_voc12_d0`).
 *
 * Layout is NCHW (the ONNX convention): filters are transposed from TF's HWIO to OIHW.
 */
import { DeeplabError } from '../errors';
import type { ConvSpec, NetworkSpec } from '../model/architecture';
import type { DeepLabConfig } from '../model/config';
import { GraphBuilder } from './graph';

/** Name of the graph input. */
export const ONNX_INPUT = 'data';
/** Name of the logits output (`fc1_voc12`, at output stride 8). */
export const ONNX_LOGITS = 'fc1_voc12';
/** Name of the upsampled-logits output (with `withUpsampled`). */
export const ONNX_UPSAMPLED = 'fc1_voc12_upsampled';

/** Where the graph's folded weights come from: TF-layout (HWIO) filters and biases by convolution. */
export interface FoldedWeightSource {
  /** The folded HWIO filter of a convolution (`[k, k, in, out]`), read when the file is written. */
  filter(conv: ConvSpec): Float32Array;
  /** Its folded bias (`[out]`). */
  bias(conv: ConvSpec): Float32Array;
}

/**
 * An extra head on the logits: a biased 1x1 convolution from `fc1_voc12` (`numClasses`
 * channels) to `outChannels` maps, added as one more graph output. DCSP's attention layer
 * `fc1_voc12_d0` is one (the dcsp package supplies it).
 */
export interface OnnxLogitsHead {
  /** Output (and layer) name, e.g. `fc1_voc12_d0`; must not clash with the network's values. */
  name: string;
  /** HWIO filter `[1, 1, numClasses, outChannels]`, as TF checkpoints hold it. */
  weights: { shape: readonly number[]; data: Float32Array };
  /** Biases `[outChannels]`. */
  biases: { data: Float32Array };
}

/** What {@link deepLabGraph} adds besides the logits. */
export interface DeepLabGraphOptions {
  /** Add {@link ONNX_UPSAMPLED}: the logits resized to the input size (TF1 bilinear). */
  withUpsampled?: boolean;
  /** Extra heads on the logits. */
  heads?: readonly OnnxLogitsHead[];
  /** Graph name (default `deeplab_v2_resnet`). */
  name?: string;
}

/** HWIO `[kh, kw, in, out]` → OIHW `[out, in, kh, kw]` (in 32x32 tiles of the in × out matrix of each tap, for the cache). */
export function hwioToOihw(data: Float32Array, shape: readonly [number, number, number, number]): Float32Array {
  const [kh, kw, ci, co] = shape;
  if (data.length !== kh * kw * ci * co) throw new RangeError(`filter holds ${data.length} values, expected [${shape.join(',')}]`);
  const out = new Float32Array(data.length);
  const taps = kh * kw;
  const TILE = 32;
  for (let tap = 0; tap < taps; tap++) {
    const base = tap * ci * co;
    for (let i0 = 0; i0 < ci; i0 += TILE) {
      const i1 = Math.min(ci, i0 + TILE);
      for (let o0 = 0; o0 < co; o0 += TILE) {
        const o1 = Math.min(co, o0 + TILE);
        for (let o = o0; o < o1; o++) {
          const dst = o * ci * taps + tap;
          for (let i = i0; i < i1; i++) out[dst + i * taps] = data[base + i * co + o]!;
        }
      }
    }
  }
  return out;
}

/**
 * Builds the graph of a network plan. Weights are only read (through `weights`) when the
 * model is serialised, one convolution at a time.
 */
export function deepLabGraph(
  spec: NetworkSpec,
  config: DeepLabConfig,
  weights: FoldedWeightSource,
  options: DeepLabGraphOptions = {},
): GraphBuilder {
  const g = new GraphBuilder(options.name ?? 'deeplab_v2_resnet');
  const data = g.input(ONNX_INPUT, ['N', config.inputChannels, 'H', 'W']);
  // Constants shared by the run-time 'SAME' padding of the stride-2 layers.
  const consts = new Map<string, string>();
  const int64 = (name: string, values: number[]): string => {
    const existing = consts.get(name);
    if (existing) return existing;
    const made = g.int64Tensor(name, values);
    consts.set(name, made);
    return made;
  };

  /**
   * `x` padded as TF 'SAME' pads it for a stride-2 window of effective size `e` (kernel,
   * dilated): out = ceil(n/2) and total padding `(out-1)·2 + e - n`, i.e. `e-2` for even n and
   * `e-1` for odd n, floor half before. So with parity p = n mod 2 (per spatial axis):
   * odd e: before (e-3)/2 + p, after (e-1)/2; even e: before (e-2)/2, after (e-2)/2 + p.
   */
  const padStride2 = (x: string, channels: number, effective: number, name: string, value?: string): string => {
    if (effective === 1) return x; // a 1x1/2 window never pads: (out-1)·2 + 1 <= n
    const odd = effective % 2 === 1;
    const baseBefore = odd ? (effective - 3) / 2 : (effective - 2) / 2;
    const baseAfter = odd ? (effective - 1) / 2 : (effective - 2) / 2;
    const hw = g.node('Shape', [x], [`${name}/hw`], { start: 2, end: 4 });
    const parity = g.node('Mod', [hw, int64('const/two', [2, 2])], [`${name}/parity`]);
    const zeros = int64('const/zeros2', [0, 0]);
    const parts = odd ? [zeros, parity, zeros, zeros] : [zeros, zeros, zeros, parity];
    const spread = g.node('Concat', parts, [`${name}/parity_pads`], { axis: 0 });
    const base = int64(`const/pads_${baseBefore}_${baseAfter}`, [0, 0, baseBefore, baseBefore, 0, 0, baseAfter, baseAfter]);
    const pads = g.node('Add', [spread, base], [`${name}/pads`]);
    const padded = g.node('Pad', value ? [x, pads, value] : [x, pads], [`${name}_pad`], { mode: 'constant' });
    // Run-time pads hide every dimension from shape inference; batch and channels are unchanged.
    g.valueInfo(padded, ['N', channels, null, null]);
    return padded;
  };

  const conv = (x: string, c: ConvSpec, relu: boolean, output = c.name): string => {
    const k = c.kernel;
    const effective = (k - 1) * c.dilation + 1;
    const w = g.floatTensor(`${c.name}/weights_folded`, [c.outChannels, c.inChannels, k, k], () =>
      hwioToOihw(weights.filter(c), [k, k, c.inChannels, c.outChannels]),
    );
    const b = g.floatTensor(`${c.name}/biases_folded`, [c.outChannels], () => weights.bias(c));
    let input = x;
    let pads = [0, 0, 0, 0];
    if (c.stride === 1) {
      const before = Math.floor((effective - 1) / 2);
      const after = effective - 1 - before;
      pads = [before, before, after, after];
    } else if (c.stride === 2) {
      input = padStride2(x, c.inChannels, effective, c.name);
    } else {
      throw new DeeplabError('bad-config', `ONNX export handles strides 1 and 2, not ${c.stride}`, { where: c.name });
    }
    const y = g.node(
      'Conv',
      [input, w, b],
      [output],
      { kernel_shape: [k, k], strides: [c.stride, c.stride], dilations: [c.dilation, c.dilation], pads, group: 1 },
      c.name,
    );
    return relu ? g.node('Relu', [y], [`${c.name}_relu`]) : y;
  };

  // conv1 + bn_conv1 + ReLU, pool1 (3x3/2 max, 'SAME' with -inf padding).
  const conv1 = conv(data, spec.conv1, true);
  const negInf = g.floatTensor('const/neg_inf', [], () => Float32Array.of(Number.NEGATIVE_INFINITY));
  let x = g.node('MaxPool', [padStride2(conv1, spec.conv1.outChannels, 3, 'pool1', negInf)], ['pool1'], {
    kernel_shape: [3, 3],
    strides: [2, 2],
    pads: [0, 0, 0, 0],
  });
  for (const unit of spec.units) {
    const [a, b, c] = unit.branch2;
    const shortcut = unit.branch1 ? conv(x, unit.branch1, false) : x;
    const residual = conv(conv(conv(x, a, true), b, true), c, false);
    const sum = g.node('Add', [shortcut, residual], [unit.name]);
    x = g.node('Relu', [sum], [`${unit.name}_relu`]);
  }
  // The ASPP head: fc1_voc12 = sum of the fc1_voc12_c* branches.
  if (spec.aspp.length === 1) {
    conv(x, spec.aspp[0]!, false, ONNX_LOGITS);
  } else {
    const branches = spec.aspp.map((c) => conv(x, c, false));
    g.node('Sum', branches, [ONNX_LOGITS]);
  }
  const classes = config.numClasses;
  g.output(ONNX_LOGITS, ['N', classes, 'h', 'w']);

  if (options.withUpsampled) {
    const nc = g.node('Shape', [ONNX_LOGITS], [`${ONNX_UPSAMPLED}/nc`], { end: 2 });
    const hw = g.node('Shape', [data], [`${ONNX_UPSAMPLED}/hw`], { start: 2 });
    const sizes = g.node('Concat', [nc, hw], [`${ONNX_UPSAMPLED}/sizes`], { axis: 0 });
    g.node('Resize', [ONNX_LOGITS, '', '', sizes], [ONNX_UPSAMPLED], { mode: 'linear', coordinate_transformation_mode: 'asymmetric' });
    g.output(ONNX_UPSAMPLED, ['N', classes, 'H', 'W']);
  }

  for (const head of options.heads ?? []) {
    const [kh, kw, ci, co] = head.weights.shape;
    if (head.weights.shape.length !== 4 || kh !== 1 || kw !== 1 || ci !== classes || !co) {
      throw new DeeplabError('bad-config', `head weights [${head.weights.shape.join(',')}] are not [1,1,${classes},k]`, {
        where: head.name,
      });
    }
    if (head.weights.data.length !== ci * co || head.biases.data.length !== co) {
      throw new DeeplabError(
        'bad-weights',
        `head holds ${head.weights.data.length} weights and ${head.biases.data.length} biases for [1,1,${ci},${co}]`,
        {
          where: head.name,
        },
      );
    }
    if (g.has(head.name)) throw new DeeplabError('bad-config', 'head name clashes with a value of the network', { where: head.name });
    const w = g.floatTensor(`${head.name}/weights`, [co, ci, 1, 1], () => hwioToOihw(head.weights.data, [1, 1, ci, co]));
    const b = g.floatTensor(`${head.name}/biases`, [co], () => head.biases.data);
    g.node('Conv', [ONNX_LOGITS, w, b], [head.name], { kernel_shape: [1, 1], strides: [1, 1], pads: [0, 0, 0, 0] });
    g.output(head.name, ['N', co, 'h', 'w']);
  }
  return g;
}
