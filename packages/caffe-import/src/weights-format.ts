/**
 * The objsel weights format: a TF.js-standard `model.json` (one weights group, float32 shards
 * `group1-shard{i}of{n}.bin` of at most `shardBytes` each, weights concatenated in manifest
 * order, little-endian) plus an `objsel` section that describes the DeepLab-v2 ResNet network.
 * `tf.io.decodeWeights` and other TF.js manifest readers accept the shards as they are.
 */
import { CaffeImportError } from './errors';

/** One named float32 tensor: `data.length` equals the product of `shape`. */
export interface WeightEntry {
  /** TensorFlow-port name, e.g. `res2a_branch1/weights` or `bn2a_branch1/moving_mean`. */
  name: string;
  /** Dimensions (HWIO for convolution kernels). */
  shape: number[];
  /** Row-major values. */
  data: Float32Array;
}

/** One convolution or pooling layer of the network, as the prototxt defines it. */
export interface ObjselLayerSpec {
  /** Caffe layer name (e.g. `res4b3_branch2b`). */
  name: string;
  /** Caffe layer type (`Convolution`, `Pooling`). */
  type: string;
  /** Kernel [height, width]. */
  kernel: [number, number];
  /** Stride [height, width]. */
  stride: [number, number];
  /** Dilation [height, width] (1 for pooling). */
  dilation: [number, number];
  /** Caffe (symmetric) padding [height, width]. */
  pad: [number, number];
  /** Input channels (convolutions). */
  inChannels?: number;
  /** Output channels (convolutions: num_output). */
  outChannels?: number;
  /** Whether the layer has a bias (`bias_term`; false for pooling). */
  bias: boolean;
  /** Convolution groups (Caffe `group`, default 1). */
  group?: number;
  /** Pooling method (pooling layers only). */
  pool?: 'MAX' | 'AVE' | 'STOCHASTIC';
  /** Pooling output-size rounding (Caffe default CEIL). */
  roundMode?: 'CEIL' | 'FLOOR';
  /** Pooling over the whole input (`global_pooling`). */
  globalPooling?: boolean;
}

/** The `objsel` section of `model.json`: what a loader needs to build the network. */
export interface ObjselNetworkMeta {
  /** Format version of this section. */
  version: 1;
  /** The only architecture so far. */
  architecture: 'deeplab-v2-resnet';
  /** Channels of the network input (3 for RGB, 5 for interactive selection). */
  inputChannels: number;
  /** Output classes of the ASPP head (`fc1_voc12_c*` num_output). */
  numClasses: number;
  /** Residual units per stage res2..res5; [3, 4, 23, 3] is ResNet-101. */
  blocks: number[];
  /** 1 = full size (conv1 has 64 outputs). */
  widthMultiplier: number;
  /** BatchNorm epsilon from the prototxt's batch_norm_param.eps (Caffe default 1e-5). */
  bnEpsilon: number;
  /** Every convolution and pooling layer with kernel, stride, dilation and padding. */
  layers: ObjselLayerSpec[];
  /** Where the weights came from. */
  source?: { prototxt?: string; caffemodel?: string };
  /** Anything else, e.g. training state written by deeplab-resnet checkpoints. */
  [extra: string]: unknown;
}

/** A TF.js weights manifest group. */
export interface WeightsManifestGroup {
  /** Shard file names, relative to model.json. */
  paths: string[];
  /** The weights stored in the shards, concatenated in this order. */
  weights: Array<{ name: string; shape: number[]; dtype: 'float32' }>;
}

/** The whole `model.json`. */
export interface ObjselModelJson {
  /** Marks an objsel weights file. */
  format: 'objsel-weights';
  /** The program that wrote it. */
  generatedBy: string;
  /** The converter, if any (null: objsel wrote it itself). */
  convertedBy: string | null;
  /** No TF.js layers topology: objsel builds the network in code from the `objsel` section. */
  modelTopology: null;
  /** Standard TF.js weights manifest. */
  weightsManifest: WeightsManifestGroup[];
  /** The network description. */
  objsel: ObjselNetworkMeta;
}

/** Options of {@link encodeWeights}. */
export interface EncodeWeightsOptions {
  /** Largest shard in bytes; default 4 MiB (4194304), as the TF.js converter. */
  shardBytes?: number;
  /** Written to `generatedBy`; default `@objsel/caffe-import`. */
  generatedBy?: string;
  /** Written to `convertedBy`; default null. */
  convertedBy?: string | null;
}

/** One binary shard of an encoded model. */
export interface WeightShard {
  /** File name relative to model.json. */
  path: string;
  /** The shard's bytes (may be a view into a larger buffer). */
  data: Uint8Array;
}

/** Default shard size: 4 MiB, the TF.js converter's default. */
export const DEFAULT_SHARD_BYTES = 4 * 1024 * 1024;

/** The TF.js shard file name for shard `index` (0-based) of `count`. */
export function shardFileName(index: number, count: number): string {
  return `group1-shard${index + 1}of${count}.bin`;
}

const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

function elementCount(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

function validShape(shape: unknown): shape is number[] {
  return Array.isArray(shape) && shape.every((d) => Number.isSafeInteger(d) && d >= 0);
}

function badWeights(message: string, where?: string): CaffeImportError {
  return new CaffeImportError('bad-weights', message, where === undefined ? {} : { where });
}

function validateEntries(entries: WeightEntry[]): number {
  const seen = new Set<string>();
  let totalBytes = 0;
  for (const entry of entries) {
    if (typeof entry.name !== 'string' || entry.name === '') throw badWeights('every weight needs a non-empty name');
    if (seen.has(entry.name)) throw badWeights('duplicate weight name', entry.name);
    seen.add(entry.name);
    if (!validShape(entry.shape))
      throw badWeights(`shape ${JSON.stringify(entry.shape)} is not a list of non-negative integers`, entry.name);
    if (!(entry.data instanceof Float32Array)) throw badWeights('data must be a Float32Array', entry.name);
    const expected = elementCount(entry.shape);
    if (entry.data.length !== expected) {
      throw badWeights(`shape [${entry.shape.join(',')}] needs ${expected} values, data has ${entry.data.length}`, entry.name);
    }
    totalBytes += entry.data.byteLength;
  }
  return totalBytes;
}

function checkShardBytes(shardBytes: number): void {
  if (!Number.isSafeInteger(shardBytes) || shardBytes <= 0) throw badWeights(`shardBytes must be a positive integer, got ${shardBytes}`);
}

/**
 * The `model.json` for `entries` without encoding any data (what {@link encodeWeights} returns
 * as `modelJson`), plus the shard count and total bytes.
 *
 * @throws CaffeImportError `bad-weights` as {@link encodeWeights}.
 */
export function planWeights(
  entries: WeightEntry[],
  meta: ObjselNetworkMeta,
  options: EncodeWeightsOptions = {},
): { modelJson: ObjselModelJson; shardCount: number; totalBytes: number; shardBytes: number } {
  const shardBytes = options.shardBytes ?? DEFAULT_SHARD_BYTES;
  checkShardBytes(shardBytes);
  const totalBytes = validateEntries(entries);
  const shardCount = totalBytes === 0 ? 0 : Math.ceil(totalBytes / shardBytes);
  const modelJson: ObjselModelJson = {
    format: 'objsel-weights',
    generatedBy: options.generatedBy ?? '@objsel/caffe-import',
    convertedBy: options.convertedBy ?? null,
    modelTopology: null,
    weightsManifest: [
      {
        paths: Array.from({ length: shardCount }, (_, i) => shardFileName(i, shardCount)),
        weights: entries.map((e) => ({ name: e.name, shape: [...e.shape], dtype: 'float32' as const })),
      },
    ],
    objsel: meta,
  };
  return { modelJson, shardCount, totalBytes, shardBytes };
}

/** Copies `data` as little-endian float32 bytes into `out` at `offset`. */
function putFloats(data: Float32Array, from: number, count: number, out: Uint8Array, offset: number): void {
  if (LITTLE_ENDIAN_HOST) {
    out.set(new Uint8Array(data.buffer, data.byteOffset + from * 4, count * 4), offset);
  } else {
    const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
    for (let i = 0; i < count; i++) view.setFloat32(offset + i * 4, data[from + i]!, true);
  }
}

/**
 * Produces the shards of `entries` one at a time into one reused buffer of `shardBytes` (the
 * callback must finish with the bytes before returning), so that writing a model needs only one
 * shard of extra memory. Entries must be valid (see {@link planWeights}).
 */
export async function forEachShard(
  entries: WeightEntry[],
  shardBytes: number,
  write: (index: number, bytes: Uint8Array) => Promise<void> | void,
): Promise<void> {
  checkShardBytes(shardBytes);
  const total = entries.reduce((n, e) => n + e.data.byteLength, 0);
  const buffer = new Uint8Array(Math.min(shardBytes, total));
  let fill = 0;
  let index = 0;
  for (const { data } of entries) {
    // Shards split on bytes (a weight may span shards, as tf.io writes them).
    let bytes: Uint8Array;
    if (LITTLE_ENDIAN_HOST) bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    else {
      bytes = new Uint8Array(data.byteLength);
      putFloats(data, 0, data.length, bytes, 0);
    }
    let done = 0;
    while (done < data.byteLength) {
      const n = Math.min(buffer.length - fill, data.byteLength - done);
      buffer.set(bytes.subarray(done, done + n), fill);
      fill += n;
      done += n;
      if (fill === buffer.length) {
        await write(index++, buffer);
        fill = 0;
      }
    }
  }
  if (fill > 0) await write(index, buffer.subarray(0, fill));
}

/**
 * Encodes named float32 tensors and the network description as `model.json` plus TF.js
 * shards. All weights are copied once into one buffer; the shards are views into it.
 *
 * @throws CaffeImportError `bad-weights` on duplicate names, bad shapes or a bad `shardBytes`.
 */
export function encodeWeights(
  entries: WeightEntry[],
  meta: ObjselNetworkMeta,
  options: EncodeWeightsOptions = {},
): { modelJson: ObjselModelJson; shards: WeightShard[] } {
  const { modelJson, shardCount, totalBytes, shardBytes } = planWeights(entries, meta, options);
  const bytes = new Uint8Array(totalBytes);
  let offset = 0;
  for (const { data } of entries) {
    putFloats(data, 0, data.length, bytes, offset);
    offset += data.byteLength;
  }
  const paths = modelJson.weightsManifest[0]!.paths;
  const shards: WeightShard[] = [];
  for (let i = 0; i < shardCount; i++) {
    shards.push({ path: paths[i]!, data: bytes.subarray(i * shardBytes, Math.min(totalBytes, (i + 1) * shardBytes)) });
  }
  return { modelJson, shards };
}

/** Checks the parts of `model.json` that decoding relies on; throws `bad-weights` otherwise. */
export function validateModelJson(modelJson: unknown): asserts modelJson is ObjselModelJson {
  const m = modelJson as Partial<ObjselModelJson> | null;
  if (typeof m !== 'object' || m === null || Array.isArray(m)) throw badWeights('model.json is not a JSON object');
  if (m.format !== 'objsel-weights') throw badWeights(`format is ${JSON.stringify(m.format)}, expected "objsel-weights"`, 'format');
  if (!Array.isArray(m.weightsManifest)) throw badWeights('weightsManifest is not an array', 'weightsManifest');
  m.weightsManifest.forEach((group, g) => {
    const where = `weightsManifest[${g}]`;
    if (typeof group !== 'object' || group === null) throw badWeights('group is not an object', where);
    if (!Array.isArray(group.paths) || !group.paths.every((p) => typeof p === 'string'))
      throw badWeights('paths is not a list of strings', where);
    if (!Array.isArray(group.weights)) throw badWeights('weights is not an array', where);
    group.weights.forEach((w, i) => {
      const at = `${where}.weights[${i}]`;
      if (typeof w !== 'object' || w === null || typeof w.name !== 'string') throw badWeights('weight has no name', at);
      if (w.dtype !== 'float32') throw badWeights(`dtype ${JSON.stringify(w.dtype)} is not supported (only float32)`, w.name);
      if (!validShape(w.shape)) throw badWeights(`shape ${JSON.stringify(w.shape)} is not a list of non-negative integers`, w.name);
    });
  });
  if (typeof m.objsel !== 'object' || m.objsel === null) throw badWeights('objsel section is missing', 'objsel');
}

/** Options of {@link decodeWeights}. */
export interface DecodeWeightsOptions {
  /**
   * The caller hands the shards over (it read them for this call and keeps no other use): the
   * returned arrays are then views into the shards wherever a tensor lies within one shard, and
   * only tensors that straddle two shards are copied, so decoding takes no second copy of the
   * weights (ResNet-101: 176 MB). Default false: one joined copy per group, which does not alias
   * the caller's buffers.
   */
  viewShards?: boolean;
}

/**
 * Decodes the shards of a `model.json` (given in manifest path order, all groups in turn) back
 * into named tensors. Each group's shards are joined once; the returned arrays are views into
 * that copy, so they do not alias the caller's shard buffers (unless `options.viewShards`).
 *
 * @throws CaffeImportError `bad-weights` on a malformed manifest, a missing or extra shard,
 * shard bytes that do not add up to the declared shapes, or duplicate names.
 */
export function decodeWeights(modelJson: ObjselModelJson, shards: Uint8Array[], options: DecodeWeightsOptions = {}): WeightEntry[] {
  validateModelJson(modelJson);
  const totalPaths = modelJson.weightsManifest.reduce((n, g) => n + g.paths.length, 0);
  if (shards.length !== totalPaths) {
    throw badWeights(`manifest lists ${totalPaths} shard file(s), ${shards.length} given`, 'weightsManifest');
  }
  const entries: WeightEntry[] = [];
  const seen = new Set<string>();
  let next = 0;
  modelJson.weightsManifest.forEach((group, g) => {
    const groupShards = shards.slice(next, next + group.paths.length);
    next += group.paths.length;
    groupShards.forEach((s, i) => {
      if (!(s instanceof Uint8Array)) throw badWeights('shard is not a Uint8Array', group.paths[i]);
    });
    const declared = group.weights.reduce((n, w) => n + elementCount(w.shape) * 4, 0);
    const actual = groupShards.reduce((n, s) => n + s.byteLength, 0);
    if (declared !== actual) {
      throw badWeights(
        `shards hold ${actual} bytes, the weights' shapes need ${declared}`,
        `weightsManifest[${g}] (${group.paths.join(', ')})`,
      );
    }
    const read = options.viewShards ? shardReader(groupShards) : joinedReader(groupShards, actual);
    let offset = 0;
    for (const w of group.weights) {
      if (seen.has(w.name)) throw badWeights('duplicate weight name', w.name);
      seen.add(w.name);
      const n = elementCount(w.shape);
      entries.push({ name: w.name, shape: [...w.shape], data: read(offset, n) });
      offset += n * 4;
    }
  });
  return entries;
}

/** `n` float32 values at `byteOffset` of one group's bytes. */
type FloatReader = (byteOffset: number, n: number) => Float32Array;

/** float32 values of little-endian `bytes`: a view where the host and alignment allow, else a copy. */
function floatsAt(bytes: Uint8Array, byteOffset: number, n: number): Float32Array {
  const at = bytes.byteOffset + byteOffset;
  if (LITTLE_ENDIAN_HOST && at % 4 === 0) return new Float32Array(bytes.buffer, at, n);
  const view = new DataView(bytes.buffer, at, n * 4);
  const data = new Float32Array(n);
  for (let i = 0; i < n; i++) data[i] = view.getFloat32(i * 4, true);
  return data;
}

/** Views into one joined copy of the group's shards. */
function joinedReader(shards: readonly Uint8Array[], total: number): FloatReader {
  const joined = new Uint8Array(total);
  let at = 0;
  for (const s of shards) {
    joined.set(s, at);
    at += s.byteLength;
  }
  return (byteOffset, n) => floatsAt(joined, byteOffset, n);
}

/** Views into the shards themselves; a tensor split across shards is gathered into its own copy. */
function shardReader(shards: readonly Uint8Array[]): FloatReader {
  const starts: number[] = [];
  let total = 0;
  for (const s of shards) {
    starts.push(total);
    total += s.byteLength;
  }
  let k = 0; // tensors come in offset order: the shard search only moves forward
  return (byteOffset, n) => {
    const length = n * 4;
    if (length === 0) return new Float32Array(0);
    while (k + 1 < shards.length && starts[k]! + shards[k]!.byteLength <= byteOffset) k++;
    const local = byteOffset - starts[k]!;
    if (local + length <= shards[k]!.byteLength) return floatsAt(shards[k]!, local, n);
    const gathered = new Uint8Array(length);
    let filled = 0;
    for (let j = k; filled < length; j++) {
      const from = j === k ? local : 0;
      const part = shards[j]!.subarray(from, from + (length - filled));
      gathered.set(part, filled);
      filled += part.byteLength;
    }
    return floatsAt(gathered, 0, n);
  };
}
