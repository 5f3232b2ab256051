/**
 * Hand-written wire decoding and encoding of TensorFlow's tensor messages, by their field numbers
 * in `tensorflow/core/framework/tensor_shape.proto` (TensorShapeProto: `dim` 2 {`size` 1, `name`
 * 2}, `unknown_rank` 3), `tensor_slice.proto` (TensorSliceProto: `extent` 1 {`start` 1, `length`
 * 2}) and `tensor.proto` (TensorProto: `dtype` 1, `tensor_shape` 2, `version_number` 3,
 * `tensor_content` 4, `float_val` 5, `double_val` 6, `int_val` 7, `string_val` 8, `int64_val` 10,
 * `bool_val` 11, `half_val` 13). Repeated numbers are accepted packed and unpacked. Nothing is
 * allocated from a declared count: arrays are sized from the bytes actually present.
 */
import { CaffeImportError } from '../errors';
import { WireReader, WireType } from '../wire/reader';
import { ByteSink } from './byte-sink';
import { allocate, decodeRaw, dtypeName, dtypeNumber, dtypeSize, type TfDtype, type TfTensorData } from './dtypes';
import { ckptError } from './fail';

/** One extent of a slice: everything (`length` undefined) or `[start, start + length)`. */
export interface SliceExtent {
  start: number;
  /** Undefined: the whole dimension. */
  length?: number;
}

/**
 * Runs `decode` over `bytes` with a WireReader; wire-level errors get `file` and `where`
 * prefixed with `place` (e.g. `entry "conv1/weights"`).
 */
export function decodeMessage<T>(bytes: Uint8Array, file: string | undefined, place: string, decode: (r: WireReader) => T): T {
  try {
    return decode(new WireReader(bytes, 0, bytes.length));
  } catch (error) {
    if (error instanceof CaffeImportError && error.file === undefined) {
      // Wire-level errors say `byte N` (of the message); others already name their place.
      const where =
        error.where === undefined ? place : error.where.startsWith('byte ') ? `${place}, ${error.where} of its value` : error.where;
      throw ckptError(error.code, error.detail, file, where);
    }
    throw error;
  }
}

/** The reader of a nested message field (the length-delimited payload at the current position). */
export function nested(r: WireReader): WireReader {
  const [start, end] = r.lengthDelimited();
  return new WireReader(r.bytes, start, end, r.file);
}

/** Reads a fixed32 as an unsigned integer. */
export function uint32(r: WireReader): number {
  if (r.end - r.pos < 4) throw r.error('truncated', 'fixed32 value runs past the end');
  const v = r.view().getUint32(r.pos, true);
  r.pos += 4;
  return v;
}

/** TensorShapeProto → dims. `unknown_rank` and unknown (-1) dimensions are errors. */
export function decodeShape(r: WireReader): number[] {
  const dims: number[] = [];
  while (r.more()) {
    const at = r.pos;
    const [field, wire] = r.tag();
    if (field === 2) {
      r.expect(wire, WireType.LENGTH_DELIMITED, 'TensorShapeProto.dim', at);
      const d = nested(r);
      let size = 0;
      while (d.more()) {
        const dAt = d.pos;
        const [f, w] = d.tag();
        if (f === 1) {
          d.expect(w, WireType.VARINT, 'Dim.size', dAt);
          size = d.varint();
        } else d.skip(w, f, dAt);
      }
      if (size < 0) throw r.error('shape-mismatch', `dimension ${dims.length} has unknown size ${size}`, at);
      dims.push(size);
    } else if (field === 3) {
      r.expect(wire, WireType.VARINT, 'TensorShapeProto.unknown_rank', at);
      if (r.varint() !== 0) throw r.error('shape-mismatch', 'the shape has unknown rank', at);
    } else r.skip(wire, field, at);
  }
  return dims;
}

/** TensorSliceProto → extents. */
export function decodeSlice(r: WireReader): SliceExtent[] {
  const extents: SliceExtent[] = [];
  while (r.more()) {
    const at = r.pos;
    const [field, wire] = r.tag();
    if (field !== 1) {
      r.skip(wire, field, at);
      continue;
    }
    r.expect(wire, WireType.LENGTH_DELIMITED, 'TensorSliceProto.extent', at);
    const e = nested(r);
    let start = 0;
    let length: number | undefined;
    while (e.more()) {
      const eAt = e.pos;
      const [f, w] = e.tag();
      if (f === 1) {
        e.expect(w, WireType.VARINT, 'Extent.start', eAt);
        start = e.varint();
      } else if (f === 2) {
        e.expect(w, WireType.VARINT, 'Extent.length', eAt);
        length = e.varint();
      } else e.skip(w, f, eAt);
    }
    // A missing or -1 length means the whole dimension (tensor_slice.proto).
    extents.push(length === undefined || length === -1 ? { start: 0 } : { start, length });
  }
  return extents;
}

/** Elements of a shape; throws when the product is not a safe integer. */
export function elementCount(shape: readonly number[], file: string | undefined, where: string): number {
  let n = 1;
  for (const d of shape) {
    n *= d;
    if (!Number.isSafeInteger(n)) throw ckptError('bad-checkpoint', `shape [${shape.join(',')}] has too many elements`, file, where);
  }
  return n;
}

/** The fields of a TensorProto that carry values, as found. */
interface TensorValueParts {
  dtype: number;
  shape?: number[];
  content?: [number, number];
  /** Packed chunks [start, end) and unpacked single values' offsets, per value field. */
  chunks: Map<number, Array<[number, number]>>;
  singles: Map<number, number[]>;
}

const VALUE_FIELDS: ReadonlyMap<number, { name: string; dtype?: TfDtype; wire: number }> = new Map([
  [5, { name: 'float_val', dtype: 'float32', wire: WireType.FIXED32 }],
  [6, { name: 'double_val', dtype: 'float64', wire: WireType.FIXED64 }],
  [7, { name: 'int_val', dtype: 'int32', wire: WireType.VARINT }],
  [8, { name: 'string_val', wire: WireType.LENGTH_DELIMITED }],
  [9, { name: 'scomplex_val', wire: WireType.FIXED32 }],
  [10, { name: 'int64_val', dtype: 'int64', wire: WireType.VARINT }],
  [11, { name: 'bool_val', wire: WireType.VARINT }],
  [12, { name: 'dcomplex_val', wire: WireType.FIXED64 }],
  [13, { name: 'half_val', wire: WireType.VARINT }],
]);

function scanTensorProto(r: WireReader): TensorValueParts {
  const parts: TensorValueParts = { dtype: 0, chunks: new Map(), singles: new Map() };
  while (r.more()) {
    const at = r.pos;
    const [field, wire] = r.tag();
    const spec = VALUE_FIELDS.get(field);
    if (field === 1) {
      r.expect(wire, WireType.VARINT, 'TensorProto.dtype', at);
      parts.dtype = r.varint();
    } else if (field === 2) {
      r.expect(wire, WireType.LENGTH_DELIMITED, 'TensorProto.tensor_shape', at);
      parts.shape = decodeShape(nested(r));
    } else if (field === 4) {
      r.expect(wire, WireType.LENGTH_DELIMITED, 'TensorProto.tensor_content', at);
      parts.content = r.lengthDelimited();
    } else if (spec && wire === WireType.LENGTH_DELIMITED && spec.wire !== WireType.LENGTH_DELIMITED) {
      const list = parts.chunks.get(field) ?? [];
      list.push(r.lengthDelimited());
      parts.chunks.set(field, list);
    } else if (spec && wire === spec.wire) {
      const list = parts.singles.get(field) ?? [];
      list.push(r.pos);
      parts.singles.set(field, list);
      r.skip(wire, field, at);
    } else if (spec) {
      r.expect(wire, spec.wire, `TensorProto.${spec.name}`, at);
    } else r.skip(wire, field, at);
  }
  return parts;
}

/** A varint as a signed 64-bit BigInt (two's complement), bounds-checked. */
function varint64(r: WireReader): bigint {
  const start = r.pos;
  let v = 0n;
  for (let shift = 0n; shift < 70n; shift += 7n) {
    if (r.pos >= r.end) throw r.error('truncated', 'varint runs past the end of its message', start);
    const b = r.bytes[r.pos++]!;
    v |= BigInt(b & 0x7f) << shift;
    if (b < 0x80) return BigInt.asIntN(64, v);
  }
  throw r.error('bad-wire-type', 'varint longer than 10 bytes', start);
}

/** Decodes the varints of packed chunks and single values into `out` (int32: low 32 bits, as protobuf). */
function readVarints(r: WireReader, chunks: Array<[number, number]>, singles: number[], out: Int32Array | BigInt64Array): number {
  let n = 0;
  const put = (c: WireReader) => {
    const v = varint64(c);
    if (n < out.length) {
      if (out instanceof Int32Array) out[n] = Number(BigInt.asIntN(32, v));
      else out[n] = v;
    }
    n++;
  };
  for (const [start, end] of chunks) {
    const c = new WireReader(r.bytes, start, end, r.file);
    while (c.more()) put(c);
  }
  for (const pos of singles) put(new WireReader(r.bytes, pos, r.end, r.file));
  return n;
}

/**
 * How values stored contiguously in a buffer are returned: `view` (a view when aligned, else a
 * copy), `copy` (always a copy), `in-place` (a view, after moving misaligned bytes down by up to
 * 7 bytes inside `bytes`, over bytes of the same message that precede them: `bytes` is consumed).
 */
export type ValuesMode = 'view' | 'copy' | 'in-place';

function contiguous(bytes: Uint8Array, s: number, e: number, dtype: TfDtype, mode: ValuesMode): TfTensorData {
  if (mode === 'copy') return decodeRaw(bytes.subarray(s, e), dtype, true, false);
  const shift = (bytes.byteOffset + s) % dtypeSize(dtype);
  if (shift !== 0 && mode === 'in-place' && s >= shift) {
    bytes.copyWithin(s - shift, s, e);
    return decodeRaw(bytes.subarray(s - shift, e - shift), dtype, true, true);
  }
  return decodeRaw(bytes.subarray(s, e), dtype, true, true);
}

/**
 * The values of a TensorProto of element type `dtype` (taken from the proto's own `dtype` when
 * set, else from the caller, as V1 checkpoints leave it out) that must hold exactly `count`
 * elements.
 *
 * @throws CaffeImportError `shape-mismatch` when the proto holds another number of values,
 * `unsupported` for other element types or representations, `bad-checkpoint` when its dtype
 * contradicts `dtype`.
 */
export function decodeTensorValues(
  r: WireReader,
  dtype: TfDtype,
  count: number,
  place: () => string,
  mode: ValuesMode = 'view',
): TfTensorData {
  const parts = scanTensorProto(r);
  const fail = (code: 'shape-mismatch' | 'unsupported' | 'bad-checkpoint', message: string) => ckptError(code, message, r.file, place());
  if (parts.dtype !== 0 && dtypeName(parts.dtype) !== dtypeName(dtypeNumber(dtype))) {
    throw fail(
      'bad-checkpoint',
      `TensorProto has dtype ${dtypeName(parts.dtype)}, the checkpoint declares ${dtypeName(dtypeNumber(dtype))}`,
    );
  }
  if (parts.shape) {
    const n = parts.shape.reduce((a, b) => a * b, 1);
    if (n !== count)
      throw fail('shape-mismatch', `TensorProto shape [${parts.shape.join(',')}] has ${n} elements, the slice needs ${count}`);
  }
  const size = dtypeSize(dtype);
  if (parts.content) {
    const [s, e] = parts.content;
    if (e - s !== count * size) {
      throw fail('shape-mismatch', `tensor_content has ${e - s} bytes, ${count} ${dtype} values need ${count * size}`);
    }
    return contiguous(r.bytes, s, e, dtype, mode);
  }
  const present = [...new Set([...parts.chunks.keys(), ...parts.singles.keys()])];
  const field = [...VALUE_FIELDS].find(([, spec]) => spec.dtype === dtype)![0];
  const other = present.find((f) => f !== field);
  if (other !== undefined) {
    throw fail(
      'unsupported',
      `TensorProto holds ${VALUE_FIELDS.get(other)!.name} values, a ${dtype} tensor needs ${VALUE_FIELDS.get(field)!.name}`,
    );
  }
  const chunks = parts.chunks.get(field) ?? [];
  const singles = parts.singles.get(field) ?? [];
  if (dtype === 'float32' || dtype === 'float64') {
    const have = chunks.reduce((n, [s, e]) => n + (e - s), 0);
    if (have % size !== 0) throw fail('bad-checkpoint', `packed ${dtype} values occupy ${have} bytes, not a multiple of ${size}`);
    const total = have / size + singles.length;
    if (total !== count) throw fail('shape-mismatch', `TensorProto holds ${total} value(s), the shape needs ${count}`);
    // One packed run (what TensorFlow writes): no gathering needed.
    if (chunks.length === 1 && singles.length === 0) return contiguous(r.bytes, chunks[0]![0], chunks[0]![1], dtype, mode);
    const bytes = new Uint8Array(count * size);
    let at = 0;
    for (const [s, e] of chunks) {
      bytes.set(r.bytes.subarray(s, e), at);
      at += e - s;
    }
    for (const pos of singles) {
      bytes.set(r.bytes.subarray(pos, pos + size), at);
      at += size;
    }
    return decodeRaw(bytes, dtype, true, true);
  }
  // Varints: at least one byte each, so the bytes present bound the count before allocating.
  const maxValues = chunks.reduce((n, [s, e]) => n + (e - s), 0) + singles.length;
  if (maxValues < count) throw fail('shape-mismatch', `TensorProto holds at most ${maxValues} value(s), the shape needs ${count}`);
  const out = allocate(dtype, count) as Int32Array | BigInt64Array;
  const n = readVarints(r, chunks, singles, out);
  if (n !== count) throw fail('shape-mismatch', `TensorProto holds ${n} value(s), the shape needs ${count}`);
  return out;
}

/** Appends a varint field (non-negative value). */
export function putVarintField(out: ByteSink, field: number, value: number): void {
  out.varint(field << 3);
  out.varint(value);
}

/** Appends a length-delimited field. */
export function putBytesField(out: ByteSink, field: number, bytes: Uint8Array): void {
  out.varint((field << 3) | WireType.LENGTH_DELIMITED);
  out.varint(bytes.length);
  out.bytes(bytes);
}

/** A TensorShapeProto (a `dim` per dimension; size 0 left out, as proto3 does). */
export function encodeShape(shape: readonly number[]): Uint8Array {
  const out = new ByteSink(8 + 6 * shape.length);
  const dim = new ByteSink(12);
  for (const d of shape) {
    dim.clear();
    if (d) putVarintField(dim, 1, d);
    putBytesField(out, 2, dim.view());
  }
  return out.toBytes();
}

/** A TensorSliceProto (whole dimensions as empty extents, as TensorFlow writes them). */
export function encodeSlice(extents: readonly SliceExtent[]): Uint8Array {
  const out = new ByteSink(8 + 8 * extents.length);
  const ext = new ByteSink(24);
  for (const e of extents) {
    ext.clear();
    if (e.length !== undefined) {
      if (e.start) putVarintField(ext, 1, e.start);
      putVarintField(ext, 2, e.length);
    }
    putBytesField(out, 1, ext.view());
  }
  return out.toBytes();
}
