/**
 * One LevelDB-format block (leveldb `table/block.cc`, TensorFlow `tsl/lib/io/block.cc`): entries
 * `shared: varint32, unshared: varint32, value_length: varint32, key_delta, value`, where a key
 * keeps `shared` bytes of the previous key; then the restart array (uint32 offsets of entries
 * that store their whole key, `shared == 0`) and its length (uint32). Every field is checked
 * against the bytes that remain; keys must increase.
 */
import { ckptError, showKey } from './fail';
import { readVarint } from './footer';
import { compareBytes } from './keys';

/** One key/value pair. `value` is a view into the block. */
export interface BlockEntry {
  key: Uint8Array;
  value: Uint8Array;
}

/** A parsed block: its entries in order, decoded once. */
export class Block {
  /** Entries in key order. */
  readonly entries: BlockEntry[];

  /**
   * Parses and checks a block's contents (after decompression).
   *
   * @param data the block contents without its trailer.
   * @param file file name for errors.
   * @param place the block's place for errors, e.g. `data block at byte 1234`.
   * @throws CaffeImportError `bad-table` naming the file, the block and the byte in it.
   */
  constructor(
    readonly data: Uint8Array,
    readonly file: string | undefined,
    readonly place: string,
  ) {
    this.entries = this.parse();
  }

  private fail(message: string, at: number): Error {
    return ckptError('bad-table', message, this.file, `${this.place}, byte ${at}`);
  }

  private parse(): BlockEntry[] {
    const d = this.data;
    const n = d.length;
    if (n < 4) throw this.fail(`a block needs at least 4 bytes (restart count), has ${n}`, 0);
    const view = new DataView(d.buffer, d.byteOffset, n);
    const numRestarts = view.getUint32(n - 4, true);
    const maxRestarts = Math.floor((n - 4) / 4);
    if (numRestarts > maxRestarts) throw this.fail(`restart count ${numRestarts} needs more than the block's ${n} bytes`, n - 4);
    const limit = n - 4 - 4 * numRestarts;
    // An empty block (the metaindex block TensorFlow writes) still has its restart point 0.
    if (limit === 0) return [];
    const restarts: number[] = [];
    for (let i = 0; i < numRestarts; i++) {
      const r = view.getUint32(limit + 4 * i, true);
      if (r >= limit || (i > 0 && r <= restarts[i - 1]!))
        throw this.fail(`restart point ${i} (${r}) is out of order or past the entries`, limit + 4 * i);
      restarts.push(r);
    }
    if (numRestarts === 0) throw this.fail('a block with entries has no restart points', n - 4);
    if (numRestarts > 0 && restarts[0] !== 0) throw this.fail(`the first restart point is ${restarts[0]}, not 0`, limit);
    const entries: BlockEntry[] = [];
    let pos = 0;
    let nextRestart = 0;
    let prev: Uint8Array = new Uint8Array(0);
    const where = () => this.place;
    while (pos < limit) {
      const at = pos;
      let shared: number;
      let unshared: number;
      let valueLength: number;
      [shared, pos] = readVarint(d, pos, limit, this.file, where);
      [unshared, pos] = readVarint(d, pos, limit, this.file, where);
      [valueLength, pos] = readVarint(d, pos, limit, this.file, where);
      const isRestart = nextRestart < restarts.length && restarts[nextRestart] === at;
      if (nextRestart < restarts.length && restarts[nextRestart]! < at) {
        throw this.fail(`restart point ${nextRestart} (${restarts[nextRestart]}) is not at an entry`, at);
      }
      if (isRestart) {
        nextRestart++;
        if (shared !== 0) throw this.fail(`the entry at restart point ${nextRestart - 1} shares ${shared} byte(s) with a previous key`, at);
      }
      if (shared > prev.length) throw this.fail(`entry shares ${shared} byte(s) of a ${prev.length}-byte previous key`, at);
      if (unshared > limit - pos) throw this.fail(`key of ${unshared} byte(s) runs past the entries (${limit - pos} remain)`, at);
      if (valueLength > limit - pos - unshared) {
        throw this.fail(`value of ${valueLength} byte(s) runs past the entries (${limit - pos - unshared} remain)`, at);
      }
      const key = new Uint8Array(shared + unshared);
      key.set(prev.subarray(0, shared));
      key.set(d.subarray(pos, pos + unshared), shared);
      pos += unshared;
      if (entries.length > 0 && compareBytes(key, prev) <= 0) {
        throw this.fail(`key ${showKey(key)} does not follow ${showKey(prev)} in order`, at);
      }
      entries.push({ key, value: d.subarray(pos, pos + valueLength) });
      pos += valueLength;
      prev = key;
    }
    if (nextRestart !== restarts.length)
      throw this.fail(`restart point ${nextRestart} (${restarts[nextRestart]}) is not at an entry`, limit);
    return entries;
  }

  /** Index of the first entry with key >= `key` (entries.length when none). */
  lowerBound(key: Uint8Array): number {
    let lo = 0;
    let hi = this.entries.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compareBytes(this.entries[mid]!.key, key) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
