/**
 * The V2 checkpoint index's messages (`tensorflow/core/protobuf/tensor_bundle.proto`):
 * BundleHeaderProto (`num_shards` 1, `endianness` 2 (LITTLE 0, BIG 1), `version` 3: VersionDef
 * {`producer` 1, `min_consumer` 2, `bad_consumers` 3}) under the empty key, and one
 * BundleEntryProto per tensor (`dtype` 1, `shape` 2, `shard_id` 3, `offset` 4, `size` 5,
 * `crc32c` 6 (fixed32, masked), `slices` 7).
 */
import type { WireReader } from '../wire/reader';
import { WireType } from '../wire/reader';
import { ByteSink } from './byte-sink';
import {
  decodeShape,
  decodeSlice,
  encodeShape,
  encodeSlice,
  nested,
  putBytesField,
  putVarintField,
  uint32,
  type SliceExtent,
} from './tensor-protos';

/** BundleHeaderProto. */
export interface BundleHeader {
  numShards: number;
  /** 0 little-endian, 1 big-endian tensor bytes. */
  endianness: number;
  version: { producer: number; minConsumer: number; badConsumers: number[] };
}

/** BundleEntryProto. */
export interface BundleEntry {
  dtype: number;
  shape: number[];
  shardId: number;
  offset: number;
  size: number;
  /** Masked CRC-32C of the tensor bytes (TensorFlow stores `crc32c::Mask(crc)`). */
  crc32c: number;
  /** Present for partitioned tensors: the stored slices. */
  slices: SliceExtent[][];
}

export function decodeBundleHeader(r: WireReader): BundleHeader {
  const h: BundleHeader = { numShards: 0, endianness: 0, version: { producer: 0, minConsumer: 0, badConsumers: [] } };
  while (r.more()) {
    const at = r.pos;
    const [field, wire] = r.tag();
    if (field === 1) {
      r.expect(wire, WireType.VARINT, 'BundleHeaderProto.num_shards', at);
      h.numShards = r.int32();
    } else if (field === 2) {
      r.expect(wire, WireType.VARINT, 'BundleHeaderProto.endianness', at);
      h.endianness = r.int32();
    } else if (field === 3) {
      r.expect(wire, WireType.LENGTH_DELIMITED, 'BundleHeaderProto.version', at);
      const v = nested(r);
      while (v.more()) {
        const vAt = v.pos;
        const [f, w] = v.tag();
        if (f === 1 && w === WireType.VARINT) h.version.producer = v.int32();
        else if (f === 2 && w === WireType.VARINT) h.version.minConsumer = v.int32();
        else if (f === 3 && w === WireType.VARINT) h.version.badConsumers.push(v.int32());
        else if (f === 3 && w === WireType.LENGTH_DELIMITED) {
          const p = nested(v);
          while (p.more()) h.version.badConsumers.push(p.int32());
        } else v.skip(w, f, vAt);
      }
    } else r.skip(wire, field, at);
  }
  return h;
}

export function decodeBundleEntry(r: WireReader): BundleEntry {
  const e: BundleEntry = { dtype: 0, shape: [], shardId: 0, offset: 0, size: 0, crc32c: 0, slices: [] };
  while (r.more()) {
    const at = r.pos;
    const [field, wire] = r.tag();
    switch (field) {
      case 1:
        r.expect(wire, WireType.VARINT, 'BundleEntryProto.dtype', at);
        e.dtype = r.int32();
        break;
      case 2:
        r.expect(wire, WireType.LENGTH_DELIMITED, 'BundleEntryProto.shape', at);
        e.shape = decodeShape(nested(r));
        break;
      case 3:
        r.expect(wire, WireType.VARINT, 'BundleEntryProto.shard_id', at);
        e.shardId = r.int32();
        break;
      case 4:
        r.expect(wire, WireType.VARINT, 'BundleEntryProto.offset', at);
        e.offset = r.varint();
        break;
      case 5:
        r.expect(wire, WireType.VARINT, 'BundleEntryProto.size', at);
        e.size = r.varint();
        break;
      case 6:
        r.expect(wire, WireType.FIXED32, 'BundleEntryProto.crc32c', at);
        e.crc32c = uint32(r);
        break;
      case 7:
        r.expect(wire, WireType.LENGTH_DELIMITED, 'BundleEntryProto.slices', at);
        e.slices.push(decodeSlice(nested(r)));
        break;
      default:
        r.skip(wire, field, at);
    }
  }
  return e;
}

/** Serialises a BundleHeaderProto (proto3: zero fields left out). */
export function encodeBundleHeader(h: BundleHeader): Uint8Array {
  const version = new ByteSink(16);
  if (h.version.producer) putVarintField(version, 1, h.version.producer);
  if (h.version.minConsumer) putVarintField(version, 2, h.version.minConsumer);
  for (const c of h.version.badConsumers) putVarintField(version, 3, c);
  const out = new ByteSink(32);
  if (h.numShards) putVarintField(out, 1, h.numShards);
  if (h.endianness) putVarintField(out, 2, h.endianness);
  putBytesField(out, 3, version.view());
  return out.toBytes();
}

/** Serialises a BundleEntryProto (proto3: zero scalars left out; the CRC whenever there are bytes). */
export function encodeBundleEntry(e: BundleEntry): Uint8Array {
  const out = new ByteSink(64);
  if (e.dtype) putVarintField(out, 1, e.dtype);
  putBytesField(out, 2, encodeShape(e.shape));
  if (e.shardId) putVarintField(out, 3, e.shardId);
  if (e.offset) putVarintField(out, 4, e.offset);
  if (e.size) putVarintField(out, 5, e.size);
  if (e.crc32c || e.size) {
    out.varint((6 << 3) | WireType.FIXED32);
    out.fixed32(e.crc32c);
  }
  for (const s of e.slices) putBytesField(out, 7, encodeSlice(s));
  return out.toBytes();
}
