/**
 * Writing a V2 checkpoint that TensorFlow's `Saver` restores, laid out as `BundleWriter`
 * (`tensor_bundle.cc`) writes one: a single data shard holding each tensor's little-endian
 * bytes, and an index table with the BundleHeaderProto (one shard, little-endian, version
 * producer 1) under the empty key and, per tensor in key order, a BundleEntryProto with its
 * dtype, shape, offset, size and masked CRC-32C; uncompressed blocks of 256 KiB, restart interval
 * 16. Names are the TF port's (objsel's), frozen BatchNorm statistics included.
 */
import type { ObjselNetworkMeta, WeightEntry } from '../weights-format';
import { encodeBundleEntry, encodeBundleHeader } from './bundle-protos';
import { crc32c, maskCrc32c } from './crc32c';
import { dtypeNumber, encodeRaw, type TfDtype, type TfTensorData } from './dtypes';
import { ckptError } from './fail';
import { compareBytes, keyBytes } from './keys';
import { buildTable, type TableWriterOptions } from './table-writer';
import { elementCount } from './tensor-protos';

/** A tensor to write: objsel weight entries, or any supported element type (e.g. an int64 `global_step`). */
export interface TfTensorToWrite {
  name: string;
  shape: number[];
  data: TfTensorData;
}

/** Options of {@link writeTfCheckpointV2}. */
export interface WriteTfCheckpointV2Options extends Pick<TableWriterOptions, 'blockSize' | 'restartInterval' | 'compress'> {
  /** More tensors to store beside the weights (e.g. `global_step`). */
  extra?: TfTensorToWrite[];
}

/** The two files of a V2 checkpoint with one shard. */
export interface TfCheckpointV2Files {
  /** `PREFIX.index`. */
  index: Uint8Array;
  /** `PREFIX.data-00000-of-00001`. */
  data: Uint8Array;
  /** Notes, e.g. a BN epsilon other than the TF port's. */
  warnings: string[];
}

function dtypeOf(data: TfTensorData): TfDtype {
  if (data instanceof Float32Array) return 'float32';
  if (data instanceof Float64Array) return 'float64';
  if (data instanceof Int32Array) return 'int32';
  return 'int64';
}

/** A V2 checkpoint as parts: the index and the data shard as consecutive chunks (views of the tensors). */
export interface TfCheckpointV2Parts {
  /** `PREFIX.index`. */
  index: Uint8Array;
  /** `PREFIX.data-00000-of-00001` is these chunks one after another (views of the tensors' data on little-endian hosts). */
  dataChunks: Uint8Array[];
  /** Total bytes of the data shard. */
  dataBytes: number;
  /** Notes, e.g. a BN epsilon other than the TF port's. */
  warnings: string[];
}

/**
 * {@link writeTfCheckpointV2} without joining the data: write `dataChunks` in order to the data
 * shard, so that exporting needs no second copy of the weights.
 *
 * @throws CaffeImportError `bad-weights` for duplicate names or data that disagrees with a shape.
 */
export function tfCheckpointV2Parts(
  entries: readonly WeightEntry[],
  meta?: ObjselNetworkMeta,
  options: WriteTfCheckpointV2Options = {},
): TfCheckpointV2Parts {
  const warnings: string[] = [];
  if (meta && meta.bnEpsilon !== 0.001) {
    warnings.push(
      `the network's BatchNorm epsilon is ${meta.bnEpsilon}; the TF port normalises with slim's 0.001, so its results will differ slightly`,
    );
  }
  const tensors: TfTensorToWrite[] = [...entries, ...(options.extra ?? [])];
  const keyed = tensors.map((t) => ({ t, key: keyBytes(t.name) }));
  keyed.sort((a, b) => compareBytes(a.key, b.key));
  keyed.forEach(({ t }, i) => {
    if (t.name === '' || (i > 0 && keyed[i - 1]!.t.name === t.name)) {
      throw ckptError('bad-weights', t.name === '' ? 'a tensor needs a name' : 'duplicate tensor name', undefined, t.name);
    }
    const n = elementCount(t.shape, undefined, t.name);
    if (!t.shape.every((d) => Number.isSafeInteger(d) && d >= 0) || n !== t.data.length) {
      throw ckptError('bad-weights', `shape [${t.shape.join(',')}] needs ${n} values, data has ${t.data.length}`, undefined, t.name);
    }
  });
  const index: Array<[Uint8Array, Uint8Array]> = [
    [new Uint8Array(0), encodeBundleHeader({ numShards: 1, endianness: 0, version: { producer: 1, minConsumer: 0, badConsumers: [] } })],
  ];
  const dataChunks: Uint8Array[] = [];
  let offset = 0;
  for (const { t, key } of keyed) {
    const bytes = encodeRaw(t.data);
    dataChunks.push(bytes);
    const entry = encodeBundleEntry({
      dtype: dtypeNumber(dtypeOf(t.data)),
      shape: t.shape,
      shardId: 0,
      offset,
      size: bytes.length,
      crc32c: maskCrc32c(crc32c(bytes)),
      slices: [],
    });
    index.push([key, entry]);
    offset += bytes.length;
  }
  return { index: buildTable(index, options), dataChunks, dataBytes: offset, warnings };
}

/**
 * Serialises weights as a V2 checkpoint (index + one data shard). Write them as
 * `PREFIX.index` and `PREFIX.data-00000-of-00001`; `tf.train.Saver().restore(sess, PREFIX)`
 * then loads the variables of the same names. The files are byte-identical to those
 * TensorFlow's own Saver writes for the same variables.
 *
 * @throws CaffeImportError `bad-weights` for duplicate names or data that disagrees with a shape.
 */
export function writeTfCheckpointV2(
  entries: readonly WeightEntry[],
  meta?: ObjselNetworkMeta,
  options: WriteTfCheckpointV2Options = {},
): TfCheckpointV2Files {
  const { index, dataChunks, dataBytes, warnings } = tfCheckpointV2Parts(entries, meta, options);
  const data = new Uint8Array(dataBytes);
  let offset = 0;
  for (const chunk of dataChunks) {
    data.set(chunk, offset);
    offset += chunk.length;
  }
  return { index, data, warnings };
}
