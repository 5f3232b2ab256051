import fc from 'fast-check';
import { unzipSync, zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { VocDataError, decodeImageSync, decodeLabel, encodeIndexPng, readNpy, readNpz, writeNpy, writeNpz } from '../src/index';

/** A .npy file built by hand: magic, version, header length, dict text, raw data bytes. */
function npyBytes(header: string, data: number[], major = 1): Uint8Array {
  const prefix = major === 1 ? 10 : 12;
  const text = `${header}\n`;
  const out = new Uint8Array(prefix + text.length + data.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, major, 0]);
  const v = new DataView(out.buffer);
  if (major === 1) v.setUint16(8, text.length, true);
  else v.setUint32(8, text.length, true);
  for (let i = 0; i < text.length; i++) out[prefix + i] = text.charCodeAt(i);
  out.set(data, prefix + text.length);
  return out;
}

const le32 = (values: number[]) => [...new Uint8Array(new Float32Array(values).buffer)];
const be32i = (values: number[]) => values.flatMap((v) => [(v >>> 24) & 255, (v >>> 16) & 255, (v >>> 8) & 255, v & 255]);

describe('readNpy', () => {
  it('reads a v1 little-endian float32 C-order array', () => {
    const a = readNpy(npyBytes("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", le32([1, 2, 3, 4.5, -5, 6])));
    expect(a.shape).toEqual([2, 3]);
    expect(a.dtype).toBe('float32');
    expect([...a.data]).toEqual([1, 2, 3, 4.5, -5, 6]);
  });

  it('reads big-endian int32 and converts Fortran order to C order', () => {
    // Fortran (2,3) holds column-major [a00 a10 a01 a11 a02 a12] = [1 4 2 5 3 6] → C [1 2 3 4 5 6].
    const a = readNpy(npyBytes("{'descr': '>i4', 'fortran_order': True, 'shape': (2, 3), }", be32i([1, 4, 2, 5, 3, -6])));
    expect(a.dtype).toBe('int32');
    expect([...a.data]).toEqual([1, 2, 3, 4, 5, -6]);
  });

  it('Fortran order in 3-D matches a brute-force index computation', () => {
    const shape = [2, 3, 4];
    const f: number[] = [];
    // value(i,j,k) = 100i + 10j + k stored column-major
    for (let k = 0; k < 4; k++) for (let j = 0; j < 3; j++) for (let i = 0; i < 2; i++) f.push(100 * i + 10 * j + k);
    const a = readNpy(
      npyBytes("{'descr': '<f8', 'fortran_order': True, 'shape': (2, 3, 4), }", [...new Uint8Array(new Float64Array(f).buffer)]),
    );
    const c: number[] = [];
    for (let i = 0; i < 2; i++) for (let j = 0; j < 3; j++) for (let k = 0; k < 4; k++) c.push(100 * i + 10 * j + k);
    expect(a.shape).toEqual(shape);
    expect([...a.data]).toEqual(c);
  });

  it('reads v2 and v3 headers, bool, uint8, int64, uint16, int16, half and 0-d / 1-d shapes', () => {
    expect([...readNpy(npyBytes("{'descr': '|u1', 'fortran_order': False, 'shape': (3,), }", [7, 8, 9], 2)).data]).toEqual([7, 8, 9]);
    const b = readNpy(npyBytes("{'descr': '|b1', 'fortran_order': False, 'shape': (3,), }", [0, 1, 2], 3));
    expect(b.dtype).toBe('bool');
    expect([...b.data]).toEqual([0, 1, 1]);
    const i8 = readNpy(
      npyBytes("{'descr': '<i8', 'fortran_order': False, 'shape': (1,), }", [0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]),
    );
    expect(i8.dtype).toBe('int64');
    expect(i8.data[0]).toBe(-2n);
    expect([...readNpy(npyBytes("{'descr': '>u2', 'fortran_order': False, 'shape': (2,), }", [1, 2, 0xff, 0xfe])).data]).toEqual([
      258, 65534,
    ]);
    expect([...readNpy(npyBytes("{'descr': '<i2', 'fortran_order': False, 'shape': (1,), }", [0xff, 0xff])).data]).toEqual([-1]);
    // half: 0x3c00 = 1, 0xc000 = -2, 0x3555 ≈ 0.33325
    const h = readNpy(npyBytes("{'descr': '<f2', 'fortran_order': False, 'shape': (3,), }", [0x00, 0x3c, 0x00, 0xc0, 0x55, 0x35]));
    expect(h.dtype).toBe('float32');
    expect(h.data[0]).toBe(1);
    expect(h.data[1]).toBe(-2);
    expect(h.data[2]).toBeCloseTo(0.33325, 5);
    const scalar = readNpy(npyBytes("{'descr': '<f4', 'fortran_order': False, 'shape': (), }", le32([3.5])));
    expect(scalar.shape).toEqual([]);
    expect([...scalar.data]).toEqual([3.5]);
  });

  it('rejects bad magic, unknown dtypes and truncated data with bad-npy', () => {
    const cases = [
      new Uint8Array([1, 2, 3]),
      npyBytes("{'descr': '<c8', 'fortran_order': False, 'shape': (1,), }", [0, 0, 0, 0, 0, 0, 0, 0]),
      npyBytes("{'descr': '<f4', 'fortran_order': False, 'shape': (4,), }", le32([1, 2])),
      npyBytes("{'descr': '<f4', 'shape': (1,), }", le32([1])),
    ];
    for (const bytes of cases)
      expect(() => readNpy(bytes, 'a.npy')).toThrowError(
        expect.objectContaining({ name: 'VocDataError', code: 'bad-npy', file: 'a.npy' }) as Error,
      );
  });
});

describe('writeNpy', () => {
  it('writes exactly NumPy’s v1 header (64-byte aligned, space padded, newline)', () => {
    const bytes = writeNpy({ shape: [2, 3], data: new Float32Array(6) });
    const header = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }";
    expect([...bytes.subarray(0, 8)]).toEqual([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
    expect(bytes[8]! | (bytes[9]! << 8)).toBe(118);
    const text = String.fromCharCode(...bytes.subarray(10, 128));
    expect(text).toBe(`${header.padEnd(117, ' ')}\n`);
    expect(bytes.length).toBe(128 + 24);
    expect(String.fromCharCode(...writeNpy({ shape: [5], data: new Uint8Array(5) }).subarray(10, 64))).toContain("'shape': (5,)");
  });

  it('round-trips every writable dtype and shape (property)', () => {
    const dims = fc.array(fc.integer({ min: 0, max: 4 }), { minLength: 0, maxLength: 4 });
    fc.assert(
      fc.property(dims, fc.constantFrom('f4', 'f8', 'u1', 'i4', 'u2', 'i2', 'b1'), fc.integer(), (shape, kind, seed) => {
        const n = shape.reduce((a, b) => a * b, 1);
        const values = Array.from(
          { length: n },
          (_, i) => (((seed + i * 2654435761) >>> 0) % 251) - (kind.startsWith('u') || kind === 'b1' ? 0 : 100),
        );
        const data =
          kind === 'f4'
            ? Float32Array.from(values, (v) => v / 8)
            : kind === 'f8'
              ? Float64Array.from(values, (v) => v / 3)
              : kind === 'u1'
                ? Uint8Array.from(values)
                : kind === 'b1'
                  ? Uint8Array.from(values, (v) => v & 1)
                  : kind === 'i4'
                    ? Int32Array.from(values, (v) => v * 100000)
                    : kind === 'u2'
                      ? Uint16Array.from(values, (v) => v * 200)
                      : Int16Array.from(values, (v) => v * 100);
        const back = readNpy(writeNpy({ shape, data, ...(kind === 'b1' ? { dtype: 'bool' as const } : {}) }));
        expect(back.shape).toEqual(shape);
        expect(back.dtype).toBe({ f4: 'float32', f8: 'float64', u1: 'uint8', b1: 'bool', i4: 'int32', u2: 'uint16', i2: 'int16' }[kind]);
        expect([...back.data]).toEqual([...data]);
      }),
      { numRuns: 80 },
    );
  });

  it('rejects shape/data mismatches', () => {
    expect(() => writeNpy({ shape: [2, 2], data: new Float32Array(3) })).toThrow(VocDataError);
  });
});

describe('npz', () => {
  it('writeNpz stores one .npy member per array; readNpz reads stored and deflated archives', () => {
    const actv = { shape: [2, 2, 1], data: new Float32Array([0, 0.25, 0.5, 1]) };
    const labels = { shape: [3], data: new Int32Array([1, 15, 20]) };
    for (const compress of [false, true]) {
      const bytes = writeNpz({ actv, labels }, { compress });
      expect(Object.keys(unzipSync(bytes)).sort()).toEqual(['actv.npy', 'labels.npy']);
      const back = readNpz(bytes, 'x.npz');
      expect([...back.keys()].sort()).toEqual(['actv', 'labels']);
      expect(back.get('actv')!.shape).toEqual([2, 2, 1]);
      expect([...back.get('actv')!.data]).toEqual([0, 0.25, 0.5, 1]);
      expect([...back.get('labels')!.data]).toEqual([1, 15, 20]);
    }
    // An archive made by another zip writer (deflate level 9), as np.savez_compressed would.
    const foreign = zipSync({ 'actv.npy': [writeNpy(actv), { level: 9 }] });
    expect([...readNpz(foreign).get('actv')!.data]).toEqual([0, 0.25, 0.5, 1]);
  });

  it('a member that is not a .npy is a bad-npy error naming the member', () => {
    const bytes = zipSync({ 'actv.npy': new Uint8Array([1, 2, 3]) });
    expect(() => readNpz(bytes, 'x.npz')).toThrowError(
      expect.objectContaining({ code: 'bad-npy', file: 'x.npz', where: 'actv.npy' }) as Error,
    );
  });
});

/** Every parser either returns or throws VocDataError on arbitrary bytes. */
function onlyTypedErrors(parse: (b: Uint8Array) => unknown, seeds: Uint8Array[]) {
  const mutated = fc
    .tuple(fc.constantFrom(...seeds), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 8 }), fc.option(fc.nat()))
    .map(([seed, edits, cut]) => {
      const b = new Uint8Array(seed);
      for (const [at, v] of edits) b[at % b.length] = v;
      return cut === null ? b : b.subarray(0, cut % (b.length + 1));
    });
  fc.assert(
    fc.property(fc.oneof(fc.uint8Array({ maxLength: 300 }), mutated), (bytes) => {
      try {
        parse(bytes);
      } catch (error) {
        if (!(error instanceof VocDataError)) throw error;
      }
    }),
    { numRuns: 300 },
  );
}

describe('fuzz: garbage never escapes as an untyped error', () => {
  const npy = writeNpy({ shape: [3, 2], data: new Float32Array([1, 2, 3, 4, 5, 6]) });
  it('readNpy', () =>
    onlyTypedErrors((b) => readNpy(b), [npy, npyBytes("{'descr': '>i4', 'fortran_order': True, 'shape': (2, 1), }", be32i([1, 2]))]));
  it('readNpz', () =>
    onlyTypedErrors(
      (b) => readNpz(b),
      [
        writeNpz({ a: { shape: [2], data: new Uint8Array([1, 2]) } }),
        writeNpz({ a: { shape: [4], data: new Float32Array(4) } }, { compress: true }),
      ],
    ));
  it('decodeLabel and decodeImageSync', () => {
    const png = encodeIndexPng(
      Uint8Array.from({ length: 64 }, (_, i) => i % 21),
      8,
      8,
    );
    onlyTypedErrors((b) => decodeLabel(b), [png]);
    onlyTypedErrors((b) => decodeImageSync(b), [png]);
  });
});
