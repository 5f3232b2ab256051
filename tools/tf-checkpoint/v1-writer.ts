// A V1 TensorFlow checkpoint writer for tests and benchmarks, from the format's public
// description (saved_tensor_slice.proto, tensor_slice_writer.cc): one table whose empty key holds
// SavedTensorSlices{meta} listing every tensor, its shape, type and stored slices, and one entry
// per slice under EncodeTensorNameSlice(name, slice) holding SavedTensorSlices{data: SavedSlice}
// whose TensorProto has only the values. Protos are encoded with protobufjs.
import { buildTable, DT, tensorSliceKey, type SliceExtent, type TableWriterOptions, type TfTensorData } from '@objsel/caffe-import';
import { encode, shapeObject, sliceObject } from './protos';

/** How a slice's values are stored in its TensorProto. */
export type V1ValueEncoding = 'packed' | 'unpacked' | 'tensor_content';

/** One tensor to write. */
export interface V1Tensor {
  name: string;
  shape: number[];
  /** The whole tensor (one full slice), unless `slices` is given. */
  data?: TfTensorData;
  /** Stored slices (partitioned variables). */
  slices?: Array<{ extents: SliceExtent[]; data: TfTensorData }>;
  /** DataType number to declare (default: from the data's type). */
  dtype?: number;
  /** How values are stored (default `packed` `*_val` fields). */
  encoding?: V1ValueEncoding;
  /** TensorProto bytes to store instead of the values (bad-input tests). */
  rawTensorProto?: Uint8Array;
}

/** Options of {@link writeV1}. */
export type V1WriterOptions = Pick<TableWriterOptions, 'blockSize' | 'restartInterval' | 'compress'>;

function dtypeOf(data: TfTensorData): number {
  if (data instanceof Float32Array) return DT.FLOAT;
  if (data instanceof Float64Array) return DT.DOUBLE;
  if (data instanceof Int32Array) return DT.INT32;
  return DT.INT64;
}

function tensorProto(data: TfTensorData, encoding: V1ValueEncoding): Uint8Array {
  if (encoding === 'tensor_content') {
    return encode('TensorProto', { tensor_content: new Uint8Array(data.buffer, data.byteOffset, data.byteLength).slice() });
  }
  if (data instanceof Float32Array)
    return encode(encoding === 'unpacked' ? 'TensorProtoUnpacked' : 'TensorProto', { float_val: [...data] });
  if (data instanceof Float64Array) return encode('TensorProto', { double_val: [...data] });
  if (data instanceof Int32Array) return encode('TensorProto', { int_val: [...data] });
  return encode('TensorProto', { int64_val: [...data].map((v) => v.toString()) });
}

/** Serialises tensors as a V1 checkpoint file. */
export function writeV1(tensors: readonly V1Tensor[], options: V1WriterOptions = {}): Uint8Array {
  const meta = {
    tensor: tensors.map((t) => {
      const slices = t.slices?.map((s) => s.extents) ?? [t.shape.map(() => ({ start: 0 }))];
      const first = t.data ?? t.slices?.[0]?.data;
      return {
        name: t.name,
        shape: shapeObject(t.shape),
        type: t.dtype ?? (first ? dtypeOf(first) : DT.FLOAT),
        slice: slices.map((e) => sliceObject(e)),
      };
    }),
    versions: { producer: 1 },
  };
  const entries: Array<[Uint8Array, Uint8Array]> = [[new Uint8Array(0), encode('SavedTensorSlices', { meta })]];
  for (const t of tensors) {
    const parts = t.slices ?? [{ extents: t.shape.map((): SliceExtent => ({ start: 0 })), data: t.data! }];
    for (const p of parts) {
      const proto = t.rawTensorProto ?? tensorProto(p.data, t.encoding ?? 'packed');
      const slice = encode('SavedSliceRaw', { name: t.name, slice: sliceObject(p.extents), data: proto });
      entries.push([tensorSliceKey(t.name, p.extents), encode('SavedTensorSlicesRaw', { data: slice })]);
    }
  }
  entries.sort((a, b) => Buffer.compare(Buffer.from(a[0]), Buffer.from(b[0])));
  return buildTable(entries, options);
}
