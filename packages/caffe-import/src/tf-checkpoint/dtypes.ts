/**
 * TensorFlow's `DataType` enum (`tensorflow/core/framework/types.proto`) and the element types
 * this reader decodes: float32, float64, int32 and int64 (step counters), little- or big-endian.
 */

/** `DataType` numbers by name (types.proto; the `_REF` variants are 100 more). */
export const DT = {
  INVALID: 0,
  FLOAT: 1,
  DOUBLE: 2,
  INT32: 3,
  UINT8: 4,
  INT16: 5,
  INT8: 6,
  STRING: 7,
  COMPLEX64: 8,
  INT64: 9,
  BOOL: 10,
  QINT8: 11,
  QUINT8: 12,
  QINT32: 13,
  BFLOAT16: 14,
  QINT16: 15,
  QUINT16: 16,
  UINT16: 17,
  COMPLEX128: 18,
  HALF: 19,
  RESOURCE: 20,
  VARIANT: 21,
  UINT32: 22,
  UINT64: 23,
} as const;

/** The element types read into typed arrays. */
export type TfDtype = 'float32' | 'float64' | 'int32' | 'int64';

/** Values of a decoded tensor, row-major. */
export type TfTensorData = Float32Array | Float64Array | Int32Array | BigInt64Array;

const NAMES: string[] = [];
for (const [name, value] of Object.entries(DT)) NAMES[value] = `DT_${name}`;

/** `DT_FLOAT`, `DT_INT64`, … or `DataType <n>` for numbers this table does not know. */
export function dtypeName(dtype: number): string {
  const base = dtype > 100 && dtype < 200 ? dtype - 100 : dtype;
  const name = NAMES[base];
  return name ? `${name}${base === dtype ? '' : '_REF'}` : `DataType ${dtype}`;
}

/** The readable element type of a `DataType` number (`_REF` folded), or undefined. */
export function tfDtype(dtype: number): TfDtype | undefined {
  const base = dtype > 100 && dtype < 200 ? dtype - 100 : dtype;
  switch (base) {
    case DT.FLOAT:
      return 'float32';
    case DT.DOUBLE:
      return 'float64';
    case DT.INT32:
      return 'int32';
    case DT.INT64:
      return 'int64';
    default:
      return undefined;
  }
}

/** The `DataType` number of an element type. */
export function dtypeNumber(dtype: TfDtype): number {
  return { float32: DT.FLOAT, float64: DT.DOUBLE, int32: DT.INT32, int64: DT.INT64 }[dtype];
}

/** Bytes per element. */
export function dtypeSize(dtype: TfDtype): number {
  return dtype === 'float32' || dtype === 'int32' ? 4 : 8;
}

/** A new zeroed array of `n` elements. */
export function allocate(dtype: TfDtype, n: number): TfTensorData {
  switch (dtype) {
    case 'float32':
      return new Float32Array(n);
    case 'float64':
      return new Float64Array(n);
    case 'int32':
      return new Int32Array(n);
    case 'int64':
      return new BigInt64Array(n);
  }
}

const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/**
 * Decodes raw tensor bytes (the V2 data file's or a TensorProto's `tensor_content`). With
 * `view` and a little-endian file on a little-endian host, the result is a view of `bytes` when
 * its offset is aligned (no copy); otherwise the values are copied (and byte-swapped for
 * big-endian files).
 */
export function decodeRaw(bytes: Uint8Array, dtype: TfDtype, littleEndian: boolean, view: boolean): TfTensorData {
  const size = dtypeSize(dtype);
  const n = bytes.length / size;
  if (littleEndian === LITTLE_ENDIAN_HOST) {
    if (view && bytes.byteOffset % size === 0) {
      const { buffer, byteOffset } = bytes;
      switch (dtype) {
        case 'float32':
          return new Float32Array(buffer, byteOffset, n);
        case 'float64':
          return new Float64Array(buffer, byteOffset, n);
        case 'int32':
          return new Int32Array(buffer, byteOffset, n);
        case 'int64':
          return new BigInt64Array(buffer, byteOffset, n);
      }
    }
    const copy = allocate(dtype, n);
    new Uint8Array(copy.buffer).set(bytes);
    return copy;
  }
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  const le = littleEndian;
  switch (dtype) {
    case 'float32': {
      const a = new Float32Array(n);
      for (let i = 0; i < n; i++) a[i] = dv.getFloat32(4 * i, le);
      return a;
    }
    case 'float64': {
      const a = new Float64Array(n);
      for (let i = 0; i < n; i++) a[i] = dv.getFloat64(8 * i, le);
      return a;
    }
    case 'int32': {
      const a = new Int32Array(n);
      for (let i = 0; i < n; i++) a[i] = dv.getInt32(4 * i, le);
      return a;
    }
    case 'int64': {
      const a = new BigInt64Array(n);
      for (let i = 0; i < n; i++) a[i] = dv.getBigInt64(8 * i, le);
      return a;
    }
  }
}

/** Little-endian bytes of a typed array (a view on little-endian hosts). */
export function encodeRaw(data: TfTensorData): Uint8Array {
  if (LITTLE_ENDIAN_HOST) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  const out = new Uint8Array(data.byteLength);
  const dv = new DataView(out.buffer);
  const size = data.BYTES_PER_ELEMENT;
  for (let i = 0; i < data.length; i++) {
    if (data instanceof Float32Array) dv.setFloat32(i * size, data[i]!, true);
    else if (data instanceof Float64Array) dv.setFloat64(i * size, data[i]!, true);
    else if (data instanceof Int32Array) dv.setInt32(i * size, data[i]!, true);
    else dv.setBigInt64(i * size, data[i]!, true);
  }
  return out;
}
