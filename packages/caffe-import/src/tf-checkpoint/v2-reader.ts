/**
 * TensorFlow V2 checkpoints (`tensorflow/core/util/tensor_bundle/tensor_bundle.cc`): `PREFIX.index`
 * is a table whose empty key holds the BundleHeaderProto and whose other keys are tensor names
 * mapped to BundleEntryProtos; each entry points at `[offset, offset + size)` of data shard
 * `shard_id` (`PREFIX.data-0000K-of-0000N`) and carries the masked CRC-32C of those bytes, which
 * `BundleReader::GetValue` verifies after unmasking. Partitioned variables list their slices; each
 * slice is its own entry under the key `EncodeTensorNameSlice(name, slice)`.
 */
import { decodeBundleEntry, decodeBundleHeader, type BundleEntry, type BundleHeader } from './bundle-protos';
import { crc32c, unmaskCrc32c } from './crc32c';
import { decodeRaw, dtypeName, dtypeSize, tfDtype, type TfTensorData } from './dtypes';
import { ckptError } from './fail';
import { tensorSliceKey } from './ordered-code';
import { assembleSlices, checkSlice, sliceShape } from './slices';
import type { TfTable } from './table-reader';
import type { TfTensor, TfTensorInfo } from './tensor';
import { decodeMessage, elementCount } from './tensor-protos';

const utf8 = new TextDecoder('utf-8', { fatal: false });

/** How to read tensor values. */
export interface V2ReadOptions {
  /**
   * Return copies instead of views into the shard bytes. Views (the default) need no memory
   * beyond the shards and are used whenever the tensor is 4/8-byte aligned in its shard and the
   * file's byte order is the host's.
   */
  copy?: boolean;
}

/** The parsed index of a V2 checkpoint. */
export class V2Index {
  /** Whole-tensor entries by name, in key order (slice entries are left out). */
  readonly entries = new Map<string, BundleEntry>();

  /**
   * @param table the opened `.index` table.
   * @param file its name (errors).
   * @param header the BundleHeaderProto.
   */
  private constructor(
    readonly table: TfTable,
    readonly file: string | undefined,
    readonly header: BundleHeader,
  ) {
    for (const { key, value } of table.entries()) {
      if (key.length === 0) continue; // the header
      if (key[0] === 0) continue; // EncodeTensorNameSlice keys start with the number 0: slices of partitioned tensors
      const name = utf8.decode(key);
      this.entries.set(
        name,
        decodeMessage(value, file, `entry "${name}"`, (r) => decodeBundleEntry(r)),
      );
    }
  }

  /**
   * Parses the index (reads and checks every block of it).
   *
   * @throws CaffeImportError naming `file`: table errors, `bad-checkpoint` for a missing or bad
   * header, more than 2^16 shards, or an unknown endianness.
   */
  static open(table: TfTable, file?: string): V2Index {
    const headerBytes = table.get('');
    if (headerBytes === undefined) throw ckptError('bad-checkpoint', 'the V2 index has no header entry (empty key)', file, 'key ""');
    const header = decodeMessage(headerBytes, file, 'header entry', (r) => decodeBundleHeader(r));
    if (header.numShards < 1 || header.numShards > 65536) {
      throw ckptError('bad-checkpoint', `the header declares ${header.numShards} data shard(s)`, file, 'header entry');
    }
    if (header.endianness !== 0 && header.endianness !== 1) {
      throw ckptError('bad-checkpoint', `unknown endianness ${header.endianness} in the header`, file, 'header entry');
    }
    return new V2Index(table, file, header);
  }

  /** Every tensor (names in key order). */
  list(): TfTensorInfo[] {
    return [...this.entries].map(([name, e]) => ({
      name,
      dtype: tfDtype(e.dtype) ?? null,
      tfDtype: dtypeName(e.dtype),
      shape: [...e.shape],
      slices: Math.max(1, e.slices.length),
    }));
  }

  /** The stored entries holding tensor `name`'s bytes: itself, or its slices' entries. */
  storedEntries(name: string): Array<{ entry: BundleEntry; extents?: BundleEntry['slices'][number] }> {
    const e = this.entries.get(name);
    if (!e) throw ckptError('bad-checkpoint', 'no such tensor in the checkpoint', this.file, `tensor "${name}"`);
    if (e.slices.length === 0) return [{ entry: e }];
    return e.slices.map((extents, i) => {
      checkSlice(e.shape, extents, this.file, `tensor "${name}" slice ${i}`);
      const value = this.table.get(tensorSliceKey(name, extents));
      if (value === undefined)
        throw ckptError('bad-checkpoint', `slice ${i} of this partitioned tensor has no entry`, this.file, `tensor "${name}"`);
      return { entry: decodeMessage(value, this.file, `tensor "${name}" slice ${i}`, (r) => decodeBundleEntry(r)), extents };
    });
  }

  /** Data shards tensor `name` is stored in. */
  shardsOf(name: string): number[] {
    return [...new Set(this.storedEntries(name).map((s) => s.entry.shardId))];
  }

  /**
   * Tensor `name`'s values from its data shard(s).
   *
   * @param shard the bytes of data shard `id` and its file name.
   * @throws CaffeImportError `unsupported` for element types other than float32/float64/int32/int64,
   * `truncated` when the bytes lie past the end of the shard, `shape-mismatch` when the size
   * disagrees with the shape, `bad-checksum` when the CRC-32C does not match; each names the
   * shard file and the tensor.
   */
  read(name: string, shard: (id: number) => { bytes: Uint8Array; file: string }, options: V2ReadOptions = {}): TfTensor {
    const full = this.entries.get(name);
    if (!full) throw ckptError('bad-checkpoint', 'no such tensor in the checkpoint', this.file, `tensor "${name}"`);
    const where = `tensor "${name}"`;
    const dtype = tfDtype(full.dtype);
    if (!dtype) {
      throw ckptError(
        'unsupported',
        `element type ${dtypeName(full.dtype)} is not supported (float32, float64, int32, int64 are)`,
        this.file,
        where,
      );
    }
    const count = elementCount(full.shape, this.file, where);
    const little = this.header.endianness === 0;
    const parts = this.storedEntries(name).map(({ entry, extents }) => {
      if (entry.shardId < 0 || entry.shardId >= this.header.numShards) {
        throw ckptError(
          'bad-checkpoint',
          `shard ${entry.shardId} is outside the ${this.header.numShards} the header declares`,
          this.file,
          where,
        );
      }
      if (tfDtype(entry.dtype) !== dtype) {
        throw ckptError(
          'bad-checkpoint',
          `a slice has element type ${dtypeName(entry.dtype)}, the tensor ${dtypeName(full.dtype)}`,
          this.file,
          where,
        );
      }
      const shape = extents ? sliceShape(full.shape, extents) : full.shape;
      const n = extents ? elementCount(shape, this.file, where) : count;
      const { bytes, file } = shard(entry.shardId);
      if (entry.size !== n * dtypeSize(dtype)) {
        throw ckptError(
          'shape-mismatch',
          `stored size ${entry.size} bytes disagrees with shape [${shape.join(',')}] of ${dtype} (${n * dtypeSize(dtype)} bytes)`,
          this.file,
          where,
        );
      }
      if (entry.offset + entry.size > bytes.length) {
        throw ckptError(
          'truncated',
          `bytes [${entry.offset}, ${entry.offset + entry.size}) lie past the end of the data file (${bytes.length} bytes)`,
          file,
          where,
        );
      }
      const raw = bytes.subarray(entry.offset, entry.offset + entry.size);
      const stored = unmaskCrc32c(entry.crc32c);
      const actual = crc32c(raw);
      if (stored !== actual) {
        throw ckptError(
          'bad-checksum',
          `CRC-32C mismatch at bytes [${entry.offset}, ${entry.offset + entry.size}): the index stores ${hex(stored)}, the data gives ${hex(actual)}`,
          file,
          where,
        );
      }
      const data: TfTensorData = decodeRaw(raw, dtype, little, !options.copy);
      return { extents: extents ?? full.shape.map(() => ({ start: 0 })), data };
    });
    const data = parts.length === 1 && !full.slices.length ? parts[0]!.data : assembleSlices(full.shape, dtype, parts, this.file, where);
    return { name, dtype, shape: [...full.shape], data };
  }
}

function hex(n: number): string {
  return `0x${n.toString(16).padStart(8, '0')}`;
}
