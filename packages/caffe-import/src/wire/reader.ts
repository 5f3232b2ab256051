/**
 * A bounds-checked protobuf wire-format reader over a byte range. Every length is checked against
 * the bytes that remain before anything is read or allocated; every error names the byte offset.
 */
import { CaffeImportError } from '../errors';

/** Protobuf wire types. */
export const WireType = { VARINT: 0, FIXED64: 1, LENGTH_DELIMITED: 2, START_GROUP: 3, END_GROUP: 4, FIXED32: 5 } as const;

const WIRE_TYPE_NAMES = ['varint', 'fixed64', 'length-delimited', 'start-group', 'end-group', 'fixed32', 'invalid (6)', 'invalid (7)'];

/** The name of a wire type for messages. */
export function wireTypeName(wireType: number): string {
  return WIRE_TYPE_NAMES[wireType] ?? `invalid (${wireType})`;
}

/** Groups nest; a file that nests deeper than this is rejected rather than risking the stack. */
const MAX_GROUP_DEPTH = 64;

/** Reads fields of one message (or sub-range) of `bytes`. `pos` is an absolute byte offset. */
export class WireReader {
  /** Absolute offset of the next byte to read. */
  pos: number;

  constructor(
    /** The whole file (offsets in errors are relative to it). */
    readonly bytes: Uint8Array,
    start: number,
    /** Absolute end (exclusive) of this reader's range. */
    readonly end: number,
    /** File name for errors. */
    readonly file?: string,
  ) {
    this.pos = start;
  }

  private dataView: DataView | undefined;

  /** A DataView over the whole file (absolute offsets), made on first use. */
  view(): DataView {
    return (this.dataView ??= new DataView(this.bytes.buffer, this.bytes.byteOffset, this.bytes.byteLength));
  }

  /** True while bytes remain in this range. */
  more(): boolean {
    return this.pos < this.end;
  }

  /** A typed error at `offset` (default: the current position). */
  error(
    code: 'truncated' | 'bad-wire-type' | 'bad-length' | 'not-caffe' | 'unsupported' | 'shape-mismatch',
    message: string,
    offset = this.pos,
  ): CaffeImportError {
    return new CaffeImportError(code, message, { ...(this.file === undefined ? {} : { file: this.file }), where: `byte ${offset}` });
  }

  /** Low 32 bits of the last varint read by {@link varint}. */
  private lo = 0;

  /**
   * A varint as a JS number: unsigned values up to 2^53 exactly, and 10-byte (sign-extended)
   * negative 64-bit values down to -2^53. Anything else is rejected, since no Caffe size or
   * dimension is that large.
   */
  varint(): number {
    const bytes = this.bytes;
    const start = this.pos;
    const end = this.end;
    let pos = start;
    // Fast path: up to 4 bytes (values < 2^28) with 32-bit arithmetic.
    let lo = 0;
    for (let shift = 0; shift < 28; shift += 7) {
      if (pos >= end) throw this.error('truncated', 'varint runs past the end of its message', start);
      const b = bytes[pos++]!;
      lo |= (b & 0x7f) << shift;
      if (b < 0x80) {
        this.pos = pos;
        this.lo = lo;
        return lo;
      }
    }
    // Byte 5 holds bits 28..34; bytes 6..10 the rest of the high word.
    if (pos >= end) throw this.error('truncated', 'varint runs past the end of its message', start);
    let b = bytes[pos++]!;
    lo |= (b & 0x0f) << 28;
    let hi = (b & 0x7f) >> 4;
    let shift = 3;
    while (b >= 0x80) {
      if (shift > 31) throw this.error('bad-wire-type', 'varint longer than 10 bytes', start);
      if (pos >= end) throw this.error('truncated', 'varint runs past the end of its message', start);
      b = bytes[pos++]!;
      hi |= (b & 0x7f) << shift;
      shift += 7;
    }
    this.pos = pos;
    this.lo = lo;
    const high = hi >>> 0;
    if (high < 0x200000) return high * 4294967296 + (lo >>> 0);
    if (hi < 0 && hi >= -0x200000) return hi * 4294967296 + (lo >>> 0);
    throw this.error('bad-length', 'varint value outside +-2^53', start);
  }

  /** A varint read as a signed 32-bit integer (int32 fields keep the low 32 bits, as protobuf). */
  int32(): number {
    this.varint();
    return this.lo | 0;
  }

  /** A field tag: `[fieldNumber, wireType]`; field 0 is invalid protobuf. */
  tag(): [number, number] {
    const at = this.pos;
    const t = this.varint();
    const field = Math.floor(t / 8);
    const wire = t & 7;
    if (field === 0) throw this.error('bad-wire-type', 'field number 0 is not valid protobuf', at);
    return [field, wire];
  }

  /** Reads a length prefix and returns the absolute `[start, end)` of the payload, checked. */
  lengthDelimited(): [number, number] {
    const at = this.pos;
    const length = this.varint();
    const remaining = this.end - this.pos;
    if (length > remaining) {
      throw this.error('bad-length', `length ${length} runs past the end (${remaining} byte(s) remain)`, at);
    }
    const start = this.pos;
    this.pos += length;
    return [start, start + length];
  }

  /** A UTF-8 string field. */
  string(): string {
    const [start, end] = this.lengthDelimited();
    return utf8.decode(this.bytes.subarray(start, end));
  }

  /** A little-endian float32. */
  float32(): number {
    if (this.end - this.pos < 4) throw this.error('truncated', 'fixed32 value runs past the end', this.pos);
    const p = this.pos;
    this.pos += 4;
    return this.view().getFloat32(p, true);
  }

  /** A little-endian float64. */
  float64(): number {
    if (this.end - this.pos < 8) throw this.error('truncated', 'fixed64 value runs past the end', this.pos);
    const p = this.pos;
    this.pos += 8;
    return this.view().getFloat64(p, true);
  }

  /** Expects `wire` for `field` of `message`; else a `bad-wire-type` error at the tag. */
  expect(wire: number, expected: number, field: string, tagOffset: number): void {
    if (wire !== expected) {
      throw this.error('bad-wire-type', `${field} has wire type ${wireTypeName(wire)}, expected ${wireTypeName(expected)}`, tagOffset);
    }
  }

  /** Skips a field's payload by its wire type (unknown fields, fork-specific params). */
  skip(wire: number, field: number, tagOffset: number, depth = 0): void {
    switch (wire) {
      case WireType.VARINT:
        this.varint();
        return;
      case WireType.FIXED64:
        if (this.end - this.pos < 8) throw this.error('truncated', `fixed64 field ${field} runs past the end`, tagOffset);
        this.pos += 8;
        return;
      case WireType.LENGTH_DELIMITED:
        this.lengthDelimited();
        return;
      case WireType.FIXED32:
        if (this.end - this.pos < 4) throw this.error('truncated', `fixed32 field ${field} runs past the end`, tagOffset);
        this.pos += 4;
        return;
      case WireType.START_GROUP: {
        if (depth >= MAX_GROUP_DEPTH) throw this.error('unsupported', 'groups nested too deeply', tagOffset);
        for (;;) {
          if (!this.more()) throw this.error('truncated', `group ${field} has no end`, tagOffset);
          const at = this.pos;
          const [f, w] = this.tag();
          if (w === WireType.END_GROUP) {
            if (f !== field) throw this.error('bad-wire-type', `group ${field} closed by end-group ${f}`, at);
            return;
          }
          this.skip(w, f, at, depth + 1);
        }
      }
      default:
        throw this.error('bad-wire-type', `field ${field} has wire type ${wireTypeName(wire)}`, tagOffset);
    }
  }
}

const utf8 = new TextDecoder('utf-8');
