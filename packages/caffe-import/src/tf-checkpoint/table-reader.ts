/**
 * Reading a LevelDB-format table from bytes (leveldb `doc/table_format.md`; TensorFlow's copy in
 * `tsl/lib/io/table.cc`): the footer gives the index block, whose entries map a separator key to
 * the handle of each data block; blocks are read on demand, each one's CRC verified and Snappy
 * blocks decompressed. Iteration is in key order; lookup goes through the index.
 */
import { Block, type BlockEntry } from './block';
import { crc32c, unmaskCrc32c } from './crc32c';
import { ckptError, showKey } from './fail';
import { BLOCK_TRAILER_LENGTH, BlockType, FOOTER_LENGTH, readFooter, readVarint, type BlockHandle, type Footer } from './footer';
import { compareBytes, keyBytes } from './keys';
import { snappyUncompress } from './snappy';

/** One data block as the index lists it. */
interface IndexEntry {
  /** Separator: >= every key in the block, < every key in the next. */
  key: Uint8Array;
  handle: BlockHandle;
}

/** An open table: the file's bytes, its footer and index. */
export class TfTable {
  private readonly blocks: IndexEntry[];
  private readonly cache = new Map<number, Block>();
  /** How many blocks were Snappy-compressed among those read so far. */
  compressedBlocks = 0;

  private constructor(
    /** The whole file. */
    readonly bytes: Uint8Array,
    /** File name for errors. */
    readonly file: string | undefined,
    /** Handles of the metaindex and index blocks. */
    readonly footer: Footer,
  ) {
    // The metaindex block is read too, so that its CRC is verified like every other block's.
    this.readBlock(footer.metaindex, `metaindex block at byte ${footer.metaindex.offset}`);
    const index = this.readBlock(footer.index, `index block at byte ${footer.index.offset}`);
    this.blocks = index.entries.map((e, i) => {
      const where = () => `index block at byte ${footer.index.offset}, entry ${i}`;
      const [offset, p] = readVarint(e.value, 0, e.value.length, file, where);
      const [size, q] = readVarint(e.value, p, e.value.length, file, where);
      if (q !== e.value.length) throw ckptError('bad-table', `block handle has ${e.value.length - q} stray byte(s)`, file, where());
      return { key: e.key, handle: { offset, size } };
    });
  }

  /**
   * Opens a table held in `bytes` (the views returned by {@link get} and {@link entries} point into
   * it or into decompressed copies).
   *
   * @throws CaffeImportError `truncated` / `not-table` for a file that is not a table (too short,
   * bad magic), `bad-checksum` when a block's CRC does not match, `bad-table` for malformed blocks,
   * handles or Snappy data; each names `file` and the byte or block.
   */
  static open(bytes: Uint8Array, file?: string): TfTable {
    return new TfTable(bytes, file, readFooter(bytes, file));
  }

  /** Number of data blocks. */
  get blockCount(): number {
    return this.blocks.length;
  }

  private readBlock(handle: BlockHandle, place: string): Block {
    const { offset, size } = handle;
    const dataEnd = this.bytes.length - FOOTER_LENGTH;
    if (offset + size + BLOCK_TRAILER_LENGTH > dataEnd) {
      throw ckptError(
        'truncated',
        `block [${offset}, +${size}) and its trailer run past the end of the table data (${dataEnd} bytes)`,
        this.file,
        place,
      );
    }
    const type = this.bytes[offset + size]!;
    const view = new DataView(this.bytes.buffer, this.bytes.byteOffset, this.bytes.length);
    const stored = unmaskCrc32c(view.getUint32(offset + size + 1, true));
    const actual = crc32c(this.bytes, offset, offset + size + 1);
    if (stored !== actual) {
      throw ckptError(
        'bad-checksum',
        `block CRC-32C mismatch: stored ${hex(stored)}, computed ${hex(actual)} (the file is corrupt)`,
        this.file,
        place,
      );
    }
    const raw = this.bytes.subarray(offset, offset + size);
    if (type === BlockType.NONE) return new Block(raw, this.file, place);
    if (type === BlockType.SNAPPY) {
      this.compressedBlocks++;
      const data = snappyUncompress(raw, { ...(this.file === undefined ? {} : { file: this.file }), where: place });
      return new Block(data, this.file, `${place} (decompressed)`);
    }
    throw ckptError('bad-table', `unknown block compression type ${type} (0 none, 1 Snappy)`, this.file, place);
  }

  /** Data block `i`, read and checked once. */
  block(i: number): Block {
    let b = this.cache.get(i);
    if (!b) {
      const entry = this.blocks[i]!;
      b = this.readBlock(entry.handle, `data block ${i} at byte ${entry.handle.offset}`);
      const last = b.entries[b.entries.length - 1];
      if (last && compareBytes(last.key, entry.key) > 0) {
        throw ckptError(
          'bad-table',
          `key ${showKey(last.key)} is past its index separator ${showKey(entry.key)}`,
          this.file,
          `data block ${i} at byte ${entry.handle.offset}`,
        );
      }
      const prevSep = i > 0 ? this.blocks[i - 1]!.key : undefined;
      const first = b.entries[0];
      if (first && prevSep && compareBytes(first.key, prevSep) <= 0) {
        throw ckptError(
          'bad-table',
          `key ${showKey(first.key)} is not after the previous block's separator ${showKey(prevSep)}`,
          this.file,
          `data block ${i} at byte ${entry.handle.offset}`,
        );
      }
      this.cache.set(i, b);
    }
    return b;
  }

  /** Every entry in key order (reads every data block). */
  *entries(): IterableIterator<BlockEntry> {
    for (let i = 0; i < this.blocks.length; i++) yield* this.block(i).entries;
  }

  /** The value stored under `key`, or undefined. */
  get(key: string | Uint8Array): Uint8Array | undefined {
    const k = keyBytes(key);
    // First block whose separator is >= key.
    let lo = 0;
    let hi = this.blocks.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compareBytes(this.blocks[mid]!.key, k) < 0) lo = mid + 1;
      else hi = mid;
    }
    if (lo >= this.blocks.length) return undefined;
    const block = this.block(lo);
    const i = block.lowerBound(k);
    const e = block.entries[i];
    return e && compareBytes(e.key, k) === 0 ? e.value : undefined;
  }

  /** Drops decoded blocks (they are re-read on demand). */
  release(): void {
    this.cache.clear();
  }
}

function hex(n: number): string {
  return `0x${n.toString(16).padStart(8, '0')}`;
}
