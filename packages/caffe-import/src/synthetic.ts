/**
 * Writing `.caffemodel` files: any layers and blobs in the current `layer` (100) or legacy V1
 * `layers` (2) encoding, with packed, unpacked or double float data; and seeded random blobs for
 * every parameter layer of a prototxt (tests, benchmarks and the demo make their own models
 * instead of downloading real ones).
 */
import { CaffeImportError } from './errors';
import { buildLayerGraph } from './graph';
import { v1NumberOfType } from './layer-types';
import type { NetDefinition } from './prototxt';
import { encodeMessage, type WireField, type WireMessage } from './wire/writer';

/** A blob to write. */
export interface BlobSpec {
  /** Dimensions. */
  shape: number[];
  /** Values (length = product of shape). */
  data: Float32Array;
}

/** A layer to write. */
export interface LayerSpec {
  /** Layer name. */
  name: string;
  /** Current type name (`Convolution`); written as a V1 enum in the legacy encoding. */
  type: string;
  /** Input blob names. */
  bottoms?: string[];
  /** Output blob names. */
  tops?: string[];
  /** Parameter blobs. */
  blobs: BlobSpec[];
}

/** How to encode. */
export interface EncodeCaffemodelOptions {
  /** `layer` (field 100, default) or legacy V1 `layers` (field 2). */
  format?: 'layer' | 'layers';
  /** Float data: `packed` (default), `unpacked` (one fixed32 field per value) or `double` (`double_data`). */
  floats?: 'packed' | 'unpacked' | 'double';
  /** Write blob shapes as legacy num/channels/height/width (4-D, left-padded with 1s) instead of `shape`. */
  legacyShape?: boolean;
  /**
   * Add fields a reader must skip: a DeepLab-fork `interp_param` (143) message, an unknown
   * fixed64 and fixed32 field in every layer, and `diff` values in every blob.
   */
  forkFields?: boolean;
  /** `NetParameter.name`. */
  name?: string;
  /** Legacy net inputs (`input` + 4 `input_dim` each). */
  inputs?: Array<{ name: string; shape: number[] }>;
}

function blobMessage(blob: BlobSpec, options: EncodeCaffemodelOptions): WireMessage {
  const fields: WireField[] = [];
  const count = blob.shape.reduce((a, b) => a * b, 1);
  if (count !== blob.data.length)
    throw new CaffeImportError('shape-mismatch', `blob shape [${blob.shape.join(',')}] needs ${count} values, has ${blob.data.length}`);
  if (options.legacyShape) {
    if (blob.shape.length > 4) throw new CaffeImportError('unsupported', 'legacy blob shapes have at most 4 dimensions');
    const dims = [1, 1, 1, 1, ...blob.shape].slice(-4);
    dims.forEach((d, i) => {
      fields.push({ field: i + 1, kind: 'varint', value: d });
    });
  }
  // Caffe (C++ protobuf) writes fields in number order: data (5), diff (6), shape (7), double_data (8).
  if (options.floats === 'unpacked') {
    fields.push({ field: 5, kind: 'floats', value: blob.data });
  } else if (options.floats !== 'double' && blob.data.length > 0) {
    fields.push({ field: 5, kind: 'packed-floats', value: blob.data });
  }
  if (options.forkFields) fields.push({ field: 6, kind: 'packed-floats', value: blob.data.subarray(0, Math.min(3, blob.data.length)) });
  if (!options.legacyShape)
    fields.push({ field: 7, kind: 'message', value: { fields: [{ field: 1, kind: 'packed-varints', value: blob.shape }] } });
  if (options.floats === 'double' && blob.data.length > 0) fields.push({ field: 8, kind: 'packed-doubles', value: blob.data });
  return { fields };
}

function layerMessage(layer: LayerSpec, options: EncodeCaffemodelOptions): WireMessage {
  const fields: WireField[] = [];
  const strings = (field: number, values: string[] | undefined) =>
    (values ?? []).forEach((v) => {
      fields.push({ field, kind: 'string', value: v });
    });
  if (options.format === 'layers') {
    strings(2, layer.bottoms);
    strings(3, layer.tops);
    fields.push({ field: 4, kind: 'string', value: layer.name });
    // Types V1 cannot express (BatchNorm, Scale) are written as NONE (0).
    fields.push({ field: 5, kind: 'varint', value: v1NumberOfType(layer.type) ?? 0 });
    for (const b of layer.blobs) fields.push({ field: 6, kind: 'message', value: blobMessage(b, options) });
  } else {
    fields.push({ field: 1, kind: 'string', value: layer.name });
    fields.push({ field: 2, kind: 'string', value: layer.type });
    strings(3, layer.bottoms);
    strings(4, layer.tops);
    for (const b of layer.blobs) fields.push({ field: 7, kind: 'message', value: blobMessage(b, options) });
  }
  if (options.forkFields) {
    // interp_param { height: 41 width: 41 zoom_factor: 8 } at 143, which BVLC calls input_param.
    fields.push({
      field: 143,
      kind: 'message',
      value: {
        fields: [1, 2].map((f) => ({ field: f, kind: 'varint' as const, value: 41 })).concat([{ field: 3, kind: 'varint', value: 8 }]),
      },
    });
    fields.push({ field: 999, kind: 'fixed64', value: 1.5 });
    fields.push({ field: 1000, kind: 'fixed32', value: -2.25 });
  }
  return { fields };
}

/**
 * Serializes layers and blobs as a `.caffemodel` (`caffe.NetParameter`).
 *
 * @throws CaffeImportError when a blob's shape and data disagree.
 */
export function encodeCaffemodel(layers: LayerSpec[], options: EncodeCaffemodelOptions = {}): Uint8Array {
  const fields: WireField[] = [];
  if (options.name !== undefined) fields.push({ field: 1, kind: 'string', value: options.name });
  for (const input of options.inputs ?? []) fields.push({ field: 3, kind: 'string', value: input.name });
  const dims = (options.inputs ?? []).flatMap((i) => i.shape);
  if (dims.length) fields.push({ field: 4, kind: 'packed-varints', value: dims });
  const layerField = options.format === 'layers' ? 2 : 100;
  for (const layer of layers) fields.push({ field: layerField, kind: 'message', value: layerMessage(layer, options) });
  return encodeMessage({ fields });
}

/** A small fast seeded generator (mulberry32): uniform floats in [0, 1). */
export function seededRandom(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Options of {@link syntheticLayers}. */
export interface SyntheticOptions {
  /** Seed of the random values (default 1). */
  seed?: number;
  /** Write this BatchNorm scale factor instead of a random one (e.g. 0 to test the 0 rule). */
  bnScaleFactor?: number;
}

function randomArray(n: number, random: () => number, scale: number, positive = false): Float32Array {
  const a = new Float32Array(n);
  if (positive) for (let i = 0; i < n; i++) a[i] = (random() + 0.01) * scale;
  else for (let i = 0; i < n; i++) a[i] = (random() * 2 - 1) * scale;
  return a;
}

/**
 * Seeded random blobs for every parameter layer of a prototxt (Convolution, BatchNorm, Scale,
 * InnerProduct) with the shapes Caffe would give them; BatchNorm variance sums are positive and
 * the scale factor is a random positive count unless `bnScaleFactor` is given.
 *
 * @throws CaffeImportError when shapes cannot be inferred (the prototxt needs input dimensions).
 */
export function syntheticLayers(net: NetDefinition, options: SyntheticOptions = {}): LayerSpec[] {
  const graph = buildLayerGraph(net);
  const random = seededRandom(options.seed ?? 1);
  const layers: LayerSpec[] = [];
  for (const node of graph.nodes) {
    const { layer } = node;
    const channels = node.inputShapes[0]?.[1];
    const need = () => {
      if (channels === undefined)
        throw new CaffeImportError('unsupported', 'cannot infer the input channels: the prototxt needs input dimensions', {
          where: `layer '${layer.name}'`,
        });
      return channels;
    };
    const blobs: BlobSpec[] = [];
    if (layer.convolution && layer.type === 'Convolution') {
      const c = layer.convolution;
      const shape = [c.numOutput, need() / c.group, c.kernel[0], c.kernel[1]];
      const fanIn = shape[1]! * shape[2]! * shape[3]!;
      blobs.push({
        shape,
        data: randomArray(
          shape.reduce((a, b) => a * b, 1),
          random,
          Math.sqrt(3 / fanIn),
        ),
      });
      if (c.biasTerm) blobs.push({ shape: [c.numOutput], data: randomArray(c.numOutput, random, 0.1) });
    } else if (layer.type === 'BatchNorm') {
      const n = need();
      const factor = options.bnScaleFactor ?? Math.fround(1 + random() * 999);
      blobs.push({ shape: [n], data: randomArray(n, random, factor) });
      blobs.push({ shape: [n], data: randomArray(n, random, factor, true) });
      blobs.push({ shape: [1], data: Float32Array.of(factor) });
    } else if (layer.scale) {
      const n = need();
      blobs.push({ shape: [n], data: randomArray(n, random, 1, true) });
      if (layer.scale.biasTerm) blobs.push({ shape: [n], data: randomArray(n, random, 0.5) });
    } else if (layer.innerProduct) {
      const p = layer.innerProduct;
      const k = node.inputShapes[0]?.slice(p.axis).reduce((a, b) => a * b, 1);
      if (k === undefined) need();
      blobs.push({
        shape: p.transpose ? [k!, p.numOutput] : [p.numOutput, k!],
        data: randomArray(k! * p.numOutput, random, Math.sqrt(3 / k!)),
      });
      if (p.biasTerm) blobs.push({ shape: [p.numOutput], data: randomArray(p.numOutput, random, 0.1) });
    }
    layers.push({ name: layer.name, type: layer.type, bottoms: layer.bottoms, tops: layer.tops, blobs });
  }
  return layers;
}
