/**
 * The layer graph of a prototxt: each layer's inputs resolved to the layer that last wrote that
 * blob (so in-place BatchNorm/Scale/ReLU chains with top == bottom resolve in file order), with
 * NCHW blob shapes inferred by Caffe's own output-size rules where the input size is known.
 */
import { CaffeImportError } from './errors';
import { messageField, scalarField } from './text-format';
import type { NetDefinition, PrototxtLayer } from './prototxt';

/** Where a layer input comes from. */
export interface GraphInput {
  /** Blob name. */
  blob: string;
  /** Index of the producing layer, or null for a net-level input. */
  from: number | null;
}

/** One layer in the graph. */
export interface GraphNode {
  /** The prototxt layer. */
  layer: PrototxtLayer;
  /** Resolved inputs, one per bottom. */
  inputs: GraphInput[];
  /** True when some top rewrites one of the bottoms (top == bottom). */
  inPlace: boolean;
  /** Shapes of the bottoms (NCHW), undefined where unknown. */
  inputShapes: Array<number[] | undefined>;
  /** Shapes of the tops (NCHW), undefined where unknown. */
  outputShapes: Array<number[] | undefined>;
  /** Indices of the layers that read this layer's outputs. */
  consumers: number[];
}

/** The resolved graph. */
export interface LayerGraph {
  /** One node per layer, in prototxt order. */
  nodes: GraphNode[];
  /** Net inputs with their shapes (legacy inputs and `Input` layers' tops). */
  inputs: Array<{ name: string; shape?: number[]; layer?: string }>;
  /** Index of a layer by name. */
  byName: Map<string, number>;
}

/** Layer types whose every top has the shape of the first bottom. */
const SAME_SHAPE = new Set([
  'BatchNorm',
  'Scale',
  'Bias',
  'ReLU',
  'PReLU',
  'ELU',
  'Sigmoid',
  'TanH',
  'AbsVal',
  'BNLL',
  'Power',
  'Exp',
  'Log',
  'Dropout',
  'Softmax',
  'LRN',
  'MVN',
  'Threshold',
  'Clip',
  'Swish',
  'Split',
]);

function graphError(message: string, layer: PrototxtLayer, file?: string): CaffeImportError {
  return new CaffeImportError('bad-graph', message, {
    ...(file === undefined ? {} : { file }),
    where: `layer '${layer.name}' (line ${layer.line})`,
  });
}

/** Caffe's convolution output size. */
export function convOutputSize(size: number, kernel: number, stride: number, pad: number, dilation: number): number {
  return Math.floor((size + 2 * pad - (dilation * (kernel - 1) + 1)) / stride) + 1;
}

/** Caffe's pooling output size (CEIL: the last window may not start inside the padding). */
export function poolOutputSize(size: number, kernel: number, stride: number, pad: number, roundMode: 'CEIL' | 'FLOOR'): number {
  if (roundMode === 'FLOOR') return Math.floor((size + 2 * pad - kernel) / stride) + 1;
  let out = Math.ceil((size + 2 * pad - kernel) / stride) + 1;
  if (pad > 0 && (out - 1) * stride >= size + pad) out--;
  return out;
}

function outputShapes(node: GraphNode, file: string | undefined): Array<number[] | undefined> {
  const { layer } = node;
  const first = node.inputShapes[0];
  const tops = layer.tops.length;
  const all = (s: number[] | undefined) => Array.from({ length: tops }, () => (s ? [...s] : undefined));
  if (layer.type === 'Input') return layer.tops.map((_, i) => layer.inputShapes?.[i] ?? layer.inputShapes?.[0]);
  if (SAME_SHAPE.has(layer.type)) return all(first);
  if (!first) return all(undefined);
  switch (layer.type) {
    case 'Convolution':
    case 'Deconvolution': {
      const c = layer.convolution!;
      if (first.length !== 4) return all(undefined);
      const [n, , h, w] = first as [number, number, number, number];
      const size = (s: number, i: 0 | 1) =>
        layer.type === 'Convolution'
          ? convOutputSize(s, c.kernel[i], c.stride[i], c.pad[i], c.dilation[i])
          : c.stride[i] * (s - 1) + c.dilation[i] * (c.kernel[i] - 1) + 1 - 2 * c.pad[i];
      const out = [n, c.numOutput, size(h, 0), size(w, 1)];
      if (out[2]! <= 0 || out[3]! <= 0) throw graphError(`output would be ${out[2]}x${out[3]} for a ${h}x${w} input`, layer, file);
      return all(out);
    }
    case 'Pooling': {
      const p = layer.pooling!;
      if (first.length !== 4) return all(undefined);
      const [n, ch, h, w] = first as [number, number, number, number];
      if (p.globalPooling) return all([n, ch, 1, 1]);
      const out = [
        n,
        ch,
        poolOutputSize(h, p.kernel[0], p.stride[0], p.pad[0], p.roundMode),
        poolOutputSize(w, p.kernel[1], p.stride[1], p.pad[1], p.roundMode),
      ];
      if (out[2]! <= 0 || out[3]! <= 0) throw graphError(`output would be ${out[2]}x${out[3]} for a ${h}x${w} input`, layer, file);
      return all(out);
    }
    case 'Eltwise': {
      for (const [i, s] of node.inputShapes.entries()) {
        if (s && s.join() !== first.join()) {
          throw graphError(
            `Eltwise inputs differ in shape: '${node.inputs[0]!.blob}' [${first.join(',')}] vs '${node.inputs[i]!.blob}' [${s.join(',')}]`,
            layer,
            file,
          );
        }
      }
      return all(first);
    }
    case 'InnerProduct':
      return all([...first.slice(0, layer.innerProduct!.axis), layer.innerProduct!.numOutput]);
    case 'Concat': {
      if (node.inputShapes.some((s) => !s)) return all(undefined);
      const p = messageField(layer.message, 'concat_param');
      const axisField = p && (scalarField(p, 'axis') ?? scalarField(p, 'concat_dim'));
      const axis = axisField && axisField.kind === 'number' ? axisField.value : 1;
      const a = axis < 0 ? first.length + axis : axis;
      if (!(a >= 0 && a < first.length)) return all(undefined);
      const out = [...first];
      out[a] = node.inputShapes.reduce((sum, s) => sum + s![a]!, 0);
      return all(out);
    }
    default:
      return all(undefined);
  }
}

/**
 * Resolves every bottom to the layer that last produced that blob before it, and infers shapes.
 *
 * @throws CaffeImportError `bad-graph` naming the layer when a bottom is never produced, shapes
 * cannot agree, or a layer would have an empty output.
 */
export function buildLayerGraph(net: NetDefinition, options: { file?: string } = {}): LayerGraph {
  const producer = new Map<string, { from: number | null; shape: number[] | undefined }>();
  const inputs: LayerGraph['inputs'] = [];
  for (const input of net.inputs) {
    producer.set(input.name, { from: null, shape: input.shape });
    inputs.push(input.shape ? { name: input.name, shape: input.shape } : { name: input.name });
  }
  const nodes: GraphNode[] = [];
  const byName = new Map<string, number>();
  net.layers.forEach((layer, index) => {
    byName.set(layer.name, index);
    const resolved = layer.bottoms.map((blob) => {
      const p = producer.get(blob);
      if (!p) throw graphError(`bottom '${blob}' is not produced by an earlier layer or a net input`, layer, options.file);
      return p;
    });
    const node: GraphNode = {
      layer,
      inputs: layer.bottoms.map((blob, i) => ({ blob, from: resolved[i]!.from })),
      inPlace: layer.tops.some((t) => layer.bottoms.includes(t)),
      inputShapes: resolved.map((p) => p.shape),
      outputShapes: [],
      consumers: [],
    };
    node.outputShapes = outputShapes(node, options.file);
    for (const input of node.inputs)
      if (input.from !== null && !nodes[input.from]!.consumers.includes(index)) nodes[input.from]!.consumers.push(index);
    layer.tops.forEach((top, i) => {
      producer.set(top, { from: index, shape: node.outputShapes[i] });
    });
    if (layer.type === 'Input')
      layer.tops.forEach((top, i) => {
        inputs.push({ name: top, layer: layer.name, ...(node.outputShapes[i] ? { shape: node.outputShapes[i] } : {}) });
      });
    nodes.push(node);
  });
  return { nodes, inputs, byName };
}
