/**
 * Reading a TensorFlow checkpoint (V1 or V2) through {@link ReadableFiles}: resolve the path,
 * open the table(s), list or read tensors. Only the files needed are read: the `.index` and the
 * data shards holding the requested tensors (V2), or the V1 file(s).
 */
import { CaffeImportError } from '../errors';
import { ckptError } from './fail';
import type { ReadableFiles } from '../files';
import { dataShardName, resolveTfCheckpoint, type ResolvedTfCheckpoint } from './paths';
import { TfTable } from './table-reader';
import type { TfTensor, TfTensorInfo } from './tensor';
import { V1Checkpoint } from './v1-reader';
import { V2Index } from './v2-reader';
import type { BundleHeader } from './bundle-protos';
import type { ValuesMode } from './tensor-protos';

/** Options of {@link readTfCheckpoint}. */
export interface ReadTfCheckpointOptions {
  /** Read only the tensors this accepts (default: all). Others are neither read nor checked. */
  filter?: (tensor: TfTensorInfo) => boolean;
  /**
   * Tensors of element types this reader cannot decode (strings, bools, ...): `'error'` (default)
   * fails naming the tensor; `'skip'` lists them in `skipped`.
   */
  unsupported?: 'error' | 'skip';
  /**
   * Copy values out of the file bytes instead of returning views of them (V2 always, V1 when
   * the values are 4/8-byte aligned in the file).
   */
  copy?: boolean;
  /**
   * The bytes `files.readFile` returns may be overwritten: V1 values that are not aligned are
   * moved a few bytes inside the file's buffer so that they too become views (no copy, peak
   * memory near the file size). Default false.
   */
  consumeInput?: boolean;
}

/** A listed checkpoint. */
export interface TfCheckpointListing {
  /** V1 or V2. */
  format: 'v1' | 'v2';
  /** Where its files are. */
  resolved: ResolvedTfCheckpoint;
  /** V2: the header of the index. */
  header?: BundleHeader;
  /** Every tensor (names in key order). */
  tensors: TfTensorInfo[];
}

/** A read checkpoint. */
export interface TfCheckpointContents {
  /** V1 or V2. */
  format: 'v1' | 'v2';
  /** Where its files are. */
  resolved: ResolvedTfCheckpoint;
  /** The tensors read, in name order. */
  tensors: TfTensor[];
  /** Tensors left out: by the filter, or of unsupported element types with `unsupported: 'skip'`. */
  skipped: Array<TfTensorInfo & { reason: 'filtered' | 'unsupported' }>;
  /** Files read and their sizes in bytes. */
  filesRead: Array<{ file: string; bytes: number }>;
}

function errno(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

async function read(files: ReadableFiles, file: string, what: string, log: Array<{ file: string; bytes: number }>): Promise<Uint8Array> {
  try {
    const bytes = await files.readFile(file);
    log.push({ file, bytes: bytes.length });
    return bytes;
  } catch (error) {
    if (error instanceof CaffeImportError) throw error;
    const code = errno(error);
    if (code === 'ENOENT' || !(await files.exists(file).catch(() => true))) {
      throw new CaffeImportError('missing-file', `${what} is missing`, { file, cause: error });
    }
    throw new CaffeImportError('io', `cannot read ${what}: ${code ?? (error as Error).message}`, { file, cause: error });
  }
}

/** An opened checkpoint: its listing and a reader per tensor. */
interface Opened {
  listing: TfCheckpointListing;
  readTensor(info: TfTensorInfo, mode: ValuesMode): Promise<TfTensor>;
  log: Array<{ file: string; bytes: number }>;
}

async function open(files: ReadableFiles, path: string): Promise<Opened> {
  const resolved = await resolveTfCheckpoint(files, path);
  const log: Array<{ file: string; bytes: number }> = [];
  if (resolved.format === 'v2') {
    const indexFile = resolved.files[0]!;
    const index = V2Index.open(TfTable.open(await read(files, indexFile, 'the V2 checkpoint index', log), indexFile), indexFile);
    const shards = new Map<number, { bytes: Uint8Array; file: string }>();
    const n = index.header.numShards;
    return {
      listing: { format: 'v2', resolved, header: index.header, tensors: index.list() },
      log,
      async readTensor(info, mode) {
        for (const id of index.shardsOf(info.name)) {
          if (!shards.has(id)) {
            const file = dataShardName(resolved.prefix, id, n);
            shards.set(id, { bytes: await read(files, file, `data shard ${id} of ${n}`, log), file });
          }
        }
        return index.read(info.name, (id) => shards.get(id)!, { copy: mode === 'copy' });
      },
    };
  }
  const tables = [];
  for (const file of resolved.files) tables.push({ table: TfTable.open(await read(files, file, 'the V1 checkpoint', log), file), file });
  const v1 = new V1Checkpoint(tables);
  return {
    listing: { format: 'v1', resolved, tensors: v1.list() },
    log,
    async readTensor(info, mode) {
      return v1.read(info.name, mode);
    },
  };
}

/**
 * Lists a checkpoint's tensors (names, element types, shapes) without reading their values,
 * like TensorFlow's `inspect_checkpoint`. Reads only the `.index` of a V2 checkpoint.
 *
 * @throws CaffeImportError naming the file: `missing-file`, `not-table`, `bad-table`,
 * `bad-checksum`, `bad-checkpoint`, `io`.
 */
export async function listTfCheckpoint(files: ReadableFiles, path: string): Promise<TfCheckpointListing> {
  return (await open(files, path)).listing;
}

/**
 * Reads a TensorFlow V1 or V2 checkpoint: every tensor (or those `options.filter` accepts),
 * each verified (V2: the data CRC-32C of every tensor; both: every table block's CRC).
 *
 * @example
 * ```ts
 * import { nodeFileSystem } from '@objsel/caffe-import/node';
 * const { tensors } = await readTfCheckpoint(nodeFileSystem, 'snapshots/model.ckpt-20000');
 * ```
 * @throws CaffeImportError naming the file and the place: `missing-file` (absent prefix, shard),
 * `truncated`, `not-table`, `bad-table`, `bad-checksum`, `bad-checkpoint`, `shape-mismatch`,
 * `unsupported` (element type), `io`.
 */
export async function readTfCheckpoint(
  files: ReadableFiles,
  path: string,
  options: ReadTfCheckpointOptions = {},
): Promise<TfCheckpointContents> {
  const opened = await open(files, path);
  const { listing } = opened;
  const tensors: TfTensor[] = [];
  const skipped: TfCheckpointContents['skipped'] = [];
  const sorted = [...listing.tensors].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const info of sorted) {
    if (options.filter && !options.filter(info)) {
      skipped.push({ ...info, reason: 'filtered' });
      continue;
    }
    if (info.dtype === null && options.unsupported === 'skip') {
      skipped.push({ ...info, reason: 'unsupported' });
      continue;
    }
    if (info.dtype === null) {
      throw ckptError(
        'unsupported',
        `element type ${info.tfDtype} is not supported (float32, float64, int32, int64 are)`,
        listing.resolved.files[0],
        `tensor "${info.name}"`,
      );
    }
    tensors.push(await opened.readTensor(info, options.copy ? 'copy' : options.consumeInput ? 'in-place' : 'view'));
  }
  return { format: listing.format, resolved: listing.resolved, tensors, skipped, filesRead: opened.log };
}
