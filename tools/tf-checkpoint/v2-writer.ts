// A V2 TensorFlow checkpoint writer for tests and benchmarks, from the format's public
// description (tensor_bundle.proto, tensor_bundle.cc): data shards of raw tensor bytes and an
// index table with the BundleHeaderProto under the empty key and a BundleEntryProto (dtype, shape,
// shard, offset, size, masked CRC-32C) per tensor; partitioned tensors list their slices, each
// stored under EncodeTensorNameSlice(name, slice). Protos are encoded with protobufjs. More
// general than the library's writeTfCheckpointV2 (several shards, slices, big-endian, corruption).
import {
  buildTable,
  crc32c,
  DT,
  maskCrc32c,
  tensorSliceKey,
  type SliceExtent,
  type TableWriterOptions,
  type TfTensorData,
} from '@objsel/caffe-import';
import { encode, shapeObject, sliceObject } from './protos';

/** One tensor to write. */
export interface V2Tensor {
  name: string;
  shape: number[];
  /** The whole tensor, unless `slices` is given. */
  data?: TfTensorData;
  /** Stored slices (a partitioned variable). */
  slices?: Array<{ extents: SliceExtent[]; data: TfTensorData }>;
  /** Data shard to store it in (default 0). */
  shard?: number;
  /** DataType number to declare (default: from the data). */
  dtype?: number;
  /** Raw bytes to store instead of the data's (unsupported types, bad-input tests). */
  raw?: Uint8Array;
  /** Store a wrong CRC. */
  badCrc?: boolean;
  /** Declare this size instead of the true one. */
  size?: number;
}

/** Options of {@link writeV2}. */
export interface V2WriterOptions extends Pick<TableWriterOptions, 'blockSize' | 'restartInterval' | 'compress'> {
  /** Data shards (default 1). */
  shards?: number;
  /** Byte order of the tensor bytes (default little). */
  endianness?: 'little' | 'big';
}

function dtypeOf(data: TfTensorData): number {
  if (data instanceof Float32Array) return DT.FLOAT;
  if (data instanceof Float64Array) return DT.DOUBLE;
  if (data instanceof Int32Array) return DT.INT32;
  return DT.INT64;
}

function bytesOf(data: TfTensorData, big: boolean): Uint8Array {
  const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength).slice();
  if (big) {
    const w = data.BYTES_PER_ELEMENT;
    for (let i = 0; i < bytes.length; i += w) bytes.subarray(i, i + w).reverse();
  }
  return bytes;
}

/** Serialises tensors as a V2 checkpoint: `{ index, shards }` (shard k is `PREFIX.data-0000k-of-0000n`). */
export function writeV2(tensors: readonly V2Tensor[], options: V2WriterOptions = {}): { index: Uint8Array; shards: Uint8Array[] } {
  const n = options.shards ?? 1;
  const big = options.endianness === 'big';
  const shardParts: Uint8Array[][] = Array.from({ length: n }, () => []);
  const shardSize = new Array<number>(n).fill(0);
  const entries: Array<[Uint8Array, Uint8Array]> = [];
  const store = (t: V2Tensor, shape: number[], data: TfTensorData | undefined, dtype: number) => {
    const shard = t.shard ?? 0;
    const bytes = t.raw ?? bytesOf(data!, big);
    const offset = shardSize[shard]!;
    shardParts[shard]!.push(bytes);
    shardSize[shard]! += bytes.length;
    const crc = maskCrc32c(crc32c(bytes)) ^ (t.badCrc ? 1 : 0);
    return { dtype, shape: shapeObject(shape), shard_id: shard, offset, size: t.size ?? bytes.length, crc32c: crc >>> 0 };
  };
  for (const t of tensors) {
    const first = t.data ?? t.slices?.[0]?.data;
    const dtype = t.dtype ?? (first ? dtypeOf(first) : DT.FLOAT);
    if (t.slices) {
      entries.push([
        new TextEncoder().encode(t.name),
        encode('BundleEntryProto', { dtype, shape: shapeObject(t.shape), slices: t.slices.map((s) => sliceObject(s.extents)) }),
      ]);
      for (const s of t.slices) {
        const shape = s.extents.map((e, i) => e.length ?? t.shape[i]!);
        entries.push([tensorSliceKey(t.name, s.extents), encode('BundleEntryProto', store(t, shape, s.data, dtype))]);
      }
    } else {
      entries.push([new TextEncoder().encode(t.name), encode('BundleEntryProto', store(t, t.shape, t.data, dtype))]);
    }
  }
  entries.push([new Uint8Array(0), encode('BundleHeaderProto', { num_shards: n, endianness: big ? 1 : 0, version: { producer: 1 } })]);
  entries.sort((a, b) => Buffer.compare(Buffer.from(a[0]), Buffer.from(b[0])));
  const shards = shardParts.map((parts) => {
    const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
    let at = 0;
    for (const p of parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  });
  return { index: buildTable(entries, options), shards };
}
