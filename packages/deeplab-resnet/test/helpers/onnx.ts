// Shared by the ONNX tests: random networks with non-trivial BatchNorm, onnxruntime-node
// sessions over exported bytes, NHWC <-> NCHW, and a structural check of a decoded model.
import * as tf from '@tensorflow/tfjs-core';
import * as ortNode from 'onnxruntime-node';
import { DeepLabResNet, type DeepLabConfig, type OrtModuleLike } from '../../src/index';
import { decodeModel as decodeOnnxModel, type ModelMessage as OnnxModelMessage } from '../../src/onnx/proto';
import { randomiseStatistics, rng } from '../reference/deeplab-reference';

/** onnxruntime-node as the narrow interface the library uses (compile-time check that it fits). */
export const ort: OrtModuleLike = ortNode;

/**
 * A random network with random BN statistics. With `damp`, each residual branch's last BN
 * scale (`bn*_branch2c/gamma`) is multiplied by `damp`, as in trained ResNets, which keeps a deep
 * random net well conditioned (otherwise float32 round-off grows through 100 layers).
 */
export async function randomNetwork(config: DeepLabConfig, seed: number, damp?: number): Promise<DeepLabResNet> {
  const random = DeepLabResNet.create(config, { seed });
  let entries = randomiseStatistics(await random.toWeightEntries(), seed + 1);
  if (damp !== undefined) {
    entries = entries.map((e) => (/^bn.*_branch2c\/gamma$/.test(e.name) ? { ...e, data: e.data.map((v) => v * damp) } : e));
  }
  const model = DeepLabResNet.fromWeights(entries, random.meta());
  random.dispose();
  return model;
}

/** A seeded NHWC input like preprocessed pixels (about ±100) with click-map-like extra channels. */
export function randomInput(h: number, w: number, channels: number, seed: number): tf.Tensor4D {
  const r = rng(seed);
  const data = new Float32Array(h * w * channels);
  for (let i = 0; i < data.length; i++) data[i] = (r() - 0.5) * 200;
  return tf.tensor4d(data, [1, h, w, channels]);
}

/** NHWC → NCHW values. */
export function toNchw(x: tf.Tensor4D): Float32Array {
  return tf.tidy(() => tf.transpose(x, [0, 3, 1, 2]).dataSync() as Float32Array);
}

/** NCHW values of shape [n, c, h, w] → an NHWC tensor. */
export function fromNchw(data: Float32Array, dims: readonly number[]): tf.Tensor4D {
  const [n = 0, c = 0, h = 0, w = 0] = dims;
  return tf.tidy(() => tf.transpose(tf.tensor4d(data, [n, c, h, w]), [0, 2, 3, 1]) as tf.Tensor4D);
}

/** Runs an exported model once on an NHWC input; outputs as NCHW data with dims. */
export async function runOnnx(model: Uint8Array, x: tf.Tensor4D): Promise<Record<string, { data: Float32Array; dims: number[] }>> {
  const session = await ort.InferenceSession.create(model, { intraOpNumThreads: 1 });
  try {
    const [n, h, w, c] = x.shape;
    const feed = new ort.Tensor('float32', toNchw(x), [n, c, h, w]);
    const out = await session.run({ data: feed });
    const result: Record<string, { data: Float32Array; dims: number[] }> = {};
    for (const [name, t] of Object.entries(out)) {
      if (!(t.data instanceof Float32Array)) throw new Error(`${name} is not float32`);
      result[name] = { data: new Float32Array(t.data), dims: [...t.dims] };
    }
    return result;
  } finally {
    await session.release();
  }
}

/**
 * Problems of a decoded model's structure: IR version and opset set, every node input a graph
 * input, an initialiser or an earlier node's output, values produced once, outputs produced.
 */
export function structuralProblems(model: OnnxModelMessage): string[] {
  const problems: string[] = [];
  if (!model.ir_version) problems.push('no ir_version');
  if (!model.opset_import?.some((o) => (o.domain ?? '') === '' && o.version > 0)) problems.push('no default-domain opset');
  const graph = model.graph;
  if (!graph) return [...problems, 'no graph'];
  const known = new Set<string>();
  const define = (name: string, what: string) => {
    if (known.has(name)) problems.push(`${what} ${name} defined twice`);
    known.add(name);
  };
  for (const i of graph.input ?? []) define(i.name, 'input');
  for (const t of graph.initializer ?? []) {
    define(t.name, 'initializer');
    const size = (t.dims ?? []).reduce((a, b) => a * b, 1);
    const width = t.data_type === 7 ? 8 : 4;
    if ((t.raw_data?.length ?? -1) !== size * width)
      problems.push(`initializer ${t.name}: ${t.raw_data?.length} bytes for dims [${t.dims}]`);
  }
  for (const node of graph.node ?? []) {
    for (const input of node.input ?? [])
      if (input !== '' && !known.has(input)) problems.push(`${node.op_type} ${node.name} reads undefined ${input}`);
    for (const output of node.output ?? []) define(output, `${node.op_type} output`);
  }
  for (const o of graph.output ?? []) if (!known.has(o.name)) problems.push(`output ${o.name} never produced`);
  for (const v of graph.value_info ?? []) if (!known.has(v.name)) problems.push(`value_info ${v.name} names no value`);
  return problems;
}

/** Decodes exported bytes. */
export const decode = decodeOnnxModel;
