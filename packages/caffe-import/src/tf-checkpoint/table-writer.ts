/**
 * Writing a LevelDB-format table as TensorFlow's `TableBuilder` lays it out
 * (`tsl/lib/io/table_builder.cc`, `block_builder.cc`): keys in strictly increasing bytewise
 * order, prefix-compressed against the previous key with a full key every `restartInterval`
 * entries; a data block is closed once its size estimate reaches `blockSize`; the index block
 * (restart interval 1) maps a short separator key to each data block's handle; an empty
 * metaindex block; each block followed by its type byte and masked CRC-32C; the 48-byte footer.
 */
import { ByteSink } from './byte-sink';
import { crc32cExtend, maskCrc32c } from './crc32c';
import { ckptError, showKey } from './fail';
import { BlockType, writeFooter, writeHandle, type BlockHandle } from './footer';
import { compareBytes, keyBytes, shortestSeparator, shortSuccessor } from './keys';

/** Options of {@link buildTable}. */
export interface TableWriterOptions {
  /** Target uncompressed data block size in bytes (TensorFlow: 262144). */
  blockSize?: number;
  /** Entries between restart points in data blocks (TensorFlow: 16). */
  restartInterval?: number;
  /**
   * A raw Snappy compressor. When given, blocks are stored compressed if that saves at least
   * 1/8 of their size (as `TableBuilder` does); TensorFlow's checkpoint writers store them
   * uncompressed.
   */
  compress?: (raw: Uint8Array) => Uint8Array;
  /** File name for errors. */
  file?: string;
}

/** Builds one block: prefix-compressed entries, then the restart array. */
class BlockBuilder {
  private readonly out = new ByteSink(1024);
  private restarts: number[] = [0];
  private counter = 0;
  private last: Uint8Array = new Uint8Array(0);
  entries = 0;

  constructor(private readonly restartInterval: number) {}

  add(key: Uint8Array, value: Uint8Array): void {
    let shared = 0;
    if (this.counter < this.restartInterval) {
      const n = Math.min(this.last.length, key.length);
      while (shared < n && this.last[shared] === key[shared]) shared++;
    } else {
      this.restarts.push(this.out.length);
      this.counter = 0;
    }
    this.out.varint(shared);
    this.out.varint(key.length - shared);
    this.out.varint(value.length);
    this.out.bytes(key.subarray(shared));
    this.out.bytes(value);
    this.last = key;
    this.counter++;
    this.entries++;
  }

  /** Size once finished. */
  sizeEstimate(): number {
    return this.out.length + 4 * this.restarts.length + 4;
  }

  finish(): Uint8Array {
    for (const r of this.restarts) this.out.fixed32(r);
    this.out.fixed32(this.restarts.length);
    return this.out.toBytes();
  }
}

/**
 * Serialises `entries` (sorted by key, keys unique) as a table.
 *
 * @throws CaffeImportError `bad-table` when keys are not strictly increasing.
 */
export function buildTable(entries: Iterable<readonly [string | Uint8Array, Uint8Array]>, options: TableWriterOptions = {}): Uint8Array {
  const blockSize = options.blockSize ?? 262144;
  const restartInterval = options.restartInterval ?? 16;
  if (!(blockSize >= 1) || !Number.isInteger(restartInterval) || restartInterval < 1) {
    throw ckptError('bad-table', `bad table options: blockSize ${blockSize}, restartInterval ${restartInterval}`, options.file);
  }
  const out = new ByteSink(1 << 16);
  const index = new BlockBuilder(1);
  let data = new BlockBuilder(restartInterval);
  let lastKey: Uint8Array | undefined;
  let pending: BlockHandle | undefined;

  const writeBlock = (raw: Uint8Array): BlockHandle => {
    let contents = raw;
    let type: number = BlockType.NONE;
    if (options.compress) {
      const compressed = options.compress(raw);
      if (compressed.length < raw.length - Math.floor(raw.length / 8)) {
        contents = compressed;
        type = BlockType.SNAPPY;
      }
    }
    const handle = { offset: out.length, size: contents.length };
    out.bytes(contents);
    const crc = crc32cExtend(crc32cExtend(0, contents), Uint8Array.of(type));
    out.byte(type);
    out.fixed32(maskCrc32c(crc));
    return handle;
  };
  const flush = () => {
    if (data.entries === 0) return;
    pending = writeBlock(data.finish());
    data = new BlockBuilder(restartInterval);
  };

  for (const [k, value] of entries) {
    const key = keyBytes(k);
    if (lastKey !== undefined) {
      if (compareBytes(key, lastKey) <= 0) {
        throw ckptError('bad-table', `keys must be strictly increasing: ${showKey(key)} after ${showKey(lastKey)}`, options.file);
      }
      if (key.length + value.length >= 2 * blockSize) flush();
    }
    if (pending) {
      const handle = new ByteSink(20);
      writeHandle(handle, pending);
      index.add(shortestSeparator(lastKey!, key), handle.toBytes());
      pending = undefined;
    }
    lastKey = key;
    data.add(key, value);
    if (data.sizeEstimate() >= blockSize) flush();
  }
  flush();
  const metaindex = writeBlock(new BlockBuilder(restartInterval).finish());
  if (pending) {
    const handle = new ByteSink(20);
    writeHandle(handle, pending);
    index.add(shortSuccessor(lastKey!), handle.toBytes());
  }
  const indexHandle = writeBlock(index.finish());
  writeFooter(out, { metaindex, index: indexHandle });
  return out.toBytes();
}
