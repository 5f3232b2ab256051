import { unzlibSync, zlibSync } from 'fflate';
import { VocDataError } from './errors';

/** MATLAB numeric array classes. */
export type MatNumericClass = 'double' | 'single' | 'int8' | 'uint8' | 'int16' | 'uint16' | 'int32' | 'uint32' | 'int64' | 'uint64';

/**
 * A MATLAB value. Numeric data is kept in MATLAB's column-major order as float64 (every
 * integer class up to 2^53 is exact), with its class recorded so a writer can restore it.
 */
export type MatValue =
  | { type: 'numeric'; class: MatNumericClass; dims: number[]; real: Float64Array; imag?: Float64Array; logical?: boolean }
  | { type: 'char'; dims: number[]; text: string }
  | { type: 'struct'; dims: number[]; fields: string[]; elements: Array<Record<string, MatValue>> }
  | { type: 'cell'; dims: number[]; cells: MatValue[] }
  | { type: 'sparse'; dims: number[]; ir: Int32Array; jc: Int32Array; real: Float64Array; logical?: boolean };

// Data types of MAT-file v5 data elements.
const mi = {
  INT8: 1,
  UINT8: 2,
  INT16: 3,
  UINT16: 4,
  INT32: 5,
  UINT32: 6,
  SINGLE: 7,
  DOUBLE: 9,
  INT64: 12,
  UINT64: 13,
  MATRIX: 14,
  COMPRESSED: 15,
  UTF8: 16,
  UTF16: 17,
  UTF32: 18,
} as const;
const MI_SIZE: Record<number, number> = { 1: 1, 2: 1, 3: 2, 4: 2, 5: 4, 6: 4, 7: 4, 9: 8, 12: 8, 13: 8, 16: 1, 17: 2, 18: 4 };
// Array classes (mxCLASS).
const MX_NUMERIC: Record<number, MatNumericClass> = {
  6: 'double',
  7: 'single',
  8: 'int8',
  9: 'uint8',
  10: 'int16',
  11: 'uint16',
  12: 'int32',
  13: 'uint32',
  14: 'int64',
  15: 'uint64',
};
const MX_OF_CLASS: Record<MatNumericClass, number> = {
  double: 6,
  single: 7,
  int8: 8,
  uint8: 9,
  int16: 10,
  uint16: 11,
  int32: 12,
  uint32: 13,
  int64: 14,
  uint64: 15,
};
const MI_OF_CLASS: Record<MatNumericClass, number> = {
  double: mi.DOUBLE,
  single: mi.SINGLE,
  int8: mi.INT8,
  uint8: mi.UINT8,
  int16: mi.INT16,
  uint16: mi.UINT16,
  int32: mi.INT32,
  uint32: mi.UINT32,
  int64: mi.INT64,
  uint64: mi.UINT64,
};

class Reader {
  readonly view: DataView;
  constructor(
    readonly bytes: Uint8Array,
    readonly little: boolean,
    readonly file: string | undefined,
    readonly base: number,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  fail(message: string, at: number): never {
    throw new VocDataError('bad-mat', message, { file: this.file, where: `byte ${this.base + at}` });
  }

  /** Reads a data element tag at `at`: type, payload start, payload length, and where the next element starts. */
  tag(at: number, padded = true): { type: number; start: number; length: number; next: number } {
    if (at + 8 > this.bytes.length) this.fail('truncated data element tag', at);
    const first = this.view.getUint32(at, this.little);
    const small = first >>> 16;
    if (small !== 0) {
      // Small data element: type and length share the first 4 bytes, payload in the next 4.
      if (small > 4) this.fail(`small data element claims ${small} bytes`, at);
      return { type: first & 0xffff, start: at + 4, length: small, next: at + 8 };
    }
    const length = this.view.getUint32(at + 4, this.little);
    const start = at + 8;
    if (start + length > this.bytes.length) this.fail(`data element of ${length} bytes runs past the end`, at);
    const next = padded ? start + Math.ceil(length / 8) * 8 : start + length;
    return { type: first, start, length, next: Math.min(next, this.bytes.length) };
  }

  /** The numbers of a numeric data element, as float64. */
  numbers(type: number, start: number, length: number): Float64Array {
    const size = MI_SIZE[type];
    if (!size || type === mi.UTF8 || type === mi.UTF16 || type === mi.UTF32) this.fail(`data type ${type} is not numeric`, start - 8);
    if (length % size !== 0) this.fail(`length ${length} is not a multiple of ${size}`, start - 8);
    const n = length / size;
    const out = new Float64Array(n);
    const v = this.view;
    const le = this.little;
    for (let i = 0; i < n; i++) {
      const at = start + i * size;
      switch (type) {
        case mi.INT8:
          out[i] = v.getInt8(at);
          break;
        case mi.UINT8:
          out[i] = v.getUint8(at);
          break;
        case mi.INT16:
          out[i] = v.getInt16(at, le);
          break;
        case mi.UINT16:
          out[i] = v.getUint16(at, le);
          break;
        case mi.INT32:
          out[i] = v.getInt32(at, le);
          break;
        case mi.UINT32:
          out[i] = v.getUint32(at, le);
          break;
        case mi.SINGLE:
          out[i] = v.getFloat32(at, le);
          break;
        case mi.DOUBLE:
          out[i] = v.getFloat64(at, le);
          break;
        case mi.INT64:
          out[i] = Number(v.getBigInt64(at, le));
          break;
        case mi.UINT64:
          out[i] = Number(v.getBigUint64(at, le));
          break;
      }
    }
    return out;
  }

  text(type: number, start: number, length: number): string {
    const slice = this.bytes.subarray(start, start + length);
    if (type === mi.UTF8 || type === mi.INT8 || type === mi.UINT8) return new TextDecoder().decode(slice);
    const codes = this.numbers(type === mi.UTF16 ? mi.UINT16 : type, start, length);
    let s = '';
    for (const c of codes) s += String.fromCodePoint(c);
    return s;
  }

  /** Parses an miMATRIX payload `[start, start+length)`; returns its name and value. */
  matrix(start: number, length: number, depth: number): { name: string; value: MatValue } {
    if (depth > 64) this.fail('arrays nested too deeply', start);
    const end = start + length;
    const empty: MatValue = { type: 'numeric', class: 'double', dims: [0, 0], real: new Float64Array(0) };
    if (length === 0) return { name: '', value: empty };
    const flagsTag = this.tag(start);
    if (flagsTag.type !== mi.UINT32 || flagsTag.length < 8) this.fail('missing array flags', start);
    const flagWord = this.view.getUint32(flagsTag.start, this.little);
    const mxClass = flagWord & 0xff;
    const complex = (flagWord & 0x800) !== 0;
    const logical = (flagWord & 0x200) !== 0;
    const dimsTag = this.tag(flagsTag.next);
    if (dimsTag.type !== mi.INT32) this.fail('missing dimensions', flagsTag.next);
    const dims = Array.from(this.numbers(mi.INT32, dimsTag.start, dimsTag.length));
    if (dims.some((d) => d < 0)) this.fail('negative dimension', dimsTag.start);
    const count = dims.reduce((a, b) => a * b, 1);
    const nameTag = this.tag(dimsTag.next);
    if (nameTag.type !== mi.INT8 && nameTag.type !== mi.UINT8 && nameTag.type !== mi.UTF8) this.fail('missing array name', dimsTag.next);
    const name = this.text(mi.INT8, nameTag.start, nameTag.length);
    let at = nameTag.next;
    const child = (): MatValue => {
      const t = this.tag(at);
      if (t.type !== mi.MATRIX) this.fail(`expected a nested array, got data type ${t.type}`, at);
      at = t.next;
      return this.matrix(t.start, t.length, depth + 1).value;
    };
    const numeric = MX_NUMERIC[mxClass];
    if (numeric) {
      const realTag = this.tag(at);
      const real = this.numbers(realTag.type, realTag.start, realTag.length);
      if (real.length !== count) this.fail(`${real.length} values for dimensions ${dims.join('x')}`, at);
      at = realTag.next;
      const value: MatValue = { type: 'numeric', class: numeric, dims, real, ...(logical ? { logical } : {}) };
      if (complex && at < end) {
        const imagTag = this.tag(at);
        value.imag = this.numbers(imagTag.type, imagTag.start, imagTag.length);
      }
      return { name, value };
    }
    switch (mxClass) {
      case 4: {
        const t = this.tag(at);
        return { name, value: { type: 'char', dims, text: this.text(t.type, t.start, t.length) } };
      }
      case 1: {
        // Every cell is a tagged element of at least 8 bytes: more cells than that cannot fit.
        if (count > (end - at) / 8) this.fail(`${count} cells do not fit in ${end - at} bytes`, start);
        const cells: MatValue[] = [];
        for (let i = 0; i < count; i++) cells.push(child());
        return { name, value: { type: 'cell', dims, cells } };
      }
      case 2: {
        const lenTag = this.tag(at);
        const fieldLength = this.numbers(lenTag.type, lenTag.start, lenTag.length)[0] ?? 0;
        at = lenTag.next;
        const namesTag = this.tag(at);
        at = namesTag.next;
        const fields: string[] = [];
        if (fieldLength > 0) {
          for (let o = 0; o + fieldLength <= namesTag.length; o += fieldLength) {
            const raw = this.bytes.subarray(namesTag.start + o, namesTag.start + o + fieldLength);
            const zero = raw.indexOf(0);
            fields.push(new TextDecoder().decode(zero >= 0 ? raw.subarray(0, zero) : raw));
          }
        }
        if (fields.length > 0 ? count * fields.length > (end - at) / 8 : count > 1 << 24)
          this.fail(`struct array of ${count} elements does not fit`, start);
        const elements: Array<Record<string, MatValue>> = [];
        for (let i = 0; i < count; i++) {
          const element: Record<string, MatValue> = {};
          for (const f of fields) element[f] = child();
          elements.push(element);
        }
        return { name, value: { type: 'struct', dims, fields, elements } };
      }
      case 5: {
        const irTag = this.tag(at);
        const jcTag = this.tag(irTag.next);
        const prTag = this.tag(jcTag.next);
        const ir = Int32Array.from(this.numbers(irTag.type, irTag.start, irTag.length));
        const jc = Int32Array.from(this.numbers(jcTag.type, jcTag.start, jcTag.length));
        const real = this.numbers(prTag.type, prTag.start, prTag.length);
        return { name, value: { type: 'sparse', dims, ir, jc, real, ...(logical ? { logical } : {}) } };
      }
      default:
        this.fail(`unsupported array class ${mxClass} (objects and function handles are not read)`, start);
    }
  }
}

/**
 * Reads a MATLAB v5 MAT-file (as SBD's `cls/*.mat` and `inst/*.mat`, and `scipy.io.savemat`
 * write them): compressed (miCOMPRESSED) and plain elements, either byte order; numeric, logical,
 * char, struct, cell and sparse arrays. v7.3 (HDF5) files are an `unsupported` error.
 */
export function readMat(bytes: Uint8Array, file?: string): Map<string, MatValue> {
  if (bytes.length < 128) throw new VocDataError('bad-mat', 'too short for a MAT-file header', { file, where: 'byte 0' });
  const head = new TextDecoder('latin1').decode(bytes.subarray(0, 116));
  if (head.startsWith('MATLAB 7.3'))
    throw new VocDataError('unsupported', 'MAT-file v7.3 (HDF5) is not supported; save with -v7', { file });
  const e0 = bytes[126];
  const e1 = bytes[127];
  let little: boolean;
  if (e0 === 0x49 && e1 === 0x4d) little = true;
  else if (e0 === 0x4d && e1 === 0x49) little = false;
  else throw new VocDataError('bad-mat', 'not a MAT-file v5 (no IM/MI endian marker)', { file, where: 'byte 126' });
  const vars = new Map<string, MatValue>();
  const top = new Reader(bytes, little, file, 0);
  let at = 128;
  while (at + 8 <= bytes.length) {
    const t = top.tag(at, false);
    if (t.type === mi.COMPRESSED) {
      let inner: Uint8Array;
      try {
        inner = unzlibSync(bytes.subarray(t.start, t.start + t.length));
      } catch (error) {
        throw new VocDataError('bad-mat', `compressed element does not inflate (${(error as Error).message})`, {
          file,
          where: `byte ${at}`,
          cause: error,
        });
      }
      const r = new Reader(inner, little, file, t.start);
      const it = r.tag(0);
      if (it.type === mi.MATRIX) {
        const { name, value } = r.matrix(it.start, it.length, 0);
        vars.set(name, value);
      }
      at = t.start + t.length;
    } else {
      if (t.type === mi.MATRIX) {
        const { name, value } = top.matrix(t.start, t.length, 0);
        vars.set(name, value);
      }
      at = t.start + Math.ceil(t.length / 8) * 8;
    }
  }
  return vars;
}

// ---------------------------------------------------------------------------------------------
// Writer

class Writer {
  private chunks: Uint8Array[] = [];
  private size = 0;
  constructor(readonly little = true) {}

  push(b: Uint8Array): void {
    this.chunks.push(b);
    this.size += b.length;
  }

  /** A data element with 8-byte padding; payloads of ≤ 4 bytes use the small element format. */
  element(type: number, payload: Uint8Array, allowSmall = true): void {
    if (allowSmall && payload.length <= 4 && payload.length > 0) {
      const b = new Uint8Array(8);
      const v = new DataView(b.buffer);
      v.setUint32(0, (payload.length << 16) | type, this.little);
      b.set(payload, 4);
      this.push(b);
      return;
    }
    const head = new Uint8Array(8);
    const v = new DataView(head.buffer);
    v.setUint32(0, type, this.little);
    v.setUint32(4, payload.length, this.little);
    this.push(head);
    this.push(payload);
    const pad = (8 - (payload.length % 8)) % 8;
    if (pad) this.push(new Uint8Array(pad));
  }

  bytes(): Uint8Array {
    const out = new Uint8Array(this.size);
    let o = 0;
    for (const c of this.chunks) {
      out.set(c, o);
      o += c.length;
    }
    return out;
  }
}

function encodeNumbers(values: ArrayLike<number>, type: number, little: boolean): Uint8Array {
  const size = MI_SIZE[type]!;
  const b = new Uint8Array(values.length * size);
  const v = new DataView(b.buffer);
  for (let i = 0; i < values.length; i++) {
    const x = values[i]!;
    const at = i * size;
    switch (type) {
      case mi.INT8:
        v.setInt8(at, x);
        break;
      case mi.UINT8:
        v.setUint8(at, x);
        break;
      case mi.INT16:
        v.setInt16(at, x, little);
        break;
      case mi.UINT16:
        v.setUint16(at, x, little);
        break;
      case mi.INT32:
        v.setInt32(at, x, little);
        break;
      case mi.UINT32:
        v.setUint32(at, x, little);
        break;
      case mi.SINGLE:
        v.setFloat32(at, x, little);
        break;
      case mi.DOUBLE:
        v.setFloat64(at, x, little);
        break;
      case mi.INT64:
        v.setBigInt64(at, BigInt(Math.trunc(x)), little);
        break;
      case mi.UINT64:
        v.setBigUint64(at, BigInt(Math.trunc(x)), little);
        break;
    }
  }
  return b;
}

function matrixPayload(name: string, value: MatValue, little: boolean): Uint8Array {
  const w = new Writer(little);
  const flags = new Uint8Array(8);
  const fv = new DataView(flags.buffer);
  let mxClass: number;
  let bits = 0;
  switch (value.type) {
    case 'numeric':
      mxClass = MX_OF_CLASS[value.class];
      if (value.imag) bits |= 0x800;
      if (value.logical) bits |= 0x200;
      break;
    case 'char':
      mxClass = 4;
      break;
    case 'struct':
      mxClass = 2;
      break;
    case 'cell':
      mxClass = 1;
      break;
    case 'sparse':
      mxClass = 5;
      if (value.logical) bits |= 0x200;
      fv.setUint32(4, Math.max(1, value.real.length), little);
      break;
  }
  fv.setUint32(0, bits | mxClass, little);
  w.element(mi.UINT32, flags, false);
  w.element(mi.INT32, encodeNumbers(value.dims, mi.INT32, little), false);
  w.element(mi.INT8, new TextEncoder().encode(name));
  const nested = (v: MatValue) => w.element(mi.MATRIX, matrixPayload('', v, little), false);
  switch (value.type) {
    case 'numeric': {
      const type = value.logical ? mi.UINT8 : MI_OF_CLASS[value.class];
      w.element(type, encodeNumbers(value.real, type, little));
      if (value.imag) w.element(type, encodeNumbers(value.imag, type, little));
      break;
    }
    case 'char': {
      const codes = Array.from(value.text, (c) => c.codePointAt(0)!);
      w.element(mi.UINT16, encodeNumbers(codes, mi.UINT16, little));
      break;
    }
    case 'cell':
      for (const c of value.cells) nested(c);
      break;
    case 'struct': {
      const len = Math.max(...value.fields.map((f) => new TextEncoder().encode(f).length + 1), 1);
      const fieldLength = Math.ceil(len / 8) * 8;
      w.element(mi.INT32, encodeNumbers([fieldLength], mi.INT32, little));
      const names = new Uint8Array(fieldLength * value.fields.length);
      value.fields.forEach((f, i) => {
        names.set(new TextEncoder().encode(f), i * fieldLength);
      });
      w.element(mi.INT8, names, false);
      for (const el of value.elements)
        for (const f of value.fields) nested(el[f] ?? { type: 'numeric', class: 'double', dims: [0, 0], real: new Float64Array(0) });
      break;
    }
    case 'sparse':
      w.element(mi.INT32, encodeNumbers(value.ir, mi.INT32, little), false);
      w.element(mi.INT32, encodeNumbers(value.jc, mi.INT32, little), false);
      w.element(value.logical ? mi.UINT8 : mi.DOUBLE, encodeNumbers(value.real, value.logical ? mi.UINT8 : mi.DOUBLE, little), false);
      break;
  }
  return w.bytes();
}

/**
 * Writes a MATLAB v5 MAT-file that MATLAB, `scipy.io.loadmat` and {@link readMat} open; each
 * variable is zlib-compressed (miCOMPRESSED, as MATLAB's default `-v7`) unless `compress: false`.
 */
export function writeMat(vars: Record<string, MatValue>, options: { compress?: boolean; bigEndian?: boolean } = {}): Uint8Array {
  const little = !options.bigEndian;
  const w = new Writer(little);
  const header = new Uint8Array(128).fill(0x20);
  const text = 'MATLAB 5.0 MAT-file, Platform: objsel, Created by: @objsel/voc-data';
  header.set(new TextEncoder().encode(text));
  header.fill(0, 116, 124);
  const hv = new DataView(header.buffer);
  hv.setUint16(124, 0x0100, little);
  header[126] = little ? 0x49 : 0x4d;
  header[127] = little ? 0x4d : 0x49;
  w.push(header);
  for (const [name, value] of Object.entries(vars)) {
    const m = new Writer(little);
    m.element(mi.MATRIX, matrixPayload(name, value, little), false);
    if (options.compress === false) w.push(m.bytes());
    else {
      const z = zlibSync(m.bytes());
      const head = new Uint8Array(8);
      const v = new DataView(head.buffer);
      v.setUint32(0, mi.COMPRESSED, little);
      v.setUint32(4, z.length, little);
      w.push(head);
      w.push(z);
    }
  }
  return w.bytes();
}

/** A column-major MATLAB H×W numeric matrix as row-major values. */
export function matToRowMajor(value: MatValue, file?: string, what = 'matrix'): { height: number; width: number; data: Float64Array } {
  if (value.type !== 'numeric' || value.dims.length !== 2)
    throw new VocDataError('bad-mat', `${what} is not a 2-D numeric array`, { file, where: what });
  const [h, w] = value.dims as [number, number];
  const out = new Float64Array(h * w);
  for (let c = 0; c < w; c++) for (let r = 0; r < h; r++) out[r * w + c] = value.real[r + c * h]!;
  return { height: h, width: w, data: out };
}

/** A row-major H×W array as a column-major MATLAB numeric matrix of `cls`. */
export function rowMajorToMat(data: ArrayLike<number>, height: number, width: number, cls: MatNumericClass = 'uint8'): MatValue {
  const real = new Float64Array(height * width);
  for (let r = 0; r < height; r++) for (let c = 0; c < width; c++) real[r + c * height] = data[r * width + c]!;
  return { type: 'numeric', class: cls, dims: [height, width], real };
}
