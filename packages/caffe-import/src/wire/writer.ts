/**
 * A protobuf wire-format writer, written separately from the reader (sizes are computed first,
 * then every byte is written once into one buffer). Used to make `.caffemodel` files for tests,
 * benchmarks and the demo.
 */

/** A field to write. Messages nest; sizes are computed before writing. */
export type WireField =
  | { field: number; kind: 'varint'; value: number }
  | { field: number; kind: 'bytes'; value: Uint8Array }
  | { field: number; kind: 'string'; value: string }
  | { field: number; kind: 'message'; value: WireMessage }
  | { field: number; kind: 'packed-varints'; value: readonly number[] }
  | { field: number; kind: 'packed-floats'; value: Float32Array }
  | { field: number; kind: 'floats'; value: Float32Array }
  | { field: number; kind: 'packed-doubles'; value: Float32Array | Float64Array }
  | { field: number; kind: 'doubles'; value: Float32Array | Float64Array }
  | { field: number; kind: 'fixed32'; value: number }
  | { field: number; kind: 'fixed64'; value: number };

/** A message: fields in the order they are written. */
export interface WireMessage {
  fields: WireField[];
  /** Cached payload size. */
  size?: number;
}

const textEncoder = new TextEncoder();
const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** Bytes of a varint for a non-negative integer < 2^53, or a negative one (10 bytes). */
function varintSize(value: number): number {
  if (value < 0) return 10;
  let n = 1;
  while (value >= 128) {
    value = Math.floor(value / 128);
    n++;
  }
  return n;
}

function tagSize(field: number): number {
  return varintSize(field * 8);
}

function stringBytes(f: WireField & { kind: 'string' }): Uint8Array {
  return textEncoder.encode(f.value);
}

function payloadSize(f: WireField): number {
  switch (f.kind) {
    case 'varint':
      return varintSize(f.value);
    case 'bytes':
      return f.value.length;
    case 'string':
      return stringBytes(f).length;
    case 'message':
      return messageSize(f.value);
    case 'packed-varints':
      return f.value.reduce((n, v) => n + varintSize(v), 0);
    case 'packed-floats':
      return f.value.length * 4;
    case 'packed-doubles':
      return f.value.length * 8;
    default:
      return 0;
  }
}

function fieldSize(f: WireField): number {
  switch (f.kind) {
    case 'varint':
      return tagSize(f.field) + varintSize(f.value);
    case 'fixed32':
      return tagSize(f.field) + 4;
    case 'fixed64':
      return tagSize(f.field) + 8;
    case 'floats':
      return f.value.length * (tagSize(f.field) + 4);
    case 'doubles':
      return f.value.length * (tagSize(f.field) + 8);
    default: {
      const n = payloadSize(f);
      return tagSize(f.field) + varintSize(n) + n;
    }
  }
}

/** Payload size of a message (without its own tag and length). */
export function messageSize(m: WireMessage): number {
  if (m.size === undefined) m.size = m.fields.reduce((n, f) => n + fieldSize(f), 0);
  return m.size;
}

class Out {
  pos = 0;
  readonly view: DataView;
  constructor(readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  varint(value: number): void {
    if (value < 0) {
      // Two's complement over 64 bits, 10 bytes (as protobuf writes negative int32/int64).
      let lo = value >>> 0;
      let hi = Math.floor(value / 4294967296) >>> 0;
      for (let i = 0; i < 9; i++) {
        this.bytes[this.pos++] = (lo & 0x7f) | 0x80;
        lo = ((lo >>> 7) | (hi << 25)) >>> 0;
        hi >>>= 7;
      }
      this.bytes[this.pos++] = lo & 0x01;
      return;
    }
    while (value >= 128) {
      this.bytes[this.pos++] = (value % 128) | 0x80;
      value = Math.floor(value / 128);
    }
    this.bytes[this.pos++] = value;
  }

  tag(field: number, wire: number): void {
    this.varint(field * 8 + wire);
  }

  message(m: WireMessage): void {
    for (const f of m.fields) this.field(f);
  }

  field(f: WireField): void {
    switch (f.kind) {
      case 'varint':
        this.tag(f.field, 0);
        this.varint(f.value);
        return;
      case 'fixed32':
        this.tag(f.field, 5);
        this.view.setFloat32(this.pos, f.value, true);
        this.pos += 4;
        return;
      case 'fixed64':
        this.tag(f.field, 1);
        this.view.setFloat64(this.pos, f.value, true);
        this.pos += 8;
        return;
      case 'floats':
        for (const v of f.value) {
          this.tag(f.field, 5);
          this.view.setFloat32(this.pos, v, true);
          this.pos += 4;
        }
        return;
      case 'doubles':
        for (const v of f.value) {
          this.tag(f.field, 1);
          this.view.setFloat64(this.pos, v, true);
          this.pos += 8;
        }
        return;
      default:
        break;
    }
    this.tag(f.field, 2);
    this.varint(payloadSize(f));
    switch (f.kind) {
      case 'bytes':
        this.bytes.set(f.value, this.pos);
        this.pos += f.value.length;
        return;
      case 'string': {
        const b = stringBytes(f);
        this.bytes.set(b, this.pos);
        this.pos += b.length;
        return;
      }
      case 'message':
        this.message(f.value);
        return;
      case 'packed-varints':
        for (const v of f.value) this.varint(v);
        return;
      case 'packed-floats': {
        const data = f.value;
        if (LITTLE_ENDIAN_HOST) this.bytes.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), this.pos);
        else for (let i = 0; i < data.length; i++) this.view.setFloat32(this.pos + 4 * i, data[i]!, true);
        this.pos += data.length * 4;
        return;
      }
      case 'packed-doubles': {
        const data = f.value;
        for (let i = 0; i < data.length; i++) this.view.setFloat64(this.pos + 8 * i, data[i]!, true);
        this.pos += data.length * 8;
        return;
      }
    }
  }
}

/** Serializes a message (the top level: no tag or length) into a new buffer. */
export function encodeMessage(m: WireMessage): Uint8Array {
  const out = new Out(new Uint8Array(messageSize(m)));
  out.message(m);
  if (out.pos !== out.bytes.length) throw new Error(`wire writer size mismatch: wrote ${out.pos} of ${out.bytes.length} bytes`);
  return out.bytes;
}
