// TensorFlow's checkpoint messages for protobufjs, by the field numbers of tensor_bundle.proto,
// saved_tensor_slice.proto, tensor.proto, tensor_shape.proto, tensor_slice.proto and
// versions.proto: the test writers encode with a stock protobuf library, independently of the
// hand-written decoders they test.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const protobuf = require('protobufjs') as typeof import('protobufjs');

/** The messages as a protobufjs root (proto3 semantics: packed repeated scalars). */
export const tfRoot = protobuf.Root.fromJSON({
  nested: {
    VersionDef: {
      fields: {
        producer: { type: 'int32', id: 1 },
        min_consumer: { type: 'int32', id: 2 },
        bad_consumers: { rule: 'repeated', type: 'int32', id: 3 },
      },
    },
    Dim: { fields: { size: { type: 'int64', id: 1 }, name: { type: 'string', id: 2 } } },
    TensorShapeProto: { fields: { dim: { rule: 'repeated', type: 'Dim', id: 2 }, unknown_rank: { type: 'bool', id: 3 } } },
    Extent: {
      oneofs: { has_length: { oneof: ['length'] } },
      fields: { start: { type: 'int64', id: 1 }, length: { type: 'int64', id: 2 } },
    },
    TensorSliceProto: { fields: { extent: { rule: 'repeated', type: 'Extent', id: 1 } } },
    BundleHeaderProto: {
      fields: { num_shards: { type: 'int32', id: 1 }, endianness: { type: 'int32', id: 2 }, version: { type: 'VersionDef', id: 3 } },
    },
    BundleEntryProto: {
      fields: {
        dtype: { type: 'int32', id: 1 },
        shape: { type: 'TensorShapeProto', id: 2 },
        shard_id: { type: 'int32', id: 3 },
        offset: { type: 'int64', id: 4 },
        size: { type: 'int64', id: 5 },
        crc32c: { type: 'fixed32', id: 6 },
        slices: { rule: 'repeated', type: 'TensorSliceProto', id: 7 },
      },
    },
    TensorProto: {
      fields: {
        dtype: { type: 'int32', id: 1 },
        tensor_shape: { type: 'TensorShapeProto', id: 2 },
        version_number: { type: 'int32', id: 3 },
        tensor_content: { type: 'bytes', id: 4 },
        float_val: { rule: 'repeated', type: 'float', id: 5, options: { packed: true } },
        double_val: { rule: 'repeated', type: 'double', id: 6, options: { packed: true } },
        int_val: { rule: 'repeated', type: 'int32', id: 7, options: { packed: true } },
        string_val: { rule: 'repeated', type: 'bytes', id: 8 },
        int64_val: { rule: 'repeated', type: 'int64', id: 10, options: { packed: true } },
        bool_val: { rule: 'repeated', type: 'bool', id: 11, options: { packed: true } },
      },
    },
    SavedSliceMeta: {
      fields: {
        name: { type: 'string', id: 1 },
        shape: { type: 'TensorShapeProto', id: 2 },
        type: { type: 'int32', id: 3 },
        slice: { rule: 'repeated', type: 'TensorSliceProto', id: 4 },
      },
    },
    SavedTensorSliceMeta: {
      fields: { tensor: { rule: 'repeated', type: 'SavedSliceMeta', id: 1 }, versions: { type: 'VersionDef', id: 2 } },
    },
    SavedSlice: {
      fields: { name: { type: 'string', id: 1 }, slice: { type: 'TensorSliceProto', id: 2 }, data: { type: 'TensorProto', id: 3 } },
    },
    // Unpacked float values (one fixed32 field each), as older writers produced them.
    TensorProtoUnpacked: { fields: { float_val: { rule: 'repeated', type: 'float', id: 5, options: { packed: false } } } },
    // SavedTensorSlices with the data's TensorProto already encoded (a bytes field is wire-identical).
    SavedSliceRaw: {
      fields: { name: { type: 'string', id: 1 }, slice: { type: 'TensorSliceProto', id: 2 }, data: { type: 'bytes', id: 3 } },
    },
    SavedTensorSlicesRaw: { fields: { data: { type: 'bytes', id: 2 } } },
    SavedTensorSlices: { fields: { meta: { type: 'SavedTensorSliceMeta', id: 1 }, data: { type: 'SavedSlice', id: 2 } } },
  },
});

/** Encodes a plain object as message `type`. */
export function encode(type: string, value: Record<string, unknown>): Uint8Array {
  const T = tfRoot.lookupType(type);
  return T.encode(T.fromObject(value)).finish();
}

/** Decodes message `type` into a plain object (longs as numbers). */
export function decode(type: string, bytes: Uint8Array): Record<string, unknown> {
  const T = tfRoot.lookupType(type);
  return T.toObject(T.decode(bytes), { longs: Number, arrays: true, defaults: false }) as Record<string, unknown>;
}

/** A TensorShapeProto object. */
export function shapeObject(shape: readonly number[]): Record<string, unknown> {
  return { dim: shape.map((size) => (size ? { size } : {})) };
}

/** A TensorSliceProto object: `undefined` length = the whole dimension (an empty extent). */
export function sliceObject(extents: ReadonlyArray<{ start: number; length?: number }>): Record<string, unknown> {
  return { extent: extents.map((e) => (e.length === undefined ? {} : { start: e.start, length: e.length })) };
}
