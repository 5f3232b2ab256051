import { VocDataError } from './errors';

/** Element types objsel reads from and writes to NumPy files. */
export type NdDtype = 'float32' | 'float64' | 'uint8' | 'int32' | 'int64' | 'uint16' | 'int16' | 'bool';

/** Typed-array storage for each {@link NdDtype} (`bool` as 0/1 bytes, `int64` as BigInt64Array). */
export type NdData = Float32Array | Float64Array | Uint8Array | Int32Array | BigInt64Array | Uint16Array | Int16Array;

/** An n-dimensional array in C (row-major) order. */
export interface NdArray {
  shape: number[];
  dtype: NdDtype;
  data: NdData;
}

/** Arrays {@link writeNpy} accepts; the dtype follows from the typed array. */
export interface NdArrayLike {
  shape: number[];
  data: Float32Array | Uint8Array | Int32Array | Float64Array | Uint16Array | Int16Array | BigInt64Array;
  /** Only to write a `Uint8Array` as `bool` (`|b1`). */
  dtype?: NdDtype;
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

/** NumPy type character + size → our dtype. `f2` (half) is widened to float32 on read. */
const DESCR: Record<string, { dtype: NdDtype; size: number }> = {
  f4: { dtype: 'float32', size: 4 },
  f8: { dtype: 'float64', size: 8 },
  f2: { dtype: 'float32', size: 2 },
  u1: { dtype: 'uint8', size: 1 },
  b1: { dtype: 'bool', size: 1 },
  i4: { dtype: 'int32', size: 4 },
  i8: { dtype: 'int64', size: 8 },
  u2: { dtype: 'uint16', size: 2 },
  i2: { dtype: 'int16', size: 2 },
};

function fail(message: string, file: string | undefined, where?: string): never {
  throw new VocDataError('bad-npy', message, { file, where });
}

/** Parses the Python-literal header dict `{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }`. */
function parseHeader(text: string, file: string | undefined): { descr: string; fortran: boolean; shape: number[] } {
  const descr = /['"]descr['"]\s*:\s*['"]([^'"]*)['"]/.exec(text);
  const fortran = /['"]fortran_order['"]\s*:\s*(True|False)/.exec(text);
  const shape = /['"]shape['"]\s*:\s*\(([^)]*)\)/.exec(text);
  if (!descr || !fortran || !shape) fail(`header is not a NumPy header dict: ${JSON.stringify(text.slice(0, 120))}`, file, 'header');
  const dims = shape[1]!
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map((s) => {
      const cleaned = s.replace(/L$/, ''); // Python 2 longs
      if (!/^\d+$/.test(cleaned)) fail(`bad shape entry ${JSON.stringify(s)}`, file, 'header');
      return Number(cleaned);
    });
  return { descr: descr[1]!, fortran: fortran[1] === 'True', shape: dims };
}

/** IEEE half → float. */
function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * 2 ** -14 * (f / 1024);
  if (e === 31) return f ? NaN : s * Infinity;
  return s * 2 ** (e - 15) * (1 + f / 1024);
}

function allocate(dtype: NdDtype, n: number): NdData {
  switch (dtype) {
    case 'float32':
      return new Float32Array(n);
    case 'float64':
      return new Float64Array(n);
    case 'int32':
      return new Int32Array(n);
    case 'int64':
      return new BigInt64Array(n);
    case 'uint16':
      return new Uint16Array(n);
    case 'int16':
      return new Int16Array(n);
    default:
      return new Uint8Array(n);
  }
}

/** Reorders Fortran-order (column-major) elements into C order. */
function fortranToC<T extends NdData>(src: T, shape: number[]): T {
  const n = src.length;
  const rank = shape.length;
  if (rank < 2) return src;
  const out = new (src.constructor as new (n: number) => T)(n);
  // Strides of the Fortran layout, walked in C order with an odometer.
  const fStride = new Array<number>(rank);
  let s = 1;
  for (let d = 0; d < rank; d++) {
    fStride[d] = s;
    s *= shape[d]!;
  }
  const index = new Array<number>(rank).fill(0);
  let f = 0;
  for (let c = 0; c < n; c++) {
    (out as unknown as number[])[c] = (src as unknown as number[])[f]!;
    for (let d = rank - 1; d >= 0; d--) {
      index[d]!++;
      f += fStride[d]!;
      if (index[d]! < shape[d]!) break;
      f -= fStride[d]! * shape[d]!;
      index[d] = 0;
    }
  }
  return out;
}

/**
 * Reads a NumPy `.npy` file: format versions 1, 2 and 3, little- and big-endian, C and Fortran
 * order (Fortran arrays are returned in C order). Dtypes: float16/32/64 (half widened to float32),
 * bool, uint8, int16, uint16, int32, int64. Anything else, or a short file, is a `bad-npy` error.
 */
export function readNpy(bytes: Uint8Array, file?: string): NdArray {
  if (bytes.length < 10 || MAGIC.some((m, i) => bytes[i] !== m)) fail('not a .npy file (missing \\x93NUMPY magic)', file, 'byte 0');
  const major = bytes[6]!;
  if (major < 1 || major > 3) fail(`unsupported .npy format version ${major}.${bytes[7]}`, file, 'byte 6');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let headerLength: number;
  let headerStart: number;
  if (major === 1) {
    headerLength = view.getUint16(8, true);
    headerStart = 10;
  } else {
    if (bytes.length < 12) fail('truncated header length', file, 'byte 8');
    headerLength = view.getUint32(8, true);
    headerStart = 12;
  }
  const dataStart = headerStart + headerLength;
  if (dataStart > bytes.length) fail(`header of ${headerLength} bytes runs past the end of the file`, file, `byte ${headerStart}`);
  const headerBytes = bytes.subarray(headerStart, dataStart);
  const text = major === 3 ? new TextDecoder('utf-8').decode(headerBytes) : String.fromCharCode(...headerBytes);
  const { descr, fortran, shape } = parseHeader(text, file);
  const m = /^([<>|=])?([a-zA-Z])(\d+)$/.exec(descr);
  const spec = m ? DESCR[`${m[2]}${m[3]}`] : undefined;
  if (!m || !spec) fail(`unsupported dtype '${descr}'`, file, 'header');
  const bigEndian = m[1] === '>';
  let count = 1;
  for (const d of shape) count *= d;
  if (!Number.isSafeInteger(count)) fail(`shape (${shape.join(', ')}) is too large`, file, 'header');
  const need = count * spec.size;
  if (dataStart + need > bytes.length)
    fail(
      `data truncated: shape (${shape.join(', ')}) needs ${need} bytes, file has ${bytes.length - dataStart}`,
      file,
      `byte ${dataStart}`,
    );
  const data = allocate(spec.dtype, count);
  const little = !bigEndian;
  const size = spec.size;
  const key = `${m[2]}${m[3]}`;
  if (size === 1) {
    (data as Uint8Array).set(bytes.subarray(dataStart, dataStart + count));
    if (key === 'b1') for (let i = 0; i < count; i++) (data as Uint8Array)[i] = (data as Uint8Array)[i] ? 1 : 0;
  } else if (little && key !== 'f2' && (dataStart + bytes.byteOffset) % size === 0) {
    new Uint8Array(data.buffer).set(bytes.subarray(dataStart, dataStart + need));
  } else {
    for (let i = 0; i < count; i++) {
      const at = dataStart + i * size;
      switch (key) {
        case 'f4':
          (data as Float32Array)[i] = view.getFloat32(at, little);
          break;
        case 'f8':
          (data as Float64Array)[i] = view.getFloat64(at, little);
          break;
        case 'f2':
          (data as Float32Array)[i] = halfToFloat(view.getUint16(at, little));
          break;
        case 'i4':
          (data as Int32Array)[i] = view.getInt32(at, little);
          break;
        case 'i8':
          (data as BigInt64Array)[i] = view.getBigInt64(at, little);
          break;
        case 'u2':
          (data as Uint16Array)[i] = view.getUint16(at, little);
          break;
        case 'i2':
          (data as Int16Array)[i] = view.getInt16(at, little);
          break;
      }
    }
  }
  return { shape, dtype: spec.dtype, data: fortran ? fortranToC(data, shape) : data };
}

function descrOf(array: NdArrayLike): string {
  const d = array.data;
  if (d instanceof Float32Array) return '<f4';
  if (d instanceof Float64Array) return '<f8';
  if (d instanceof Int32Array) return '<i4';
  if (d instanceof BigInt64Array) return '<i8';
  if (d instanceof Uint16Array) return '<u2';
  if (d instanceof Int16Array) return '<i2';
  if (d instanceof Uint8Array) return array.dtype === 'bool' ? '|b1' : '|u1';
  throw new VocDataError('unsupported', 'writeNpy: unsupported typed array');
}

/** True on little-endian hosts (every platform Node and browsers ship on, but checked anyway). */
const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * Writes a C-order `.npy` (format 1.0, or 2.0 for headers over 64 KiB), little-endian, header
 * padded to a multiple of 64 bytes like NumPy ≥ 1.x does, so NumPy can memory-map it.
 */
export function writeNpy(array: NdArrayLike): Uint8Array {
  const { shape, data } = array;
  let count = 1;
  for (const d of shape) {
    if (!Number.isSafeInteger(d) || d < 0) throw new VocDataError('unsupported', `writeNpy: bad dimension ${d}`);
    count *= d;
  }
  if (count !== data.length)
    throw new VocDataError('unsupported', `writeNpy: shape (${shape.join(', ')}) holds ${count} elements, data has ${data.length}`);
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  const dict = `{'descr': '${descrOf(array)}', 'fortran_order': False, 'shape': ${shapeText}, }`;
  let major = 1;
  let prefix = 10;
  let total = Math.ceil((prefix + dict.length + 1) / 64) * 64;
  if (total - prefix > 0xffff) {
    major = 2;
    prefix = 12;
    total = Math.ceil((prefix + dict.length + 1) / 64) * 64;
  }
  const headerLength = total - prefix;
  const bytes = new Uint8Array(total + data.byteLength);
  bytes.set(MAGIC);
  bytes[6] = major;
  bytes[7] = 0;
  const view = new DataView(bytes.buffer);
  if (major === 1) view.setUint16(8, headerLength, true);
  else view.setUint32(8, headerLength, true);
  const header = `${dict.padEnd(headerLength - 1, ' ')}\n`;
  for (let i = 0; i < header.length; i++) bytes[prefix + i] = header.charCodeAt(i);
  const raw = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (LITTLE_ENDIAN_HOST || data.BYTES_PER_ELEMENT === 1) bytes.set(raw, total);
  else {
    const size = data.BYTES_PER_ELEMENT;
    for (let i = 0; i < raw.length; i += size) for (let k = 0; k < size; k++) bytes[total + i + k] = raw[i + size - 1 - k]!;
  }
  return bytes;
}
