import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CaffeImportError } from '@objsel/caffe-import';
import { WireReader } from '../src/wire/reader';
import { encodeMessage } from '../src/wire/writer';
import { protobuf } from './helpers';

const reader = (bytes: number[] | Uint8Array) => {
  const b = bytes instanceof Uint8Array ? bytes : Uint8Array.from(bytes);
  return new WireReader(b, 0, b.length, 'x.bin');
};

function thrown(f: () => unknown): CaffeImportError {
  try {
    f();
  } catch (error) {
    expect(error).toBeInstanceOf(CaffeImportError);
    return error as CaffeImportError;
  }
  throw new Error('did not throw');
}

describe('WireReader', () => {
  it('decodes varints from the protobuf spec and 64-bit edge cases', () => {
    expect(reader([0x01]).varint()).toBe(1);
    expect(reader([0xac, 0x02]).varint()).toBe(300); // the protobuf documentation's example
    expect(reader([0xff, 0xff, 0xff, 0xff, 0x0f]).varint()).toBe(2 ** 32 - 1);
    expect(reader([0x80, 0x80, 0x80, 0x80, 0x80, 0x01]).varint()).toBe(2 ** 35);
    expect(reader([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x0f]).varint()).toBe(2 ** 53 - 1);
    // -1 as int64/int32: ten bytes, sign-extended.
    const minusOne = [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01];
    expect(reader(minusOne).varint()).toBe(-1);
    expect(reader(minusOne).int32()).toBe(-1);
    // 2^53 does not fit a double exactly: rejected, not rounded.
    expect(thrown(() => reader([0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x10]).varint()).code).toBe('bad-length');
    expect(thrown(() => reader([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]).varint()).message).toMatch(
      /longer than 10 bytes/,
    );
  });

  it('agrees with protobufjs on random uint64/int64/int32 varints', () => {
    fc.assert(
      fc.property(fc.oneof(fc.integer({ min: 0, max: 2 ** 31 - 1 }), fc.maxSafeNat(), fc.integer({ min: -(2 ** 31), max: -1 })), (v) => {
        const w = protobuf.Writer.create();
        if (v < 0) w.int64(v);
        else w.uint64(v);
        const bytes = w.finish();
        const r = reader(bytes);
        expect(r.varint()).toBe(v);
        expect(r.pos).toBe(bytes.length);
        if (v >= -(2 ** 31) && v < 2 ** 31) expect(reader(bytes).int32()).toBe(v);
      }),
    );
  });

  it('names the byte offset for truncation, lengths past the end and invalid wire types', () => {
    const r1 = reader([0x0a, 0x05, 0x61, 0x62]);
    r1.tag();
    const e1 = thrown(() => r1.lengthDelimited());
    expect(e1.code).toBe('bad-length');
    expect(e1.message).toBe('x.bin: byte 1: length 5 runs past the end (2 byte(s) remain)');
    const e2 = thrown(() => reader([0x96]).varint());
    expect([e2.code, e2.where]).toEqual(['truncated', 'byte 0']);
    const r3 = reader([0x0e, 0x00]);
    const [f, w] = r3.tag();
    expect([f, w]).toEqual([1, 6]);
    expect(thrown(() => r3.skip(w, f, 0)).message).toMatch(/byte 0: field 1 has wire type invalid \(6\)/);
    expect(thrown(() => reader([0x00]).tag()).message).toMatch(/field number 0/);
    const r4 = reader([0x0d, 0x01, 0x02]);
    r4.tag();
    expect(thrown(() => r4.skip(5, 1, 0)).message).toBe('x.bin: byte 0: fixed32 field 1 runs past the end');
  });

  it('never allocates from a declared length: a 2^50-byte length fails at once', () => {
    // tag 1/LD, then a varint of 2^50.
    const bytes = [0x0a, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x02];
    const r = reader(bytes);
    r.tag();
    expect(thrown(() => r.lengthDelimited()).message).toMatch(/length 1125899906842624 runs past the end \(0 byte\(s\) remain\)/);
  });

  it('skips groups (wire types 3/4), including nested ones, and rejects a mismatched end', () => {
    // field 2 start-group { field 3 varint 7, field 4 start-group {} } end-group 2, then field 1 varint 9
    const bytes = [0x13, 0x18, 0x07, 0x23, 0x24, 0x14, 0x08, 0x09];
    const r = reader(bytes);
    const [f, w] = r.tag();
    r.skip(w, f, 0);
    expect(r.tag()).toEqual([1, 0]);
    expect(r.varint()).toBe(9);
    const bad = reader([0x13, 0x1c]);
    const [bf, bw] = bad.tag();
    expect(thrown(() => bad.skip(bw, bf, 0)).message).toMatch(/group 2 closed by end-group 3/);
  });
});

describe('wire writer', () => {
  it('writes the exact bytes protobuf defines (golden)', () => {
    const bytes = encodeMessage({
      fields: [
        { field: 1, kind: 'string', value: 'ab' },
        { field: 4, kind: 'packed-varints', value: [3, 300] },
        { field: 5, kind: 'floats', value: Float32Array.of(1) },
        { field: 5, kind: 'packed-floats', value: Float32Array.of(-2) },
        { field: 2, kind: 'varint', value: -1 },
        { field: 100, kind: 'message', value: { fields: [{ field: 1, kind: 'varint', value: 150 }] } },
        { field: 8, kind: 'packed-doubles', value: Float64Array.of(0.5) },
      ],
    });
    expect(Array.from(bytes)).toEqual([
      0x0a,
      0x02,
      0x61,
      0x62, // name "ab"
      0x22,
      0x03,
      0x03,
      0xac,
      0x02, // packed varints 3, 300
      0x2d,
      0x00,
      0x00,
      0x80,
      0x3f, // fixed32 1.0f
      0x2a,
      0x04,
      0x00,
      0x00,
      0x00,
      0xc0, // packed [-2.0f]
      0x10,
      0xff,
      0xff,
      0xff,
      0xff,
      0xff,
      0xff,
      0xff,
      0xff,
      0xff,
      0x01, // varint -1
      0xa2,
      0x06,
      0x03,
      0x08,
      0x96,
      0x01, // field 100 (tag 802 = 0xa2 0x06) { field 1: 150 }
      0x42,
      0x08,
      0x00,
      0x00,
      0x00,
      0x00,
      0x00,
      0x00,
      0xe0,
      0x3f, // packed double 0.5
    ]);
  });

  it('round-trips through protobufjs on random messages', () => {
    const T = new protobuf.Type('M')
      .add(new protobuf.Field('s', 1, 'string'))
      .add(new protobuf.Field('v', 2, 'int64', 'repeated'))
      .add(new protobuf.Field('f', 3, 'float', 'repeated'));
    fc.assert(
      fc.property(
        fc.string(),
        fc.array(fc.maxSafeNat(), { maxLength: 5 }),
        fc.array(fc.float({ noNaN: true }), { maxLength: 5 }),
        fc.boolean(),
        (s, v, f, packed) => {
          const floats = Float32Array.from(f);
          const bytes = encodeMessage({
            fields: [
              { field: 1, kind: 'string', value: s },
              ...(v.length ? [{ field: 2, kind: 'packed-varints' as const, value: v }] : []),
              { field: 3, kind: packed ? ('packed-floats' as const) : ('floats' as const), value: floats },
            ],
          });
          const o = T.toObject(T.decode(bytes), { longs: Number, arrays: true }) as { s: string; v: number[]; f: number[] };
          expect(o.s).toBe(s);
          expect(o.v).toEqual(v);
          expect(o.f).toEqual(Array.from(floats));
        },
      ),
    );
  });
});
