/**
 * The fixed-size tail of a LevelDB-format table (leveldb `table/format.cc`, TensorFlow
 * `tsl/lib/io/format.cc`): two block handles (metaindex, index; each a varint64 offset and a
 * varint64 size) zero-padded to 40 bytes, then the magic number 0xdb4775248b80fb57 as two
 * little-endian uint32s (low word first). Every block is followed by a 5-byte trailer: its
 * compression type and the masked CRC-32C of the block bytes plus that type byte.
 */
import type { ByteSink } from './byte-sink';
import { ckptError } from './fail';

/** Bytes of the footer. */
export const FOOTER_LENGTH = 48;
/** Bytes after each block: compression type (1) + masked CRC-32C (4). */
export const BLOCK_TRAILER_LENGTH = 5;
/** Low and high 32 bits of the table magic number. */
export const MAGIC_LO = 0x8b80fb57;
/** See {@link MAGIC_LO}. */
export const MAGIC_HI = 0xdb477524;

/** True when `bytes` end with a LevelDB-format table footer's magic number (a V1 checkpoint or V2 index), without checking more. */
export function hasTableMagic(bytes: Uint8Array): boolean {
  if (bytes.length < FOOTER_LENGTH) return false;
  const view = new DataView(bytes.buffer, bytes.byteOffset + bytes.length - 8, 8);
  return view.getUint32(0, true) === MAGIC_LO && view.getUint32(4, true) === MAGIC_HI;
}
/** Block compression types. */
export const BlockType = { NONE: 0, SNAPPY: 1 } as const;

/** Where a block is: `[offset, offset + size)`, trailer after it. */
export interface BlockHandle {
  offset: number;
  size: number;
}

/** The decoded footer. */
export interface Footer {
  metaindex: BlockHandle;
  index: BlockHandle;
}

/**
 * Reads a varint64 at `pos` of `bytes` (below `end`) as a number; 64-bit values above 2^53
 * are rejected (no file is that large). Returns the value and the next position, or throws
 * with `what` naming the field.
 */
export function readVarint(bytes: Uint8Array, pos: number, end: number, file: string | undefined, where: () => string): [number, number] {
  let value = 0;
  let scale = 1;
  const start = pos;
  for (let i = 0; i < 10; i++) {
    if (pos >= end) throw ckptError('bad-table', 'a varint runs past the end of its block', file, where());
    const b = bytes[pos++]!;
    value += (b & 0x7f) * scale;
    if (b < 0x80) {
      if (!Number.isSafeInteger(value)) throw ckptError('bad-table', `varint at byte ${start} exceeds 2^53`, file, where());
      return [value, pos];
    }
    scale *= 128;
  }
  throw ckptError('bad-table', `varint at byte ${start} is longer than 10 bytes`, file, where());
}

/**
 * Decodes the footer of a table file.
 *
 * @throws CaffeImportError `truncated` when the file is shorter than a footer, `not-table` on a
 * bad magic number (not a table, or cut short), `bad-table` on bad block handles.
 */
export function readFooter(bytes: Uint8Array, file: string | undefined): Footer {
  const n = bytes.length;
  if (n < FOOTER_LENGTH) {
    throw ckptError('truncated', `${n} byte(s) are too few for a table (its footer alone is ${FOOTER_LENGTH})`, file, `byte ${n}`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, n);
  const lo = view.getUint32(n - 8, true);
  const hi = view.getUint32(n - 4, true);
  if (lo !== MAGIC_LO || hi !== MAGIC_HI) {
    const found = `0x${hi.toString(16).padStart(8, '0')}${lo.toString(16).padStart(8, '0')}`;
    throw ckptError(
      'not-table',
      `not a TensorFlow checkpoint table: bad magic number ${found} (expected 0xdb4775248b80fb57); the file is not a table or is truncated`,
      file,
      `byte ${n - 8}`,
    );
  }
  const start = n - FOOTER_LENGTH;
  const where = () => `footer at byte ${start}`;
  let pos = start;
  const handle = (): BlockHandle => {
    let offset: number;
    let size: number;
    [offset, pos] = readVarint(bytes, pos, n - 8, file, where);
    [size, pos] = readVarint(bytes, pos, n - 8, file, where);
    return { offset, size };
  };
  const metaindex = handle();
  const index = handle();
  for (const [name, h] of [
    ['metaindex', metaindex],
    ['index', index],
  ] as const) {
    if (h.offset + h.size + BLOCK_TRAILER_LENGTH > start) {
      throw ckptError(
        'bad-table',
        `${name} block [${h.offset}, +${h.size}) runs past the data part of the file (${start} bytes)`,
        file,
        where(),
      );
    }
  }
  return { metaindex, index };
}

/** Appends a block handle (two varints). */
export function writeHandle(out: ByteSink, handle: BlockHandle): void {
  out.varint(handle.offset);
  out.varint(handle.size);
}

/** Appends the 48-byte footer. */
export function writeFooter(out: ByteSink, footer: Footer): void {
  const start = out.length;
  writeHandle(out, footer.metaindex);
  writeHandle(out, footer.index);
  while (out.length < start + FOOTER_LENGTH - 8) out.byte(0);
  out.fixed32(MAGIC_LO);
  out.fixed32(MAGIC_HI);
}
