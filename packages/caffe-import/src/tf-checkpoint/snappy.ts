/**
 * Snappy raw-block decompression, as LevelDB-format tables store compressed blocks (block type
 * 1). Written from the format description in Snappy's `format_description.txt`: a varint
 * uncompressed length, then elements whose tag byte's low two bits say literal (00), copy with a
 * 1-byte (01), 2-byte (10) or 4-byte (11) offset. Every length and offset is checked before it is
 * used; the declared length is checked against what the remaining input could possibly expand
 * to before anything is allocated.
 */
import { CaffeImportError } from '../errors';

/** Where a decompression error is reported: the file and a description of the block. */
export interface SnappyPlace {
  /** File name for errors. */
  file?: string;
  /** The compressed block's place, e.g. `block at byte 1234`. */
  where?: string;
  /** Largest uncompressed size accepted (default 2^31 - 1). */
  maxLength?: number;
}

/** A copy element emits at most 64 bytes for 3 input bytes: no valid stream expands more. */
const MAX_EXPANSION_NUM = 64;
const MAX_EXPANSION_DEN = 3;

function fail(place: SnappyPlace, message: string, offset: number): CaffeImportError {
  const where = `${place.where ? `${place.where}, ` : ''}compressed byte ${offset}`;
  return new CaffeImportError('bad-table', `corrupt Snappy data: ${message}`, {
    ...(place.file === undefined ? {} : { file: place.file }),
    where,
  });
}

/** The uncompressed length a Snappy stream declares, and where its elements start. */
export function snappyUncompressedLength(input: Uint8Array, place: SnappyPlace = {}): { length: number; start: number } {
  let length = 0;
  let pos = 0;
  for (let shift = 0; ; shift += 7) {
    if (pos >= input.length) throw fail(place, 'the length preamble runs past the end', pos);
    if (shift > 28) throw fail(place, 'the length preamble is longer than 5 bytes', 0);
    const b = input[pos++]!;
    length += (b & 0x7f) * 2 ** shift;
    if (b < 0x80) break;
  }
  if (length > 0xffffffff) throw fail(place, `declared length ${length} exceeds 32 bits`, 0);
  return { length, start: pos };
}

/**
 * Decompresses one raw Snappy block.
 *
 * @throws CaffeImportError `bad-table` naming the file, the block and the compressed byte offset
 * when the stream is malformed: a declared length above `maxLength` or beyond what the input can
 * produce, a literal or offset running past the input, a copy from before the start of the output
 * (or offset 0), output overrunning or falling short of the declared length.
 */
export function snappyUncompress(input: Uint8Array, place: SnappyPlace = {}): Uint8Array {
  const { length, start } = snappyUncompressedLength(input, place);
  const maxLength = place.maxLength ?? 0x7fffffff;
  if (length > maxLength) throw fail(place, `declared length ${length} exceeds the limit ${maxLength}`, 0);
  const remaining = input.length - start;
  if (length > Math.floor((remaining * MAX_EXPANSION_NUM) / MAX_EXPANSION_DEN)) {
    throw fail(place, `declared length ${length} is more than ${remaining} compressed byte(s) can hold`, 0);
  }
  const out = new Uint8Array(length);
  const end = input.length;
  let pos = start;
  let op = 0;
  while (pos < end) {
    const at = pos;
    const tag = input[pos++]!;
    const kind = tag & 3;
    if (kind === 0) {
      let len = tag >>> 2;
      if (len >= 60) {
        const extra = len - 59;
        if (pos + extra > end) throw fail(place, 'a literal length runs past the end', at);
        len = 0;
        for (let k = extra - 1; k >= 0; k--) len = len * 256 + input[pos + k]!;
        pos += extra;
      }
      len += 1;
      if (len > end - pos) throw fail(place, `a literal of ${len} byte(s) runs past the end`, at);
      if (len > length - op) throw fail(place, `a literal of ${len} byte(s) overruns the declared length ${length}`, at);
      out.set(input.subarray(pos, pos + len), op);
      pos += len;
      op += len;
      continue;
    }
    let len: number;
    let offset: number;
    if (kind === 1) {
      if (pos + 1 > end) throw fail(place, 'a copy offset runs past the end', at);
      len = ((tag >>> 2) & 7) + 4;
      offset = ((tag >>> 5) << 8) | input[pos]!;
      pos += 1;
    } else if (kind === 2) {
      if (pos + 2 > end) throw fail(place, 'a copy offset runs past the end', at);
      len = (tag >>> 2) + 1;
      offset = input[pos]! | (input[pos + 1]! << 8);
      pos += 2;
    } else {
      if (pos + 4 > end) throw fail(place, 'a copy offset runs past the end', at);
      len = (tag >>> 2) + 1;
      offset = (input[pos]! | (input[pos + 1]! << 8) | (input[pos + 2]! << 16) | (input[pos + 3]! << 24)) >>> 0;
      pos += 4;
    }
    if (offset === 0 || offset > op) throw fail(place, `a copy refers to offset ${offset} with only ${op} byte(s) produced`, at);
    if (len > length - op) throw fail(place, `a copy of ${len} byte(s) overruns the declared length ${length}`, at);
    const from = op - offset;
    if (offset >= len) out.copyWithin(op, from, from + len);
    else for (let k = 0; k < len; k++) out[op + k] = out[from + k]!;
    op += len;
  }
  if (op !== length) throw fail(place, `produced ${op} byte(s), the stream declares ${length}`, end);
  return out;
}
