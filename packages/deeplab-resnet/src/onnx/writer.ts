/**
 * Serialises an ONNX model into one buffer without holding the weights twice: protobufjs
 * encodes every small message (model header, nodes, inputs, tensor headers), and the tensors'
 * `raw_data` bytes are written straight into the output buffer, each by its own callback.
 *
 * This relies on two protobuf wire-format rules: an embedded message is `tag, length, bytes`,
 * and concatenated encodings of one message type parse as their merge (repeated fields append),
 * so `ModelProto = header ++ [graph]` and `TensorProto = header ++ [raw_data]` are valid.
 */
import protobuf from 'protobufjs/light.js';
import { DeeplabError } from '../errors';
import { encodeMessage, FieldNumber, onnxTypes, type GraphMessage, type ModelMessage } from './proto';

/** A graph initialiser whose raw little-endian bytes are written on demand. */
export interface RawInitializer {
  /** Tensor name (a graph value name). */
  name: string;
  /** Its shape. */
  dims: number[];
  /** `TensorProto.DataType`. */
  dataType: number;
  /** Exact size of the raw data in bytes. */
  byteLength: number;
  /** Fills `target` (exactly `byteLength` bytes) with the tensor's raw little-endian data. */
  write(target: Uint8Array): void;
}

/** protobuf wire type of length-delimited fields. */
const LENGTH_DELIMITED = 2;

/** `tag` and `length` of a length-delimited field, encoded. */
function fieldPrefix(field: number, length: number): Uint8Array {
  return protobuf.Writer.create()
    .uint32((field << 3) | LENGTH_DELIMITED)
    .uint32(length)
    .finish();
}

/** Whether this machine stores numbers little-endian (every current JS host does). */
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/**
 * Writes float32 values as little-endian bytes into `target` (`4 * values.length` bytes).
 */
export function writeFloat32LE(target: Uint8Array, values: Float32Array): void {
  if (target.byteLength !== values.length * 4) throw new RangeError(`${target.byteLength} bytes for ${values.length} float32 values`);
  if (LITTLE_ENDIAN) {
    target.set(new Uint8Array(values.buffer, values.byteOffset, values.byteLength));
    return;
  }
  const view = new DataView(target.buffer, target.byteOffset, target.byteLength);
  for (let i = 0; i < values.length; i++) view.setFloat32(i * 4, values[i]!, true);
}

/** Writes int64 values (safe integers) as little-endian bytes into `target` (`8 * values.length` bytes). */
export function writeInt64LE(target: Uint8Array, values: readonly number[]): void {
  const view = new DataView(target.buffer, target.byteOffset, target.byteLength);
  values.forEach((v, i) => {
    view.setBigInt64(i * 8, BigInt(v), true);
  });
}

/** Files must stay under protobuf's 2 GiB message limit. */
const MAX_BYTES = 2 ** 31 - 1;

/**
 * The model file: `model` (without `graph`), then `graph` (without initialisers) and
 * `initializers`, whose data each callback writes into the final buffer.
 */
export function serializeModel(
  model: Omit<ModelMessage, 'graph'>,
  graph: GraphMessage,
  initializers: readonly RawInitializer[],
): Uint8Array {
  const { ModelProto, GraphProto, TensorProto } = onnxTypes();
  const modelHead = encodeMessage(ModelProto, model);
  const graphHead = encodeMessage(GraphProto, { ...graph, initializer: [] });
  const tensors = initializers.map((init) => {
    const head = encodeMessage(TensorProto, { dims: init.dims, data_type: init.dataType, name: init.name });
    const rawPrefix = fieldPrefix(FieldNumber.tensorRawData, init.byteLength);
    const length = head.length + rawPrefix.length + init.byteLength;
    return { init, head, rawPrefix, prefix: fieldPrefix(FieldNumber.graphInitializer, length), length };
  });
  const graphLength = graphHead.length + tensors.reduce((sum, t) => sum + t.prefix.length + t.length, 0);
  const graphPrefix = fieldPrefix(FieldNumber.modelGraph, graphLength);
  const total = modelHead.length + graphPrefix.length + graphLength;
  if (total > MAX_BYTES) throw new DeeplabError('bad-config', `the model would take ${total} bytes, over protobuf's 2 GiB limit`);
  const out = new Uint8Array(total);
  let offset = 0;
  const put = (bytes: Uint8Array) => {
    out.set(bytes, offset);
    offset += bytes.length;
  };
  put(modelHead);
  put(graphPrefix);
  put(graphHead);
  for (const t of tensors) {
    put(t.prefix);
    put(t.head);
    put(t.rawPrefix);
    t.init.write(out.subarray(offset, offset + t.init.byteLength));
    offset += t.init.byteLength;
  }
  if (offset !== total) throw new Error(`ONNX writer: wrote ${offset} of ${total} bytes`);
  return out;
}
