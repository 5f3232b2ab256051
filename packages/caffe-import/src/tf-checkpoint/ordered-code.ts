/**
 * The table key of one stored slice of a tensor, as TensorFlow's `EncodeTensorNameSlice`
 * (`tensorflow/core/util/saved_tensor_slice_util.cc`) builds it with `OrderedCode`
 * (`tensorflow/core/lib/strings/ordered_code.cc`): the number 0, the tensor name, the rank, then
 * per dimension the start and the length (-1 for a whole dimension, with start 0) as signed
 * numbers. Keys of V1 data entries and of V2 partitioned-tensor slices; they start with a 0 byte,
 * so they never collide with tensor names.
 *
 * Encodings, from `ordered_code.cc`'s description:
 * - unsigned number: one length byte, then the value big-endian without leading zero bytes;
 * - string: bytes with 0x00 written as 00 ff and 0xff as ff 00, then the separator 00 01;
 * - signed number: n bytes hold values in [-2^(7n-1), 2^(7n-1)); the value is written
 *   big-endian in two's complement over n bytes, and its top bits are flipped to mark the
 *   length: n-1 bits equal to the sign bit after it (the sign bit is 1 for values >= 0), so the
 *   first n bits of a non-negative value are ones and of a negative value zeros, followed by a
 *   bit of the other kind.
 */
import { ByteSink } from './byte-sink';
import type { SliceExtent } from './tensor-protos';

const utf8 = new TextEncoder();

function writeNumIncreasing(out: ByteSink, value: number): void {
  const bytes: number[] = [];
  let v = BigInt(value);
  while (v > 0n) {
    bytes.unshift(Number(v & 0xffn));
    v >>= 8n;
  }
  out.byte(bytes.length);
  for (const b of bytes) out.byte(b);
}

function writeString(out: ByteSink, s: string): void {
  for (const b of utf8.encode(s)) {
    if (b === 0x00) {
      out.byte(0x00);
      out.byte(0xff);
    } else if (b === 0xff) {
      out.byte(0xff);
      out.byte(0x00);
    } else out.byte(b);
  }
  out.byte(0x00);
  out.byte(0x01);
}

/** Header bits by encoded length (1..10), over the first two bytes. */
const HEADER: ReadonlyArray<readonly [number, number]> = [
  [0, 0],
  [0x80, 0],
  [0xc0, 0],
  [0xe0, 0],
  [0xf0, 0],
  [0xf8, 0],
  [0xfc, 0],
  [0xfe, 0],
  [0xff, 0],
  [0xff, 0x80],
  [0xff, 0xc0],
];

function writeSignedNumIncreasing(out: ByteSink, value: number): void {
  const v = BigInt(value);
  const x = v < 0n ? ~v : v;
  // Bits of x, then length n with 7n - 1 >= bits.
  const bits = x === 0n ? 0 : x.toString(2).length;
  const n = Math.max(1, Math.ceil((bits + 1) / 7));
  // Two's complement over n bytes, big-endian.
  const mod = 1n << BigInt(8 * n);
  let u = ((v % mod) + mod) % mod;
  const bytes = new Array<number>(n);
  for (let i = n - 1; i >= 0; i--) {
    bytes[i] = Number(u & 0xffn);
    u >>= 8n;
  }
  const [h0, h1] = HEADER[n]!;
  bytes[0] = bytes[0]! ^ h0;
  if (n > 1) bytes[1] = bytes[1]! ^ h1;
  for (const b of bytes) out.byte(b);
}

/** The key TensorFlow stores a slice of tensor `name` under. */
export function tensorSliceKey(name: string, extents: readonly SliceExtent[]): Uint8Array {
  const out = new ByteSink(name.length + 8 + 4 * extents.length);
  writeNumIncreasing(out, 0);
  writeString(out, name);
  writeNumIncreasing(out, extents.length);
  for (const e of extents) {
    writeSignedNumIncreasing(out, e.length === undefined ? 0 : e.start);
    writeSignedNumIncreasing(out, e.length === undefined ? -1 : e.length);
  }
  return out.toBytes();
}
